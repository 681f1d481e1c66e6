# The guide's API service deployed blue/green (issue 4): min 2 / max 20 instances,
# 2 CPU / 4 Gi, 300 s timeout, concurrency 80. Changing `image` creates a candidate
# revision at 0 % (reachable at `candidate_uri`), then shifts 5 → 25 → 50 → 100 %,
# judging each step's 5xx ratio and p95 latency against stable, and rolls back on
# a breach. Short bakes here; production would use minutes and a longer timeout.

variable "api_image" {
  description = "Image of the API service, preferably by digest"
  type        = string
  default     = "us-docker.pkg.dev/platform/api/api:v1"
}

variable "api_deletion_protection" {
  description = "Refuse `terraform destroy` of the API service (set false to tear it down)"
  type        = bool
  default     = true
}
