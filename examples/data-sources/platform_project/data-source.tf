data "platform_project" "current" {}

output "default_service_account" {
  value = data.platform_project.current.default_service_account
}
