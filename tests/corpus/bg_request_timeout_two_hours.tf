# stage: validate
# path: template.timeout
# expect: outside 1s to 3600s
resource "platform_blue_green_service" "this" {
  name                = "request-timeout-two-hours"
  deletion_protection = false
  template {
    timeout = "7200s"
    containers {
      image = "img:v1"
    }
  }
}
