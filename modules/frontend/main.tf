resource "google_storage_bucket" "site" {
  for_each = var.buckets

  project                     = var.project_id
  name                        = each.value.name
  location                    = var.location
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  labels                      = var.labels

  versioning {
    enabled = true
  }

  website {
    main_page_suffix = each.value.main_page
    not_found_page   = each.value.not_found_page
  }

  cors {
    origin          = var.cors_origins
    method          = ["GET", "HEAD"]
    response_header = ["Content-Type", "Cache-Control"]
    max_age_seconds = 3600
  }

  # Versioning keeps old deploys for rollback; prune them after a while.
  lifecycle_rule {
    condition {
      days_since_noncurrent_time = each.value.noncurrent_days
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }
}

# The CDN backend bucket reads objects anonymously.
resource "google_storage_bucket_iam_member" "public_read" {
  for_each = var.buckets

  bucket = google_storage_bucket.site[each.key].name
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}
