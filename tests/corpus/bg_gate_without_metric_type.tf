# stage: validate
# path: rollout.gate[0].filter
# expect: metric.type
resource "platform_blue_green_service" "this" {
  name                = "gate-without-metric-type"
  deletion_protection = false
  template {
    containers {
      image = "img:v1"
    }
  }
  rollout {
    gate {
      name   = "queue"
      filter = "resource.type = \"global\""
      max    = 100
    }
  }
}
