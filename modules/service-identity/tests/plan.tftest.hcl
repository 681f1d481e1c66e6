# Plan assertions on hashicorp/google's schema (the e2e tests install a schema-faithful stand-in).

variables {
  project_id = "platform-prod"
}

run "guide_identities_are_planned" {
  command = plan

  assert {
    condition     = toset([for a in google_service_account.account : a.account_id]) == toset(["platform-api", "platform-websocket", "platform-agent"])
    error_message = "one service account per Cloud Run service"
  }
  assert {
    condition     = length(google_secret_manager_secret.secret) == 8 && alltrue([for s in google_secret_manager_secret.secret : length(s.replication[0].auto) == 1])
    error_message = "the guide's eight secrets, automatically replicated"
  }
  assert {
    condition     = length(google_secret_manager_secret_iam_member.accessor) == 24 && alltrue([for m in google_secret_manager_secret_iam_member.accessor : m.role == "roles/secretmanager.secretAccessor"])
    error_message = "every account reads every secret, and nothing more"
  }
  assert {
    condition     = length(google_project_iam_member.role) == 0
    error_message = "no project roles unless asked for"
  }
}

run "project_roles_are_bound_per_account" {
  command = plan

  variables {
    accounts = {
      livekit = { account_id = "livekit-node", roles = ["roles/monitoring.metricWriter", "roles/logging.logWriter"] }
    }
    secrets = { LIVEKIT_API_KEY = "livekit-api-key" }
  }

  assert {
    condition     = toset(keys(google_project_iam_member.role)) == toset(["livekit/roles/monitoring.metricWriter", "livekit/roles/logging.logWriter"])
    error_message = "each requested role is bound once"
  }
  assert {
    condition     = google_service_account.account["livekit"].display_name == "livekit workload"
    error_message = "accounts without a display name get one from their key"
  }
}

run "an_invalid_account_id_is_refused" {
  command = plan

  variables {
    accounts = { api = { account_id = "API_Service" } }
  }

  expect_failures = [var.accounts]
}
