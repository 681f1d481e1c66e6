variable "project_id" {
  description = "Project that runs the LiveKit nodes."
  type        = string
}

variable "region" {
  description = "Region of the nodes."
  type        = string
  default     = "us-central1"
}

variable "zones" {
  description = "Zones the nodes are spread over."
  type        = list(string)
  default     = ["us-central1-a", "us-central1-b", "us-central1-c"]

  validation {
    condition     = length(var.zones) > 0 && length(distinct(var.zones)) == length(var.zones)
    error_message = "zones must list at least one zone, each once."
  }
}

variable "cluster" {
  description = "Node sizing (the guide: 3 × n2-standard-4)."
  type = object({
    name         = optional(string, "livekit")
    node_count   = optional(number, 3)
    machine_type = optional(string, "n2-standard-4")
    image        = optional(string, "projects/cos-cloud/global/images/family/cos-stable")
    disk_size_gb = optional(number, 50)
    disk_type    = optional(string, "pd-ssd")
    version      = optional(string, "1.8.4")
  })
  default = {}

  validation {
    condition     = var.cluster.node_count >= 1 && var.cluster.node_count <= 100
    error_message = "cluster.node_count must be between 1 and 100."
  }
}

variable "network" {
  description = "VPC self link (network module output network_self_link)."
  type        = string
}

variable "subnetwork" {
  description = "Subnet self link (network module output subnet_self_link)."
  type        = string
}

variable "network_tags" {
  description = "Extra network tags for the nodes."
  type        = list(string)
  default     = []
}

variable "redis_address" {
  description = "host:port of Redis (redis module output address); required for more than one node so rooms are shared."
  type        = string
  default     = null
}

variable "redis_tls_ca" {
  description = "PEM CA of the Redis TLS endpoint (redis module output server_ca_cert)."
  type        = string
  default     = null
}

variable "rtc" {
  description = "Media ports opened to clients."
  type = object({
    tcp_port         = optional(number, 7881)
    port_range_start = optional(number, 50000)
    port_range_end   = optional(number, 60000)
  })
  default = {}

  validation {
    condition     = var.rtc.port_range_start < var.rtc.port_range_end
    error_message = "rtc.port_range_start must be below rtc.port_range_end."
  }
}

variable "signal" {
  description = "TLS for the signalling endpoint: an SSL proxy with a managed certificate in front of the cluster's backend service (the guide's plain TCP backend would serve ws://)."
  type = object({
    domain            = optional(string, "livekit.platform.com")
    health_check_port = optional(number, 7880)
    timeout_sec       = optional(number, 3600)
  })
  default = {}

  validation {
    condition     = var.signal.timeout_sec >= 300
    error_message = "signal.timeout_sec must be at least 300: signalling connections are long-lived WebSockets."
  }
}

variable "admin_source_ranges" {
  description = "CIDR ranges allowed to reach the nodes' admin ports."
  type        = list(string)
  default     = []
}

variable "labels" {
  description = "Labels for the nodes."
  type        = map(string)
  default     = {}
}
