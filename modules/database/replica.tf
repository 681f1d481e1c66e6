resource "google_sql_database_instance" "replica" {
  count = var.read_replica.enabled ? 1 : 0

  project              = var.project_id
  name                 = var.replica_name
  region               = var.region
  database_version     = var.instance.database_version
  master_instance_name = google_sql_database_instance.primary.name
  deletion_protection  = var.instance.deletion_protection

  replica_configuration {
    failover_target = false
  }

  settings {
    tier              = var.instance.tier
    edition           = var.instance.edition
    availability_type = "ZONAL"
    disk_type         = var.instance.disk_type
    disk_size         = var.instance.disk_size_gb
    disk_autoresize   = true
    user_labels       = var.labels

    location_preference {
      zone = var.read_replica.zone
    }

    ip_configuration {
      ipv4_enabled       = false
      private_network    = var.network_id
      allocated_ip_range = var.private_services_range
      ssl_mode           = "ENCRYPTED_ONLY"
    }

    dynamic "database_flags" {
      for_each = var.flags
      content {
        name  = database_flags.key
        value = database_flags.value
      }
    }
  }
}
