# Ship the candidate now, skipping the remaining steps and their analysis.
# Terraform >= 1.14: terraform apply -invoke=action.platform_rollout_promote.api
# candidate_revision makes the action promote only the candidate its plan showed.
action "platform_rollout_promote" "api" {
  config {
    id                 = platform_blue_green_service.api.id
    candidate_revision = platform_blue_green_service.api.candidate_revision
  }
}
