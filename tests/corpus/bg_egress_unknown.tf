# stage: validate
# path: template.vpc_access.egress
# expect: Invalid egress
resource "platform_blue_green_service" "this" {
  name                = "egress-unknown"
  deletion_protection = false
  template {
    vpc_access {
      connector = "projects/p/locations/us-central1/connectors/c"
      egress    = "EVERYTHING"
    }
    containers {
      image = "img:v1"
    }
  }
}
