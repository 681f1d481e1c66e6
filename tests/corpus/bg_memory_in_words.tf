# stage: validate
# path: template.containers[0].resources.memory
# expect: is not a memory size
resource "platform_blue_green_service" "this" {
  name                = "memory-in-words"
  deletion_protection = false
  template {
    containers {
      image = "img:v1"
      resources {
        memory = "4 gigs"
      }
    }
  }
}
