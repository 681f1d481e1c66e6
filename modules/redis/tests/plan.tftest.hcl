# Plan assertions on hashicorp/google's schema (the e2e tests install a schema-faithful stand-in).

variables {
  project_id             = "platform-prod"
  network_id             = "projects/platform-prod/global/networks/platform-vpc"
  private_services_range = "platform-private-services"
}

run "guide_redis_is_planned" {
  command = plan

  assert {
    condition     = google_redis_instance.main.tier == "STANDARD_HA" && google_redis_instance.main.memory_size_gb == 5
    error_message = "Redis is highly available with 5 GB"
  }
  assert {
    condition     = google_redis_instance.main.redis_version == "REDIS_7_2"
    error_message = "the newest Memorystore for Redis version, not the guide's REDIS_7_4"
  }
  assert {
    condition     = google_redis_instance.main.connect_mode == "PRIVATE_SERVICE_ACCESS"
    error_message = "Redis is reached through private services access"
  }
}
