# Cloud SQL private IP and Memorystore both peer into this reserved range.
resource "google_compute_global_address" "private_services" {
  project       = var.project_id
  name          = var.private_services_range.name
  purpose       = "VPC_PEERING"
  address_type  = "INTERNAL"
  address       = var.private_services_range.address
  prefix_length = var.private_services_range.prefix_length
  network       = google_compute_network.vpc.id
}

resource "google_service_networking_connection" "private_services" {
  network                 = google_compute_network.vpc.id
  service                 = "servicenetworking.googleapis.com"
  reserved_peering_ranges = [google_compute_global_address.private_services.name]
}
