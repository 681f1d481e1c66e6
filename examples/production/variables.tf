variable "project_id" {
  description = "Production project."
  type        = string
  default     = "platform-prod"
}

variable "region" {
  description = "Region of everything regional."
  type        = string
  default     = "us-central1"
}

variable "domain" {
  description = "Apex domain of the platform."
  type        = string
  default     = "platform.com"
}

variable "billing_account" {
  description = "Billing account the budget watches."
  type        = string
}

variable "images" {
  description = "Container images for api, websocket and agent."
  type        = map(string)
}

variable "admin_source_ranges" {
  description = "Office/VPN CIDR ranges for admin access."
  type        = list(string)
  default     = []
}

variable "alert_channels" {
  description = "Alert destinations: emails, Slack channel and token, PagerDuty service key."
  type = object({
    emails                = optional(list(string), [])
    slack_channel         = optional(string)
    slack_token           = optional(string)
    pagerduty_service_key = optional(string)
  })
  default   = {}
  sensitive = true
}

variable "tenants" {
  description = "Tenants with AI cost limits (default limit 500 USD)."
  type = map(object({
    label_key   = optional(string, "tenant")
    label_value = string
    limit       = optional(number)
  }))
  default = {}
}

variable "enable_commitments" {
  description = "Buy the 12-month LiveKit VM commitment. It cannot be cancelled."
  type        = bool
  default     = false
}

variable "rollout_mode" {
  description = "How new service revisions get traffic: \"blue-green\" (progressive steps with metric gates) or \"immediate\" (100 % once Ready; the emergency path behind `platform deploy --immediate`)."
  type        = string
  default     = "blue-green"

  validation {
    condition     = contains(["blue-green", "immediate"], var.rollout_mode)
    error_message = "rollout_mode must be \"blue-green\" or \"immediate\"."
  }
}
