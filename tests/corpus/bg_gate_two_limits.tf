# stage: validate
# path: rollout.gate[0].max_ratio_to_stable
# expect: Gate with two limits
resource "platform_blue_green_service" "this" {
  name                = "gate-two-limits"
  deletion_protection = false
  template {
    containers {
      image = "img:v1"
    }
  }
  rollout {
    gate {
      name                = "cpu"
      filter              = "metric.type = \"run.googleapis.com/container/cpu/utilizations\""
      aligner             = "ALIGN_PERCENTILE_99"
      max                 = 0.9
      max_ratio_to_stable = 1.5
    }
  }
}
