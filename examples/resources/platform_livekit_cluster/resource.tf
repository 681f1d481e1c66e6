# Three LiveKit nodes over three zones behind a TCP signal backend service, with the
# firewall rules the media ports need. Changing the template replaces nodes one at a
# time, draining each before it goes.
resource "platform_livekit_cluster" "media" {
  name         = "livekit"
  region       = "us-central1"
  zones        = ["us-central1-a", "us-central1-b", "us-central1-c"]
  node_count   = 3
  machine_type = "c2-standard-8"
  network      = "platform-vpc"
  subnetwork   = "platform-subnet"

  livekit {
    version       = "v1.8.4"
    redis_address = "10.10.0.3:6378"
    keys_secret   = "livekit-keys"

    # Metrics into Cloud Monitoring through the Ops Agent.
    prometheus_port = 6789
  }

  firewall {
    admin_source_ranges = ["35.235.240.0/20"]
  }
}
