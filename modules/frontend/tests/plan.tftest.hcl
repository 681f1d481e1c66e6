# Plan assertions on hashicorp/google's schema (the e2e tests install a schema-faithful stand-in).

variables {
  project_id = "platform-prod"
}

run "guide_buckets_are_planned" {
  command = plan

  assert {
    condition     = alltrue([for b in google_storage_bucket.site : b.location == "US" && b.uniform_bucket_level_access])
    error_message = "multi-region buckets with uniform access"
  }
  assert {
    condition     = alltrue([for m in google_storage_bucket_iam_member.public_read : m.member == "allUsers" && m.role == "roles/storage.objectViewer"])
    error_message = "the sites are publicly readable"
  }
}

run "a_regional_location_is_refused" {
  command = plan

  variables {
    location = "us-central1"
  }

  expect_failures = [var.location]
}
