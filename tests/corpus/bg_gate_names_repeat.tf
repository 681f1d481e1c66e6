# stage: validate
# path: rollout.gate[1].name
# expect: Duplicate gate name
resource "platform_blue_green_service" "this" {
  name                = "gate-names-repeat"
  deletion_protection = false
  template {
    containers {
      image = "img:v1"
    }
  }
  rollout {
    gate {
      name   = "queue"
      filter = "metric.type = \"custom.googleapis.com/queue_depth\""
      max    = 100
    }
    gate {
      name   = "queue"
      filter = "metric.type = \"custom.googleapis.com/backlog\""
      max    = 10
    }
  }
}
