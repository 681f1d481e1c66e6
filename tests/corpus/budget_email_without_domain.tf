# stage: validate
# path: notification_channel[0].email_address
# expect: Invalid e-mail address
resource "platform_budget_guard" "this" {
  billing_account = "012345-6789AB-CDEF01"
  display_name    = "corpus email without domain"
  amount          = 100
  notification_channel {
    name          = "finance"
    type          = "email"
    email_address = "finance"
  }
}
