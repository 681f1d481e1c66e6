variable "project_id" {
  description = "Project whose audit logging is configured."
  type        = string
}

variable "audit_log_types" {
  description = "Audit log types enabled for allServices."
  type        = list(string)
  default     = ["ADMIN_READ", "DATA_READ", "DATA_WRITE"]

  validation {
    condition     = alltrue([for t in var.audit_log_types : contains(["ADMIN_READ", "DATA_READ", "DATA_WRITE"], t)])
    error_message = "audit_log_types may only contain ADMIN_READ, DATA_READ and DATA_WRITE."
  }
}

variable "retention" {
  description = "Log retention in days: the _Default bucket and a dedicated audit bucket."
  type = object({
    default_days = optional(number, 30)
    audit_days   = optional(number, 365)
    location     = optional(string, "us-central1")
  })
  default = {}

  validation {
    condition     = var.retention.default_days >= 1 && var.retention.default_days <= 3650 && var.retention.audit_days >= 1 && var.retention.audit_days <= 3650
    error_message = "retention days must be between 1 and 3650."
  }
}

variable "data_retention" {
  description = "Application data retention in days, exported for services as environment (the guide's data-retention settings)."
  type = object({
    sessions_days   = optional(number, 30)
    recordings_days = optional(number, 90)
    deleted_days    = optional(number, 30)
  })
  default = {}
}
