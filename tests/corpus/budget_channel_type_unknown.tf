# stage: validate
# path: notification_channel[0].type
# expect: Unsupported channel type
resource "platform_budget_guard" "this" {
  billing_account = "012345-6789AB-CDEF01"
  display_name    = "corpus channel type unknown"
  amount          = 100
  notification_channel {
    name = "pager"
    type = "carrier-pigeon"
  }
}
