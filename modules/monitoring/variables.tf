variable "project_id" {
  description = "Project whose metrics are watched."
  type        = string
}

variable "api_host" {
  description = "Host of the API; the uptime check requests https://HOST/health."
  type        = string
  default     = "api.platform.com"
}

variable "uptime" {
  description = "Uptime check on the API health endpoint (the guide: every 60 s)."
  type = object({
    path    = optional(string, "/health")
    period  = optional(string, "60s")
    timeout = optional(string, "10s")
  })
  default = {}

  validation {
    condition     = contains(["60s", "300s", "600s", "900s"], var.uptime.period)
    error_message = "uptime.period must be 60s, 300s, 600s or 900s."
  }
}

variable "thresholds" {
  description = "Alert thresholds from the guide; ratios are decimals (0.05 = 5 %)."
  type = object({
    error_rate          = optional(number, 0.05)
    error_rate_duration = optional(string, "300s")
    api_p95_latency_ms  = optional(number, 200)
    db_connections      = optional(number, 0.8)
    redis_memory        = optional(number, 0.9)
    livekit_packet_loss = optional(number, 0.01)
    duration            = optional(string, "300s")
  })
  default = {}

  validation {
    condition = alltrue([for r in [var.thresholds.error_rate, var.thresholds.db_connections, var.thresholds.redis_memory, var.thresholds.livekit_packet_loss] :
    r > 0 && r <= 1])
    error_message = "thresholds: error_rate, db_connections, redis_memory and livekit_packet_loss are ratios greater than 0 and at most 1 (0.05 = 5 %)."
  }
}

variable "api_service_name" {
  description = "Cloud Run service name of the API."
  type        = string
  default     = "platform-api"
}

variable "sql_instance" {
  description = "Cloud SQL instance name (database module output instance_name) and its max_connections."
  type = object({
    name            = string
    max_connections = number
  })
}

variable "redis_instance_name" {
  description = "Memorystore instance name (redis module output instance_name)."
  type        = string
}

variable "existing_channels" {
  description = "Notification channel names to reuse (budget module output channels); when given no channels are created."
  type        = map(string)
  default     = {}
}

variable "channels" {
  description = "Channels to create when existing_channels is empty; PagerDuty receives only critical alerts."
  type = object({
    emails                = optional(list(string), [])
    slack_channel         = optional(string)
    slack_token           = optional(string)
    pagerduty_service_key = optional(string)
  })
  default   = {}
  sensitive = true
}
