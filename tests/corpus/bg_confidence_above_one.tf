# stage: validate
# path: rollout.confidence
# expect: Invalid confidence
resource "platform_blue_green_service" "this" {
  name                = "confidence-above-one"
  deletion_protection = false
  template {
    containers {
      image = "img:v1"
    }
  }
  rollout {
    confidence = 1.5
  }
}
