//! OpenSearch Service domains against moto, in two regions: OpenSearch-engine domains are
//! judged by the OpenSearch.* checks and legacy Elasticsearch domains by the ES.* checks,
//! never both; a denied DescribeDomains turns every domain check into ERROR and leaves other
//! services' findings alone.

use crate::harness::{TempDir, TestAccount, emulator, scan_checks};
use aws_sdk_opensearch::types::{
    AdvancedSecurityOptionsInput, ClusterConfig, DomainEndpointOptions, EncryptionAtRestOptions,
    LogPublishingOption, LogType, NodeToNodeEncryptionOptions, TlsSecurityPolicy, VpcOptions,
};
use std::collections::BTreeMap;

const CHECKS: &str = "opensearch_*,es_*,sqs_queue_encrypted";

/// A log group to publish a domain's logs to.
fn log_group(account: &TestAccount, name: &str) -> LogPublishingOption {
    LogPublishingOption::builder()
        .enabled(true)
        .cloud_watch_logs_log_group_arn(format!(
            "arn:aws:logs:us-east-1:{}:log-group:{name}",
            account.id
        ))
        .build()
}

/// Creates a domain through the legacy Elasticsearch API (moto gives it the Elasticsearch
/// engine only when created there), which the OpenSearch SDK no longer calls.
fn create_elasticsearch_domain(account: &TestAccount, region: &str, body: serde_json::Value) {
    ureq::post(format!("{}/2015-01-01/es/domain", emulator().moto_url))
        .header(
            "Authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential={}/20250101/{region}/es/aws4_request, SignedHeaders=host, Signature=0",
                account.access_key
            ),
        )
        .header("Content-Type", "application/json")
        .send(body.to_string().as_bytes())
        .expect("create an Elasticsearch domain on moto");
}

#[tokio::test(flavor = "multi_thread")]
async fn domains_by_engine_in_two_regions() {
    let account = TestAccount::new().await;
    let base = account.sdk_config().await;
    let opensearch = aws_sdk_opensearch::Client::new(&base);
    opensearch
        .create_domain()
        .domain_name("hardened")
        .engine_version("OpenSearch_2.11")
        .cluster_config(
            ClusterConfig::builder()
                .instance_count(3)
                .zone_awareness_enabled(true)
                .dedicated_master_enabled(true)
                .dedicated_master_count(3)
                .build(),
        )
        .encryption_at_rest_options(EncryptionAtRestOptions::builder().enabled(true).build())
        .node_to_node_encryption_options(
            NodeToNodeEncryptionOptions::builder().enabled(true).build(),
        )
        .vpc_options(VpcOptions::builder().subnet_ids("subnet-1").build())
        .domain_endpoint_options(
            DomainEndpointOptions::builder()
                .enforce_https(true)
                .tls_security_policy(TlsSecurityPolicy::PolicyMinTls12Pfs202310)
                .build(),
        )
        .advanced_security_options(
            AdvancedSecurityOptionsInput::builder()
                .enabled(true)
                .build(),
        )
        .log_publishing_options(LogType::AuditLogs, log_group(&account, "audit"))
        .log_publishing_options(LogType::EsApplicationLogs, log_group(&account, "errors"))
        .send()
        .await
        .unwrap();
    opensearch
        .create_domain()
        .domain_name("bare")
        .engine_version("OpenSearch_2.11")
        .send()
        .await
        .unwrap();
    create_elasticsearch_domain(
        &account,
        "eu-west-1",
        serde_json::json!({
            "DomainName": "legacy",
            "EngineVersion": "Elasticsearch_7.10",
            "ElasticsearchVersion": "7.10",
            "ClusterConfig": {
                "InstanceCount": 3, "ZoneAwarenessEnabled": true,
                "DedicatedMasterEnabled": true, "DedicatedMasterCount": 3,
            },
            "EncryptionAtRestOptions": {"Enabled": true},
            "NodeToNodeEncryptionOptions": {"Enabled": true},
            "DomainEndpointOptions": {
                "EnforceHTTPS": true, "TLSSecurityPolicy": "Policy-Min-TLS-1-2-2019-07",
            },
            "LogPublishingOptions": {
                "ES_APPLICATION_LOGS": {
                    "Enabled": true,
                    "CloudWatchLogsLogGroupArn": "arn:aws:logs:eu-west-1:111122223333:log-group:es",
                },
            },
        }),
    );
    let sqs = aws_sdk_sqs::Client::new(&base);
    sqs.create_queue()
        .queue_name("jobs")
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::SqsManagedSseEnabled,
            "true",
        )
        .send()
        .await
        .unwrap();

    let dir = TempDir::new("opensearch");
    let scan = |name: &str| scan_checks(&account, &dir, name, "us-east-1,eu-west-1", CHECKS);
    let mut expected = BTreeMap::new();
    let mut expect = |check: &str, name: &str, status: &str| {
        expected.insert((check.to_owned(), name.to_owned()), status.to_owned());
    };
    // moto answers SoftwareUpdateOptions, not ServiceSoftwareOptions: unknown, never PASS.
    for (check, hardened, bare) in [
        ("encrypted_at_rest", "PASS", "FAIL"),
        ("in_vpc", "PASS", "FAIL"),
        ("node_to_node_encryption", "PASS", "FAIL"),
        ("error_logs_to_cloudwatch", "PASS", "FAIL"),
        ("audit_logs", "PASS", "FAIL"),
        ("data_nodes_fault_tolerant", "PASS", "FAIL"),
        ("fine_grained_access_control", "PASS", "FAIL"),
        ("tls_latest_policy", "PASS", "FAIL"),
        ("software_update_installed", "ERROR", "ERROR"),
    ] {
        expect(&format!("opensearch_domain_{check}"), "hardened", hardened);
        expect(&format!("opensearch_domain_{check}"), "bare", bare);
    }
    for (check, legacy) in [
        ("encrypted_at_rest", "PASS"),
        ("in_vpc", "FAIL"),
        ("node_to_node_encryption", "PASS"),
        ("error_logs_to_cloudwatch", "PASS"),
        ("audit_logs", "FAIL"),
        ("data_nodes_fault_tolerant", "PASS"),
        ("dedicated_masters", "PASS"),
        // TLS 1.2 without forward secrecy is not the latest policy.
        ("tls_latest_policy", "FAIL"),
    ] {
        expect(&format!("es_domain_{check}"), "legacy", legacy);
    }
    expect("sqs_queue_encrypted", "jobs", "PASS");
    assert_eq!(scan("scan.json"), expected);

    // DescribeDomains denied: the domains are still listed, every domain check is ERROR, and
    // the queue's finding does not change.
    account.deny("es:DescribeDomains");
    let denied = scan("denied.json");
    assert_eq!(
        denied.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for ((check, name), status) in &denied {
        let want = if check.starts_with("sqs_") {
            "PASS"
        } else {
            "ERROR"
        };
        assert_eq!(status, want, "{check} {name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_denied_listing_is_error_for_both_engines_in_that_region_only() {
    let account = TestAccount::new().await;
    let base = account.sdk_config().await;
    aws_sdk_opensearch::Client::new(&base)
        .create_domain()
        .domain_name("bare")
        .engine_version("OpenSearch_2.11")
        .send()
        .await
        .unwrap();
    account.deny_in("es:ListDomainNames", "eu-west-1");
    let dir = TempDir::new("opensearch-listing");
    let got = scan_checks(&account, &dir, "scan.json", "us-east-1,eu-west-1", CHECKS);
    for ((check, name), status) in &got {
        let want = match (check.as_str(), name.as_str()) {
            ("opensearch_domain_software_update_installed", _) => "ERROR",
            (_, "bare") => "FAIL",
            _ => "ERROR",
        };
        assert_eq!(status, want, "{check} {name}");
    }
    for check in ["opensearch_domain_in_vpc", "es_domain_in_vpc"] {
        assert!(
            got.iter()
                .any(|((c, name), status)| c == check && name != "bare" && status == "ERROR"),
            "{check}: {got:?}"
        );
    }
}
