# stage: validate
# path: rollout.steps
# expect: Both steps and step blocks
resource "platform_blue_green_service" "this" {
  name                = "steps-and-step-blocks"
  deletion_protection = false
  template {
    containers {
      image = "img:v1"
    }
  }
  rollout {
    steps = [5, 100]
    step {
      percent = 100
    }
  }
}
