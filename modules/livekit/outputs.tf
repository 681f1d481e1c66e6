output "name" {
  description = "Cluster name (prefix of its VMs, groups and load-balancing resources)."
  value       = platform_livekit_cluster.main.name
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
  description = "Self link of the cluster's global backend service (livekit-edge module input backend_service)."
  value       = platform_livekit_cluster.main.backend_service
}

output "firewall_rules" {
  description = "Names of the firewall rules the cluster manages."
  value       = platform_livekit_cluster.main.firewall_rules
}
