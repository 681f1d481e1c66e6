output "emails" {
  description = "Workload key → service account email."
  value       = { for k, sa in google_service_account.account : k => sa.email }
}

# Consumers start workloads that read these secrets at boot, so the values are only handed out
# once the accessor bindings exist.
output "env_secrets" {
  description = "Environment variable → secret ID, available once every account can read it (services module input secrets)."
  value       = { for env, id in var.secrets : env => google_secret_manager_secret.secret[id].secret_id }
  depends_on  = [google_secret_manager_secret_iam_member.accessor]
}

output "secret_names" {
  description = "Environment variable → full secret name projects/P/secrets/ID (livekit module input keys_secret)."
  value       = { for env, id in var.secrets : env => google_secret_manager_secret.secret[id].id }
  depends_on  = [google_secret_manager_secret_iam_member.accessor]
}

output "secret_ids" {
  description = "Secret IDs created; add versions out of band."
  value       = sort([for s in google_secret_manager_secret.secret : s.secret_id])
}
