# stage: validate
# path: rollout.on_interrupt
# expect: Invalid on_interrupt
resource "platform_blue_green_service" "this" {
  name                = "on-interrupt-unknown"
  deletion_protection = false
  template {
    containers {
      image = "img:v1"
    }
  }
  rollout {
    on_interrupt = "ignore"
  }
}
