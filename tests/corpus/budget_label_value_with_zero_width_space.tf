# stage: validate
# path: tenant[0].label[0].value
# expect: U+200B
resource "platform_budget_guard" "this" {
  billing_account = "012345-6789AB-CDEF01"
  display_name    = "corpus label value with zero width space"
  amount          = 100
  tenant {
    name = "acme"
    label {
      key   = "tenant"
      value = "ac\u200Bme"
    }
  }
}
