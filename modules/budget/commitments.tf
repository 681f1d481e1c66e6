# Resource-based commitments are the only CUD the provider can manage; Cloud Run, SQL and Redis
# discounts are spend-based and bought outside Terraform. A commitment cannot be deleted, so
# prevent_destroy stops a plan that would try.
resource "google_compute_region_commitment" "livekit" {
  count = var.commitments.enabled ? 1 : 0

  project     = var.project_id
  name        = "livekit-n2-${lower(var.commitments.plan)}"
  region      = var.commitments.region
  plan        = var.commitments.plan
  type        = "GENERAL_PURPOSE_N2"
  description = "LiveKit nodes: n2-standard-4 x3"
  auto_renew  = false

  resources {
    type   = "VCPU"
    amount = tostring(var.commitments.vcpus)
  }
  resources {
    type   = "MEMORY"
    amount = tostring(var.commitments.memory_mb)
  }

  lifecycle {
    prevent_destroy = true
  }
}
