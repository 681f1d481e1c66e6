terraform {
  required_providers {
    platform = {
      source = "platform-eng/platform"
    }
  }
}

# Credentials follow the hashicorp/google provider: GOOGLE_APPLICATION_CREDENTIALS, a
# `credentials` file or JSON, an access token, impersonation, or the metadata server.
provider "platform" {
  project = "acme-platform-prod"
  region  = "us-central1"
}
