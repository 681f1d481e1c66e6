output "uptime_check_id" {
  description = "ID of the API uptime check."
  value       = google_monitoring_uptime_check_config.api.uptime_check_id
}

output "alert_policies" {
  description = "Alert key → alert policy name."
  value       = { for k, p in google_monitoring_alert_policy.guide : k => p.name }
}

output "notification_channels" {
  description = "Channels alerts are sent to (critical includes PagerDuty)."
  value = {
    warning  = local.warning_channels
    critical = local.critical_channels
  }
}
