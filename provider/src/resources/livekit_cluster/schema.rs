//! The `platform_livekit_cluster` schema. Nested blocks (not nested
//! attributes) so Terraform 1.0.x can load it.

use tfplugin::{Attribute, Block, NestedBlock, NestingMode, Schema, Type};

fn list(t: Type) -> Type {
    Type::List(Box::new(t))
}

fn object(fields: &[(&str, Type)]) -> Type {
    Type::Object(
        fields
            .iter()
            .map(|(k, t)| ((*k).to_owned(), t.clone()))
            .collect(),
    )
}

/// An optional block that may appear once.
fn single(
    name: &str,
    description: &str,
    attributes: Vec<Attribute>,
    blocks: Vec<NestedBlock>,
    required: bool,
) -> NestedBlock {
    NestedBlock {
        type_name: name.to_owned(),
        block: Block {
            attributes,
            blocks,
            description: description.to_owned(),
            ..Block::default()
        },
        nesting: NestingMode::List,
        min_items: i64::from(required),
        max_items: 1,
    }
}

/// The computed `nodes` element type.
pub fn node_type() -> Type {
    object(&[
        ("name", Type::String),
        ("zone", Type::String),
        ("self_link", Type::String),
        ("internal_ip", Type::String),
        ("external_ip", Type::String),
        ("status", Type::String),
        ("config_hash", Type::String),
    ])
}

/// The computed `instance_groups` element type.
pub fn group_type() -> Type {
    object(&[
        ("name", Type::String),
        ("zone", Type::String),
        ("self_link", Type::String),
        ("instances", list(Type::String)),
    ])
}

fn livekit_block() -> NestedBlock {
    let rtc = single(
        "rtc",
        "WebRTC transport. Media (ICE/UDP range, ICE/TCP) goes straight to each node's public IP, never through the load balancer.",
        vec![
            Attribute::optional("tcp_port", Type::Number, "ICE/TCP fallback port (`rtc.tcp_port`).").default(7881),
            Attribute::optional("port_range_start", Type::Number, "First UDP port of the ICE range.").default(50000),
            Attribute::optional("port_range_end", Type::Number, "Last UDP port of the ICE range.").default(60000),
            Attribute::optional("use_external_ip", Type::Bool, "Advertise the node's public IP (discovered via STUN) in ICE candidates; needed behind GCE's 1:1 NAT.").default(true),
        ],
        Vec::new(),
        false,
    );
    let turn = single(
        "turn",
        "Embedded TURN server. When present, TURN/UDP and TURN/TLS ports are opened to the world.",
        vec![
            Attribute::required(
                "domain",
                Type::String,
                "TURN domain; must match the TLS certificate.",
            ),
            Attribute::optional("tls_port", Type::Number, "TURN/TLS port.").default(5349),
            Attribute::optional("udp_port", Type::Number, "TURN/UDP port (also STUN).")
                .default(3478),
        ],
        Vec::new(),
        false,
    );
    single(
        "livekit",
        "LiveKit server settings; the resource renders `livekit.yaml` and an idempotent startup script from them. Changing any of them replaces nodes one at a time.",
        vec![
            Attribute::optional("version", Type::String, "LiveKit server version (container tag), pinned.").default("v1.8.4"),
            Attribute::optional("redis_address", Type::String, "`host:port` of the Redis shared by all nodes. **Required when `node_count` > 1**: without Redis, LiveKit nodes do not share rooms."),
            Attribute::optional("redis_tls_ca", Type::String, "PEM CA certificate for Redis TLS (e.g. Memorystore with server authentication). Enables TLS to Redis when set."),
            Attribute::required("keys_secret", Type::String, "Secret Manager secret (`projects/P/secrets/NAME` or `NAME`) holding the API keys file (`key: secret` lines). Nodes read it at boot with their own identity; keys are never placed in VM metadata or Terraform state."),
            Attribute::optional("prometheus_port", Type::Number, "Serve LiveKit's Prometheus metrics on this port (e.g. `6789`) and install the Ops Agent on each node to scrape it into Cloud Monitoring, where they appear as `prometheus.googleapis.com/livekit_*` (the `monitoring` module's packet-loss alert reads them). The nodes' service account needs `roles/monitoring.metricWriter`. Unset: no metrics."),
        ],
        vec![rtc, turn],
        true,
    )
}

pub fn schema() -> Schema {
    let timeouts = single(
        "timeouts",
        "How long operations may take, as duration strings (`\"30m\"`).",
        vec![
            Attribute::optional("create", Type::String, "").default("30m"),
            Attribute::optional("update", Type::String, "").default("60m"),
            Attribute::optional("delete", Type::String, "").default("30m"),
        ],
        Vec::new(),
        false,
    );
    let load_balancer = single(
        "load_balancer",
        "The global backend service (TCP, `portName` `livekit-http`) in front of the signalling port, and its HTTP health check (`GET /` expecting `OK`).",
        vec![
            Attribute::optional("enabled", Type::Bool, "Create the health check and backend service.").default(true),
            Attribute::optional("health_check_port", Type::Number, "LiveKit's HTTP/WebSocket port, probed by the health check and exposed as named port `livekit-http`.").default(7880),
            Attribute::optional("timeout_sec", Type::Number, "Backend `timeoutSec`; it bounds WebSocket *lifetime*, so keep it high.").default(36000),
        ],
        Vec::new(),
        false,
    );
    let firewall = single(
        "firewall",
        "VPC firewall rules for the cluster's network tags: media UDP range and ICE/TCP from anywhere, the HTTP port only from Google's health-check ranges (`35.191.0.0/16`, `130.211.0.0/22`) and `admin_source_ranges`.",
        vec![
            Attribute::optional("enabled", Type::Bool, "Create the firewall rules.").default(true),
            Attribute::optional("admin_source_ranges", list(Type::String), "Extra CIDR ranges allowed to reach the HTTP port directly (e.g. an office VPN)."),
        ],
        Vec::new(),
        false,
    );
    let rollout = single(
        "rollout",
        "How changes reach running nodes.",
        vec![
            Attribute::optional("max_unavailable", Type::Number, "Nodes replaced at the same time during a rolling replacement.").default(1),
            Attribute::optional("drain_timeout", Type::String, "How long a stopping node may drain (LiveKit finishes its rooms on SIGTERM) before it is deleted anyway.").default("10m"),
            Attribute::optional("health_timeout", Type::String, "How long a replaced node may take to report HEALTHY to the backend service before the rollout stops.").default("10m"),
        ],
        Vec::new(),
        false,
    );
    Schema {
        version: 0,
        block: Block {
            description: "A LiveKit media cluster on Compute Engine as one resource: VMs spread over zones, one unmanaged instance group per zone, an HTTP health check, a global backend service and firewall rules. Scales with draining and replaces nodes one at a time.\n\nImport with `terraform import ADDRESS projects/P/global/backendServices/NAME` adopts an existing deployment (e.g. one built by hand with gcloud): the backend service's groups give the zones and nodes (kept under their own names), its health check the HTTP port, firewall rules targeting the nodes' tags the RTC ports and admin ranges. The `livekit` settings (`keys_secret`, version, Redis, TURN) are read back from the nodes' startup script when this provider wrote it (a cluster it built, imported again); for a hand-built cluster they come from the configuration, like `rollout` and `timeouts`. The first apply after an import labels the adopted VMs in place; a VM whose machine type, boot disk size or tags differ from the configuration is then replaced one at a time, one that matches keeps its own startup script until a later change replaces it.".into(),
            attributes: vec![
                Attribute::required("name", Type::String, "Cluster name; prefix of every child (`NAME-<zone suffix>-<index>` for VMs, `NAME-<zone suffix>` for groups). Children carry the label `livekit_cluster = NAME`. Changing it replaces the cluster."),
                Attribute::optional_computed("project", Type::String, "Project ID. Defaults to the provider's `project`. Changing it replaces the cluster."),
                Attribute::optional_computed("region", Type::String, "Region of the cluster. Defaults to the provider's `region`. Changing it replaces the cluster."),
                Attribute::required("zones", list(Type::String), "Zones (in `region`) the nodes are spread over evenly, e.g. `[\"us-central1-a\", \"us-central1-b\", \"us-central1-c\"]`. Changes apply in place: an added zone gets its instance group and its share of the nodes (created first), a removed zone's group leaves the backend service, its nodes are drained like a scale-down and the group is deleted."),
                Attribute::optional("node_count", Type::Number, "Number of LiveKit nodes (>= 1). Scaling down drains the removed nodes first.").default(3),
                Attribute::optional("machine_type", Type::String, "Machine type of every node. Changing it replaces nodes one at a time.").default("n2-standard-4"),
                Attribute::optional("image", Type::String, "Boot image or image family.").default("projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts"),
                Attribute::optional("disk_size_gb", Type::Number, "Boot disk size in GB.").default(50),
                Attribute::optional("disk_type", Type::String, "Boot disk type; set explicitly because N2 otherwise boots from `pd-standard`.").default("pd-ssd"),
                Attribute::optional("network", Type::String, "VPC network name or URL.").default("default"),
                Attribute::optional("subnetwork", Type::String, "Subnetwork name or URL in `region`; the network's default subnetwork when unset."),
                Attribute::optional("network_tags", list(Type::String), "Network tags on every node; the firewall rules target them.").default(vec!["livekit-server"]),
                Attribute::optional("labels", Type::Map(Box::new(Type::String)), "Labels on every VM, merged over the provider's `default_labels`."),
                Attribute::optional("service_account", Type::String, "E-mail of the nodes' service account; it needs `secretmanager.versions.access` on `livekit.keys_secret`. The project's default compute account when unset."),
                Attribute::computed("effective_labels", Type::Map(Box::new(Type::String)), "Labels on every VM besides the cluster's own (`livekit_cluster`, `livekit_config`): the provider's `default_labels` merged with `labels`. Labels changed on a VM out of band show up here and are reset by the next apply."),
                Attribute::computed("id", Type::String, "`projects/{project}/global/backendServices/{name}`."),
                Attribute::computed("config_hash", Type::String, "Hash of everything that shapes a node (machine, image, disk, network, rendered LiveKit config); each VM carries it as label `livekit_config`, so outdated nodes are visible."),
                Attribute::computed("nodes", list(node_type()), "The cluster's VMs as found by the last refresh: `name`, `zone`, `self_link`, `internal_ip`, `external_ip`, `status`, `config_hash`."),
                Attribute::computed("instance_groups", list(group_type()), "One unmanaged instance group per zone: `name`, `zone`, `self_link`, and `instances` (names of its members, so a VM taken out of its group out of band shows up as drift)."),
                Attribute::computed("health_check", Type::String, "Self link of the HTTP health check (empty when the load balancer is disabled)."),
                Attribute::computed("backend_service", Type::String, "Self link of the global backend service (empty when the load balancer is disabled)."),
                Attribute::computed("firewall_rules", list(Type::String), "Names of the firewall rules."),
            ],
            blocks: vec![livekit_block(), load_balancer, firewall, rollout, timeouts],
            ..Block::default()
        },
    }
}
