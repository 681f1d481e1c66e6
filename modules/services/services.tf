resource "platform_blue_green_service" "service" {
  for_each = var.services

  name                = lookup(var.names, each.key, each.value.name)
  project             = var.project_id
  location            = var.region
  ingress             = each.value.ingress
  labels              = var.labels
  deletion_protection = var.deletion_protection

  template {
    service_account                  = lookup(var.service_accounts, each.key, null)
    timeout                          = each.value.timeout
    max_instance_request_concurrency = each.value.concurrency
    execution_environment            = "EXECUTION_ENVIRONMENT_GEN2"
    session_affinity                 = each.value.session_affinity

    scaling {
      min_instance_count = each.value.min_instances
      max_instance_count = each.value.max_instances
    }

    dynamic "vpc_access" {
      for_each = var.vpc_connector == null ? [] : [var.vpc_connector]
      content {
        connector = vpc_access.value
        egress    = "PRIVATE_RANGES_ONLY"
      }
    }

    containers {
      image = lookup(var.images, each.key, "")

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
          secret  = env_secret.value
          version = "latest"
        }
      }

      startup_probe {
        http_get_path         = each.value.health_path
        initial_delay_seconds = 5
        period_seconds        = 10
        failure_threshold     = 6
      }

      liveness_probe {
        http_get_path  = each.value.health_path
        period_seconds = 30
      }
    }
  }

  rollout {
    steps          = var.rollout.steps
    bake_duration  = var.rollout.bake_duration
    max_error_rate = var.rollout.max_error_rate
    auto_rollback  = var.rollout.auto_rollback
    promote        = var.rollout.promote
  }

  lifecycle {
    # Checked here rather than in a validation block: validations may only reference their own
    # variable before Terraform 1.9.
    precondition {
      condition     = contains(keys(var.images), each.key)
      error_message = "images has no entry for service \"${each.key}\"."
    }
    precondition {
      condition     = contains(keys(var.service_accounts), each.key)
      error_message = "service_accounts has no entry for service \"${each.key}\": each service runs as its own account."
    }
  }
}
