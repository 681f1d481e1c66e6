terraform {
  required_version = ">= 1.5"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 7.0"
    }
    platform = {
      source  = "platform-eng/platform"
      version = ">= 0.1"
    }
  }

  # State in GCS; create the bucket (versioned) once before `terraform init`.
  backend "gcs" {
    bucket = "platform-prod-tfstate"
    prefix = "production"
  }

  # For Terraform Cloud workspaces, replace the backend above with:
  # cloud {
  #   organization = "platform-eng"
  #   workspaces {
  #     tags = ["platform", "production"]
  #   }
  # }
}

provider "google" {
  project = var.project_id
  region  = var.region
}

provider "platform" {
  project = var.project_id
  region  = var.region
}
