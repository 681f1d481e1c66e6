# stage: validate
# path: rollout.pause_at_percent
# expect: Invalid pause_at_percent
resource "platform_blue_green_service" "this" {
  name                = "pause-above-99"
  deletion_protection = false
  template {
    containers {
      image = "img:v1"
    }
  }
  rollout {
    pause_at_percent = 101
  }
}
