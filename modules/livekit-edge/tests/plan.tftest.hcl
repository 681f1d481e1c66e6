# Plan assertions on hashicorp/google's schema (the e2e tests install a schema-faithful stand-in).

variables {
  project_id      = "platform-prod"
  backend_service = "https://www.googleapis.com/compute/v1/projects/platform-prod/global/backendServices/livekit-backend"
}

run "guide_signal_proxy_is_planned" {
  command = plan

  assert {
    condition     = google_compute_managed_ssl_certificate.signal.managed[0].domains == tolist(["livekit.platform.com"])
    error_message = "a managed certificate for the signalling domain"
  }
  assert {
    condition     = google_compute_target_ssl_proxy.signal.backend_service == var.backend_service
    error_message = "the SSL proxy terminates TLS in front of the cluster's backend service"
  }
  assert {
    condition     = google_compute_global_forwarding_rule.signal.port_range == "443" && google_compute_global_forwarding_rule.signal.load_balancing_scheme == "EXTERNAL"
    error_message = "clients reach the signal port on 443"
  }
  assert {
    condition     = output.signal_url == "wss://livekit.platform.com"
    error_message = "clients connect with wss://"
  }
}

run "a_url_as_domain_is_refused" {
  command = plan

  variables {
    domain = "https://livekit.platform.com"
  }

  expect_failures = [var.domain]
}
