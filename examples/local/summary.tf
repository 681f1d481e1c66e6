# One readable line per object, for `terraform output -raw <name>` (used by `make demo`).

output "livekit_summary" {
  value = join("\n", concat(
    [for n in module.livekit.nodes : format("node     %-22s %-16s %-8s %s", n.name, n.zone, n.status, n.external_ip)],
    ["backend  ${module.livekit.backend_service}"],
  ))
}

output "api_summary" {
  value = join("\n", concat(
    [
      "uri      ${module.services.services["api"].uri}",
      "status   ${module.services.services["api"].rollout_status}, stable revision ${coalesce(module.services.services["api"].stable_revision, "-")}",
    ],
    [for t in module.services.services["api"].traffic : format("traffic  %3d %% -> %s%s", t.percent, t.revision, t.tag == "" ? "" : " (tag ${t.tag})")],
  ))
}

output "api_rollout_steps" {
  value = join("\n", [
    for s in module.services.services["api"].last_rollout.steps : s.error_rate == null ? format("step %3d %%   %s", s.percent, s.verdict) : format(
      "step %3d %%   error rate %5.2f %%   p95 %4.0f ms   %6d requests   %s",
      s.percent, s.error_rate * 100, s.p95_ms, s.requests, s.verdict,
    )
  ])
}

output "budget_summary" {
  value = join("\n", concat(
    ["budget   ${module.budget.budget_name}"],
    [for k, v in module.budget.channels : "channel  ${k}: ${v}"],
    ["topic    ${module.budget.topic}"],
    [for k, v in module.budget.tenant_budgets : "tenant   ${k}: ${v}"],
    [for k, v in module.budget.alert_policies : "alert    ${k}: ${v}"],
  ))
}
