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

resource "platform_budget_guard" "production" {
  billing_account = var.billing_account
  display_name    = "production monthly"
  amount          = 2000
  projects        = [var.project]

  # No threshold blocks: 50 %, 80 % and 100 % of current spend.

  notification_channel {
    name          = "finance"
    type          = "email"
    email_address = "finance@example.com"
  }

  notification_channel {
    name         = "slack"
    type         = "slack"
    channel_name = "#billing-alerts"
    auth_token   = var.slack_token
  }

  notification_channel {
    name        = "oncall"
    type        = "pagerduty"
    service_key = var.pagerduty_key
  }

  pubsub {
    topic = "budget-alerts"
  }

  tenant {
    name  = "acme"
    limit = 500
    label {
      key   = "tenant"
      value = "acme"
    }
  }

  cost_metric {
    spike_usd_per_hour = 50
  }
}

output "budget_guard" {
  value = {
    budget         = platform_budget_guard.production.budget_name
    channels       = platform_budget_guard.production.channels
    topic          = platform_budget_guard.production.topic
    tenant_budgets = platform_budget_guard.production.tenant_budgets
    alert_policies = platform_budget_guard.production.alert_policies
  }
}
