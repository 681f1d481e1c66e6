# Plan assertions on hashicorp/google's schema (the e2e tests install a schema-faithful stand-in).

variables {
  project_id          = "platform-prod"
  sql_instance        = { name = "platform-prod-db", max_connections = 200 }
  redis_instance_name = "platform-prod-redis"
  channels = {
    emails                = ["oncall@platform.com", "platform@platform.com"]
    slack_channel         = "#alerts"
    slack_token           = "xoxb-test"
    pagerduty_service_key = "pd-test-key"
  }
}

run "guide_alerts_are_planned" {
  command = plan

  assert {
    condition     = toset(keys(google_monitoring_alert_policy.guide)) == toset(["api_error_rate", "api_latency_p95", "db_connections", "redis_memory", "livekit_packet_loss", "api_uptime"])
    error_message = "one alert policy per guide alert"
  }
  assert {
    condition     = google_monitoring_alert_policy.guide["api_error_rate"].display_name == "API error rate > 5%" && google_monitoring_alert_policy.guide["api_error_rate"].severity == "CRITICAL"
    error_message = "the API error-rate alert is critical at 5 %"
  }
  assert {
    condition     = google_monitoring_alert_policy.guide["livekit_packet_loss"].display_name == "LiveKit packet loss > 1%" && google_monitoring_alert_policy.guide["redis_memory"].display_name == "Redis memory > 90%"
    error_message = "alert names show the ratios as whole percentages (0.01 * 100 is not exact in Terraform)"
  }
  assert {
    condition     = google_monitoring_alert_policy.guide["db_connections"].conditions[0].condition_threshold[0].threshold_value == 160
    error_message = "database connections alert at 80 % of max_connections"
  }
  assert {
    condition     = google_monitoring_alert_policy.guide["api_latency_p95"].conditions[0].condition_threshold[0].aggregations[0].per_series_aligner == "ALIGN_PERCENTILE_95" && length(google_monitoring_alert_policy.guide["api_latency_p95"].conditions[0].condition_threshold[0].denominator_aggregations) == 0
    error_message = "latency is judged on the p95, without a denominator"
  }
  assert {
    condition     = length(google_monitoring_notification_channel.email) == 2 && length(google_monitoring_notification_channel.slack) == 1 && length(google_monitoring_notification_channel.pagerduty) == 1
    error_message = "e-mail, Slack and PagerDuty channels are created"
  }
  assert {
    condition     = google_monitoring_uptime_check_config.api.period == "60s" && google_monitoring_uptime_check_config.api.http_check[0].path == "/health" && google_monitoring_uptime_check_config.api.monitored_resource[0].labels.host == "api.platform.com"
    error_message = "the API health endpoint is checked every minute"
  }
}

run "existing_channels_create_none" {
  command = plan

  variables {
    existing_channels = { ops = "projects/platform-prod/notificationChannels/123" }
  }

  assert {
    condition     = length(google_monitoring_notification_channel.email) + length(google_monitoring_notification_channel.slack) + length(google_monitoring_notification_channel.pagerduty) == 0
    error_message = "no channels are created when existing ones are given"
  }
  assert {
    condition     = alltrue([for p in google_monitoring_alert_policy.guide : p.notification_channels == tolist(["projects/platform-prod/notificationChannels/123"])])
    error_message = "every alert goes to the existing channels"
  }
}

run "a_percentage_threshold_is_refused" {
  command = plan

  variables {
    thresholds = { error_rate = 5 }
  }

  expect_failures = [var.thresholds]
}
