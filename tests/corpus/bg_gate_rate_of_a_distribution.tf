# stage: plan
# path: rollout.gate[0].aligner
# expect: Gate aligner gives a distribution
resource "platform_blue_green_service" "this" {
  name                = "gate-rate-of-a-distribution"
  deletion_protection = false
  template {
    containers {
      image = "img:v1"
    }
  }
  rollout {
    gate {
      name    = "latency"
      filter  = "metric.type = \"run.googleapis.com/request_latencies\""
      aligner = "ALIGN_RATE"
      max     = 100
    }
  }
}
