# stage: validate
# path: template.containers[0].image
# expect: is not a container image reference
resource "platform_blue_green_service" "this" {
  name                = "image-uppercase"
  deletion_protection = false
  template {
    containers {
      image = "Registry/API:v1"
    }
  }
}
