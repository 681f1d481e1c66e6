output "urls" {
  description = "Public URLs served by the HTTPS load balancer."
  value       = module.edge.urls
}

output "load_balancer_ip" {
  description = "IP for the A records of platform.com, api., meet. and dashboard."
  value       = module.edge.ip_address
}

output "livekit_signal_url" {
  description = "LiveKit signalling URL (wss)."
  value       = module.livekit_edge.signal_url
}

output "livekit_signal_ip" {
  description = "IP for the LiveKit signal domain's A record."
  value       = module.livekit_edge.signal_ip
}

output "cloud_run_urls" {
  description = "run.app URLs of the services."
  value       = module.services.urls
}

output "sql_connection_name" {
  description = "Cloud SQL primary connection name."
  value       = module.database.connection_name
}

output "sql_replica_connection_name" {
  description = "Cloud SQL read replica connection name."
  value       = module.database.replica_connection_name
}

output "redis_address" {
  description = "Redis host:port (TLS)."
  value       = module.redis.address
}

output "frontend_buckets" {
  description = "Buckets the frontend stage uploads to."
  value       = module.frontend.bucket_names
}

output "secret_ids" {
  description = "Secrets to fill with versions before the backend stage."
  value       = concat(module.service_identity.secret_ids, module.livekit_identity.secret_ids)
}

output "livekit_commitment" {
  description = "Self link of the LiveKit VM commitment, null unless enable_commitments."
  value       = module.commitments.self_link
}
