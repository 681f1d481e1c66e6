import {
  to = platform_livekit_cluster.media
  identity = {
    # The backend service in front of the cluster; project defaults to the provider's.
    name    = "livekit-signal"
    project = "acme-platform-prod"
  }
}
