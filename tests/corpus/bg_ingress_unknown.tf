# stage: validate
# path: ingress
# expect: Invalid ingress
resource "platform_blue_green_service" "this" {
  name                = "ingress-unknown"
  deletion_protection = false
  ingress             = "PUBLIC"
  template {
    containers {
      image = "img:v1"
    }
  }
}
