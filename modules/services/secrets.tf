resource "google_secret_manager_secret" "env" {
  for_each = toset(values(var.secrets))

  project   = var.project_id
  secret_id = each.value
  labels    = var.labels

  replication {
    auto {}
  }
}

# Every service reads every secret it is given as environment.
locals {
  secret_access = {
    for pair in setproduct(keys(var.services), values(var.secrets)) :
    "${pair[0]}/${pair[1]}" => { service = pair[0], secret = pair[1] }
  }
}

resource "google_secret_manager_secret_iam_member" "accessor" {
  for_each = local.secret_access

  project   = var.project_id
  secret_id = google_secret_manager_secret.env[each.value.secret].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.service[each.value.service].email}"
}
