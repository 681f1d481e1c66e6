variable "project_id" {
  description = "Project that owns the instances."
  type        = string
}

variable "region" {
  description = "Region of the primary and the replica."
  type        = string
  default     = "us-central1"
}

variable "network_id" {
  description = "VPC the instances get their private IP in (network module output network_id)."
  type        = string
}

variable "private_services_range" {
  description = "Name of the private services access range (network module output private_services_range)."
  type        = string
}

variable "instance_name" {
  description = "Name of the primary instance (the guide's: platform-prod-db; `platform adopt` writes the name an existing instance has)."
  type        = string
  default     = "platform-db"
  nullable    = false
}

variable "replica_name" {
  description = "Name of the read replica (`platform adopt` writes the name an existing replica has)."
  type        = string
  default     = "platform-db-replica"
  nullable    = false
}

variable "instance" {
  description = "Primary instance. The guide's db-n1-standard-4 is not valid for PostgreSQL: the default is the same 4 vCPU / 15 GB as db-custom-4-15360 on the ENTERPRISE edition."
  type = object({
    database_version    = optional(string, "POSTGRES_16")
    tier                = optional(string, "db-custom-4-15360")
    edition             = optional(string, "ENTERPRISE")
    availability_type   = optional(string, "REGIONAL")
    zone                = optional(string, "us-central1-a")
    secondary_zone      = optional(string, "us-central1-b")
    disk_type           = optional(string, "PD_SSD")
    disk_size_gb        = optional(number, 100)
    deletion_protection = optional(bool, true)
  })
  default = {}

  validation {
    condition     = startswith(var.instance.database_version, "POSTGRES_")
    error_message = "instance.database_version must be a PostgreSQL version such as POSTGRES_16; this module configures PostgreSQL flags."
  }
  validation {
    condition     = can(regex("^db-(custom-[0-9]+-[0-9]+|perf-optimized-N-[0-9]+|f1-micro|g1-small)$", var.instance.tier))
    error_message = "instance.tier must be a PostgreSQL tier: db-custom-CPUS-MEMORY_MB (ENTERPRISE) or db-perf-optimized-N-CPUS (ENTERPRISE_PLUS); db-n1-standard-* tiers are MySQL/SQL Server only."
  }
  validation {
    condition     = contains(["ENTERPRISE", "ENTERPRISE_PLUS"], var.instance.edition)
    error_message = "instance.edition must be ENTERPRISE or ENTERPRISE_PLUS (PostgreSQL 16 defaults to ENTERPRISE_PLUS, which rejects custom tiers, so it is always set explicitly)."
  }
  validation {
    condition     = contains(["REGIONAL", "ZONAL"], var.instance.availability_type)
    error_message = "instance.availability_type must be REGIONAL (high availability, the guide's setting) or ZONAL."
  }
  validation {
    condition     = var.instance.disk_size_gb >= 10
    error_message = "instance.disk_size_gb must be at least 10."
  }
}

variable "backup" {
  description = "Daily backups and point-in-time recovery (the guide: 02:00 UTC, keep 30, 7 days of logs)."
  type = object({
    start_time                     = optional(string, "02:00")
    retained_backups               = optional(number, 30)
    point_in_time_recovery         = optional(bool, true)
    transaction_log_retention_days = optional(number, 7)
    location                       = optional(string, "us")
  })
  default = {}

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]$", var.backup.start_time))
    error_message = "backup.start_time must be HH:MM in UTC, e.g. 02:00."
  }
  validation {
    condition     = var.backup.retained_backups >= 1 && var.backup.retained_backups <= 365
    error_message = "backup.retained_backups must be between 1 and 365."
  }
  validation {
    condition     = var.backup.transaction_log_retention_days >= 1 && var.backup.transaction_log_retention_days <= 35
    error_message = "backup.transaction_log_retention_days must be between 1 and 35 (at most 7 on the ENTERPRISE edition)."
  }
}

variable "maintenance" {
  description = "Maintenance window in UTC; day 1 is Monday and 7 is Sunday (the guide: Sunday 03:00)."
  type = object({
    day          = optional(number, 7)
    hour         = optional(number, 3)
    update_track = optional(string, "stable")
  })
  default = {}

  validation {
    condition     = var.maintenance.day >= 1 && var.maintenance.day <= 7
    error_message = "maintenance.day must be 1 (Monday) to 7 (Sunday)."
  }
  validation {
    condition     = var.maintenance.hour >= 0 && var.maintenance.hour <= 23
    error_message = "maintenance.hour must be 0 to 23 (UTC)."
  }
}

variable "flags" {
  description = "PostgreSQL database flags. There is no PgBouncer flag: use connection_pooling (ENTERPRISE_PLUS) or run PgBouncer yourself."
  type        = map(string)
  default = {
    max_connections            = "400"
    log_min_duration_statement = "1000"
    log_checkpoints            = "on"
    log_lock_waits             = "on"
  }

  validation {
    condition     = !contains(keys(var.flags), "pgbouncer")
    error_message = "flags: there is no pgbouncer database flag; set connection_pooling.enabled with the ENTERPRISE_PLUS edition instead."
  }
}

variable "connection_pooling" {
  description = "Managed connection pooling, Cloud SQL's built-in PgBouncer; ENTERPRISE_PLUS (db-perf-optimized-N-*) only."
  type = object({
    enabled = optional(bool, false)
    flags   = optional(map(string), {})
  })
  default = {}
}

variable "read_replica" {
  description = "Read replica of the same tier in a third zone."
  type = object({
    enabled = optional(bool, true)
    zone    = optional(string, "us-central1-c")
  })
  default = {}
}

variable "databases" {
  description = "Databases created on the primary."
  type        = list(string)
  default     = ["platform"]
}

variable "labels" {
  description = "User labels for the instances."
  type        = map(string)
  default     = {}
}
