# During an incident: all traffic back to the stable revision, without editing the
# configuration. Terraform >= 1.14:
#   terraform apply -invoke=action.platform_rollout_abort.api
# The next plan reads rollout_status = "rolled_back" and proposes the template change again.
action "platform_rollout_abort" "api" {
  config {
    id = platform_blue_green_service.api.id
  }
}
