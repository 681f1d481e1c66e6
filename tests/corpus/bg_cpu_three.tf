# stage: validate
# path: template.containers[0].resources.cpu
# expect: is not a CPU limit Cloud Run accepts
resource "platform_blue_green_service" "this" {
  name                = "cpu-three"
  deletion_protection = false
  template {
    containers {
      image = "img:v1"
      resources {
        cpu = "3"
      }
    }
  }
}
