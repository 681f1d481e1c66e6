# stage: validate
# path: rollout.min_requests
# expect: Invalid min_requests
resource "platform_blue_green_service" "this" {
  name                = "min-requests-negative"
  deletion_protection = false
  template {
    containers {
      image = "img:v1"
    }
  }
  rollout {
    min_requests = -1
  }
}
