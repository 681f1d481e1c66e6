locals {
  create_channels = length(var.existing_channels) == 0
  emails          = local.create_channels ? nonsensitive(toset(var.channels.emails)) : toset([])
  slack           = local.create_channels && nonsensitive(var.channels.slack_channel != null)
  pagerduty       = local.create_channels && nonsensitive(var.channels.pagerduty_service_key != null)
}

resource "google_monitoring_notification_channel" "email" {
  for_each = local.emails

  project      = var.project_id
  display_name = "Email ${each.value}"
  type         = "email"
  labels = {
    email_address = each.value
  }
}

resource "google_monitoring_notification_channel" "slack" {
  count = local.slack ? 1 : 0

  project      = var.project_id
  display_name = "Slack ${nonsensitive(var.channels.slack_channel)}"
  type         = "slack"
  labels = {
    channel_name = nonsensitive(var.channels.slack_channel)
  }
  sensitive_labels {
    auth_token = var.channels.slack_token
  }
}

resource "google_monitoring_notification_channel" "pagerduty" {
  count = local.pagerduty ? 1 : 0

  project      = var.project_id
  display_name = "PagerDuty"
  type         = "pagerduty"
  sensitive_labels {
    service_key = var.channels.pagerduty_service_key
  }
}

locals {
  created_channels = concat(
    [for c in google_monitoring_notification_channel.email : c.id],
    google_monitoring_notification_channel.slack[*].id,
  )
  warning_channels = local.create_channels ? local.created_channels : values(var.existing_channels)
  critical_channels = local.create_channels ? concat(
    local.created_channels, google_monitoring_notification_channel.pagerduty[*].id
  ) : values(var.existing_channels)
}
