# Names of objects that already exist, where they differ from the modules' defaults.
# `platform adopt` writes them to adopt.auto.tfvars, so taking over an existing
# production keeps every object's name instead of creating a twin beside it.

variable "service_names" {
  description = "Service key (api, websocket, agent) → name of the existing Cloud Run service."
  type        = map(string)
  default     = {}
}

variable "livekit_name" {
  description = "Name of the existing LiveKit cluster's backend service (the guide's: livekit-backend); null keeps the module's default."
  type        = string
  default     = null
}

variable "budget_display_name" {
  description = "Display name of the existing budget (the guide's: Production Monthly Budget); null keeps the module's default."
  type        = string
  default     = null
}

variable "network_name" {
  description = "Name of the existing VPC (the guide's: platform-prod-vpc); null keeps the module's default."
  type        = string
  default     = null
}

variable "subnet_name" {
  description = "Name of the existing regional subnet (the guide's: platform-prod-subnet-us-central1); null keeps the module's default."
  type        = string
  default     = null
}

variable "database_name" {
  description = "Name of the existing Cloud SQL primary (the guide's: platform-prod-db); null keeps the module's default."
  type        = string
  default     = null
}

variable "database_replica_name" {
  description = "Name of the existing Cloud SQL read replica; null keeps the module's default."
  type        = string
  default     = null
}

variable "redis_name" {
  description = "Name of the existing Memorystore instance; null keeps the module's default."
  type        = string
  default     = null
}
