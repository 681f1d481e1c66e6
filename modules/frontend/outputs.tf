output "bucket_names" {
  description = "Bucket key → bucket name (upload target of the frontend deploy step)."
  value       = { for k, b in google_storage_bucket.site : k => b.name }
}

output "bucket_urls" {
  description = "Bucket key → gs:// URL."
  value       = { for k, b in google_storage_bucket.site : k => b.url }
}
