# stage: validate
# path: timeouts.create
# expect: 10m
resource "platform_blue_green_service" "this" {
  name                = "timeouts-in-words"
  deletion_protection = false
  timeouts {
    create = "soon"
  }
  template {
    containers {
      image = "img:v1"
    }
  }
}
