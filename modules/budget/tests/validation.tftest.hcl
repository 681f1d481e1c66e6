# Input validation of the budget module. Plans only; the provider is configured through the
# GOOGLE_* environment (the e2e test points it at the emulator).

variables {
  billing_account = "012345-6789AB-CDEF01"
  project_id      = "platform-local"
  channels = {
    emails = ["finance@example.com"]
  }
  tenants = {
    acme = { label_value = "acme" }
  }
}

run "guide_budget_is_planned" {
  command = plan

  assert {
    condition     = platform_budget_guard.main.amount == 2000 && platform_budget_guard.main.currency_code == "USD"
    error_message = "the guide's budget is 2000 USD"
  }
  assert {
    condition     = [for t in platform_budget_guard.main.threshold : t.percent] == [0.5, 0.8, 1.0]
    error_message = "the guide alerts at 50/80/100 %"
  }
  assert {
    condition     = platform_budget_guard.main.cost_metric[0].type == "custom.googleapis.com/platform/tenant_ai_cost_usd"
    error_message = "tenant cost alerts watch the application's custom metric"
  }
  assert {
    condition     = platform_budget_guard.main.tenant[0].limit == 500
    error_message = "tenants default to the guide's 500 USD AI cost limit"
  }
}

run "zero_threshold_is_rejected" {
  command = plan

  variables {
    budget = {
      thresholds = [0, 0.5]
    }
  }

  expect_failures = [var.budget]
}

run "percent_instead_of_fraction_is_rejected" {
  command = plan

  variables {
    budget = {
      thresholds = [50, 80, 100]
    }
  }

  expect_failures = [var.budget]
}

run "non_positive_amount_is_rejected" {
  command = plan

  variables {
    budget = {
      amount = 0
    }
  }

  expect_failures = [var.budget]
}

run "malformed_billing_account_is_rejected" {
  command = plan

  variables {
    billing_account = "billing-account-1"
  }

  expect_failures = [var.billing_account]
}

run "billing_is_not_a_metric_type" {
  command = plan

  variables {
    cost_metric = {
      type = "billing"
    }
  }

  expect_failures = [var.cost_metric]
}

run "more_than_five_email_channels_are_rejected" {
  command = plan

  variables {
    channels = {
      emails = ["a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com", "f@example.com"]
    }
  }

  expect_failures = [var.channels]
}
