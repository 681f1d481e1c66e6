# Every child (channels, topic, tenant budgets, alert policies) is found from the budget.
terraform import platform_budget_guard.prod billingAccounts/012345-6789AB-CDEF01/budgets/4f6d2c1e-8a3b-4c5d-9e0f-123456789abc
