# stage: validate
# path: amount
# expect: Budget amount must be positive
resource "platform_budget_guard" "this" {
  billing_account = "012345-6789AB-CDEF01"
  display_name    = "corpus amount negative"
  amount          = -5
}
