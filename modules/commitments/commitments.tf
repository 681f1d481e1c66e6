# Resource-based commitments are the only CUD the google provider can manage; Cloud Run, SQL and
# Redis discounts are spend-based and bought outside Terraform. A commitment cannot be deleted,
# so prevent_destroy stops a plan that would try.
resource "google_compute_region_commitment" "main" {
  count = var.commitment.enabled ? 1 : 0

  project     = var.project_id
  name        = "${var.commitment.name}-${lower(replace(var.commitment.plan, "_", "-"))}"
  region      = var.region
  plan        = var.commitment.plan
  type        = var.commitment.type
  description = var.commitment.description
  auto_renew  = false

  resources {
    type   = "VCPU"
    amount = tostring(var.commitment.vcpus)
  }
  resources {
    type   = "MEMORY"
    amount = tostring(var.commitment.memory_mb)
  }

  lifecycle {
    prevent_destroy = true
  }
}
