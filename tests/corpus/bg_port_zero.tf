# stage: validate
# path: template.containers[0].ports.container_port
# expect: Invalid container_port
resource "platform_blue_green_service" "this" {
  name                = "port-zero"
  deletion_protection = false
  template {
    containers {
      image = "img:v1"
      ports {
        container_port = 0
      }
    }
  }
}
