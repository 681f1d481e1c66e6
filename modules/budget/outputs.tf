output "budget_name" {
  description = "Resource name of the billing budget."
  value       = platform_budget_guard.main.budget_name
}

output "channels" {
  description = "Channel name → Monitoring notification channel resource name (monitoring reuses them)."
  # Keys from the configuration, so a caller can count them before the first apply.
  value = { for key in local.channel_keys : key => platform_budget_guard.main.channels[key] }
}

output "alert_policies" {
  description = "Alert policies the guard created (per tenant and spike)."
  value       = platform_budget_guard.main.alert_policies
}

output "topic" {
  description = "Pub/Sub topic receiving budget notifications."
  value       = platform_budget_guard.main.topic
}

output "tenant_budgets" {
  description = "Tenant → budget resource name of its AI cost limit."
  value       = platform_budget_guard.main.tenant_budgets
}
