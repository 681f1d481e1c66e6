# Plan assertions on hashicorp/google's schema (the e2e tests install a schema-faithful stand-in).

variables {
  project_id          = "platform-prod"
  admin_source_ranges = ["203.0.113.0/24"]
}

run "guide_network_is_planned" {
  command = plan

  assert {
    condition     = google_compute_network.vpc.auto_create_subnetworks == false && google_compute_network.vpc.routing_mode == "REGIONAL"
    error_message = "a custom-mode, regional-routing VPC"
  }
  assert {
    condition     = google_compute_subnetwork.main.region == "us-central1" && google_compute_subnetwork.main.private_ip_google_access
    error_message = "one regional subnet with Private Google Access"
  }
  assert {
    condition     = one(google_compute_firewall.admin[0].source_ranges) == "203.0.113.0/24"
    error_message = "admin access only from the admin ranges"
  }
  assert {
    condition     = google_compute_global_address.private_services.purpose == "VPC_PEERING"
    error_message = "the private services range is reserved for VPC peering"
  }
}

run "no_admin_ranges_no_admin_firewall" {
  command = plan

  variables {
    admin_source_ranges = []
  }

  assert {
    condition     = length(google_compute_firewall.admin) == 0
    error_message = "no admin firewall without admin ranges"
  }
}
