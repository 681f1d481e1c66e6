# stage: validate
# path: template.containers[0].resources.memory
# expect: outside what Cloud Run allows
resource "platform_blue_green_service" "this" {
  name                = "memory-too-large"
  deletion_protection = false
  template {
    containers {
      image = "img:v1"
      resources {
        cpu    = "8"
        memory = "64Gi"
      }
    }
  }
}
