resource "google_project_iam_audit_config" "all" {
  project = var.project_id
  service = "allServices"

  dynamic "audit_log_config" {
    for_each = toset(var.audit_log_types)
    content {
      log_type = audit_log_config.value
    }
  }
}
