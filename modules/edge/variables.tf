variable "project_id" {
  description = "Project that owns the load balancer."
  type        = string
}

variable "region" {
  description = "Region of the Cloud Run services behind the serverless NEGs."
  type        = string
  default     = "us-central1"
}

variable "name" {
  description = "Prefix for load balancer resources."
  type        = string
  default     = "platform"
}

variable "domain" {
  description = "Apex domain; api., meet. and dashboard. hang off it."
  type        = string
  default     = "platform.com"

  validation {
    condition     = can(regex("^([a-z0-9-]+\\.)+[a-z]{2,}$", var.domain))
    error_message = "domain must be a DNS name such as platform.com, without scheme or trailing dot."
  }
}

variable "cloud_run_services" {
  description = "Backend key → Cloud Run service name (services module output service_names); api and websocket are served."
  type        = map(string)

  validation {
    condition     = contains(keys(var.cloud_run_services), "api") && contains(keys(var.cloud_run_services), "websocket")
    error_message = "cloud_run_services must name the api and websocket services."
  }
}

variable "frontend_buckets" {
  description = "Bucket key → bucket name (frontend module output bucket_names); landing and app are served."
  type        = map(string)

  validation {
    condition     = contains(keys(var.frontend_buckets), "landing") && contains(keys(var.frontend_buckets), "app")
    error_message = "frontend_buckets must name the landing and app buckets."
  }
}

variable "websocket_path" {
  description = "Path prefix on api. routed to the WebSocket service."
  type        = string
  default     = "/ws"
}

variable "cdn" {
  description = "CDN cache settings for the frontend (the guide's cache headers: hashed assets 1 year, HTML 1 hour)."
  type = object({
    default_ttl = optional(number, 3600)
    max_ttl     = optional(number, 31536000)
    client_ttl  = optional(number, 3600)
  })
  default = {}
}

variable "armor" {
  description = "Cloud Armor: per-client rate limit and the admin allowlist for /admin paths."
  type = object({
    rate_limit_count        = optional(number, 100)
    rate_limit_interval_sec = optional(number, 60)
    ban_duration_sec        = optional(number, 300)
    admin_path_prefix       = optional(string, "/admin")
    admin_source_ranges     = optional(list(string), [])
  })
  default = {}

  validation {
    condition     = contains([10, 30, 60, 120, 180, 240, 300, 600, 900, 1200, 1800, 2700, 3600], var.armor.rate_limit_interval_sec)
    error_message = "armor.rate_limit_interval_sec must be one Cloud Armor accepts: 10, 30, 60, 120, 180, 240, 300, 600, 900, 1200, 1800, 2700 or 3600."
  }
  validation {
    condition     = length(var.armor.admin_source_ranges) <= 10
    error_message = "armor.admin_source_ranges takes at most 10 ranges (one Cloud Armor rule)."
  }
}
