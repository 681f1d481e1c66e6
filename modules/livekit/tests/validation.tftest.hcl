# Input validation of the livekit module. Plans only; the provider is configured through the
# GOOGLE_* environment (the e2e test points it at the emulator).

variables {
  project_id      = "platform-local"
  network         = "default"
  service_account = "livekit-node@platform-local.iam.gserviceaccount.com"
  keys_secret     = "projects/platform-local/secrets/livekit-keys"
  redis_address   = "10.0.0.3:6379"
}

run "guide_cluster_is_planned" {
  command = plan

  assert {
    condition     = platform_livekit_cluster.main.node_count == 3
    error_message = "the guide runs 3 nodes"
  }
  assert {
    condition     = platform_livekit_cluster.main.machine_type == "n2-standard-4"
    error_message = "the guide's nodes are n2-standard-4"
  }
  assert {
    condition     = platform_livekit_cluster.main.load_balancer[0].timeout_sec == 3600
    error_message = "signalling WebSockets may live an hour"
  }
}

run "zero_nodes_are_rejected" {
  command = plan

  variables {
    cluster = {
      node_count = 0
    }
  }

  expect_failures = [var.cluster]
}

run "reversed_rtc_port_range_is_rejected" {
  command = plan

  variables {
    rtc = {
      port_range_start = 60000
      port_range_end   = 50000
    }
  }

  expect_failures = [var.rtc]
}

run "short_signal_timeout_is_rejected" {
  command = plan

  variables {
    signal = {
      timeout_sec = 30
    }
  }

  expect_failures = [var.signal]
}

run "repeated_zones_are_rejected" {
  command = plan

  variables {
    zones = ["us-central1-a", "us-central1-a"]
  }

  expect_failures = [var.zones]
}

run "malformed_keys_secret_is_rejected" {
  command = plan

  variables {
    keys_secret = "projects/platform-local/keys/livekit"
  }

  expect_failures = [var.keys_secret]
}

run "several_nodes_need_redis" {
  command = plan

  variables {
    redis_address = null
  }

  expect_failures = [platform_livekit_cluster.main]
}
