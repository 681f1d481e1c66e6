# stage: validate
# path: labels
# expect: Invalid label
resource "platform_blue_green_service" "this" {
  name                = "label-key-uppercase"
  deletion_protection = false
  labels              = { Team = "api" }
  template {
    containers {
      image = "img:v1"
    }
  }
}
