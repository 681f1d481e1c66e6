resource "google_service_account" "account" {
  for_each = var.accounts

  project      = var.project_id
  account_id   = each.value.account_id
  display_name = coalesce(each.value.display_name, "${each.key} workload")
}
