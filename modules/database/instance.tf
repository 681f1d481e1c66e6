resource "google_sql_database_instance" "primary" {
  project             = var.project_id
  name                = var.instance_name
  region              = var.region
  database_version    = var.instance.database_version
  deletion_protection = var.instance.deletion_protection

  settings {
    tier                        = var.instance.tier
    edition                     = var.instance.edition
    availability_type           = var.instance.availability_type
    disk_type                   = var.instance.disk_type
    disk_size                   = var.instance.disk_size_gb
    disk_autoresize             = true
    deletion_protection_enabled = var.instance.deletion_protection
    user_labels                 = var.labels

    location_preference {
      zone           = var.instance.zone
      secondary_zone = var.instance.secondary_zone
    }

    ip_configuration {
      ipv4_enabled       = false
      private_network    = var.network_id
      allocated_ip_range = var.private_services_range
      ssl_mode           = "ENCRYPTED_ONLY"
    }

    backup_configuration {
      enabled                        = true
      start_time                     = var.backup.start_time
      location                       = var.backup.location
      point_in_time_recovery_enabled = var.backup.point_in_time_recovery
      transaction_log_retention_days = var.backup.transaction_log_retention_days

      backup_retention_settings {
        retained_backups = var.backup.retained_backups
        retention_unit   = "COUNT"
      }
    }

    maintenance_window {
      day          = var.maintenance.day
      hour         = var.maintenance.hour
      update_track = var.maintenance.update_track
    }

    insights_config {
      query_insights_enabled = true
    }

    dynamic "database_flags" {
      for_each = var.flags
      content {
        name  = database_flags.key
        value = database_flags.value
      }
    }

    dynamic "connection_pool_config" {
      for_each = var.connection_pooling.enabled ? [var.connection_pooling] : []
      content {
        connection_pooling_enabled = true

        dynamic "flags" {
          for_each = connection_pool_config.value.flags
          content {
            name  = flags.key
            value = flags.value
          }
        }
      }
    }
  }

  lifecycle {
    # Cross-field rules that variable validation cannot express on Terraform 1.5.
    precondition {
      condition     = (var.instance.edition == "ENTERPRISE_PLUS") == startswith(var.instance.tier, "db-perf-optimized-")
      error_message = "instance.tier does not fit instance.edition: ENTERPRISE takes db-custom-* tiers, ENTERPRISE_PLUS takes db-perf-optimized-N-* tiers."
    }
    precondition {
      condition     = !var.connection_pooling.enabled || var.instance.edition == "ENTERPRISE_PLUS"
      error_message = "connection_pooling needs instance.edition = ENTERPRISE_PLUS with a db-perf-optimized-N-* tier."
    }
    precondition {
      condition     = var.instance.edition == "ENTERPRISE_PLUS" || var.backup.transaction_log_retention_days <= 7
      error_message = "backup.transaction_log_retention_days above 7 needs the ENTERPRISE_PLUS edition."
    }
  }
}

resource "google_sql_database" "main" {
  for_each = toset(var.databases)

  project  = var.project_id
  instance = google_sql_database_instance.primary.name
  name     = each.value
}
