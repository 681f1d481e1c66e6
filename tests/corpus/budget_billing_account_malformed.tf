# stage: validate
# path: billing_account
# expect: Invalid billing account ID
resource "platform_budget_guard" "this" {
  billing_account = "my-billing-account"
  display_name    = "corpus billing account malformed"
  amount          = 100
}
