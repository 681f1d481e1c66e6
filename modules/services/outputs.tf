output "urls" {
  description = "Service key → run.app URL."
  value       = { for k, s in platform_blue_green_service.service : k => s.uri }
}

output "service_names" {
  description = "Service key → Cloud Run service name (for serverless NEGs and monitoring filters)."
  value       = { for k, s in platform_blue_green_service.service : k => s.name }
}

output "stable_revisions" {
  description = "Service key → revision serving production traffic."
  value       = { for k, s in platform_blue_green_service.service : k => s.stable_revision }
}

output "rollout_status" {
  description = "Service key → status of the last progressive rollout."
  value       = { for k, s in platform_blue_green_service.service : k => s.rollout_status }
}

output "services" {
  description = "Service key → every attribute of its platform_blue_green_service (traffic split, last rollout's per-step measurements), for summaries and rollout watches."
  value       = platform_blue_green_service.service
}
