# stage: validate
# path: rollout.steps
# expect: Invalid rollout steps
resource "platform_blue_green_service" "this" {
  name                = "steps-descending"
  deletion_protection = false
  template {
    containers {
      image = "img:v1"
    }
  }
  rollout {
    steps = [50, 25, 100]
  }
}
