# stage: validate
# path: notification_channel[1].name
# expect: Duplicate channel name
resource "platform_budget_guard" "this" {
  billing_account = "012345-6789AB-CDEF01"
  display_name    = "corpus channel names repeat"
  amount          = 100
  notification_channel {
    name          = "mail"
    type          = "email"
    email_address = "a@example.com"
  }
  notification_channel {
    name          = "mail"
    type          = "email"
    email_address = "b@example.com"
  }
}
