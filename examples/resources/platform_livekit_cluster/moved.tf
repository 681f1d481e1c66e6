# The backend service is the cluster's anchor: its instance groups, VMs, health check
# and firewall rules are found from it. Remove the google_* blocks of those parts from
# the configuration and state them in platform_livekit_cluster instead.
moved {
  from = google_compute_backend_service.livekit
  to   = platform_livekit_cluster.media
}
