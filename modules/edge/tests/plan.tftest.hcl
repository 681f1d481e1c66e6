# Plan assertions on hashicorp/google's schema (the e2e tests install a schema-faithful stand-in).

variables {
  project_id         = "platform-prod"
  cloud_run_services = { api = "platform-api", websocket = "platform-websocket", agent = "platform-agent" }
  frontend_buckets   = { landing = "platform-prod-landing", app = "platform-prod-app" }
}

run "guide_load_balancer_is_planned" {
  command = plan

  assert {
    condition     = keys(google_compute_backend_service.run) == ["api", "websocket"] && alltrue([for b in google_compute_backend_service.run : b.load_balancing_scheme == "EXTERNAL_MANAGED" && b.protocol == "HTTPS"])
    error_message = "only the api and websocket services sit behind the global external load balancer"
  }
  assert {
    condition     = google_compute_region_network_endpoint_group.run["websocket"].cloud_run[0].service == "platform-websocket" && google_compute_region_network_endpoint_group.run["api"].network_endpoint_type == "SERVERLESS"
    error_message = "serverless NEGs point at the Cloud Run services by name"
  }
  assert {
    condition     = toset(google_compute_managed_ssl_certificate.main.managed[0].domains) == toset(["platform.com", "api.platform.com", "meet.platform.com", "dashboard.platform.com"])
    error_message = "one managed certificate covers the apex and the api, meet and dashboard hosts"
  }
  assert {
    condition     = google_compute_global_forwarding_rule.https.port_range == "443" && google_compute_global_forwarding_rule.http.port_range == "80"
    error_message = "HTTPS on 443, plain HTTP on 80"
  }
  assert {
    condition     = google_compute_url_map.redirect.default_url_redirect[0].https_redirect
    error_message = "plain HTTP only redirects to HTTPS"
  }
  assert {
    condition     = google_compute_url_map.https.path_matcher[0].path_rule[0].paths == toset(["/ws", "/ws/*"])
    error_message = "the WebSocket path on api. goes to the WebSocket service"
  }
  assert {
    condition     = alltrue([for b in google_compute_backend_bucket.site : b.enable_cdn && b.cdn_policy[0].cache_mode == "CACHE_ALL_STATIC" && b.cdn_policy[0].max_ttl == 31536000])
    error_message = "the frontend buckets are served through Cloud CDN with the guide's cache lifetimes"
  }
  assert {
    condition     = google_compute_security_policy.edge.type == "CLOUD_ARMOR_EDGE" && google_compute_security_policy.backend.type == "CLOUD_ARMOR"
    error_message = "an edge policy for the buckets (the only kind they take), a backend policy for the services"
  }
}

# The rules themselves cannot be asserted at plan: they are a set whose members carry a
# provider-computed attribute (preview), so the whole set is unknown until apply.
run "more_admin_ranges_than_one_rule_takes_are_refused" {
  command = plan

  variables {
    armor = { admin_source_ranges = [for i in range(11) : "203.0.113.${i}/32"] }
  }

  expect_failures = [var.armor]
}

run "a_rate_limit_interval_armor_refuses" {
  command = plan

  variables {
    armor = { rate_limit_interval_sec = 45 }
  }

  expect_failures = [var.armor]
}
