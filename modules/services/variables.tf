variable "project_id" {
  description = "Project that runs the services."
  type        = string
}

variable "region" {
  description = "Cloud Run region."
  type        = string
  default     = "us-central1"
}

variable "vpc_connector" {
  description = "Serverless VPC Access connector ID (network module output connector_id); egress to private ranges goes through it. No VPC access when null."
  type        = string
  default     = null
}

variable "service_accounts" {
  description = "Service key → email of the service account the service runs as (service-identity module output emails)."
  type        = map(string)
}

variable "images" {
  description = "Container image per service key (api, websocket, agent), preferably by digest."
  type        = map(string)

  validation {
    condition     = alltrue([for image in values(var.images) : trimspace(image) != ""])
    error_message = "images must not contain empty image references."
  }
}

variable "services" {
  description = "The guide's three Cloud Run services and their production sizes."
  type = map(object({
    name             = string
    min_instances    = number
    max_instances    = number
    cpu              = string
    memory           = string
    timeout          = string
    concurrency      = number
    session_affinity = optional(bool, false)
    port             = optional(number, 8080)
    health_path      = optional(string, "/health")
    ingress          = optional(string, "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER")
    env              = optional(map(string), {})
  }))
  default = {
    api = {
      name          = "platform-api"
      min_instances = 2
      max_instances = 20
      cpu           = "2"
      memory        = "4Gi"
      timeout       = "300s"
      concurrency   = 80
    }
    websocket = {
      name             = "platform-websocket"
      min_instances    = 2
      max_instances    = 10
      cpu              = "2"
      memory           = "4Gi"
      timeout          = "3600s"
      concurrency      = 1000
      session_affinity = true
    }
    agent = {
      name          = "platform-agent"
      min_instances = 2
      max_instances = 10
      cpu           = "4"
      memory        = "8Gi"
      timeout       = "3600s"
      concurrency   = 10
      ingress       = "INGRESS_TRAFFIC_INTERNAL_ONLY"
    }
  }

  validation {
    condition     = alltrue([for s in values(var.services) : contains(["1", "2", "4", "6", "8"], s.cpu)])
    error_message = "services[*].cpu must be 1, 2, 4, 6 or 8."
  }
  validation {
    condition     = alltrue([for s in values(var.services) : s.min_instances >= 0 && s.max_instances >= s.min_instances])
    error_message = "services[*]: max_instances must be at least min_instances, and min_instances at least 0."
  }
  validation {
    condition     = alltrue([for s in values(var.services) : can(regex("^[0-9]+s$", s.timeout)) && tonumber(trimsuffix(s.timeout, "s")) <= 3600])
    error_message = "services[*].timeout must be seconds such as \"300s\", at most 3600s."
  }
  validation {
    condition     = alltrue([for s in values(var.services) : s.concurrency >= 1 && s.concurrency <= 1000])
    error_message = "services[*].concurrency must be between 1 and 1000."
  }
}

variable "names" {
  description = "Service key → the name of an existing service to take over (keeps its name; `platform adopt` writes these). Unset keys use `services[*].name`."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "environment" {
  description = "The guide's production environment variables, set on every service."
  type        = map(string)
  default = {
    NODE_ENV                  = "production"
    LOG_LEVEL                 = "warn"
    RATE_LIMIT_ENABLED        = "true"
    RATE_LIMIT_WINDOW_MS      = "60000"
    RATE_LIMIT_MAX_REQUESTS   = "100"
    CSRF_ENABLED              = "true"
    MAX_UPLOAD_SIZE_MB        = "50"
    TENANT_AI_COST_LIMIT_USD  = "500"
    SENTRY_ENVIRONMENT        = "production"
    SENTRY_TRACES_SAMPLE_RATE = "0.1"
  }

  validation {
    condition     = lookup(var.environment, "NODE_ENV", "production") == "production"
    error_message = "environment.NODE_ENV must be production in this module."
  }
}

variable "secrets" {
  description = "Environment variable → Secret Manager secret ID, set on every service (service-identity module output env_secrets, which exists only once the services may read them)."
  type        = map(string)
  default     = {}
}

variable "rollout" {
  description = "Progressive rollout settings for platform_blue_green_service."
  type = object({
    steps          = optional(list(number), [5, 25, 50, 100])
    bake_duration  = optional(string, "5m")
    max_error_rate = optional(number, 0.005)
    auto_rollback  = optional(bool, true)
    # true sends 100 % to a new revision as soon as it is Ready (`platform deploy --immediate`).
    promote = optional(bool, false)
  })
  default = {}

  validation {
    condition     = length(var.rollout.steps) > 0 && var.rollout.steps[length(var.rollout.steps) - 1] == 100
    error_message = "rollout.steps must end at 100 (percent of traffic)."
  }
}

variable "deletion_protection" {
  description = "Protect the services against terraform destroy."
  type        = bool
  default     = true
}

variable "labels" {
  description = "Labels for services and secrets."
  type        = map(string)
  default     = {}
}
