# stage: validate
# path: template.containers[0].resources.memory
# expect: needs at least
resource "platform_blue_green_service" "this" {
  name                = "memory-needs-cpu"
  deletion_protection = false
  template {
    containers {
      image = "img:v1"
      resources {
        cpu    = "1"
        memory = "8Gi"
      }
    }
  }
}
