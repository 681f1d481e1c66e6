output "host" {
  description = "Private IP of the primary endpoint."
  value       = google_redis_instance.main.host
}

output "port" {
  description = "Port of the primary endpoint (6378 with TLS)."
  value       = google_redis_instance.main.port
}

output "address" {
  description = "host:port of the primary endpoint."
  value       = "${google_redis_instance.main.host}:${google_redis_instance.main.port}"
}

output "auth_string" {
  description = "AUTH string; store it in Secret Manager, never in plain configuration."
  value       = google_redis_instance.main.auth_string
  sensitive   = true
}

output "server_ca_cert" {
  description = "PEM CA certificate clients verify the TLS endpoint against."
  value       = try(google_redis_instance.main.server_ca_certs[0].cert, null)
}

output "instance_id" {
  description = "Instance ID, used by monitoring filters."
  value       = google_redis_instance.main.id
}

output "instance_name" {
  description = "Instance name."
  value       = google_redis_instance.main.name
}
