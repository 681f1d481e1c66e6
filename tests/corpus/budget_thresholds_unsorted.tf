# stage: validate
# path: threshold[1].percent
# expect: Thresholds out of order
resource "platform_budget_guard" "this" {
  billing_account = "012345-6789AB-CDEF01"
  display_name    = "corpus thresholds unsorted"
  amount          = 100
  threshold {
    percent = 0.8
  }
  threshold {
    percent = 0.5
  }
}
