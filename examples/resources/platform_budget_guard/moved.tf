# The budget becomes the guard's main budget; channels, topic and policies the guard
# marked are found as an import finds them, the rest are created by the next apply.
moved {
  from = google_billing_budget.monthly
  to   = platform_budget_guard.prod
}
