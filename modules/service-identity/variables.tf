variable "project_id" {
  description = "Project that holds the service accounts and secrets."
  type        = string
}

variable "accounts" {
  description = "Workload key → service account to create (the guide: one per Cloud Run service)."
  type = map(object({
    account_id   = string
    display_name = optional(string)
    # Project roles beyond reading the secrets, e.g. LiveKit nodes writing metrics and logs.
    roles = optional(list(string), [])
  }))
  default = {
    api       = { account_id = "platform-api" }
    websocket = { account_id = "platform-websocket" }
    agent     = { account_id = "platform-agent" }
  }

  validation {
    condition     = alltrue([for a in values(var.accounts) : can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", a.account_id))])
    error_message = "accounts[*].account_id must be 6-30 lower-case letters, digits or hyphens, starting with a letter."
  }
  validation {
    condition     = alltrue(flatten([for a in values(var.accounts) : [for r in a.roles : can(regex("^(roles|projects/[^/]+/roles|organizations/[0-9]+/roles)/[A-Za-z0-9_.]+$", r))]]))
    error_message = "accounts[*].roles must be role names such as roles/monitoring.metricWriter."
  }
}

variable "secrets" {
  description = "Environment variable → Secret Manager secret ID. Secrets are created without versions (add them out of band so values never enter Terraform state); every account may read every secret."
  type        = map(string)
  default = {
    DATABASE_URL    = "database-url"
    REDIS_URL       = "redis-url"
    JWT_SECRET      = "jwt-secret"
    SESSION_SECRET  = "session-secret"
    SENTRY_DSN      = "sentry-dsn"
    LIVEKIT_API_KEY = "livekit-api-key"
    LIVEKIT_SECRET  = "livekit-api-secret"
    OPENAI_API_KEY  = "openai-api-key"
  }

  validation {
    condition     = alltrue([for id in values(var.secrets) : can(regex("^[A-Za-z0-9_-]{1,255}$", id))])
    error_message = "secrets values must be secret IDs: letters, digits, underscores and hyphens."
  }
}

variable "labels" {
  description = "Labels for the secrets."
  type        = map(string)
  default     = {}
}
