variable "project_id" {
  description = "Project that owns the network (the guide's platform-prod)."
  type        = string
}

variable "region" {
  description = "Region of the subnet, router, NAT and connector."
  type        = string
  default     = "us-central1"
}

variable "name" {
  description = "Name of the VPC; other resources are named after it."
  type        = string
  default     = "platform-vpc"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$", var.name))
    error_message = "name must be a lowercase RFC 1035 name (letters, digits, hyphens; at most 63 characters)."
  }
}

variable "subnet_name" {
  description = "Name of the regional subnet (the guide's: platform-prod-subnet-us-central1; `platform adopt` writes the name an existing subnet has)."
  type        = string
  default     = "platform-us-central1"
  nullable    = false
}

variable "subnet" {
  description = "The regional subnet. The guide's \"multi-zone subnets\" do not exist on GCP: a subnet spans every zone of its region."
  type = object({
    ip_cidr_range         = optional(string, "10.10.0.0/20")
    flow_logs             = optional(bool, true)
    flow_sampling         = optional(number, 0.5)
    private_google_access = optional(bool, true)
  })
  default = {}

  validation {
    condition     = can(cidrhost(var.subnet.ip_cidr_range, 0))
    error_message = "subnet.ip_cidr_range must be an IPv4 CIDR block such as 10.10.0.0/20."
  }
  validation {
    condition     = var.subnet.flow_sampling > 0 && var.subnet.flow_sampling <= 1
    error_message = "subnet.flow_sampling is a fraction: greater than 0 and at most 1."
  }
}

variable "private_services_range" {
  description = "Range reserved for private services access (Cloud SQL private IP, Memorystore)."
  type = object({
    name          = optional(string, "platform-psa")
    address       = optional(string, "10.20.0.0")
    prefix_length = optional(number, 16)
  })
  default = {}

  validation {
    condition     = var.private_services_range.prefix_length >= 8 && var.private_services_range.prefix_length <= 24
    error_message = "private_services_range.prefix_length must be between 8 and 24 (Google requires at least a /24)."
  }
}

variable "connector" {
  description = "Serverless VPC Access connector that Cloud Run uses to reach Cloud SQL and Redis."
  type = object({
    name          = optional(string, "platform-connector")
    ip_cidr_range = optional(string, "10.8.0.0/28")
    machine_type  = optional(string, "e2-micro")
    min_instances = optional(number, 2)
    max_instances = optional(number, 10)
  })
  default = {}

  validation {
    condition     = endswith(var.connector.ip_cidr_range, "/28")
    error_message = "connector.ip_cidr_range must be a /28 block: Serverless VPC Access accepts no other size."
  }
  validation {
    condition     = var.connector.min_instances >= 2 && var.connector.max_instances > var.connector.min_instances && var.connector.max_instances <= 10
    error_message = "connector instances: min_instances must be at least 2 and max_instances greater than min_instances and at most 10."
  }
}

variable "admin_source_ranges" {
  description = "Office/VPN CIDR ranges allowed to reach instances tagged with admin_target_tag on tcp/443."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.admin_source_ranges : can(cidrhost(r, 0))])
    error_message = "admin_source_ranges must contain CIDR blocks such as 203.0.113.0/24."
  }
  validation {
    condition     = !contains(var.admin_source_ranges, "0.0.0.0/0")
    error_message = "admin_source_ranges must not contain 0.0.0.0/0: the admin allowlist would allow everyone."
  }
}

variable "admin_target_tag" {
  description = "Network tag of instances that serve admin endpoints."
  type        = string
  default     = "admin"
}
