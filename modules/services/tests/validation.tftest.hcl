# Input validation of the services module. Plans only; the provider is configured through the
# GOOGLE_* environment (the e2e test points it at the emulator).

variables {
  project_id = "platform-local"
  images = {
    api       = "img:api"
    websocket = "img:websocket"
    agent     = "img:agent"
  }
  service_accounts = {
    api       = "platform-api@platform-local.iam.gserviceaccount.com"
    websocket = "platform-websocket@platform-local.iam.gserviceaccount.com"
    agent     = "platform-agent@platform-local.iam.gserviceaccount.com"
  }
  deletion_protection = false
}

run "guide_sizes_are_planned" {
  command = plan

  assert {
    condition     = platform_blue_green_service.service["api"].template[0].scaling[0].max_instance_count == 20
    error_message = "the API scales to 20 instances"
  }
  assert {
    condition     = platform_blue_green_service.service["websocket"].template[0].max_instance_request_concurrency == 1000
    error_message = "the WebSocket service takes 1000 concurrent requests"
  }
  assert {
    condition     = platform_blue_green_service.service["agent"].template[0].containers[0].resources[0].memory == "8Gi"
    error_message = "the agent has 8Gi"
  }
  assert {
    condition     = length(platform_blue_green_service.service["api"].template[0].vpc_access) == 0
    error_message = "no VPC access without a connector"
  }
}

run "min_above_max_instances_is_rejected" {
  command = plan

  variables {
    services = {
      api = {
        name          = "platform-api"
        min_instances = 5
        max_instances = 2
        cpu           = "2"
        memory        = "4Gi"
        timeout       = "300s"
        concurrency   = 80
      }
    }
  }

  expect_failures = [var.services]
}

run "unsupported_cpu_is_rejected" {
  command = plan

  variables {
    services = {
      api = {
        name          = "platform-api"
        min_instances = 2
        max_instances = 20
        cpu           = "3"
        memory        = "4Gi"
        timeout       = "300s"
        concurrency   = 80
      }
    }
  }

  expect_failures = [var.services]
}

run "timeout_above_one_hour_is_rejected" {
  command = plan

  variables {
    services = {
      websocket = {
        name          = "platform-websocket"
        min_instances = 2
        max_instances = 10
        cpu           = "2"
        memory        = "4Gi"
        timeout       = "7200s"
        concurrency   = 1000
      }
    }
  }

  expect_failures = [var.services]
}

run "rollout_must_end_at_full_traffic" {
  command = plan

  variables {
    rollout = {
      steps = [5, 25, 50]
    }
  }

  expect_failures = [var.rollout]
}

run "non_production_node_env_is_rejected" {
  command = plan

  variables {
    environment = {
      NODE_ENV = "development"
    }
  }

  expect_failures = [var.environment]
}

run "every_service_needs_its_service_account" {
  command = plan

  variables {
    service_accounts = {
      api = "platform-api@platform-local.iam.gserviceaccount.com"
    }
  }

  expect_failures = [
    platform_blue_green_service.service["websocket"],
    platform_blue_green_service.service["agent"],
  ]
}
