# The guide's production budget guard (issue 5): 2000 USD a month with 50/80/100 %
# alerts to e-mail, Slack and PagerDuty, a Pub/Sub feed for programs that act on
# spend, and one tenant's AI cost limit (TENANT_AI_COST_LIMIT_USD = 500).

variable "billing_account" {
  description = "Billing account ID; any well-formed ID works against the emulator"
  type        = string
  default     = "012345-6789AB-CDEF01"
}

variable "slack_token" {
  description = "Slack OAuth token for the alert channel (a placeholder against the emulator)"
  type        = string
  sensitive   = true
  default     = "xoxb-demo-placeholder"
}

variable "pagerduty_key" {
  description = "PagerDuty integration key (a placeholder against the emulator)"
  type        = string
  sensitive   = true
  default     = "pd-demo-placeholder"
}
