# The billing account's budgets (guards' per-tenant budgets left out).
list "platform_budget_guard" "all" {
  provider         = platform
  include_resource = true

  config {
    billing_account = "012345-6789AB-CDEF01"
  }
}
