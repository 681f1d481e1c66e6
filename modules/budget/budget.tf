locals {
  slack     = nonsensitive(var.channels.slack_channel != null)
  pagerduty = nonsensitive(var.channels.pagerduty_service_key != null)
  emails    = { for e in nonsensitive(toset(var.channels.emails)) : "email-${replace(e, "/[^a-z0-9]+/", "-")}" => e }
  # The guard's channel keys, known at plan time (its `channels` map is known only after apply).
  channel_keys = concat(keys(local.emails), local.slack ? ["slack"] : [], local.pagerduty ? ["pagerduty"] : [])
}

resource "platform_budget_guard" "main" {
  billing_account = var.billing_account
  display_name    = var.display_name
  amount          = var.budget.amount
  currency_code   = var.budget.currency
  projects        = [var.project_id]
  calendar_period = "MONTH"

  dynamic "threshold" {
    for_each = var.budget.thresholds
    content {
      percent = threshold.value
      basis   = "CURRENT_SPEND"
    }
  }

  dynamic "notification_channel" {
    for_each = local.emails
    content {
      name          = notification_channel.key
      type          = "email"
      email_address = notification_channel.value
    }
  }

  dynamic "notification_channel" {
    for_each = local.slack ? [1] : []
    content {
      name         = "slack"
      type         = "slack"
      channel_name = nonsensitive(var.channels.slack_channel)
      auth_token   = var.channels.slack_token
    }
  }

  dynamic "notification_channel" {
    for_each = local.pagerduty ? [1] : []
    content {
      name        = "pagerduty"
      type        = "pagerduty"
      service_key = var.channels.pagerduty_service_key
    }
  }

  pubsub {
    topic = var.pubsub_topic
  }

  dynamic "tenant" {
    for_each = var.tenants
    content {
      name    = tenant.key
      limit   = coalesce(tenant.value.limit, var.tenant_ai_cost_limit)
      project = var.project_id
      label {
        key   = tenant.value.label_key
        value = tenant.value.label_value
      }
    }
  }

  cost_metric {
    type               = var.cost_metric.type
    tenant_label       = var.cost_metric.tenant_label
    spike_usd_per_hour = var.spike_usd_per_hour
  }
}
