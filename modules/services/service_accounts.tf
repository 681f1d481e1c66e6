resource "google_service_account" "service" {
  for_each = var.services

  project      = var.project_id
  account_id   = each.value.name
  display_name = "Cloud Run ${each.key} service"
}
