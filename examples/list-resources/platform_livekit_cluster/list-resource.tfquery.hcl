# The project's LiveKit clusters: backend services in front of LiveKit VMs.
list "platform_livekit_cluster" "all" {
  provider         = platform
  include_resource = true

  config {
    project = "platform-prod"
  }
}
