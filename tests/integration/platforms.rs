//! EKS clusters, ACM certificates, ElastiCache clusters and replication groups, and DynamoDB
//! tables against moto. A denied read on each service turns exactly the checks that read it
//! into ERROR, and the other checks keep their statuses.

use crate::harness::{TempDir, TestAccount, python, scan_checks, status_of};
use std::collections::BTreeMap;

/// Asserts that the scan after a denial gave ERROR for `denied_checks` and the statuses of
/// `before` for every other finding.
fn only_denied_checks_turn_error(
    before: &BTreeMap<(String, String), String>,
    after: &BTreeMap<(String, String), String>,
    denied_checks: &[&str],
) {
    assert_eq!(before.len(), after.len(), "{after:?}");
    for ((check, name), status) in after {
        let expected = if denied_checks.contains(&check.as_str()) {
            "ERROR"
        } else {
            before[&(check.clone(), name.clone())].as_str()
        };
        assert_eq!(status, expected, "{check} {name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn eks_endpoint_version_secrets_and_audit_logs() {
    use aws_sdk_eks::types::{
        EncryptionConfig, LogSetup, LogType, Logging, Provider, VpcConfigRequest,
    };
    let account = TestAccount::new().await;
    let client = aws_sdk_eks::Client::new(&account.sdk_config().await);
    let role = "arn:aws:iam::123456789012:role/eks";
    for (name, hardened) in [("private", true), ("public", false)] {
        let mut request = client
            .create_cluster()
            .name(name)
            .role_arn(role)
            .version(if hardened { "1.34" } else { "1.29" })
            .resources_vpc_config(
                VpcConfigRequest::builder()
                    .subnet_ids("subnet-1")
                    .endpoint_public_access(!hardened)
                    .endpoint_private_access(hardened)
                    .build(),
            );
        if hardened {
            request = request
                .encryption_config(
                    EncryptionConfig::builder()
                        .provider(
                            Provider::builder()
                                .key_arn("arn:aws:kms:us-east-1:123456789012:key/k")
                                .build(),
                        )
                        .build(),
                )
                .logging(
                    Logging::builder()
                        .cluster_logging(
                            LogSetup::builder()
                                .types(LogType::Audit)
                                .types(LogType::Api)
                                .enabled(true)
                                .build(),
                        )
                        .build(),
                );
        }
        request.send().await.unwrap();
    }
    let dir = TempDir::new("eks");
    let got = scan_checks(&account, &dir, "scan.json", "us-east-1", "eks_*");
    for check in [
        "eks_cluster_endpoint_not_public",
        "eks_cluster_supported_version",
        "eks_cluster_secrets_encrypted",
        "eks_cluster_audit_logging",
    ] {
        assert_eq!(status_of(&got, check, "private"), "PASS", "{check}");
        assert_eq!(status_of(&got, check, "public"), "FAIL", "{check}");
    }
    account.deny("eks:DescribeCluster");
    let denied = scan_checks(&account, &dir, "denied.json", "us-east-1", "eks_*");
    let all: Vec<&str> = got.keys().map(|(check, _)| check.as_str()).collect();
    only_denied_checks_turn_error(&got, &denied, &all);
}

/// Imports a self-signed certificate made by the test venv's `cryptography`.
async fn import_certificate(client: &aws_sdk_acm::Client, domain: &str, bits: u32, days: u32) {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/make_certificate.py"
    );
    let output = std::process::Command::new(python())
        .args([script, domain, &bits.to_string(), &days.to_string()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let pem = String::from_utf8(output.stdout).unwrap();
    let split = pem.find("-----BEGIN RSA PRIVATE KEY-----").unwrap();
    client
        .import_certificate()
        .certificate(aws_smithy_types::Blob::new(&pem.as_bytes()[..split]))
        .private_key(aws_smithy_types::Blob::new(&pem.as_bytes()[split..]))
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn acm_expiry_and_rsa_key_length() {
    let account = TestAccount::new().await;
    let client = aws_sdk_acm::Client::new(&account.sdk_config().await);
    import_certificate(&client, "sound.example.com", 2048, 200).await;
    import_certificate(&client, "weak.example.com", 1024, 10).await;
    let dir = TempDir::new("acm");
    let got = scan_checks(&account, &dir, "scan.json", "us-east-1", "acm_*");
    for check in [
        "acm_certificate_not_expiring",
        "acm_certificate_rsa_key_length",
    ] {
        assert_eq!(
            status_of(&got, check, "sound.example.com"),
            "PASS",
            "{check}"
        );
        assert_eq!(
            status_of(&got, check, "weak.example.com"),
            "FAIL",
            "{check}"
        );
    }
    account.deny("acm:ListCertificates");
    let denied = scan_checks(&account, &dir, "denied.json", "us-east-1", "acm_*");
    assert!(!denied.is_empty());
    assert!(denied.values().all(|s| s == "ERROR"), "{denied:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn elasticache_clusters_and_replication_groups() {
    let account = TestAccount::new().await;
    let client = aws_sdk_elasticache::Client::new(&account.sdk_config().await);
    client
        .create_cache_cluster()
        .cache_cluster_id("hardened")
        .engine("redis")
        .engine_version("7.1.0")
        .cache_node_type("cache.t4g.micro")
        .num_cache_nodes(1)
        .cache_subnet_group_name("cache-private")
        .auto_minor_version_upgrade(true)
        .snapshot_retention_limit(7)
        .send()
        .await
        .unwrap();
    client
        .create_cache_cluster()
        .cache_cluster_id("loose")
        .engine("redis")
        .engine_version("5.0.6")
        .cache_node_type("cache.t4g.micro")
        .num_cache_nodes(1)
        .cache_subnet_group_name("default")
        .auto_minor_version_upgrade(false)
        .snapshot_retention_limit(0)
        .send()
        .await
        .unwrap();
    for (id, hardened) in [("secure-group", true), ("open-group", false)] {
        client
            .create_replication_group()
            .replication_group_id(id)
            .replication_group_description(id)
            .engine("redis")
            .engine_version(if hardened { "7.1.0" } else { "5.0.6" })
            .cache_node_type("cache.t4g.micro")
            .num_cache_clusters(2)
            .automatic_failover_enabled(hardened)
            .at_rest_encryption_enabled(hardened)
            .transit_encryption_enabled(hardened)
            .send()
            .await
            .unwrap();
    }
    // moto names a group's members but does not list them as cache clusters, as AWS does:
    // each group's primary is listed here the way DescribeCacheClusters shows it on AWS.
    for (group, version) in [("secure-group", "7.1.0"), ("open-group", "5.0.6")] {
        client
            .create_cache_cluster()
            .cache_cluster_id(format!("{group}-001"))
            .replication_group_id(group)
            .engine("redis")
            .engine_version(version)
            .cache_node_type("cache.t4g.micro")
            .send()
            .await
            .unwrap();
    }
    let dir = TempDir::new("elasticache");
    let got = scan_checks(&account, &dir, "scan.json", "us-east-1", "elasticache_*");
    for check in [
        "elasticache_cluster_automatic_backups",
        "elasticache_cluster_auto_minor_upgrade",
        "elasticache_cluster_custom_subnet_group",
    ] {
        assert_eq!(status_of(&got, check, "hardened"), "PASS", "{check}");
        assert_eq!(status_of(&got, check, "loose"), "FAIL", "{check}");
    }
    for (check, secure, open) in [
        (
            "elasticache_replication_group_automatic_failover",
            "PASS",
            "FAIL",
        ),
        (
            "elasticache_replication_group_encrypted_at_rest",
            "PASS",
            "FAIL",
        ),
        (
            "elasticache_replication_group_encrypted_in_transit",
            "PASS",
            "FAIL",
        ),
        (
            "elasticache_replication_group_auth",
            "NOT_APPLICABLE",
            "FAIL",
        ),
    ] {
        assert_eq!(status_of(&got, check, "secure-group"), secure, "{check}");
        assert_eq!(status_of(&got, check, "open-group"), open, "{check}");
    }
    // Without the clusters, a group's engine version is unknown: the AUTH check is ERROR.
    account.deny("elasticache:DescribeCacheClusters");
    let denied = scan_checks(
        &account,
        &dir,
        "denied.json",
        "us-east-1",
        "elasticache_replication_group_*",
    );
    let group_checks: BTreeMap<_, _> = got
        .iter()
        .filter(|((check, _), _)| check.starts_with("elasticache_replication_group_"))
        .map(|(key, status)| (key.clone(), status.clone()))
        .collect();
    only_denied_checks_turn_error(
        &group_checks,
        &denied,
        &["elasticache_replication_group_auth"],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dynamodb_point_in_time_recovery_and_deletion_protection() {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType,
        PointInTimeRecoverySpecification, ScalarAttributeType,
    };
    let account = TestAccount::new().await;
    let client = aws_sdk_dynamodb::Client::new(&account.sdk_config().await);
    for (name, hardened) in [("orders", true), ("scratch", false)] {
        client
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("id")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name("id")
                    .key_type(KeyType::Hash)
                    .build()
                    .unwrap(),
            )
            .deletion_protection_enabled(hardened)
            .send()
            .await
            .unwrap();
        client
            .update_continuous_backups()
            .table_name(name)
            .point_in_time_recovery_specification(
                PointInTimeRecoverySpecification::builder()
                    .point_in_time_recovery_enabled(hardened)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }
    let dir = TempDir::new("dynamodb");
    let got = scan_checks(&account, &dir, "scan.json", "us-east-1", "dynamodb_*");
    for check in [
        "dynamodb_table_point_in_time_recovery",
        "dynamodb_table_deletion_protection",
    ] {
        assert_eq!(status_of(&got, check, "orders"), "PASS", "{check}");
        assert_eq!(status_of(&got, check, "scratch"), "FAIL", "{check}");
    }
    account.deny("dynamodb:DescribeContinuousBackups");
    let denied = scan_checks(&account, &dir, "denied.json", "us-east-1", "dynamodb_*");
    only_denied_checks_turn_error(&got, &denied, &["dynamodb_table_point_in_time_recovery"]);
}
