# A cluster built by hand is imported from the backend service in front of it.
terraform import platform_livekit_cluster.media projects/acme-platform-prod/global/backendServices/livekit-signal
