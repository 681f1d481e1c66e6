import {
  to = platform_blue_green_service.api
  identity = {
    name = "api"
    # Default to the provider's project and region.
    project  = "acme-platform-prod"
    location = "us-central1"
  }
}
