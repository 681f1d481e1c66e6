resource "google_logging_project_bucket_config" "default" {
  project        = var.project_id
  location       = "global"
  bucket_id      = "_Default"
  retention_days = var.retention.default_days
}

resource "google_logging_project_bucket_config" "audit" {
  project        = var.project_id
  location       = var.retention.location
  bucket_id      = "audit-logs"
  retention_days = var.retention.audit_days
  description    = "Audit logs kept for compliance"
}

resource "google_logging_project_sink" "audit" {
  project                = var.project_id
  name                   = "audit-logs"
  destination            = "logging.googleapis.com/${google_logging_project_bucket_config.audit.id}"
  filter                 = "logName:\"cloudaudit.googleapis.com\""
  unique_writer_identity = true
}
