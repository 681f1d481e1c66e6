# One readable line per object, for `terraform output -raw <name>` (used by `make demo`).

output "livekit_summary" {
  value = join("\n", concat(
    [for n in platform_livekit_cluster.media.nodes : format("node     %-22s %-16s %-8s %s", n.name, n.zone, n.status, n.external_ip)],
    ["backend  ${platform_livekit_cluster.media.backend_service}"],
  ))
}

output "api_summary" {
  value = join("\n", concat(
    [
      "uri      ${platform_blue_green_service.api.uri}",
      "status   ${platform_blue_green_service.api.rollout_status}, stable revision ${coalesce(platform_blue_green_service.api.stable_revision, "-")}",
    ],
    [for t in platform_blue_green_service.api.traffic : format("traffic  %3d %% -> %s%s", t.percent, t.revision, t.tag == "" ? "" : " (tag ${t.tag})")],
  ))
}

output "api_rollout_steps" {
  value = join("\n", [
    for s in platform_blue_green_service.api.last_rollout.steps : s.error_rate == null ? format("step %3d %%   %s", s.percent, s.verdict) : format(
      "step %3d %%   error rate %5.2f %%   p95 %4.0f ms   %6d requests   %s",
      s.percent, s.error_rate * 100, s.p95_ms, s.requests, s.verdict,
    )
  ])
}

output "budget_summary" {
  value = join("\n", concat(
    ["budget   ${platform_budget_guard.production.budget_name}"],
    [for k, v in platform_budget_guard.production.channels : "channel  ${k}: ${v}"],
    ["topic    ${platform_budget_guard.production.topic}"],
    [for k, v in platform_budget_guard.production.tenant_budgets : "tenant   ${k}: ${v}"],
    [for k, v in platform_budget_guard.production.alert_policies : "alert    ${k}: ${v}"],
  ))
}
