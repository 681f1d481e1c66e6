import {
  to = platform_budget_guard.prod
  identity = {
    billing_account = "012345-6789AB-CDEF01"
    budget_id       = "4f6d2c1e-8a3b-4c5d-9e0f-123456789abc"
  }
}
