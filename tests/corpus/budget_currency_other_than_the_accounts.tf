# stage: apply
# path: currency_code
# expect: does not match
resource "platform_budget_guard" "this" {
  billing_account = "0A0A0A-0B0B0B-0C0C0C"
  display_name    = "corpus currency other than the accounts"
  amount          = 100
  currency_code   = "EUR"
}
