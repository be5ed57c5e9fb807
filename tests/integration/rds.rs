//! The RDS family against moto in two regions: instances, Aurora and Neptune clusters (one
//! API, told apart by engine; moto 5.2.5 refuses engine `docdb`, so DocumentDB is judged on
//! the checks' examples), DB and cluster snapshots and event subscriptions; a denied listing
//! or per-snapshot read turns exactly its checks into ERROR.

use crate::harness::{TempDir, TestAccount, scan_report, status_of, statuses};
use aws_sdk_rds::Client;

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

async fn instance(rds: &Client, id: &str, hardened: bool) {
    let mut create = rds
        .create_db_instance()
        .db_instance_identifier(id)
        .engine("postgres")
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username(if hardened { "orders_owner" } else { "postgres" })
        .master_user_password("correct-horse-battery");
    if hardened {
        create = create
            .enable_iam_database_authentication(true)
            .copy_tags_to_snapshot(true)
            .port(15432)
            .multi_az(true)
            .enable_cloudwatch_logs_exports("postgresql")
            .enable_cloudwatch_logs_exports("upgrade");
    }
    create.send().await.unwrap();
}

async fn cluster(rds: &Client, id: &str, engine: &str, hardened: bool) {
    let mut create = rds
        .create_db_cluster()
        .db_cluster_identifier(id)
        .engine(engine)
        .master_username(if hardened { "core_owner" } else { "admin" })
        .master_user_password("correct-horse-battery");
    if hardened {
        create = create
            .storage_encrypted(true)
            .deletion_protection(true)
            .copy_tags_to_snapshot(true)
            .enable_cloudwatch_logs_exports("audit");
        // moto refuses IAM authentication on engines other than Aurora (Neptune has it).
        if engine.starts_with("aurora-") {
            create = create.enable_iam_database_authentication(true);
        }
        if engine == "aurora-mysql" {
            create = create.backtrack_window(3600);
        }
        if engine == "aurora-postgresql" {
            create = create.enable_cloudwatch_logs_exports("postgresql");
        }
    }
    create.send().await.unwrap();
}

fn scan(account: &TestAccount, dir: &TempDir, name: &str) -> serde_json::Value {
    let mut command = account.lockdown();
    command.args([
        "scan",
        "--quiet",
        "--regions",
        &REGIONS.join(","),
        "--checks",
        "rds_*,neptune_*,docdb_*",
    ]);
    scan_report(&mut command, &dir.path(name))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rds_family_in_two_regions() {
    let account = TestAccount::new().await;
    let base = account.sdk_config().await;
    for region in REGIONS {
        let rds = Client::new(
            &base
                .to_builder()
                .region(aws_config::Region::new(region))
                .build(),
        );
        let hardened = region == "us-east-1";
        let suffix = if hardened { "east" } else { "west" };
        instance(&rds, &format!("orders-{suffix}"), hardened).await;
        cluster(&rds, &format!("amy-{suffix}"), "aurora-mysql", hardened).await;
        cluster(
            &rds,
            &format!("apg-{suffix}"),
            "aurora-postgresql",
            hardened,
        )
        .await;
        cluster(&rds, &format!("graph-{suffix}"), "neptune", hardened).await;
        for source in ["amy", "graph"] {
            rds.create_db_cluster_snapshot()
                .db_cluster_identifier(format!("{source}-{suffix}"))
                .db_cluster_snapshot_identifier(format!("{source}-{suffix}-copy"))
                .send()
                .await
                .unwrap();
        }
        if !hardened {
            rds.modify_db_cluster_snapshot_attribute()
                .db_cluster_snapshot_identifier(format!("amy-{suffix}-copy"))
                .attribute_name("restore")
                .values_to_add("all")
                .send()
                .await
                .unwrap();
        }
        let snapshot = format!("orders-{suffix}-final");
        rds.create_db_snapshot()
            .db_instance_identifier(format!("orders-{suffix}"))
            .db_snapshot_identifier(&snapshot)
            .send()
            .await
            .unwrap();
        if !hardened {
            rds.modify_db_snapshot_attribute()
                .db_snapshot_identifier(&snapshot)
                .attribute_name("restore")
                .values_to_add("all")
                .send()
                .await
                .unwrap();
        }
        if hardened {
            rds.create_event_subscription()
                .subscription_name("db-ops")
                .enabled(true)
                .sns_topic_arn(format!("arn:aws:sns:{region}:{}:db-ops", account.id))
                .source_type("db-instance")
                .event_categories("maintenance")
                .event_categories("configuration change")
                .event_categories("failure")
                .send()
                .await
                .unwrap();
        }
    }

    let dir = TempDir::new("rds");
    let got = statuses(&scan(&account, &dir, "scan.json"));
    let status = |check: &str, name: &str| status_of(&got, check, name);
    for (check, name, expected) in [
        ("rds_iam_authentication", "orders-east", "PASS"),
        ("rds_iam_authentication", "orders-west", "FAIL"),
        ("rds_copy_tags_to_snapshots", "orders-east", "PASS"),
        ("rds_copy_tags_to_snapshots", "orders-west", "FAIL"),
        ("rds_instance_custom_port", "orders-east", "PASS"),
        ("rds_instance_custom_port", "orders-west", "FAIL"),
        ("rds_instance_custom_admin_username", "orders-west", "FAIL"),
        ("rds_postgresql_logs_to_cloudwatch", "orders-east", "PASS"),
        ("rds_postgresql_logs_to_cloudwatch", "orders-west", "FAIL"),
        ("rds_multi_az", "orders-east", "PASS"),
        ("rds_multi_az", "orders-west", "FAIL"),
        ("rds_cluster_encrypted", "amy-east", "PASS"),
        ("rds_cluster_encrypted", "amy-west", "FAIL"),
        ("rds_cluster_deletion_protection", "amy-west", "FAIL"),
        ("rds_aurora_mysql_backtracking", "amy-east", "PASS"),
        ("rds_aurora_mysql_backtracking", "amy-west", "FAIL"),
        ("rds_aurora_mysql_audit_logs", "amy-east", "PASS"),
        ("rds_aurora_mysql_audit_logs", "amy-west", "FAIL"),
        ("rds_cluster_custom_admin_username", "amy-west", "FAIL"),
        ("rds_aurora_postgresql_logs", "apg-east", "PASS"),
        ("rds_aurora_postgresql_logs", "apg-west", "FAIL"),
        ("rds_cluster_snapshot_encrypted", "amy-east-copy", "PASS"),
        ("rds_cluster_snapshot_encrypted", "amy-west-copy", "FAIL"),
        ("rds_cluster_snapshot_not_public", "amy-east-copy", "PASS"),
        ("rds_cluster_snapshot_not_public", "amy-west-copy", "FAIL"),
        (
            "neptune_cluster_snapshot_encrypted",
            "graph-east-copy",
            "PASS",
        ),
        (
            "neptune_cluster_snapshot_encrypted",
            "graph-west-copy",
            "FAIL",
        ),
        (
            "neptune_cluster_snapshot_not_public",
            "graph-west-copy",
            "PASS",
        ),
        ("neptune_cluster_encrypted", "graph-east", "PASS"),
        ("neptune_cluster_encrypted", "graph-west", "FAIL"),
        ("neptune_cluster_iam_authentication", "graph-east", "FAIL"),
        ("rds_cluster_iam_authentication", "amy-east", "PASS"),
        ("neptune_cluster_deletion_protection", "graph-west", "FAIL"),
        ("rds_snapshot_not_public", "orders-east-final", "PASS"),
        ("rds_snapshot_not_public", "orders-west-final", "FAIL"),
        (
            "rds_event_subscription_instance",
            "RDS event subscriptions (us-east-1)",
            "PASS",
        ),
        (
            "rds_event_subscription_instance",
            "RDS event subscriptions (eu-west-1)",
            "NOT_APPLICABLE",
        ),
        (
            "rds_event_subscription_parameter_group",
            "RDS event subscriptions (eu-west-1)",
            "FAIL",
        ),
    ] {
        assert_eq!(status(check, name), expected, "{check} {name}");
    }
    // Neptune clusters are not judged by the Aurora checks, nor the other way round.
    assert!(!got.contains_key(&("rds_cluster_encrypted".into(), "graph-east".into())));
    assert!(!got.contains_key(&("neptune_cluster_encrypted".into(), "amy-east".into())));

    // The cluster listing denied in one region: every cluster check there is ERROR, the
    // instance and snapshot checks keep their statuses.
    account.deny_in("rds:DescribeDBClusters", "eu-west-1");
    let denied = statuses(&scan(&account, &dir, "clusters-denied.json"));
    for ((check, name), status) in &denied {
        let cluster_check = (check.contains("_cluster_") || check.starts_with("rds_aurora"))
            && !check.contains("snapshot")
            && !check.contains("event_subscription");
        let west = name.ends_with("-west") || name.contains("eu-west-1");
        if cluster_check && west {
            assert_eq!(status, "ERROR", "{check} {name}");
        } else if let Some(before) = got.get(&(check.clone(), name.clone())) {
            assert_eq!(status, before, "{check} {name}");
        }
    }

    for (check, kind) in [
        ("rds_cluster_encrypted", "aws.rds.db_cluster"),
        ("neptune_cluster_encrypted", "aws.neptune.db_cluster"),
        ("docdb_cluster_encrypted", "aws.docdb.db_cluster"),
    ] {
        let name = format!("all {kind} in eu-west-1");
        assert_eq!(denied[&(check.to_owned(), name)], "ERROR", "{check}");
    }

    // The per-snapshot restore permissions denied: only the public-snapshot check is ERROR.
    account.deny("rds:DescribeDBSnapshotAttributes");
    let denied = statuses(&scan(&account, &dir, "attributes-denied.json"));
    for name in ["orders-east-final", "orders-west-final"] {
        assert_eq!(
            denied[&("rds_snapshot_not_public".into(), name.into())],
            "ERROR"
        );
        assert_eq!(
            denied[&("rds_snapshot_encrypted".into(), name.into())],
            got[&("rds_snapshot_encrypted".into(), name.into())]
        );
    }
    // Cluster snapshots' permissions come from their own call, which still answers.
    for name in ["amy-east-copy", "amy-west-copy"] {
        let key = (
            "rds_cluster_snapshot_not_public".to_owned(),
            name.to_owned(),
        );
        assert_eq!(denied[&key], got[&key], "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn proxies_require_tls_and_a_denied_listing_is_error() {
    let account = TestAccount::new().await;
    let config = account.sdk_config().await;
    let rds = Client::new(&config);
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let (_, subnets) =
        crate::harness::vpc_with_subnets(&ec2, "10.3.0.0/16", &["us-east-1a", "us-east-1b"]).await;
    for (name, tls) in [("tls-proxy", true), ("plain-proxy", false)] {
        rds.create_db_proxy()
            .db_proxy_name(name)
            .engine_family(aws_sdk_rds::types::EngineFamily::Postgresql)
            .role_arn(format!("arn:aws:iam::{}:role/proxy", account.id))
            .set_vpc_subnet_ids(Some(subnets.clone()))
            .auth(
                aws_sdk_rds::types::UserAuthConfig::builder()
                    .auth_scheme(aws_sdk_rds::types::AuthScheme::Secrets)
                    .secret_arn(format!(
                        "arn:aws:secretsmanager:us-east-1:{}:secret:db",
                        account.id
                    ))
                    .build(),
            )
            .require_tls(tls)
            .send()
            .await
            .unwrap();
    }
    let dir = TempDir::new("rds-proxies");
    let scan = |name: &str| {
        let mut command = account.lockdown();
        command.args([
            "scan",
            "--quiet",
            "--regions",
            "us-east-1",
            "--checks",
            "rds_proxy_requires_tls",
        ]);
        statuses(&scan_report(&mut command, &dir.path(name)))
    };
    let got = scan("scan.json");
    assert_eq!(
        status_of(&got, "rds_proxy_requires_tls", "tls-proxy"),
        "PASS"
    );
    assert_eq!(
        status_of(&got, "rds_proxy_requires_tls", "plain-proxy"),
        "FAIL"
    );
    account.deny("rds:DescribeDBProxies");
    let denied = scan("denied.json");
    assert!(!denied.is_empty());
    assert!(denied.values().all(|s| s == "ERROR"), "{denied:?}");
}
