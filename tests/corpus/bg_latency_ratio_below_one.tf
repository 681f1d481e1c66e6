# stage: validate
# path: rollout.max_latency_ratio
# expect: Invalid max_latency_ratio
resource "platform_blue_green_service" "this" {
  name                = "latency-ratio-below-one"
  deletion_protection = false
  template {
    containers {
      image = "img:v1"
    }
  }
  rollout {
    max_latency_ratio = 0.5
  }
}
