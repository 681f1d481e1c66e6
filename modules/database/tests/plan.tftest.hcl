# Plan assertions on hashicorp/google's schema (the e2e tests install a schema-faithful stand-in).

variables {
  project_id             = "platform-prod"
  network_id             = "projects/platform-prod/global/networks/platform-vpc"
  private_services_range = "platform-private-services"
}

run "guide_database_is_planned" {
  command = plan

  assert {
    condition     = google_sql_database_instance.primary.database_version == "POSTGRES_16"
    error_message = "PostgreSQL 16"
  }
  assert {
    condition     = google_sql_database_instance.primary.settings[0].availability_type == "REGIONAL"
    error_message = "the primary is highly available"
  }
  assert {
    condition     = google_sql_database_instance.primary.settings[0].backup_configuration[0].point_in_time_recovery_enabled && google_sql_database_instance.primary.settings[0].backup_configuration[0].transaction_log_retention_days == 7
    error_message = "point-in-time recovery over 7 days"
  }
  assert {
    condition     = google_sql_database_instance.primary.settings[0].ip_configuration[0].ipv4_enabled == false
    error_message = "no public IP"
  }
  assert {
    condition     = google_sql_database_instance.replica[0].master_instance_name == google_sql_database_instance.primary.name
    error_message = "one read replica of the primary"
  }
}
