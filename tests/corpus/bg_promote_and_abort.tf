# stage: validate
# path: rollout.abort
# expect: promote
resource "platform_blue_green_service" "this" {
  name                = "promote-and-abort"
  deletion_protection = false
  template {
    containers {
      image = "img:v1"
    }
  }
  rollout {
    promote = true
    abort   = true
  }
}
