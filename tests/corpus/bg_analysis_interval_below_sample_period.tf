# stage: plan
# path: rollout.analysis_interval
# expect: analysis_interval below the metric's sample period
resource "platform_blue_green_service" "this" {
  name                = "analysis-interval-below-sample-period"
  deletion_protection = false
  template {
    containers {
      image = "img:v1"
    }
  }
  rollout {
    analysis_interval = "10s"
  }
}
