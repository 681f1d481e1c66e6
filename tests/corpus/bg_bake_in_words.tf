# stage: validate
# path: rollout.bake_duration
# expect: 10m
resource "platform_blue_green_service" "this" {
  name                = "bake-in-words"
  deletion_protection = false
  template {
    containers {
      image = "img:v1"
    }
  }
  rollout {
    bake_duration = "ten minutes"
  }
}
