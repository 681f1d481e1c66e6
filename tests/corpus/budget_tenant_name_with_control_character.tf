# stage: validate
# path: tenant[0].name
# expect: U+0007
resource "platform_budget_guard" "this" {
  billing_account = "012345-6789AB-CDEF01"
  display_name    = "corpus tenant name with control character"
  amount          = 100
  tenant {
    name = "acme\u0007"
  }
}
