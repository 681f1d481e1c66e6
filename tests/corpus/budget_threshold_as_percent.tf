# stage: validate
# path: threshold[0].percent
# expect: Threshold above 100 %
# severity: warning
resource "platform_budget_guard" "this" {
  billing_account = "012345-6789AB-CDEF01"
  display_name    = "corpus threshold as percent"
  amount          = 100
  threshold {
    percent = 50
  }
}
