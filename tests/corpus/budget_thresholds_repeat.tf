# stage: validate
# path: threshold[1].percent
# expect: Duplicate threshold
resource "platform_budget_guard" "this" {
  billing_account = "012345-6789AB-CDEF01"
  display_name    = "corpus thresholds repeat"
  amount          = 100
  threshold {
    percent = 0.5
  }
  threshold {
    percent = 0.5
  }
}
