# stage: validate
# path: rollout.max_error_rate
# expect: Invalid max_error_rate
resource "platform_blue_green_service" "this" {
  name                = "error-rate-as-percent"
  deletion_protection = false
  template {
    containers {
      image = "img:v1"
    }
  }
  rollout {
    max_error_rate = 5
  }
}
