output "ip_address" {
  description = "Global anycast IP; point A records for every host here."
  value       = google_compute_global_address.lb.address
}

output "hosts" {
  description = "Host key → DNS name served by the load balancer."
  value       = local.hosts
}

output "urls" {
  description = "Host key → https URL."
  value       = { for k, h in local.hosts : k => "https://${h}" }
}

output "backend_security_policy" {
  description = "Cloud Armor policy on the Cloud Run backends."
  value       = google_compute_security_policy.backend.id
}

output "edge_security_policy" {
  description = "Cloud Armor edge policy on the CDN backend buckets."
  value       = google_compute_security_policy.edge.id
}
