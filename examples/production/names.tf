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
