# The API service: a new image is staged at 0 %, then takes 5, 25, 50 and 100 % of the
# traffic, each step baked for 5 minutes and rolled back automatically when the error
# rate passes 0.5 % or p95 latency passes twice the stable revision's.
resource "platform_blue_green_service" "api" {
  name     = "api"
  location = "us-central1"

  template {
    service_account                  = "api-runtime@acme-platform-prod.iam.gserviceaccount.com"
    timeout                          = "300s"
    max_instance_request_concurrency = 80

    scaling {
      min_instance_count = 2
      max_instance_count = 20
    }

    containers {
      image = "us-central1-docker.pkg.dev/acme-platform-prod/app/api:v2"

      resources {
        cpu    = "2"
        memory = "4Gi"
      }

      env_secret {
        name    = "DATABASE_URL"
        secret  = "database-url"
        version = "latest"
      }

      startup_probe {
        http_get_path = "/health"
      }
    }
  }

  rollout {
    steps          = [5, 25, 50, 100]
    bake_duration  = "5m"
    max_error_rate = 0.005
  }

  timeouts {
    update = "60m"
  }
}
