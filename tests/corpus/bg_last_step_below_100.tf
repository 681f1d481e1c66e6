# stage: validate
# path: rollout.steps
# expect: 100
resource "platform_blue_green_service" "this" {
  name                = "last-step-below-100"
  deletion_protection = false
  template {
    containers {
      image = "img:v1"
    }
  }
  rollout {
    steps = [5, 25, 50]
  }
}
