# stage: validate
# path: currency_code
# expect: Invalid currency code
resource "platform_budget_guard" "this" {
  billing_account = "012345-6789AB-CDEF01"
  display_name    = "corpus currency not iso"
  amount          = 100
  currency_code   = "dollars"
}
