variable "project_id" {
  description = "Project the committed VMs run in."
  type        = string
}

variable "region" {
  description = "Region of the committed VMs."
  type        = string
  default     = "us-central1"
}

variable "commitment" {
  description = "Resource commitment for the LiveKit VMs (the guide: 3 × n2-standard-4 = 12 vCPU / 48 GB for 12 months). Commitments cannot be cancelled or deleted, so this is off by default."
  type = object({
    enabled     = optional(bool, false)
    name        = optional(string, "livekit-n2")
    plan        = optional(string, "TWELVE_MONTH")
    type        = optional(string, "GENERAL_PURPOSE_N2")
    vcpus       = optional(number, 12)
    memory_mb   = optional(number, 49152)
    description = optional(string, "LiveKit nodes: 3 x n2-standard-4")
  })
  default = {}

  validation {
    condition     = contains(["TWELVE_MONTH", "THIRTY_SIX_MONTH"], var.commitment.plan)
    error_message = "commitment.plan must be TWELVE_MONTH or THIRTY_SIX_MONTH."
  }
  validation {
    condition     = var.commitment.vcpus >= 1 && var.commitment.memory_mb >= 512 * var.commitment.vcpus && var.commitment.memory_mb <= 8192 * var.commitment.vcpus
    error_message = "commitment needs at least 1 vCPU and 512-8192 MB of memory per vCPU (the N2 range)."
  }
}
