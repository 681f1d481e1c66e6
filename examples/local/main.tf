# Runs the provider against the local GCP emulator (`make demo` passes the variables).
# For real Google Cloud, drop the *_custom_endpoint lines and the credentials file.

terraform {
  required_providers {
    platform = {
      source  = "platform-eng/platform"
      version = "0.1.0"
    }
  }
}

variable "emulator_url" {
  description = "Base URL printed by gcp-emulator, e.g. http://127.0.0.1:40123"
  type        = string
}

variable "credentials_file" {
  description = "Service-account key written by gcp-emulator --write-credentials"
  type        = string
}

variable "project" {
  description = "Project to read; the emulator serves platform-local by default"
  type        = string
  default     = "platform-local"
}

variable "region" {
  description = "Region whose zones are listed"
  type        = string
  default     = "us-central1"
}

locals {
  emulator = trimsuffix(var.emulator_url, "/")
}

provider "platform" {
  project     = var.project
  region      = var.region
  credentials = var.credentials_file

  # Every Google API is served by the emulator under Google's own path prefixes.
  compute_custom_endpoint             = "${local.emulator}/compute/v1/"
  cloud_run_v2_custom_endpoint        = "${local.emulator}/v2/"
  monitoring_custom_endpoint          = "${local.emulator}/"
  billing_budgets_custom_endpoint     = "${local.emulator}/v1/"
  pubsub_custom_endpoint              = "${local.emulator}/v1/"
  resource_manager_v3_custom_endpoint = "${local.emulator}/v3/"
  iam_credentials_custom_endpoint     = "${local.emulator}/v1/"
}

data "platform_project" "current" {}

data "platform_zones" "available" {
  status = "UP"
}

output "project_number" {
  value = data.platform_project.current.number
}

output "default_service_account" {
  value = data.platform_project.current.default_service_account
}

output "zones" {
  value = data.platform_zones.available.names
}

# The guide's services, LiveKit cluster and budget through the bundled modules, so
# `platform deploy --dir examples/local` targets them as module.services, module.livekit
# and module.budget. The google-provider siblings (service-identity, livekit-edge,
# commitments) cannot run against the emulator, so their outputs are given literally.
module "services" {
  source     = "../../modules/services"
  project_id = var.project
  names      = var.service_names
  region     = var.region
  images = {
    api       = var.api_image
    websocket = "us-docker.pkg.dev/platform/api/websocket:v1"
    agent     = "us-docker.pkg.dev/platform/api/agent:v1"
  }
  service_accounts = {
    api       = "platform-api@${var.project}.iam.gserviceaccount.com"
    websocket = "platform-websocket@${var.project}.iam.gserviceaccount.com"
    agent     = "platform-agent@${var.project}.iam.gserviceaccount.com"
  }
  secrets             = { DATABASE_PASSWORD = "api-db-password" }
  deletion_protection = var.api_deletion_protection
  # Short bakes for the demo; production keeps the module's 5m.
  rollout = { bake_duration = "2s" }
}

module "livekit" {
  source              = "../../modules/livekit"
  name                = var.livekit_name
  project_id          = var.project
  region              = var.region
  zones               = ["${var.region}-a", "${var.region}-b", "${var.region}-c"]
  network             = "default"
  service_account     = "livekit-node@${var.project}.iam.gserviceaccount.com"
  keys_secret         = "livekit-keys"
  redis_address       = "10.0.0.3:6379"
  admin_source_ranges = ["203.0.113.0/24"]
}

module "budget" {
  source          = "../../modules/budget"
  display_name    = var.budget_display_name
  billing_account = var.billing_account
  project_id      = var.project
  channels = {
    emails                = ["finance@example.com"]
    slack_channel         = "#billing-alerts"
    slack_token           = var.slack_token
    pagerduty_service_key = var.pagerduty_key
  }
  tenants = { acme = { label_value = "acme" } }
}

output "api_uri" {
  value = module.services.urls["api"]
}

output "api_rollout_status" {
  value = module.services.rollout_status["api"]
}

output "livekit_nodes" {
  value = [for n in module.livekit.nodes : "${n.name} (${n.zone}) ${n.status} ${n.external_ip}"]
}

output "livekit_backend_service" {
  value = module.livekit.backend_service
}

output "budget_guard" {
  value = {
    budget         = module.budget.budget_name
    channels       = module.budget.channels
    topic          = module.budget.topic
    tenant_budgets = module.budget.tenant_budgets
    alert_policies = module.budget.alert_policies
  }
}
