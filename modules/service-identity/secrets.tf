resource "google_secret_manager_secret" "secret" {
  for_each = toset(values(var.secrets))

  project   = var.project_id
  secret_id = each.value
  labels    = var.labels

  replication {
    auto {}
  }
}

# Every account reads every secret it is given.
locals {
  secret_access = {
    for pair in setproduct(keys(var.accounts), distinct(values(var.secrets))) :
    "${pair[0]}/${pair[1]}" => { account = pair[0], secret = pair[1] }
  }
}

resource "google_secret_manager_secret_iam_member" "accessor" {
  for_each = local.secret_access

  project   = var.project_id
  secret_id = google_secret_manager_secret.secret[each.value.secret].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.account[each.value.account].email}"
}
