output "audit_bucket" {
  description = "Log bucket that keeps audit logs."
  value       = google_logging_project_bucket_config.audit.id
}

output "data_retention_env" {
  description = "Environment variables carrying the data-retention settings (merge into the services module's environment)."
  value = {
    SESSION_RETENTION_DAYS   = tostring(var.data_retention.sessions_days)
    RECORDING_RETENTION_DAYS = tostring(var.data_retention.recordings_days)
    DELETED_RETENTION_DAYS   = tostring(var.data_retention.deleted_days)
  }
}
