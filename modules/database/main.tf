locals {
  max_connections = tonumber(lookup(var.flags, "max_connections", "100"))
}
