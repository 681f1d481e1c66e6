resource "google_redis_instance" "main" {
  project                 = var.project_id
  name                    = var.instance_name
  region                  = var.region
  tier                    = var.instance.tier
  memory_size_gb          = var.instance.memory_size_gb
  redis_version           = var.instance.redis_version
  location_id             = var.instance.location_id
  alternative_location_id = var.instance.tier == "STANDARD_HA" ? var.instance.alternative_location_id : null
  authorized_network      = var.network_id
  connect_mode            = "PRIVATE_SERVICE_ACCESS"
  reserved_ip_range       = var.private_services_range
  auth_enabled            = var.instance.auth_enabled
  transit_encryption_mode = var.instance.transit_encryption_mode
  redis_configs           = var.instance.redis_configs
  labels                  = var.labels

  maintenance_policy {
    weekly_maintenance_window {
      day = var.maintenance.day
      start_time {
        hours   = var.maintenance.hour
        minutes = 0
      }
    }
  }
}
