# stage: validate
# path: name
# expect: Invalid service name
resource "platform_blue_green_service" "this" {
  name                = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
  deletion_protection = false
  template {
    containers {
      image = "img:v1"
    }
  }
}
