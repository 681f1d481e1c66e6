# Spread LiveKit nodes over every zone of the region that is up.
data "platform_zones" "up" {
  region = "us-central1"
  status = "UP"
}

output "zones" {
  value = data.platform_zones.up.names
}
