# Plan assertions on hashicorp/google's schema (the e2e tests install a schema-faithful stand-in).

variables {
  project_id = "platform-prod"
}

run "guide_audit_logging_is_planned" {
  command = plan

  assert {
    condition     = google_project_iam_audit_config.all.service == "allServices" && toset([for c in google_project_iam_audit_config.all.audit_log_config : c.log_type]) == toset(["ADMIN_READ", "DATA_READ", "DATA_WRITE"])
    error_message = "admin reads, data reads and data writes are audited for all services"
  }
  assert {
    condition     = google_logging_project_bucket_config.default.retention_days == 30 && google_logging_project_bucket_config.audit.retention_days == 365
    error_message = "30 days of ordinary logs, a year of audit logs"
  }
  assert {
    condition     = google_logging_project_sink.audit.unique_writer_identity && google_logging_project_sink.audit.filter == "logName:\"cloudaudit.googleapis.com\""
    error_message = "audit logs are routed to the audit bucket by their log name"
  }
  assert {
    condition     = output.data_retention_env == { SESSION_RETENTION_DAYS = "30", RECORDING_RETENTION_DAYS = "90", DELETED_RETENTION_DAYS = "30" }
    error_message = "the data-retention settings reach the services as environment"
  }
}

run "an_unknown_audit_log_type_is_refused" {
  command = plan

  variables {
    audit_log_types = ["ADMIN_READ", "DATA_DELETE"]
  }

  expect_failures = [var.audit_log_types]
}
