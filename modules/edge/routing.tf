resource "google_compute_url_map" "https" {
  project         = var.project_id
  name            = "${var.name}-https"
  default_service = google_compute_backend_bucket.site["landing"].id

  host_rule {
    hosts        = [local.hosts.api]
    path_matcher = "api"
  }
  host_rule {
    hosts        = [local.hosts.meet, local.hosts.dashboard]
    path_matcher = "app"
  }

  path_matcher {
    name            = "api"
    default_service = google_compute_backend_service.run["api"].id

    path_rule {
      paths   = [var.websocket_path, "${var.websocket_path}/*"]
      service = google_compute_backend_service.run["websocket"].id
    }
  }

  path_matcher {
    name            = "app"
    default_service = google_compute_backend_bucket.site["app"].id
  }
}

resource "google_compute_target_https_proxy" "main" {
  project          = var.project_id
  name             = "${var.name}-https-proxy"
  url_map          = google_compute_url_map.https.id
  ssl_certificates = [google_compute_managed_ssl_certificate.main.id]
}

resource "google_compute_global_forwarding_rule" "https" {
  project               = var.project_id
  name                  = "${var.name}-https"
  target                = google_compute_target_https_proxy.main.id
  ip_address            = google_compute_global_address.lb.id
  port_range            = "443"
  load_balancing_scheme = "EXTERNAL_MANAGED"
}

# Plain HTTP only redirects to HTTPS.
resource "google_compute_url_map" "redirect" {
  project = var.project_id
  name    = "${var.name}-http-redirect"

  default_url_redirect {
    https_redirect         = true
    redirect_response_code = "MOVED_PERMANENTLY_DEFAULT"
    strip_query            = false
  }
}

resource "google_compute_target_http_proxy" "redirect" {
  project = var.project_id
  name    = "${var.name}-http-proxy"
  url_map = google_compute_url_map.redirect.id
}

resource "google_compute_global_forwarding_rule" "http" {
  project               = var.project_id
  name                  = "${var.name}-http"
  target                = google_compute_target_http_proxy.redirect.id
  ip_address            = google_compute_global_address.lb.id
  port_range            = "80"
  load_balancing_scheme = "EXTERNAL_MANAGED"
}
