//! AWS Config as a source (`--source config`): bucket settings that Config's configuration
//! items carry come from one BatchGetResourceConfig per region instead of a call per bucket
//! and setting, with the findings of a direct scan; a Config call that fails is ERROR for
//! exactly what it would have provided.

use crate::harness::{TempDir, TestAccount, create_west_bucket, s3_client, scan_report, statuses};
use serde_json::Value;

type Statuses = std::collections::BTreeMap<(String, String), String>;

/// A scan of the account's buckets (the `s3_bucket_*` checks) in both regions, with `extra`
/// arguments, written to `out`.
fn scan_buckets(account: &TestAccount, out: &std::path::Path, extra: &[&str]) -> Value {
    let mut command = account.lockdown();
    command
        .args(["scan", "--quiet", "--regions", "us-east-1,eu-west-1"])
        .args(["--checks", "s3_bucket_*"])
        .args(extra);
    scan_report(&mut command, out)
}

/// Puts a policy on `bucket` denying requests made without TLS.
async fn deny_insecure_transport(s3: &aws_sdk_s3::Client, bucket: &str) {
    let policy = serde_json::json!({ "Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
        "Condition": { "Bool": { "aws:SecureTransport": "false" } } }] });
    s3.put_bucket_policy()
        .bucket(bucket)
        .policy(policy.to_string())
        .send()
        .await
        .unwrap();
}

/// Asserts that the findings of a scan whose Config reads failed differ from `reference` only
/// by being ERROR.
fn only_errors_differ(failed: &Statuses, reference: &Statuses) {
    for (key, status) in failed {
        if status != &reference[key] {
            assert_eq!(status, "ERROR", "{key:?} was {}", reference[key]);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn config_items_give_a_direct_scans_findings_with_fewer_calls() {
    let account = TestAccount::new().await;
    let config = account.sdk_config().await;
    let s3 = s3_client(&config, "us-east-1");
    let [secure, blocked, logged] =
        ["secure", "blocked", "logged"].map(|b| format!("cfg-{b}-{}", account.id));
    for bucket in [&secure, &blocked, &logged] {
        account.create_bucket(bucket);
    }
    create_west_bucket(&config, &format!("cfg-west-{}", account.id)).await;
    deny_insecure_transport(&s3, &secure).await;
    crate::harness::block_public_access(&s3, &blocked).await;
    // The log bucket grants the log-delivery group: moto's items name that grantee.
    let logs = format!("cfg-logs-{}", account.id);
    crate::harness::log_to(&s3, &logged, &logs).await;
    // A queue notified of new objects: the item lists it, so no direct read is needed.
    let queue = aws_sdk_s3::types::QueueConfiguration::builder()
        .queue_arn(format!("arn:aws:sqs:us-east-1:{}:uploads", account.id))
        .events(aws_sdk_s3::types::Event::S3ObjectCreated)
        .build()
        .unwrap();
    let notifications = aws_sdk_s3::types::NotificationConfiguration::builder()
        .queue_configurations(queue)
        .build();
    s3.put_bucket_notification_configuration()
        .bucket(&logged)
        .notification_configuration(notifications)
        .send()
        .await
        .unwrap();

    let dir = TempDir::new("config-source");
    let scan = |name: &str, extra: &[&str]| scan_buckets(&account, &dir.path(name), extra);
    let calls = |report: &Value, action: &str| {
        report["collection"]["api_calls"][action]
            .as_u64()
            .unwrap_or(0)
    };
    let direct = scan("direct.json", &[]);
    let from_config = scan("config.json", &["--source", "config"]);
    assert_eq!(statuses(&from_config), statuses(&direct));
    for (check, name) in [
        ("s3_bucket_secure_transport", &secure),
        ("s3_bucket_access_logging", &logged),
        ("s3_bucket_event_notifications", &logged),
    ] {
        let status = crate::harness::status_of(&statuses(&from_config), check, name);
        assert_eq!(status, "PASS", "{check}");
    }
    // Findings say where what they read came from: the policy from Config's item, with its
    // capture time; ownership controls, read directly, carry no source.
    let evidence = |report: &Value, check: &str, name: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["check_id"] == check && f["resource"]["name"] == name)
            .map(|f| f["evidence"].clone())
            .unwrap()
    };
    let policy = evidence(&from_config, "s3_bucket_secure_transport", &secure);
    let source = policy["_sources"]["denies_insecure_transport"]
        .as_str()
        .unwrap();
    assert!(
        source.starts_with("AWS Config item captured 20"),
        "{policy}"
    );
    assert!(evidence(&direct, "s3_bucket_secure_transport", &secure)["_sources"].is_null());
    assert!(evidence(&from_config, "s3_bucket_acls_disabled", &secure)["_sources"].is_null());
    // One Config call per region that holds buckets; none of the per-bucket reads it replaces.
    assert_eq!(calls(&from_config, "config:BatchGetResourceConfig"), 2);
    for action in [
        "s3:GetBucketPolicy",
        "s3:GetBucketAcl",
        "s3:GetBucketLogging",
    ] {
        assert_eq!(calls(&direct, action), 5, "{action}");
        assert_eq!(calls(&from_config, action), 0, "{action}");
    }
    // An item without Block Public Access says nothing about it: read directly. Nor does
    // one without a notification destination (EventBridge delivery is not in items).
    assert_eq!(calls(&from_config, "s3:GetPublicAccessBlock"), 4);
    assert_eq!(calls(&direct, "s3:GetBucketNotificationConfiguration"), 5);
    assert_eq!(
        calls(&from_config, "s3:GetBucketNotificationConfiguration"),
        4
    );
    // The config file's `source` does the same as the flag.
    let file = dir.path("lockdown.toml");
    std::fs::write(&file, "[scan]\nsource = \"config\"\n").unwrap();
    let by_file = scan("file.json", &["--config", file.to_str().unwrap()]);
    assert_eq!(calls(&by_file, "config:BatchGetResourceConfig"), 2);
    assert_eq!(statuses(&by_file), statuses(&direct));

    // Config refused: what it provides (policy, ACL, logging, ...) is ERROR, never PASS;
    // findings on the settings read directly keep their status.
    account.deny("config:BatchGetResourceConfig");
    let denied = statuses(&scan("denied.json", &["--source", "config"]));
    only_errors_differ(&denied, &statuses(&direct));
    for check in ["s3_bucket_secure_transport", "s3_bucket_access_logging"] {
        assert_eq!(crate::harness::status_of(&denied, check, &secure), "ERROR");
    }
    assert!(
        denied
            .iter()
            .any(|((check, _), s)| check == "s3_bucket_acls_disabled" && s != "ERROR"),
        "{denied:?}"
    );
}

/// KMS keys Config does not describe (moto's Config records no KMS key) are read directly:
/// the findings of a direct scan, with one Config call for the region's keys.
#[tokio::test(flavor = "multi_thread")]
async fn keys_without_config_items_are_read_directly() {
    let account = TestAccount::new().await;
    let config = account.sdk_config().await;
    let kms = aws_sdk_kms::Client::new(&config);
    let rotating = crate::harness::create_key(&kms, true).await;
    crate::harness::create_key(&kms, false).await;
    let dir = TempDir::new("config-source-kms");
    let scan = |name: &str, extra: &[&str]| {
        let mut command = account.lockdown();
        command
            .args([
                "scan",
                "--quiet",
                "--regions",
                "us-east-1",
                "--checks",
                "kms_*",
            ])
            .args(extra);
        scan_report(&mut command, &dir.path(name))
    };
    let direct = scan("direct.json", &[]);
    let from_config = scan("config.json", &["--source", "config"]);
    assert_eq!(statuses(&from_config), statuses(&direct));
    let rotation =
        crate::harness::status_of(&statuses(&direct), "kms_cmk_rotation_enabled", &rotating);
    assert_eq!(rotation, "PASS");
    let calls = &from_config["collection"]["api_calls"];
    assert_eq!(calls["config:BatchGetResourceConfig"], 1);
    for action in [
        "kms:DescribeKey",
        "kms:GetKeyRotationStatus",
        "kms:GetKeyPolicy",
    ] {
        assert_eq!(calls[action], 2, "{action}");
    }
    // Config refused: it would have described the keys, so every key check is ERROR.
    account.deny("config:BatchGetResourceConfig");
    let denied = statuses(&scan("denied.json", &["--source", "config"]));
    let on_keys = |(check, _): &&(String, String)| {
        check.starts_with("kms_key_") || check.starts_with("kms_cmk_")
    };
    let key_findings: Vec<_> = denied.iter().filter(|(k, _)| on_keys(k)).collect();
    assert_eq!(key_findings.len(), 6, "{denied:?}");
    assert!(
        key_findings.iter().all(|(_, s)| *s == "ERROR"),
        "{denied:?}"
    );
}

/// Through an aggregator (`--config-aggregator`), read with the caller's credentials: the
/// findings of a direct scan, with one call for the buckets of both regions; an aggregator
/// refused or unknown is ERROR for what it would have provided, never PASS. (moto answers an
/// aggregator with the items of the account holding it, whatever account is asked: this
/// account is both.)
#[tokio::test(flavor = "multi_thread")]
async fn an_aggregator_gives_a_direct_scans_findings_in_one_call_for_every_region() {
    let account = TestAccount::new().await;
    let config = account.sdk_config().await;
    let s3 = s3_client(&config, "us-east-1");
    let [secure, plain] = ["secure", "plain"].map(|b| format!("agg-{b}-{}", account.id));
    account.create_bucket(&secure);
    account.create_bucket(&plain);
    create_west_bucket(&config, &format!("agg-west-{}", account.id)).await;
    deny_insecure_transport(&s3, &secure).await;
    let source = aws_sdk_config::types::AccountAggregationSource::builder()
        .account_ids(&account.id)
        .all_aws_regions(true)
        .build()
        .unwrap();
    aws_sdk_config::Client::new(&config)
        .put_configuration_aggregator()
        .configuration_aggregator_name("security")
        .account_aggregation_sources(source)
        .send()
        .await
        .unwrap();

    let dir = TempDir::new("config-aggregator");
    let scan = |name: &str, extra: &[&str]| scan_buckets(&account, &dir.path(name), extra);
    let through = ["--source", "config", "--config-aggregator", "security"];
    let direct = scan("direct.json", &[]);
    let aggregated = scan("aggregated.json", &through);
    assert_eq!(statuses(&aggregated), statuses(&direct));
    let calls = &aggregated["collection"]["api_calls"];
    assert_eq!(calls["config:BatchGetAggregateResourceConfig"], 1);
    assert!(calls["config:BatchGetResourceConfig"].is_null(), "{calls}");
    assert!(calls["s3:GetBucketPolicy"].is_null(), "{calls}");
    assert_eq!(direct["collection"]["api_calls"]["s3:GetBucketPolicy"], 3);
    let secure_transport = &statuses(&aggregated);
    let status = crate::harness::status_of(secure_transport, "s3_bucket_secure_transport", &secure);
    assert_eq!(status, "PASS");

    // Naming no aggregator there, or refused: what the items provide is ERROR, never PASS.
    let only_errors_differ = |name: &str, args: &[&str]| {
        let report = scan(name, args);
        let failed = statuses(&report);
        only_errors_differ(&failed, &statuses(&direct));
        for bucket in [&secure, &plain] {
            let status = crate::harness::status_of(&failed, "s3_bucket_secure_transport", bucket);
            assert_eq!(status, "ERROR", "{name}");
        }
        // The error names the call that failed, the aggregator's.
        let error = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["check_id"] == "s3_bucket_secure_transport")
            .map(|f| f["error"]["action"].clone())
            .unwrap();
        assert_eq!(error, "config:BatchGetAggregateResourceConfig", "{name}");
    };
    let unknown = [
        "--source",
        "config",
        "--config-aggregator",
        "no-such-aggregator",
    ];
    only_errors_differ("unknown.json", &unknown);
    account.deny("config:BatchGetAggregateResourceConfig");
    only_errors_differ("denied.json", &through);

    // Without --source config there is no item to read through it, nor without a name: usage
    // errors.
    for (args, says) in [
        (
            &["--config-aggregator", "security"][..],
            "add --source config",
        ),
        (
            &["--source", "config", "--config-aggregator", ""][..],
            "needs the aggregator's name",
        ),
    ] {
        let output = crate::harness::run(account.lockdown().args(["scan", "--quiet"]).args(args));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
    }
}
