# The cluster's backend service speaks plain TCP to the nodes; an SSL proxy terminates TLS with
# a managed certificate so clients connect with wss:// on 443.
resource "google_compute_global_address" "signal" {
  project = var.project_id
  name    = "${var.name}-signal-ip"
}

resource "google_compute_managed_ssl_certificate" "signal" {
  project = var.project_id
  name    = "${var.name}-signal-cert"

  managed {
    domains = [var.domain]
  }
}

resource "google_compute_target_ssl_proxy" "signal" {
  project          = var.project_id
  name             = "${var.name}-signal-proxy"
  backend_service  = var.backend_service
  ssl_certificates = [google_compute_managed_ssl_certificate.signal.id]
}

resource "google_compute_global_forwarding_rule" "signal" {
  project               = var.project_id
  name                  = "${var.name}-signal"
  target                = google_compute_target_ssl_proxy.signal.id
  ip_address            = google_compute_global_address.signal.id
  port_range            = "443"
  load_balancing_scheme = "EXTERNAL"
}
