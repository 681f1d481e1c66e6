//! Schema of `platform_blue_green_service`. Nested blocks only (Terraform
//! 1.0.x); server-created data lives in separate computed attributes.

use std::collections::BTreeMap;

use tfplugin::{Attribute, Block, NestedBlock, NestingMode, Schema, Type};

use crate::framework::values::number;

fn list(block: Block, min: i64, max: i64, description: &str) -> NestedBlock {
    NestedBlock {
        type_name: String::new(),
        block: Block {
            description: description.to_owned(),
            ..block
        },
        nesting: NestingMode::List,
        min_items: min,
        max_items: max,
    }
}

fn named(name: &str, mut b: NestedBlock) -> NestedBlock {
    b.type_name = name.to_owned();
    b
}

fn attrs(attributes: Vec<Attribute>) -> Block {
    Block {
        attributes,
        ..Block::default()
    }
}

fn probe(description: &str) -> NestedBlock {
    list(
        attrs(vec![
            Attribute::optional_computed(
                "initial_delay_seconds",
                Type::Number,
                "Seconds to wait after the container starts before the first probe.",
            ),
            Attribute::optional_computed(
                "timeout_seconds",
                Type::Number,
                "Seconds after which one probe times out.",
            ),
            Attribute::optional_computed("period_seconds", Type::Number, "Seconds between probes."),
            Attribute::optional_computed(
                "failure_threshold",
                Type::Number,
                "Consecutive failures after which the probe counts as failed.",
            ),
            Attribute::optional(
                "http_get_path",
                Type::String,
                "Probe with an HTTP GET of this path (otherwise a TCP connect).",
            ),
            Attribute::optional(
                "port",
                Type::Number,
                "Port to probe; defaults to the container port.",
            ),
        ]),
        0,
        1,
        description,
    )
}

fn container() -> Block {
    Block {
        attributes: vec![
            Attribute::required("image", Type::String, "Container image, preferably by digest (`…@sha256:…`). A change creates a new candidate revision and starts a rollout."),
            Attribute::optional("args", Type::List(Box::new(Type::String)), "Arguments passed to the entrypoint."),
        ],
        blocks: vec![
            named("ports", list(attrs(vec![Attribute::required("container_port", Type::Number, "Port the container listens on (sent to it as `PORT`).")]), 0, 1, "The port requests are sent to (default 8080).")),
            named("resources", list(attrs(vec![
                Attribute::optional("cpu", Type::String, "CPU limit: `1`, `2`, `4`, `6`, `8` or below one CPU such as `500m`. 4 CPU needs at least `2Gi`."),
                Attribute::optional("memory", Type::String, "Memory limit, e.g. `512Mi` or `4Gi`."),
            ]), 0, 1, "Resource limits per instance.")),
            named("env", list(attrs(vec![
                Attribute::required("name", Type::String, "Variable name."),
                Attribute::required("value", Type::String, "Literal value. For secrets use `env_secret`."),
            ]), 0, 1000, "Plain environment variables.")),
            named("env_secret", list(attrs(vec![
                Attribute::required("name", Type::String, "Variable name."),
                Attribute::required("secret", Type::String, "Secret Manager secret id or `projects/P/secrets/S`. The value is resolved by Cloud Run at start-up and never passes through Terraform."),
                Attribute::optional("version", Type::String, "Secret version.").default("latest"),
            ]), 0, 1000, "Environment variables taken from Secret Manager.")),
            named("startup_probe", probe("Startup probe: the revision becomes Ready only when it passes.")),
            named("liveness_probe", probe("Liveness probe: failing instances are restarted.")),
        ],
        ..Block::default()
    }
}

fn template() -> Block {
    Block {
        attributes: vec![
            Attribute::optional_computed("service_account", Type::String, "Service account the revision runs as. Defaults to the Compute default service account."),
            Attribute::optional_computed("timeout", Type::String, "Request timeout, e.g. `300s` (max `3600s`)."),
            Attribute::optional_computed("max_instance_request_concurrency", Type::Number, "Concurrent requests per instance (default 80)."),
            Attribute::optional("execution_environment", Type::String, "`EXECUTION_ENVIRONMENT_GEN1` or `EXECUTION_ENVIRONMENT_GEN2`."),
            Attribute::optional("session_affinity", Type::Bool, "Route a client's requests to the same instance when possible."),
        ],
        blocks: vec![
            named("scaling", list(attrs(vec![
                Attribute::optional("min_instance_count", Type::Number, "Instances kept warm (split across revisions by traffic share)."),
                Attribute::optional("max_instance_count", Type::Number, "Upper bound on instances (default 100)."),
            ]), 0, 1, "Autoscaling bounds of the revision.")),
            named("vpc_access", list(attrs(vec![
                Attribute::optional("connector", Type::String, "Serverless VPC Access connector, `projects/P/locations/L/connectors/C`."),
                Attribute::optional("egress", Type::String, "`ALL_TRAFFIC` or `PRIVATE_RANGES_ONLY`."),
            ]), 0, 1, "VPC egress of the revision.")),
            named("containers", list(container(), 1, 10, "The revision's containers (the first one serves requests).")),
        ],
        ..Block::default()
    }
}

fn step() -> NestedBlock {
    named(
        "step",
        list(
            attrs(vec![
                Attribute::required("percent", Type::Number, "Candidate traffic percentage of this step (1-100, ascending across `step` blocks; the last one must be 100)."),
                Attribute::optional("bake_duration", Type::String, "How long this step bakes before it is judged, e.g. `15m`; defaults to the rollout's `bake_duration`."),
            ]),
            0,
            100,
            "One rollout step with its own bake time, e.g. `step { percent = 5  bake_duration = \"15m\" }`. Use either `step` blocks or `steps`, not both; a step without `bake_duration` bakes for the rollout's `bake_duration`.",
        ),
    )
}

fn rollout() -> Block {
    let mut block = attrs(vec![
        Attribute::optional("steps", Type::List(Box::new(Type::Number)), "Ascending candidate traffic percentages. The last step must be 100: a rollout that ends below 100 would leave the traffic split, so to stop and hold at a split use `pause_at_percent`. Every step bakes for `bake_duration`; for per-step bake times use `step` blocks instead.").default(vec![5i64, 25, 50, 100]),
        Attribute::optional("bake_duration", Type::String, "How long each step serves before its metrics are judged, e.g. `5m` or `30s`. A `step` block's own `bake_duration` overrides it for that step.").default("5m"),
        Attribute::optional("candidate_tag", Type::String, "Traffic tag of the candidate, giving it its own URL (`candidate_uri`) even at 0 %.").default("candidate"),
        Attribute::optional("max_error_rate", Type::Number, "Highest acceptable candidate 5xx ratio, as a decimal (`0.005` = 0.5 %), judged on the evidence at `confidence` (see there), never on a bare ratio.").default(number("0.005")),
        Attribute::optional("max_latency_ratio", Type::Number, "Highest acceptable candidate p95 latency relative to the stable revision's p95 over the same window, both computed from the bucket counts of Cloud Run's `request_latencies` distributions. Each side needs at least 100 latency samples, otherwise the latency gate is inconclusive; when the stable revision served nothing in the window (the 100 % step) there is nothing to compare with and only the error-rate gate applies.").default(number("2.0")),
        Attribute::optional("min_requests", Type::Number, "A floor on the candidate requests a window needs before it can pass; fewer keeps it inconclusive. It never holds back a breach the evidence already shows. The confidence rule demands more anyway: with no errors a pass needs about 3 / `max_error_rate` requests (539 for 0.5 % at 95 %), so `min_requests` matters only when set above that.").default(1),
        Attribute::optional("confidence", Type::Number, "Confidence of each gate decision. The candidate's error rate gets a Wilson score interval with one-sided bounds at this confidence: a breach when the lower bound exceeds `max_error_rate`, within limits when the upper bound is at most `max_error_rate`, otherwise inconclusive. Higher confidence needs more requests for either verdict.").default(number("0.95")),
        Attribute::optional("analysis_interval", Type::String, "How often during every bake the candidate's and the stable revision's metrics are queried and judged, e.g. `1m` or `2m`. Not below the metric's sample period (Cloud Run's request metrics: 60 s, read from the metric descriptor at plan time). A breach rolls back (or holds, per `auto_rollback`) at the first interval that shows it; a step passes only when its bake is over and the evidence shows the candidate within the limits.").default("1m"),
        Attribute::optional("inconclusive_limit", Type::Number, "Extra bake durations a step keeps collecting evidence (still judged every `analysis_interval`) when its bake ends inconclusive, before the rollout holds there. An inconclusive step never passes.").default(0),
        Attribute::optional("auto_rollback", Type::Bool, "On a breach, send 100 % back to stable at once; when false the rollout holds at the failing step.").default(true),
        Attribute::optional("on_interrupt", Type::String, "What Ctrl-C during a rollout does: `rollback` or `hold` (keep the current split; the next apply resumes).").default("rollback"),
        Attribute::optional("pause_at_percent", Type::Number, "Stop when the candidate reaches this step and hold (like `gcloud run services update-traffic --to-revisions=STABLE=100-N,CANDIDATE=N`). Remove it to continue."),
        Attribute::optional("promote", Type::Bool, "Skip the remaining steps and send 100 % to the candidate (`update-traffic --to-revisions=CANDIDATE=100`). Cannot be combined with `abort`."),
        Attribute::optional("abort", Type::Bool, "Send 100 % back to stable and stop (`update-traffic --to-revisions=STABLE=100`), whether or not the candidate was created yet; the apply reports the abort as an error, and the template change stays pending in the plan until reverted. Cannot be combined with `promote`."),
    ]);
    block.blocks = vec![step(), gate()];
    block
}

fn gate() -> NestedBlock {
    named(
        "gate",
        list(
            attrs(vec![
                Attribute::required("name", Type::String, "Name of the gate in messages and logs (lower-case letters, digits, underscores)."),
                Attribute::required("filter", Type::String, "Cloud Monitoring time-series filter selecting exactly one metric type, e.g. `metric.type = \"custom.googleapis.com/queue_depth\"`. Cloud Run metrics (`run.googleapis.com/…`) are narrowed to this service's candidate and stable revisions; any other metric is read as the filter selects it. Checked by Cloud Monitoring at plan time."),
                Attribute::optional("aligner", Type::String, "Per-series aligner over each `analysis_interval`, e.g. `ALIGN_MEAN`, `ALIGN_MAX` or `ALIGN_PERCENTILE_99`; it must suit the metric's kind and value type, as Cloud Monitoring checks at plan time, and give a number (distribution metrics: `ALIGN_MEAN`, `ALIGN_COUNT` or a percentile).").default("ALIGN_MEAN"),
                Attribute::optional("reducer", Type::String, "Cross-series reducer, e.g. `REDUCE_MAX`, `REDUCE_MEAN` or `REDUCE_SUM`: one value per revision for Cloud Run metrics, one in all otherwise.").default("REDUCE_MAX"),
                Attribute::optional("max", Type::Number, "Breach when the latest interval's value is above this. Set either `max` or `max_ratio_to_stable`."),
                Attribute::optional("max_ratio_to_stable", Type::Number, "Breach when the candidate's value is above this multiple of the stable revision's over the same interval (Cloud Run metrics only; not compared at the 100 % step)."),
            ]),
            0,
            10,
            "An extra gate on any Cloud Monitoring metric (queue depth, CPU, memory, a custom metric), judged at every check like the built-in gates on the latest `analysis_interval`: above its limit is a breach; no point in the interval is inconclusive, so a step cannot pass without data.",
        ),
    )
}

fn traffic_type() -> Type {
    Type::Object(BTreeMap::from([
        ("revision".to_owned(), Type::String),
        ("percent".to_owned(), Type::Number),
        ("tag".to_owned(), Type::String),
    ]))
}

pub fn last_rollout_type() -> Type {
    let step = Type::Object(BTreeMap::from([
        ("percent".to_owned(), Type::Number),
        ("error_rate".to_owned(), Type::Number),
        ("p95_ms".to_owned(), Type::Number),
        ("requests".to_owned(), Type::Number),
        ("verdict".to_owned(), Type::String),
        ("at".to_owned(), Type::String),
        ("errors".to_owned(), Type::Number),
        ("error_rate_lower".to_owned(), Type::Number),
        ("error_rate_upper".to_owned(), Type::Number),
        ("stable_p95_ms".to_owned(), Type::Number),
        ("latency_samples".to_owned(), Type::Number),
        ("stable_latency_samples".to_owned(), Type::Number),
    ]));
    Type::Object(BTreeMap::from([
        ("started_at".to_owned(), Type::String),
        ("finished_at".to_owned(), Type::String),
        ("steps".to_owned(), Type::List(Box::new(step))),
    ]))
}

pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            description: "A Cloud Run service deployed blue/green: a template change creates a candidate revision at 0 % (with its own tag URL), then shifts traffic in steps, judging each step's error rate and p95 latency from Cloud Monitoring against the stable revision, and rolls back automatically on a breach. The apply fails when a rollout is rolled back, and the state then shows what is really serving, so the next plan proposes the change again.".into(),
            attributes: vec![
                Attribute::computed("id", Type::String, "`projects/{project}/locations/{location}/services/{name}`."),
                Attribute::required("name", Type::String, "Service name (lower-case letters, digits, hyphens)."),
                Attribute::optional_computed("project", Type::String, "Project ID; defaults to the provider's `project`."),
                Attribute::optional_computed("location", Type::String, "Region; defaults to the provider's `region`."),
                Attribute::optional_computed("ingress", Type::String, "`INGRESS_TRAFFIC_ALL`, `INGRESS_TRAFFIC_INTERNAL_ONLY` or `INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER`.").default("INGRESS_TRAFFIC_ALL"),
                Attribute::optional("labels", Type::Map(Box::new(Type::String)), "Labels on the service, merged with the provider's `default_labels`."),
                Attribute::optional_computed("deletion_protection", Type::Bool, "When true Terraform refuses to destroy the service. Set false and apply before destroying.").default(true),
                Attribute::computed("uri", Type::String, "The service URL."),
                Attribute::computed("stable_revision", Type::String, "The revision that serves (or, after a rollback, keeps serving) production traffic."),
                Attribute::computed("candidate_revision", Type::String, "The revision being rolled out, if a rollout is pending, holding or was rolled back."),
                Attribute::computed("candidate_uri", Type::String, "URL of the candidate's traffic tag."),
                Attribute::computed("rollout_status", Type::String, "`succeeded`, `rolled_back`, `holding` or `in_progress` (read from the live split after an interrupted apply)."),
                Attribute::computed("traffic", Type::List(Box::new(traffic_type())), "The serving split, from the service's `trafficStatuses`."),
                Attribute::computed("last_rollout", last_rollout_type(), "Timing and every analysis of the most recent rollout: one entry per check (`at`, the step's `percent`, the candidate's `requests` and `errors` since the step began, `error_rate` with its confidence bounds `error_rate_lower`/`error_rate_upper`, candidate and stable p95 from the latency distributions with their sample counts, and the `verdict`: `pass`, `within_limits` (bake not over yet), `inconclusive` or `breach`)."),
            ],
            blocks: vec![
                named("template", list(template(), 1, 1, "The revision template. Changing it starts a rollout.")),
                named("rollout", list(rollout(), 0, 1, "How template changes roll out. Omit for the defaults.")),
                named("timeouts", list(attrs(vec![
                    Attribute::optional("create", Type::String, "").default("20m"),
                    Attribute::optional("update", Type::String, "Must fit all steps' bake times (checked at plan time).").default("30m"),
                    Attribute::optional("delete", Type::String, "").default("20m"),
                ]), 0, 1, "Operation timeouts, e.g. `update = \"90m\"`.")),
            ],
            ..Block::default()
        },
    }
}
