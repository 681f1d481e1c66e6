variable "project_id" {
  description = "Project of the LiveKit cluster."
  type        = string
}

variable "name" {
  description = "Prefix of the address, certificate, proxy and forwarding rule (livekit module output name)."
  type        = string
  default     = "livekit"
}

variable "domain" {
  description = "Signalling domain clients connect to with wss:// (needs an A record to signal_ip before the certificate turns active)."
  type        = string
  default     = "livekit.platform.com"

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,}$", var.domain))
    error_message = "domain must be a fully qualified lower-case DNS name such as livekit.platform.com."
  }
}

variable "backend_service" {
  description = "Self link of the cluster's global backend service (livekit module output backend_service)."
  type        = string
}
