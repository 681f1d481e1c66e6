terraform {
  required_version = ">= 1.5"

  # Only this project's provider: the LiveKit VM commitment lives in the commitments module,
  # so this module can be planned and applied against the emulator.
  required_providers {
    platform = {
      source  = "platform-eng/platform"
      version = ">= 0.1"
    }
  }
}
