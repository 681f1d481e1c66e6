# stage: validate
# path: template.max_instance_request_concurrency
# expect: Invalid max_instance_request_concurrency
resource "platform_blue_green_service" "this" {
  name                = "concurrency-above-1000"
  deletion_protection = false
  template {
    max_instance_request_concurrency = 1001
    containers {
      image = "img:v1"
    }
  }
}
