# Hold the rollout with the candidate at 10 % while someone looks at it.
# Terraform >= 1.14: terraform apply -invoke=action.platform_rollout_pause.api
action "platform_rollout_pause" "api" {
  config {
    id      = platform_blue_green_service.api.id
    percent = 10
  }
}
