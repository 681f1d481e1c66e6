locals {
  hosts = {
    landing   = var.domain
    api       = "api.${var.domain}"
    meet      = "meet.${var.domain}"
    dashboard = "dashboard.${var.domain}"
  }
  served_services = { for k in ["api", "websocket"] : k => var.cloud_run_services[k] }
}

resource "google_compute_global_address" "lb" {
  project = var.project_id
  name    = "${var.name}-lb-ip"
}

resource "google_compute_managed_ssl_certificate" "main" {
  project = var.project_id
  name    = "${var.name}-cert"

  managed {
    domains = values(local.hosts)
  }
}
