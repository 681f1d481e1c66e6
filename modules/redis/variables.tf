variable "project_id" {
  description = "Project that owns the instance."
  type        = string
}

variable "region" {
  description = "Region of the instance."
  type        = string
  default     = "us-central1"
}

variable "network_id" {
  description = "VPC the instance is reachable from (network module output network_id)."
  type        = string
}

variable "private_services_range" {
  description = "Name of the private services access range the instance takes its IP from."
  type        = string
}

variable "instance_name" {
  description = "Name of the Memorystore instance (`platform adopt` writes the name an existing instance has)."
  type        = string
  default     = "platform-redis"
  nullable    = false
}

variable "instance" {
  description = "Memorystore for Redis instance. The guide's REDIS_7_4 does not exist on Memorystore for Redis; 7.2 is the newest."
  type = object({
    tier                    = optional(string, "STANDARD_HA")
    memory_size_gb          = optional(number, 5)
    redis_version           = optional(string, "REDIS_7_2")
    location_id             = optional(string, "us-central1-a")
    alternative_location_id = optional(string, "us-central1-b")
    auth_enabled            = optional(bool, true)
    transit_encryption_mode = optional(string, "SERVER_AUTHENTICATION")
    redis_configs           = optional(map(string), { "maxmemory-policy" = "allkeys-lru" })
  })
  default = {}

  validation {
    condition     = contains(["REDIS_3_2", "REDIS_4_0", "REDIS_5_0", "REDIS_6_X", "REDIS_7_0", "REDIS_7_2"], var.instance.redis_version)
    error_message = "instance.redis_version must be one Memorystore for Redis supports (REDIS_3_2 … REDIS_7_2); REDIS_7_4 does not exist there."
  }
  validation {
    condition     = contains(["BASIC", "STANDARD_HA"], var.instance.tier)
    error_message = "instance.tier must be BASIC or STANDARD_HA (the guide's HA setting)."
  }
  validation {
    condition     = var.instance.memory_size_gb >= 1 && var.instance.memory_size_gb <= 300
    error_message = "instance.memory_size_gb must be between 1 and 300."
  }
  validation {
    condition     = contains(["SERVER_AUTHENTICATION", "DISABLED"], var.instance.transit_encryption_mode)
    error_message = "instance.transit_encryption_mode must be SERVER_AUTHENTICATION (TLS, the guide's setting) or DISABLED."
  }
  validation {
    condition     = var.instance.location_id != var.instance.alternative_location_id
    error_message = "instance.alternative_location_id must differ from location_id so the replica survives a zone outage."
  }
}

variable "maintenance" {
  description = "Weekly maintenance window in UTC."
  type = object({
    day  = optional(string, "SUNDAY")
    hour = optional(number, 3)
  })
  default = {}

  validation {
    condition     = contains(["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"], var.maintenance.day)
    error_message = "maintenance.day must be a weekday name in capitals, e.g. SUNDAY."
  }
  validation {
    condition     = var.maintenance.hour >= 0 && var.maintenance.hour <= 23
    error_message = "maintenance.hour must be 0 to 23 (UTC)."
  }
}

variable "labels" {
  description = "Labels for the instance."
  type        = map(string)
  default     = {}
}
