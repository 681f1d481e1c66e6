terraform {
  required_version = ">= 1.5"

  # Only this project's provider: service accounts and secrets come from the service-identity
  # module, so this module can be planned and applied against the emulator.
  required_providers {
    platform = {
      source  = "platform-eng/platform"
      version = ">= 0.1"
    }
  }
}
