resource "google_compute_security_policy" "backend" {
  project = var.project_id
  name    = "${var.name}-backend-policy"
  type    = "CLOUD_ARMOR"

  dynamic "rule" {
    for_each = length(var.armor.admin_source_ranges) > 0 ? [1] : []
    content {
      priority    = 100
      action      = "deny(403)"
      description = "Admin paths only from the office/VPN allowlist"
      match {
        expr {
          expression = "request.path.startsWith('${var.armor.admin_path_prefix}') && !(${join(" || ", [for r in var.armor.admin_source_ranges : "inIpRange(origin.ip, '${r}')"])})"
        }
      }
    }
  }

  rule {
    priority    = 1000
    action      = "rate_based_ban"
    description = "Per-client rate limit"
    match {
      versioned_expr = "SRC_IPS_V1"
      config {
        src_ip_ranges = ["*"]
      }
    }
    rate_limit_options {
      conform_action   = "allow"
      exceed_action    = "deny(429)"
      enforce_on_key   = "IP"
      ban_duration_sec = var.armor.ban_duration_sec
      rate_limit_threshold {
        count        = var.armor.rate_limit_count
        interval_sec = var.armor.rate_limit_interval_sec
      }
    }
  }

  rule {
    priority    = 2147483647
    action      = "allow"
    description = "Default allow"
    match {
      versioned_expr = "SRC_IPS_V1"
      config {
        src_ip_ranges = ["*"]
      }
    }
  }
}

# Edge policies run before the CDN cache; they are the only kind backend buckets take.
resource "google_compute_security_policy" "edge" {
  project = var.project_id
  name    = "${var.name}-edge-policy"
  type    = "CLOUD_ARMOR_EDGE"

  rule {
    priority    = 2147483647
    action      = "allow"
    description = "Default allow"
    match {
      versioned_expr = "SRC_IPS_V1"
      config {
        src_ip_ranges = ["*"]
      }
    }
  }
}
