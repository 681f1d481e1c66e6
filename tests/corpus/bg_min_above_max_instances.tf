# stage: validate
# path: template.scaling.min_instance_count
# expect: above max_instance_count
resource "platform_blue_green_service" "this" {
  name                = "min-above-max-instances"
  deletion_protection = false
  template {
    scaling {
      min_instance_count = 5
      max_instance_count = 2
    }
    containers {
      image = "img:v1"
    }
  }
}
