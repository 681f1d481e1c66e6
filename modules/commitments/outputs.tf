output "self_link" {
  description = "Self link of the commitment, null when disabled."
  value       = one(google_compute_region_commitment.main[*].self_link)
}
