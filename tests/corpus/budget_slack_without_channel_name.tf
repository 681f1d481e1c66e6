# stage: validate
# path: notification_channel[0]
# expect: Missing channel_name
resource "platform_budget_guard" "this" {
  billing_account = "012345-6789AB-CDEF01"
  display_name    = "corpus slack without channel name"
  amount          = 100
  notification_channel {
    name       = "slack"
    type       = "slack"
    auth_token = "xoxb-1"
  }
}
