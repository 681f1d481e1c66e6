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
