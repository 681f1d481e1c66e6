resource "google_vpc_access_connector" "main" {
  project       = var.project_id
  name          = var.connector.name
  region        = var.region
  network       = google_compute_network.vpc.name
  ip_cidr_range = var.connector.ip_cidr_range
  machine_type  = var.connector.machine_type
  min_instances = var.connector.min_instances
  max_instances = var.connector.max_instances
}
