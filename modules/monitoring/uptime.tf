resource "google_monitoring_uptime_check_config" "api" {
  project      = var.project_id
  display_name = "API health"
  period       = var.uptime.period
  timeout      = var.uptime.timeout

  http_check {
    path         = var.uptime.path
    port         = 443
    use_ssl      = true
    validate_ssl = true
  }

  monitored_resource {
    type = "uptime_url"
    labels = {
      project_id = var.project_id
      host       = var.api_host
    }
  }
}
