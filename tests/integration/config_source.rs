//! AWS Config as a source (`--source config`): bucket settings that Config's configuration
//! items carry come from one BatchGetResourceConfig per region instead of a call per bucket
//! and setting, with the findings of a direct scan; a Config call that fails is ERROR for
//! exactly what it would have provided.

use crate::harness::{TempDir, TestAccount, create_west_bucket, s3_client, scan_report, statuses};
use serde_json::Value;

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
    let policy = serde_json::json!({ "Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [format!("arn:aws:s3:::{secure}"), format!("arn:aws:s3:::{secure}/*")],
        "Condition": { "Bool": { "aws:SecureTransport": "false" } } }] });
    s3.put_bucket_policy()
        .bucket(&secure)
        .policy(policy.to_string())
        .send()
        .await
        .unwrap();
    crate::harness::block_public_access(&s3, &blocked).await;
    // The log bucket grants the log-delivery group: moto's items name that grantee.
    let logs = format!("cfg-logs-{}", account.id);
    crate::harness::log_to(&s3, &logged, &logs).await;

    let dir = TempDir::new("config-source");
    let scan = |name: &str, extra: &[&str]| {
        let mut command = account.lockdown();
        command
            .args(["scan", "--quiet", "--regions", "us-east-1,eu-west-1"])
            .args(["--checks", "s3_bucket_*"])
            .args(extra);
        scan_report(&mut command, &dir.path(name))
    };
    let calls = |report: &Value, action: &str| {
        report["collection"]["api_calls"][action]
            .as_u64()
            .unwrap_or(0)
    };
    let direct = scan("direct.json", &[]);
    let from_config = scan("config.json", &["--source", "config"]);
    assert_eq!(statuses(&from_config), statuses(&direct));
    for (check, status) in [
        ("s3_bucket_secure_transport", "PASS"),
        ("s3_bucket_access_logging", "PASS"),
    ] {
        let name = if check == "s3_bucket_secure_transport" {
            &secure
        } else {
            &logged
        };
        assert_eq!(
            crate::harness::status_of(&statuses(&from_config), check, name),
            status
        );
    }
    // Findings say where what they read came from: the policy from Config's item, with its
    // capture time; versioning, read directly, carries no source.
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
    assert!(evidence(&from_config, "s3_bucket_versioning", &secure)["_sources"].is_null());
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
    // An item without Block Public Access says nothing about it: read directly.
    assert_eq!(calls(&from_config, "s3:GetPublicAccessBlock"), 4);
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
    let reference = statuses(&direct);
    for (key, status) in &denied {
        if status != &reference[key] {
            assert_eq!(status, "ERROR", "{key:?} was {}", reference[key]);
        }
    }
    for check in ["s3_bucket_secure_transport", "s3_bucket_access_logging"] {
        assert_eq!(crate::harness::status_of(&denied, check, &secure), "ERROR");
    }
    assert!(
        denied
            .iter()
            .any(|((check, _), s)| check == "s3_bucket_versioning" && s != "ERROR"),
        "{denied:?}"
    );
}
