resource "google_service_account" "account" {
  for_each = var.accounts

  project      = var.project_id
  account_id   = each.value.account_id
  display_name = coalesce(each.value.display_name, "${each.key} workload")
}

locals {
  project_roles = {
    for pair in flatten([
      for key, a in var.accounts : [for role in a.roles : { account = key, role = role }]
    ]) : "${pair.account}/${pair.role}" => pair
  }
}

resource "google_project_iam_member" "role" {
  for_each = local.project_roles

  project = var.project_id
  role    = each.value.role
  member  = "serviceAccount:${google_service_account.account[each.value.account].email}"
}
