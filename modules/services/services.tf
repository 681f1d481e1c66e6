resource "platform_blue_green_service" "service" {
  for_each = var.services

  name                = each.value.name
  project             = var.project_id
  location            = var.region
  ingress             = each.value.ingress
  labels              = var.labels
  deletion_protection = var.deletion_protection

  template {
    service_account                  = google_service_account.service[each.key].email
    timeout                          = each.value.timeout
    max_instance_request_concurrency = each.value.concurrency
    execution_environment            = "EXECUTION_ENVIRONMENT_GEN2"
    session_affinity                 = each.value.session_affinity

    scaling {
      min_instance_count = each.value.min_instances
      max_instance_count = each.value.max_instances
    }

    vpc_access {
      connector = var.vpc_connector
      egress    = "PRIVATE_RANGES_ONLY"
    }

    containers {
      image = var.images[each.key]

      ports {
        container_port = each.value.port
      }

      resources {
        cpu    = each.value.cpu
        memory = each.value.memory
      }

      dynamic "env" {
        for_each = merge(var.environment, each.value.env)
        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env_secret" {
        for_each = var.secrets
        content {
          name    = env_secret.key
          secret  = google_secret_manager_secret.env[env_secret.value].secret_id
          version = "latest"
        }
      }

      startup_probe {
        http_path             = each.value.health_path
        initial_delay_seconds = 5
        period_seconds        = 10
        failure_threshold     = 6
      }

      liveness_probe {
        http_path      = each.value.health_path
        period_seconds = 30
      }
    }
  }

  rollout {
    steps          = var.rollout.steps
    bake_duration  = var.rollout.bake_duration
    max_error_rate = var.rollout.max_error_rate
    auto_rollback  = var.rollout.auto_rollback
  }

  # The revision must be able to read its secrets before it starts.
  depends_on = [google_secret_manager_secret_iam_member.accessor]
}
