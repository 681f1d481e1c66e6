output "network_id" {
  description = "ID of the VPC (projects/…/global/networks/…)."
  value       = google_compute_network.vpc.id
}

output "network_name" {
  description = "Name of the VPC."
  value       = google_compute_network.vpc.name
}

output "network_self_link" {
  description = "Self link of the VPC."
  value       = google_compute_network.vpc.self_link
}

output "subnet_name" {
  description = "Name of the regional subnet."
  value       = google_compute_subnetwork.main.name
}

output "subnet_self_link" {
  description = "Self link of the regional subnet."
  value       = google_compute_subnetwork.main.self_link
}

output "private_services_range" {
  description = "Name of the range peered for private services access; read from the peering so consumers wait for it."
  value       = google_service_networking_connection.private_services.reserved_peering_ranges[0]
}

output "connector_id" {
  description = "ID of the Serverless VPC Access connector for Cloud Run."
  value       = google_vpc_access_connector.main.id
}

output "admin_target_tag" {
  description = "Network tag that the admin allowlist firewall rule targets."
  value       = var.admin_target_tag
}
