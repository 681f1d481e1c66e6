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

variable "name" {
  description = "Cluster name: the backend service's name, and the prefix of its nodes, groups, health check and firewall rules (the guide's hand-built cluster: livekit-backend; `platform adopt` writes the name an existing cluster has)."
  type        = string
  default     = "livekit"
  nullable    = false
}

variable "network" {
  description = "VPC self link (network module output network_self_link)."
  type        = string
}

variable "subnetwork" {
  description = "Subnet self link (network module output subnet_self_link); the network's default subnetwork when null."
  type        = string
  default     = null
}

variable "service_account" {
  description = "Email of the nodes' service account (service-identity module output emails); it must be able to read keys_secret."
  type        = string
}

variable "keys_secret" {
  description = "Secret Manager secret (projects/P/secrets/NAME) holding the LiveKit API keys as `key: secret` lines (service-identity module output secret_names). Nodes read it at boot; keys never enter VM metadata or Terraform state."
  type        = string

  validation {
    condition     = can(regex("^(projects/[^/]+/secrets/)?[A-Za-z0-9_-]+$", var.keys_secret))
    error_message = "keys_secret must be a secret ID or projects/PROJECT/secrets/ID."
  }
}

variable "prometheus_port" {
  description = "Port LiveKit serves Prometheus metrics on; the Ops Agent on each node scrapes it into Cloud Monitoring (the monitoring module's packet-loss alert reads them). The nodes' service account needs roles/monitoring.metricWriter and roles/logging.logWriter. null: no metrics."
  type        = number
  default     = 6789
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
  description = "The cluster's backend service for signalling (TLS in front of it comes from the livekit-edge module: the guide's plain TCP backend alone would serve ws://)."
  type = object({
    health_check_port = optional(number, 7880)
    timeout_sec       = optional(number, 3600)
  })
  default = {}

  validation {
    condition     = var.signal.timeout_sec >= 300
    error_message = "signal.timeout_sec must be at least 300: signalling connections are long-lived WebSockets."
  }
}

variable "rollout" {
  description = "How changes reach running nodes: one at a time, each drained (LiveKit finishes its rooms) before deletion. health_timeout null keeps the provider default."
  type = object({
    max_unavailable = optional(number, 1)
    drain_timeout   = optional(string, "10m")
    health_timeout  = optional(string)
  })
  default = {}

  validation {
    condition     = var.rollout.max_unavailable >= 1
    error_message = "rollout.max_unavailable must be at least 1."
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
