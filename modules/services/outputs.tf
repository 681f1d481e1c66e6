output "urls" {
  description = "Service key → run.app URL."
  value       = { for k, s in platform_blue_green_service.service : k => s.uri }
}

output "service_names" {
  description = "Service key → Cloud Run service name (for serverless NEGs and monitoring filters)."
  value       = { for k, s in platform_blue_green_service.service : k => s.name }
}

output "service_accounts" {
  description = "Service key → service account email."
  value       = { for k, sa in google_service_account.service : k => sa.email }
}

output "secret_ids" {
  description = "Secret IDs created for the services' environment; add versions out of band."
  value       = sort([for s in google_secret_manager_secret.env : s.secret_id])
}

output "rollout_status" {
  description = "Service key → status of the last progressive rollout."
  value       = { for k, s in platform_blue_green_service.service : k => s.rollout_status }
}
