variable "billing_account" {
  description = "Billing account ID (XXXXXX-XXXXXX-XXXXXX)."
  type        = string

  validation {
    condition     = can(regex("^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$", var.billing_account))
    error_message = "billing_account must look like 012345-6789AB-CDEF01."
  }
}

variable "project_id" {
  description = "Project the budget covers and the alerting resources live in."
  type        = string
}

variable "budget" {
  description = "Monthly budget (the guide: 2000 USD, alerts at 50/80/100 %)."
  type = object({
    amount     = optional(number, 2000)
    currency   = optional(string, "USD")
    thresholds = optional(list(number), [0.5, 0.8, 1.0])
  })
  default = {}

  validation {
    condition     = var.budget.amount > 0
    error_message = "budget.amount must be positive."
  }
  validation {
    condition     = alltrue([for t in var.budget.thresholds : t > 0 && t <= 10])
    error_message = "budget.thresholds are decimals (0.5 = 50 %), greater than 0 and at most 10."
  }
}

variable "display_name" {
  description = "The budget's display name; an existing budget is found by it (the guide's: Production Monthly Budget; `platform adopt` writes the name an existing budget has)."
  type        = string
  default     = "platform-prod monthly"
  nullable    = false
}

variable "tenant_ai_cost_limit" {
  description = "Default per-tenant AI cost limit in the budget currency (the guide: 500)."
  type        = number
  default     = 500
}

variable "tenants" {
  description = "Tenant name → label selecting its spend and an optional limit override."
  type = map(object({
    label_key   = optional(string, "tenant")
    label_value = string
    limit       = optional(number)
  }))
  default = {}
}

variable "spike_usd_per_hour" {
  description = "Alert when spend grows faster than this per hour (the guide's unusual usage spikes)."
  type        = number
  default     = 50
}

variable "channels" {
  description = "Where budget and cost alerts go: email, Slack and PagerDuty."
  type = object({
    emails                = optional(list(string), [])
    slack_channel         = optional(string)
    slack_token           = optional(string)
    pagerduty_service_key = optional(string)
  })
  default   = {}
  sensitive = true

  validation {
    condition     = length(var.channels.emails) <= 5
    error_message = "channels.emails: a budget links at most 5 e-mail channels; use a group address."
  }
}

variable "pubsub_topic" {
  description = "Pub/Sub topic the guard creates for budget notifications, so programs can act on spend."
  type        = string
  default     = "platform-budget-alerts"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9._~%+-]{2,254}$", var.pubsub_topic))
    error_message = "pubsub_topic must be a topic ID: 3-255 characters, starting with a letter."
  }
}

variable "cost_metric" {
  description = "Monitoring metric the application writes with each tenant's AI cost, and its tenant label; the per-tenant and spike alert policies watch it."
  type = object({
    type         = optional(string, "custom.googleapis.com/platform/tenant_ai_cost_usd")
    tenant_label = optional(string, "tenant")
  })
  default = {}

  validation {
    condition     = can(regex("^(custom|workload|external)\\.googleapis\\.com/.+$", var.cost_metric.type))
    error_message = "cost_metric.type must be a user-defined Monitoring metric type such as custom.googleapis.com/platform/tenant_ai_cost_usd."
  }
}
