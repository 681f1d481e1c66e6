# The API key/secret pair lives in Secret Manager; nodes read it with their own identity, so
# it never appears in VM metadata or Terraform state. Add the version out of band.
resource "google_secret_manager_secret" "keys" {
  project   = var.project_id
  secret_id = "${var.cluster.name}-keys"
  labels    = var.labels

  replication {
    auto {}
  }
}

resource "google_service_account" "node" {
  project      = var.project_id
  account_id   = "${var.cluster.name}-node"
  display_name = "LiveKit nodes"
}

resource "google_secret_manager_secret_iam_member" "node_keys" {
  project   = var.project_id
  secret_id = google_secret_manager_secret.keys.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.node.email}"
}
