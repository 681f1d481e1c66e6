output "instance_name" {
  description = "Name of the primary instance."
  value       = google_sql_database_instance.primary.name
}

output "connection_name" {
  description = "Connection name of the primary (project:region:instance) for the Cloud SQL connectors."
  value       = google_sql_database_instance.primary.connection_name
}

output "private_ip_address" {
  description = "Private IP of the primary."
  value       = google_sql_database_instance.primary.private_ip_address
}

output "replica_connection_name" {
  description = "Connection name of the read replica, null when disabled."
  value       = one(google_sql_database_instance.replica[*].connection_name)
}

output "replica_private_ip_address" {
  description = "Private IP of the read replica, null when disabled."
  value       = one(google_sql_database_instance.replica[*].private_ip_address)
}

output "max_connections" {
  description = "The max_connections flag in effect; monitoring alerts at a share of it."
  value       = local.max_connections
}

output "databases" {
  description = "Names of the databases created."
  value       = [for d in google_sql_database.main : d.name]
}
