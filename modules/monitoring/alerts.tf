# One definition per guide alert; a single resource renders them all.
locals {
  # Ratios as percentages rounded to 0.01: 0.01 * 100 is 0.99999... in Terraform's
  # arbitrary-precision arithmetic, which would end up in the alert's name.
  percent = { for k in ["error_rate", "db_connections", "redis_memory", "livekit_packet_loss"] : k => floor(var.thresholds[k] * 10000 + 0.5) / 100 }
  run_api = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"${var.api_service_name}\""
  alerts = {
    api_error_rate = {
      name        = "API error rate > ${local.percent.error_rate}%"
      severity    = "CRITICAL"
      filter      = "metric.type=\"run.googleapis.com/request_count\" AND ${local.run_api} AND metric.labels.response_code_class=\"5xx\""
      denominator = "metric.type=\"run.googleapis.com/request_count\" AND ${local.run_api}"
      aligner     = "ALIGN_RATE"
      reducer     = "REDUCE_SUM"
      threshold   = var.thresholds.error_rate
      duration    = var.thresholds.error_rate_duration
    }
    api_latency_p95 = {
      name        = "API p95 latency > ${var.thresholds.api_p95_latency_ms} ms"
      severity    = "WARNING"
      filter      = "metric.type=\"run.googleapis.com/request_latencies\" AND ${local.run_api}"
      denominator = null
      aligner     = "ALIGN_PERCENTILE_95"
      reducer     = "REDUCE_MAX"
      threshold   = var.thresholds.api_p95_latency_ms
      duration    = var.thresholds.duration
    }
    db_connections = {
      name        = "Cloud SQL connections > ${local.percent.db_connections}% of max"
      severity    = "WARNING"
      filter      = "metric.type=\"cloudsql.googleapis.com/database/postgresql/num_backends\" AND resource.type=\"cloudsql_database\" AND resource.labels.database_id=\"${var.project_id}:${var.sql_instance.name}\""
      denominator = null
      aligner     = "ALIGN_MEAN"
      reducer     = "REDUCE_SUM"
      threshold   = var.thresholds.db_connections * var.sql_instance.max_connections
      duration    = var.thresholds.duration
    }
    redis_memory = {
      name        = "Redis memory > ${local.percent.redis_memory}%"
      severity    = "WARNING"
      filter      = "metric.type=\"redis.googleapis.com/stats/memory/usage_ratio\" AND resource.type=\"redis_instance\" AND resource.labels.instance_id=monitoring.regex.full_match(\".*/${var.redis_instance_name}\")"
      denominator = null
      aligner     = "ALIGN_MEAN"
      reducer     = "REDUCE_MAX"
      threshold   = var.thresholds.redis_memory
      duration    = var.thresholds.duration
    }
    livekit_packet_loss = {
      name     = "LiveKit packet loss > ${local.percent.livekit_packet_loss}%"
      severity = "WARNING"
      # LiveKit's own counters (livekit_packet_loss_total, livekit_packet_total) as Managed
      # Service for Prometheus stores them: packets lost on the way in over packets received.
      filter      = "metric.type=\"prometheus.googleapis.com/livekit_packet_loss_total/counter\" AND resource.type=\"prometheus_target\" AND metric.labels.direction=\"incoming\""
      denominator = "metric.type=\"prometheus.googleapis.com/livekit_packet_total/counter\" AND resource.type=\"prometheus_target\" AND metric.labels.direction=\"incoming\""
      aligner     = "ALIGN_RATE"
      reducer     = "REDUCE_SUM"
      threshold   = var.thresholds.livekit_packet_loss
      duration    = var.thresholds.duration
    }
    api_uptime = {
      name        = "API uptime check failing"
      severity    = "CRITICAL"
      filter      = "metric.type=\"monitoring.googleapis.com/uptime_check/check_passed\" AND resource.type=\"uptime_url\" AND metric.labels.check_id=\"${google_monitoring_uptime_check_config.api.uptime_check_id}\""
      denominator = null
      aligner     = "ALIGN_NEXT_OLDER"
      reducer     = "REDUCE_COUNT_FALSE"
      threshold   = 1
      duration    = var.uptime.period
    }
  }
}

resource "google_monitoring_alert_policy" "guide" {
  for_each = local.alerts

  project               = var.project_id
  display_name          = each.value.name
  combiner              = "OR"
  severity              = each.value.severity
  notification_channels = each.value.severity == "CRITICAL" ? local.critical_channels : local.warning_channels

  conditions {
    display_name = each.value.name
    condition_threshold {
      filter             = each.value.filter
      denominator_filter = each.value.denominator
      comparison         = "COMPARISON_GT"
      threshold_value    = each.value.threshold
      duration           = each.value.duration

      aggregations {
        alignment_period     = "60s"
        per_series_aligner   = each.value.aligner
        cross_series_reducer = each.value.reducer
      }

      dynamic "denominator_aggregations" {
        for_each = each.value.denominator == null ? [] : [1]
        content {
          alignment_period     = "60s"
          per_series_aligner   = each.value.aligner
          cross_series_reducer = each.value.reducer
        }
      }
    }
  }
}
