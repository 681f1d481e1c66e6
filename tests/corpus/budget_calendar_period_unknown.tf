# stage: validate
# path: calendar_period
# expect: Invalid calendar_period
resource "platform_budget_guard" "this" {
  billing_account = "012345-6789AB-CDEF01"
  display_name    = "corpus calendar period unknown"
  amount          = 100
  calendar_period = "WEEK"
}
