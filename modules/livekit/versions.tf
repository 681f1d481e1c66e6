terraform {
  required_version = ">= 1.5"

  # Only this project's provider: the node identity and keys secret come from the
  # service-identity module and TLS for signalling from livekit-edge, so this module can be
  # planned and applied against the emulator.
  required_providers {
    platform = {
      source  = "platform-eng/platform"
      version = ">= 0.1"
    }
  }
}
