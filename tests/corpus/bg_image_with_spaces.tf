# stage: validate
# path: template.containers[0].image
# expect: is not a container image reference
resource "platform_blue_green_service" "this" {
  name                = "image-with-spaces"
  deletion_protection = false
  template {
    containers {
      image = "my image:latest"
    }
  }
}
