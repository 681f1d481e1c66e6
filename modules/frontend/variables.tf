variable "project_id" {
  description = "Project that owns the buckets."
  type        = string
}

variable "location" {
  description = "Bucket location; the guide serves the frontend from a multi-region."
  type        = string
  default     = "US"

  validation {
    condition     = contains(["US", "EU", "ASIA"], var.location)
    error_message = "location must be a multi-region (US, EU or ASIA) so the CDN origin survives a regional outage."
  }
}

variable "buckets" {
  description = "Bucket key → settings; landing serves platform.com, app serves meet. and dashboard."
  type = map(object({
    name            = string
    main_page       = optional(string, "index.html")
    not_found_page  = optional(string, "404.html")
    noncurrent_days = optional(number, 30)
  }))
  default = {
    landing = { name = "platform-prod-landing" }
    app     = { name = "platform-prod-app", not_found_page = "index.html" }
  }
}

variable "cors_origins" {
  description = "Origins allowed to fetch assets cross-origin."
  type        = list(string)
  default     = ["https://platform.com", "https://meet.platform.com", "https://dashboard.platform.com"]
}

variable "labels" {
  description = "Labels for the buckets."
  type        = map(string)
  default     = {}
}
