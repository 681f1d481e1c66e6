# Every Cloud Run service in us-central1, as candidates to manage with
# platform_blue_green_service (`terraform query -generate-config-out=adopt.tf`
# writes a resource and an `import { identity = ... }` block for each).
list "platform_blue_green_service" "all" {
  provider         = platform
  include_resource = true

  config {
    location = "us-central1"
  }
}
