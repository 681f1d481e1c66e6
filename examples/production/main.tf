# deploy.sh stage "infrastructure"
module "network" {
  source              = "../../modules/network"
  project_id          = var.project_id
  region              = var.region
  admin_source_ranges = var.admin_source_ranges
  name                = var.network_name
  subnet_name         = var.subnet_name
}

module "compliance" {
  source     = "../../modules/compliance"
  project_id = var.project_id
}

# deploy.sh stage "database"
module "database" {
  source                 = "../../modules/database"
  project_id             = var.project_id
  region                 = var.region
  network_id             = module.network.network_id
  private_services_range = module.network.private_services_range
  instance_name          = var.database_name
  replica_name           = var.database_replica_name
}

module "redis" {
  source                 = "../../modules/redis"
  project_id             = var.project_id
  region                 = var.region
  network_id             = module.network.network_id
  private_services_range = module.network.private_services_range
  instance_name          = var.redis_name
}

# deploy.sh stage "livekit"
module "livekit_identity" {
  source     = "../../modules/service-identity"
  project_id = var.project_id
  accounts = {
    node = {
      account_id   = "livekit-node"
      display_name = "LiveKit nodes"
      # The Ops Agent on each node ships LiveKit's metrics and the node's logs.
      roles = ["roles/monitoring.metricWriter", "roles/logging.logWriter"]
    }
  }
  secrets = {
    LIVEKIT_KEYS = "livekit-keys"
  }
}

module "livekit" {
  source              = "../../modules/livekit"
  name                = var.livekit_name
  project_id          = var.project_id
  region              = var.region
  network             = module.network.network_self_link
  subnetwork          = module.network.subnet_self_link
  redis_address       = module.redis.address
  redis_tls_ca        = module.redis.server_ca_cert
  service_account     = module.livekit_identity.emails["node"]
  keys_secret         = module.livekit_identity.secret_names["LIVEKIT_KEYS"]
  admin_source_ranges = var.admin_source_ranges
}

module "livekit_edge" {
  source          = "../../modules/livekit-edge"
  project_id      = var.project_id
  name            = module.livekit.name
  domain          = "livekit.${var.domain}"
  backend_service = module.livekit.backend_service
}

module "commitments" {
  source     = "../../modules/commitments"
  project_id = var.project_id
  region     = var.region
  commitment = {
    enabled = var.enable_commitments
  }
}

# deploy.sh stage "backend"
module "service_identity" {
  source     = "../../modules/service-identity"
  project_id = var.project_id
}

module "services" {
  source           = "../../modules/services"
  names            = var.service_names
  project_id       = var.project_id
  region           = var.region
  vpc_connector    = module.network.connector_id
  images           = var.images
  service_accounts = module.service_identity.emails
  secrets          = module.service_identity.env_secrets
  rollout = {
    promote = var.rollout_mode == "immediate"
  }
}

# deploy.sh stage "frontend"
module "frontend" {
  source     = "../../modules/frontend"
  project_id = var.project_id
}

module "edge" {
  source             = "../../modules/edge"
  project_id         = var.project_id
  region             = var.region
  domain             = var.domain
  cloud_run_services = module.services.service_names
  frontend_buckets   = module.frontend.bucket_names
  armor = {
    admin_source_ranges = var.admin_source_ranges
  }
}

module "budget" {
  source          = "../../modules/budget"
  display_name    = var.budget_display_name
  billing_account = var.billing_account
  project_id      = var.project_id
  channels        = var.alert_channels
  tenants         = var.tenants
}

module "monitoring" {
  source              = "../../modules/monitoring"
  project_id          = var.project_id
  api_host            = module.edge.hosts.api
  api_service_name    = module.services.service_names["api"]
  redis_instance_name = module.redis.instance_name
  existing_channels   = module.budget.channels
  sql_instance = {
    name            = module.database.instance_name
    max_connections = module.database.max_connections
  }
}
