# stage: validate
# path: template.execution_environment
# expect: Invalid execution_environment
resource "platform_blue_green_service" "this" {
  name                = "execution-environment-unknown"
  deletion_protection = false
  template {
    execution_environment = "GEN3"
    containers {
      image = "img:v1"
    }
  }
}
