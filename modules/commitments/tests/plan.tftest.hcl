# Plan assertions on hashicorp/google's schema (the e2e tests install a schema-faithful stand-in).

variables {
  project_id = "platform-prod"
}

run "off_by_default" {
  command = plan

  assert {
    condition     = length(google_compute_region_commitment.main) == 0 && output.self_link == null
    error_message = "commitments cannot be cancelled, so none is planned unless enabled"
  }
}

run "guide_commitment_is_planned" {
  command = plan

  variables {
    commitment = { enabled = true }
  }

  assert {
    condition     = google_compute_region_commitment.main[0].name == "livekit-n2-twelve-month" && google_compute_region_commitment.main[0].plan == "TWELVE_MONTH" && google_compute_region_commitment.main[0].type == "GENERAL_PURPOSE_N2"
    error_message = "a twelve-month N2 commitment"
  }
  assert {
    condition     = { for r in google_compute_region_commitment.main[0].resources : r.type => r.amount } == { VCPU = "12", MEMORY = "49152" }
    error_message = "3 x n2-standard-4: 12 vCPU and 48 GB"
  }
  assert {
    condition     = google_compute_region_commitment.main[0].auto_renew == false
    error_message = "no silent renewal"
  }
}

run "memory_outside_the_n2_range_is_refused" {
  command = plan

  variables {
    commitment = { enabled = true, vcpus = 4, memory_mb = 1024 }
  }

  expect_failures = [var.commitment]
}
