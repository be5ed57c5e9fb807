//! Collection planned from the checks: a scan calls only the services its checks read, says
//! so with `--dry-run` without calling anything, and a snapshot evaluated later with checks it
//! did not collect for gives ERROR ("not collected"), never PASS.

use crate::harness::{TempDir, TestAccount, describe, lockdown, run, scan_report};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

/// The AWS services (action prefixes) the proxy saw for this account.
fn services_called(account: &TestAccount) -> BTreeSet<String> {
    account
        .calls()
        .iter()
        .map(|call| call.split(':').next().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn one_iam_check_calls_iam_only_and_a_full_scan_calls_everything() {
    let account = TestAccount::new().await;
    let iam = aws_sdk_iam::Client::new(&account.sdk_config().await);
    iam.create_user().user_name("alice").send().await.unwrap();
    let dir = TempDir::new("plan-iam");

    let started = Instant::now();
    let mut command = account.lockdown();
    command.args(["scan", "--quiet", "--checks", "iam_user_console_mfa"]);
    let report = scan_report(&mut command, &dir.path("iam.json"));
    let narrow = (started.elapsed(), account.calls().len());
    assert_eq!(
        services_called(&account),
        BTreeSet::from(["iam".to_owned(), "sts".to_owned()]),
        "{:?}",
        account.calls()
    );
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["resource"]["name"] == "alice" && f["status"] != "ERROR"),
        "alice is evaluated"
    );
    // Nothing else was collected, and the snapshot says so (moto's credential report has no
    // root row: that is the only failure).
    for error in report["collection_errors"].as_array().unwrap() {
        assert!(
            error["kind"] == "not_collected" || error["action"] == "iam:GetCredentialReport",
            "{error}"
        );
    }
    assert!(
        report["collection_errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "not_collected" && e["action"] == "kms:*")
    );

    let before = account.calls().len();
    let started = Instant::now();
    let mut command = account.lockdown();
    command.args(["scan", "--quiet", "--regions", "us-east-1"]);
    scan_report(&mut command, &dir.path("full.json"));
    let full = (started.elapsed(), account.calls().len() - before);
    eprintln!(
        "iam_user_console_mfa: {:?}, {} calls; full scan of us-east-1: {:?}, {} calls",
        narrow.0, narrow.1, full.0, full.1
    );
    assert!(full.1 > narrow.1 * 2, "{full:?} vs {narrow:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn s3_checks_touch_no_kms_ec2_or_cloudtrail() {
    let account = TestAccount::new().await;
    account.create_bucket(&format!("plan-{}", account.id));
    let dir = TempDir::new("plan-s3");
    let mut command = account.lockdown();
    command.args(["scan", "--quiet", "--services", "s3"]);
    scan_report(&mut command, &dir.path("s3.json"));
    let called = services_called(&account);
    assert_eq!(called, BTreeSet::from(["s3".to_owned(), "sts".to_owned()]));
    for absent in ["kms", "ec2", "cloudtrail", "rds", "logs", "iam"] {
        assert!(!called.contains(absent), "{absent} called: {called:?}");
    }
}

#[test]
fn dry_run_prints_the_plan_and_policy_without_calling_anything() {
    // No credentials and no endpoint: any call would fail.
    let output = run(lockdown().args([
        "scan",
        "--dry-run",
        "--checks",
        "cloudtrail_bucket_not_public",
    ]));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("services: s3, cloudtrail"), "{text}");
    assert!(text.contains("ec2:DescribeRegions"), "{text}");
    assert!(text.contains("cloudtrail:DescribeTrails"), "{text}");
    assert!(!text.contains("kms:"), "{text}");
    let policy_start = text.find("IAM policy:\n").unwrap() + "IAM policy:\n".len();
    let policy: serde_json::Value = serde_json::from_str(&text[policy_start..]).unwrap();
    let granted = policy["Statement"][0]["Action"].as_array().unwrap();
    assert!(granted.iter().any(|a| a == "s3:GetBucketPolicy"));
    assert!(
        granted
            .iter()
            .all(|a| !a.as_str().unwrap().starts_with("iam:"))
    );

    let iam_only = run(lockdown().args(["scan", "--dry-run", "--checks", "iam_*"]));
    let text = String::from_utf8_lossy(&iam_only.stdout);
    assert!(text.contains("services: iam\nregions: none"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_snapshot_evaluated_with_checks_it_did_not_collect_for_gives_error() {
    let account = TestAccount::new().await;
    let dir = TempDir::new("plan-snapshot");
    let snapshot = dir.path("iam-only.json");
    let mut command = account.lockdown();
    command
        .args(["scan", "--quiet", "--checks", "iam_*", "--save-snapshot"])
        .arg(&snapshot);
    scan_report(&mut command, &dir.path("first.json"));

    let output = run(lockdown()
        .args([
            "scan",
            "--quiet",
            "--checks",
            "kms_*,s3_*,cloudtrail_*",
            "--snapshot",
        ])
        .arg(&snapshot)
        .arg("--output")
        .arg(dir.path("later.json")));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let report = crate::harness::read_report(&dir.path("later.json"));
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for finding in findings {
        assert_eq!(finding["status"], "ERROR", "{finding}");
        assert_eq!(finding["error"]["kind"], "not_collected", "{finding}");
    }
}

/// The first service added through the registry: EFS, collected only when its checks run.
#[tokio::test(flavor = "multi_thread")]
async fn efs_file_systems_are_collected_and_checked_for_encryption() {
    let account = TestAccount::new().await;
    let efs = aws_sdk_efs::Client::new(&account.sdk_config().await);
    let mut ids = Vec::new();
    for (token, encrypted) in [("sealed", true), ("open", false)] {
        let created = efs
            .create_file_system()
            .creation_token(token)
            .encrypted(encrypted)
            .send()
            .await
            .unwrap();
        ids.push(created.file_system_id().to_owned());
    }
    let dir = TempDir::new("plan-efs");
    let mut command = account.lockdown();
    command.args([
        "scan",
        "--quiet",
        "--regions",
        "us-east-1",
        "--checks",
        "efs_*",
    ]);
    let report = scan_report(&mut command, &dir.path("efs.json"));
    let status = |id: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["resource"]["arn"].as_str().unwrap().ends_with(id))
            .map(|f| f["status"].as_str().unwrap().to_owned())
    };
    assert_eq!(status(&ids[0]).as_deref(), Some("PASS"), "{report}");
    assert_eq!(status(&ids[1]).as_deref(), Some("FAIL"));
    assert_eq!(
        services_called(&account),
        BTreeSet::from(["elasticfilesystem".to_owned(), "sts".to_owned()]),
        "{:?}",
        account.calls()
    );
}

/// Per-resource reads follow the attributes the selected checks read: versioning alone reads
/// versioning per bucket and nothing else, and a check evaluated later on that snapshot whose
/// data was skipped is ERROR (not collected), never PASS.
#[tokio::test(flavor = "multi_thread")]
async fn one_bucket_check_reads_one_setting_per_bucket() {
    let account = TestAccount::new().await;
    for n in 0..3 {
        account.create_bucket(&format!("reads-{n}-{}", account.id));
    }
    let dir = TempDir::new("plan-s3-reads");
    let snapshot = dir.path("snapshot.json");
    let mut command = account.lockdown();
    command
        .args(["scan", "--quiet", "--checks", "s3_bucket_versioning"])
        .arg("--save-snapshot")
        .arg(&snapshot);
    let report = scan_report(&mut command, &dir.path("versioning.json"));
    let calls: BTreeMap<String, u64> =
        serde_json::from_value(report["collection"]["api_calls"].clone()).unwrap();
    let s3_calls: BTreeMap<&str, u64> = calls
        .iter()
        .filter(|(action, _)| action.starts_with("s3"))
        .map(|(action, n)| (action.as_str(), *n))
        .collect();
    assert_eq!(
        s3_calls,
        // ListBuckets gives each bucket's region (the test proxy adds it to moto's answer):
        // no GetBucketLocation.
        BTreeMap::from([("s3:GetBucketVersioning", 3), ("s3:ListBuckets", 1)]),
        "{calls:?}"
    );

    // Without regions in the listing, one GetBucketLocation per bucket finds them, and the
    // findings are the same.
    account.list_buckets_without_regions();
    let mut command = account.lockdown();
    command.args(["scan", "--quiet", "--checks", "s3_bucket_versioning"]);
    let located = scan_report(&mut command, &dir.path("located.json"));
    assert_eq!(
        located["collection"]["api_calls"]["s3:GetBucketLocation"],
        3
    );
    assert_eq!(
        crate::harness::statuses(&located),
        crate::harness::statuses(&report)
    );

    let later = run(lockdown()
        .args([
            "scan",
            "--quiet",
            "--checks",
            "s3_bucket_not_public,s3_bucket_versioning",
        ])
        .arg("--snapshot")
        .arg(&snapshot)
        .arg("--output")
        .arg(dir.path("later.json")));
    assert_eq!(later.status.code(), Some(0), "{}", describe(&later));
    let later = crate::harness::read_report(&dir.path("later.json"));
    for finding in later["findings"].as_array().unwrap() {
        let expected = if finding["check_id"] == "s3_bucket_versioning" {
            "FAIL"
        } else {
            "ERROR"
        };
        assert_eq!(finding["status"], expected, "{finding}");
        if expected == "ERROR" {
            assert_eq!(finding["error"]["kind"], "not_collected", "{finding}");
        }
    }
}
