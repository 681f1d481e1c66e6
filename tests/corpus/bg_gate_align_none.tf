# stage: validate
# path: rollout.gate[0].aligner
# expect: Gate needs an aligner
resource "platform_blue_green_service" "this" {
  name                = "gate-align-none"
  deletion_protection = false
  template {
    containers {
      image = "img:v1"
    }
  }
  rollout {
    gate {
      name    = "queue"
      filter  = "metric.type = \"custom.googleapis.com/queue_depth\""
      aligner = "ALIGN_NONE"
      max     = 100
    }
  }
}
