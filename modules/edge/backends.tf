resource "google_compute_region_network_endpoint_group" "run" {
  for_each = local.served_services

  project               = var.project_id
  name                  = "${var.name}-${each.key}-neg"
  region                = var.region
  network_endpoint_type = "SERVERLESS"

  cloud_run {
    service = each.value
  }
}

resource "google_compute_backend_service" "run" {
  for_each = local.served_services

  project               = var.project_id
  name                  = "${var.name}-${each.key}"
  protocol              = "HTTPS"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  # Serverless NEG backends take no timeout_sec: the Cloud Run service's own request timeout
  # (3600 s for the WebSocket service) bounds each connection.
  security_policy = google_compute_security_policy.backend.id

  backend {
    group = google_compute_region_network_endpoint_group.run[each.key].id
  }

  log_config {
    enable      = true
    sample_rate = 1
  }
}

# Backend buckets accept only edge security policies (not backend security_policy).
resource "google_compute_backend_bucket" "site" {
  for_each = var.frontend_buckets

  project              = var.project_id
  name                 = "${var.name}-${each.key}-bucket"
  bucket_name          = each.value
  enable_cdn           = true
  edge_security_policy = google_compute_security_policy.edge.id
  compression_mode     = "AUTOMATIC"

  cdn_policy {
    cache_mode        = "CACHE_ALL_STATIC"
    default_ttl       = var.cdn.default_ttl
    max_ttl           = var.cdn.max_ttl
    client_ttl        = var.cdn.client_ttl
    negative_caching  = true
    serve_while_stale = 86400
  }

  custom_response_headers = [
    "Strict-Transport-Security: max-age=31536000; includeSubDomains",
    "X-Content-Type-Options: nosniff",
  ]
}
