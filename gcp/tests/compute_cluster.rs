//! Typed Compute clients a LiveKit cluster uses (instances, groups, health
//! checks, backend services, firewalls) against the in-process emulator.
#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod common;

use std::time::Duration;

use gcp_client::compute::{
    AttachedDisk, Backend, BackendService, DiskInitializeParams, Firewall, FirewallRule,
    HealthCheck, HttpHealthCheck, Instance, InstanceGroup, NamedPort,
};
use gcp_client::operations::{wait_compute, ComputeOperation, WaitOptions};
use gcp_client::{new_request_id, GcpClient};
use tokio_util::sync::CancellationToken;

const P: &str = "platform-local";
const ZONE: &str = "us-central1-a";

async fn done(client: &GcpClient, op: Result<ComputeOperation, gcp_client::Error>) {
    let opts = WaitOptions::new(Duration::from_secs(20), CancellationToken::new());
    wait_compute(client.api(), op.unwrap(), &opts)
        .await
        .unwrap();
}

fn vm(name: &str) -> Instance {
    Instance {
        name: name.into(),
        machine_type: format!("zones/{ZONE}/machineTypes/n2-standard-4"),
        disks: vec![AttachedDisk {
            boot: true,
            auto_delete: true,
            initialize_params: Some(DiskInitializeParams {
                source_image: Some(
                    "projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts".into(),
                ),
                disk_size_gb: Some("50".into()),
                disk_type: Some(format!("zones/{ZONE}/diskTypes/pd-ssd")),
            }),
            ..AttachedDisk::default()
        }],
        labels: [("cluster".to_string(), "lk".to_string())].into(),
        ..Instance::default()
    }
}

#[tokio::test]
async fn cluster_children_round_trip() {
    let emu = common::start_emulator(Duration::from_millis(20)).await;
    let client = GcpClient::new(common::config(&emu, common::sa_spec(&emu))).unwrap();
    let c = client.compute();

    for name in ["lk-a-0", "lk-a-1"] {
        done(
            &client,
            c.insert_instance(P, ZONE, &vm(name), &new_request_id())
                .await,
        )
        .await;
    }
    let listed = c
        .list_instances(P, ZONE, Some("labels.cluster = \"lk\""))
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
    let all = c
        .aggregated_instances(P, Some("labels.cluster = \"lk\""))
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].zone_name(), ZONE);
    assert_eq!(all[0].machine_type_name(), "n2-standard-4");
    let link = all[0].self_link.clone().unwrap();

    let group = InstanceGroup {
        name: "lk-a".into(),
        named_ports: vec![NamedPort {
            name: "livekit-http".into(),
            port: 7880,
        }],
        ..InstanceGroup::default()
    };
    done(
        &client,
        c.insert_instance_group(P, ZONE, &group, &new_request_id())
            .await,
    )
    .await;
    done(
        &client,
        c.add_instances(
            P,
            ZONE,
            "lk-a",
            std::slice::from_ref(&link),
            &new_request_id(),
        )
        .await,
    )
    .await;
    let members = c.list_group_instances(P, ZONE, "lk-a").await.unwrap();
    assert_eq!(members.len(), 1);
    let group = c.get_instance_group(P, ZONE, "lk-a").await.unwrap();
    assert_eq!(group.size, Some(1));

    let hc = HealthCheck {
        name: "lk".into(),
        kind: "HTTP".into(),
        http_health_check: Some(HttpHealthCheck {
            port: Some(7880),
            request_path: Some("/".into()),
            response: Some("OK".into()),
        }),
        ..HealthCheck::default()
    };
    done(
        &client,
        c.insert_health_check(P, &hc, &new_request_id()).await,
    )
    .await;
    let hc = c.get_health_check(P, "lk").await.unwrap();
    let group_link = group.self_link.clone().unwrap();
    let bs = BackendService {
        name: "lk".into(),
        protocol: Some("TCP".into()),
        port_name: Some("livekit-http".into()),
        timeout_sec: Some(36000),
        health_checks: vec![hc.self_link.clone().unwrap()],
        backends: vec![Backend {
            group: group_link.clone(),
            ..Backend::default()
        }],
        ..BackendService::default()
    };
    done(
        &client,
        c.insert_backend_service(P, &bs, &new_request_id()).await,
    )
    .await;
    let health = c.backend_health(P, "lk", &group_link).await.unwrap();
    assert_eq!(health.len(), 1);
    assert_eq!(health[0].health_state, "HEALTHY");
    assert_eq!(health[0].port, Some(7880));

    // In use: the group cannot go before the backend service.
    let err = c
        .delete_instance_group(P, ZONE, "lk-a", &new_request_id())
        .await
        .unwrap_err();
    assert_eq!(
        err.api().unwrap().reason.as_deref(),
        Some("resourceInUseByAnotherResource")
    );

    let fw = Firewall {
        name: "lk-health".into(),
        allowed: vec![FirewallRule {
            ip_protocol: "tcp".into(),
            ports: vec!["7880".into()],
        }],
        source_ranges: vec!["35.191.0.0/16".into(), "130.211.0.0/22".into()],
        target_tags: vec!["livekit-server".into()],
        ..Firewall::default()
    };
    done(&client, c.insert_firewall(P, &fw, &new_request_id()).await).await;
    let got = c
        .list_firewalls(P, Some("name eq \"lk-.*\""))
        .await
        .unwrap();
    assert_eq!(got[0].source_ranges, fw.source_ranges);

    // Graceful stop, then teardown in dependency order.
    done(
        &client,
        c.stop_instance(P, ZONE, "lk-a-0", &new_request_id()).await,
    )
    .await;
    assert_eq!(
        c.get_instance(P, ZONE, "lk-a-0")
            .await
            .unwrap()
            .status
            .as_deref(),
        Some("TERMINATED")
    );
    done(
        &client,
        c.delete_backend_service(P, "lk", &new_request_id()).await,
    )
    .await;
    done(
        &client,
        c.delete_instance_group(P, ZONE, "lk-a", &new_request_id())
            .await,
    )
    .await;
    done(
        &client,
        c.delete_health_check(P, "lk", &new_request_id()).await,
    )
    .await;
    done(
        &client,
        c.delete_firewall(P, "lk-health", &new_request_id()).await,
    )
    .await;
    for name in ["lk-a-0", "lk-a-1"] {
        done(
            &client,
            c.delete_instance(P, ZONE, name, &new_request_id()).await,
        )
        .await;
    }
    assert!(c.list_instances(P, ZONE, None).await.unwrap().is_empty());
    emu.shutdown().await;
}
