output "signal_url" {
  description = "URL clients connect to (wss:// on 443 via the SSL proxy)."
  value       = "wss://${var.signal.domain}"
}

output "signal_ip" {
  description = "IP for the signal domain's A record."
  value       = google_compute_global_address.signal.address
}

output "nodes" {
  description = "Nodes of the cluster as reported by platform_livekit_cluster."
  value       = platform_livekit_cluster.main.nodes
}

output "instance_groups" {
  description = "Per-zone instance groups (targets for compute commitments and monitoring)."
  value       = platform_livekit_cluster.main.instance_groups
}

output "backend_service" {
  description = "Backend service of the cluster behind the SSL proxy."
  value       = platform_livekit_cluster.main.backend_service
}

output "keys_secret" {
  description = "Secret Manager secret holding the LiveKit API key and secret."
  value       = google_secret_manager_secret.keys.id
}

output "node_service_account" {
  description = "Service account the nodes run as."
  value       = google_service_account.node.email
}
