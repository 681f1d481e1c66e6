# 2000 USD a month with alerts at 50, 80 and 100 %, a Pub/Sub feed for programs that act
# on spend, and a 500 USD AI cost limit for one tenant.
resource "platform_budget_guard" "prod" {
  billing_account = "012345-6789AB-CDEF01"
  display_name    = "platform-prod monthly"
  amount          = 2000
  projects        = ["acme-platform-prod"]

  notification_channel {
    name          = "oncall-email"
    type          = "email"
    email_address = "oncall@example.com"
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
}
