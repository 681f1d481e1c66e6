output "signal_url" {
  description = "URL clients connect to (wss:// on 443 via the SSL proxy)."
  value       = "wss://${var.domain}"
}

output "signal_ip" {
  description = "IP for the signal domain's A record."
  value       = google_compute_global_address.signal.address
}
