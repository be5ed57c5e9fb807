//! Faults between lockdown and AWS: throttling, server errors and dropped connections change no
//! finding (the SDK's retries absorb them); a region that never answers turns only that
//! region's findings into ERROR, within the configured timeout.

use crate::harness::{TempDir, TestAccount, describe, run};
use serde_json::Value;
use std::collections::BTreeMap;

const NOW: &str = "2026-06-01T00:00:00Z";

/// A small account: users with and without console passwords, keys, buckets, an open group.
async fn seed(account: &TestAccount) {
    let config = account.sdk_config().await;
    let iam = aws_sdk_iam::Client::new(&config);
    for user in ["ana", "ben", "cy"] {
        iam.create_user().user_name(user).send().await.unwrap();
        iam.create_access_key()
            .user_name(user)
            .send()
            .await
            .unwrap();
    }
    iam.create_login_profile()
        .user_name("ben")
        .password("Not-a-real-password-1")
        .send()
        .await
        .unwrap();
    let kms = aws_sdk_kms::Client::new(&config);
    for rotate in [true, false] {
        crate::harness::create_key(&kms, rotate).await;
    }
    for bucket in ["faults-a", "faults-b"] {
        account.create_bucket(&format!("{bucket}-{}", account.id));
    }
}

/// Scans us-east-1 and eu-west-1 and returns the report.
fn scan(account: &TestAccount, dir: &TempDir, name: &str, extra: &[&str]) -> Value {
    let out = dir.path(name);
    let output = run(account
        .lockdown()
        .args([
            "scan",
            "--quiet",
            "--regions",
            "us-east-1,eu-west-1",
            "--now",
            NOW,
        ])
        .arg("--output")
        .arg(&out)
        .args(extra));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    crate::harness::read_report(&out)
}

/// Every finding's id → (status, reason, evidence): what must not change.
fn outcomes(report: &Value) -> BTreeMap<String, (Value, Value, Value)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_owned(),
                (
                    f["status"].clone(),
                    f["reason"].clone(),
                    f["evidence"].clone(),
                ),
            )
        })
        .collect()
}

/// Collection errors in a stable order (regions finish in any order).
fn sorted_errors(report: &Value) -> Vec<String> {
    let mut errors: Vec<String> = report["collection_errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(Value::to_string)
        .collect();
    errors.sort();
    errors
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_server_errors_and_dropped_connections_change_no_finding() {
    let account = TestAccount::new().await;
    seed(&account).await;
    let dir = TempDir::new("faults");
    // moto leaves some data uncollectable (no root row, no CloudWatch CBOR): the same errors
    // must come back, and no others.
    let clean = scan(&account, &dir, "clean.json", &[]);

    account.inject_faults(0.20, 0.05, 0.05);
    let faulty = scan(&account, &dir, "faulty.json", &["--max-attempts", "10"]);
    let injected = account.injected_faults();
    for kind in ["throttle", "server_error", "reset"] {
        assert!(
            injected[kind].as_u64().unwrap() > 0,
            "no {kind} injected: {injected}"
        );
    }
    assert_eq!(sorted_errors(&faulty), sorted_errors(&clean), "{injected}");
    assert_eq!(outcomes(&faulty), outcomes(&clean), "{injected}");
    assert!(outcomes(&clean).len() > 30);

    // The SDK's adaptive retry (client-side rate limiting) survives the same mix.
    let adaptive = scan(
        &account,
        &dir,
        "adaptive.json",
        &["--max-attempts", "10", "--retry-mode", "adaptive"],
    );
    assert_eq!(sorted_errors(&adaptive), sorted_errors(&clean));
    assert_eq!(outcomes(&adaptive), outcomes(&clean));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_that_never_answers_is_error_and_the_rest_completes() {
    let account = TestAccount::new().await;
    seed(&account).await;
    let dir = TempDir::new("hang");
    let clean = scan(&account, &dir, "clean.json", &[]);
    account.hang_in("eu-west-1");
    // One attempt of at most 6 s per call (the proxy would hold each for 300 s).
    let report = scan(
        &account,
        &dir,
        "hang.json",
        &["--timeout", "6", "--max-attempts", "1"],
    );
    let in_region = |report: &Value, inside: bool| -> BTreeMap<String, (Value, Value, Value)> {
        let ids: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| (f["resource"]["region"] == "eu-west-1") == inside)
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect();
        outcomes(report)
            .into_iter()
            .filter(|(id, _)| ids.contains(id))
            .collect()
    };
    let hung = in_region(&report, true);
    assert!(!hung.is_empty());
    for finding in report["findings"].as_array().unwrap() {
        if finding["resource"]["region"] == "eu-west-1" {
            assert_eq!(finding["status"], "ERROR", "{finding}");
            assert_eq!(finding["error"]["kind"], "timeout", "{finding}");
        }
    }
    // Everything outside the hung region is what a clean run finds, except account-wide
    // CloudTrail checks: a trail could live in the silent region, so they are ERROR too.
    let (outside, clean_outside) = (in_region(&report, false), in_region(&clean, false));
    assert_eq!(
        outside.keys().collect::<Vec<_>>(),
        clean_outside.keys().collect::<Vec<_>>()
    );
    let changed: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            let id = f["id"].as_str().unwrap();
            outside
                .get(id)
                .is_some_and(|o| Some(o) != clean_outside.get(id))
        })
        .collect();
    assert!(!changed.is_empty());
    // Only account-wide facts change outside the silent region: the trail summary, and
    // whether some region records global resource types (which the silent region might).
    for finding in changed {
        assert!(
            ["aws.cloudtrail.account", "aws.config.recording"]
                .contains(&finding["resource"]["type"].as_str().unwrap()),
            "{finding}"
        );
        assert_eq!(finding["status"], "ERROR", "{finding}");
        assert_eq!(finding["error"]["kind"], "timeout", "{finding}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_never_reach_logs_results_or_snapshots() {
    let account = TestAccount::new().await;
    seed(&account).await;
    account.deny("iam:GenerateCredentialReport");
    let dir = TempDir::new("secrets");
    let snapshot = dir.path("snapshot.json");
    let output = run(account
        .lockdown()
        // Everything, the AWS SDK's own trace output included.
        .env("LOCKDOWN_LOG", "trace")
        .args([
            "scan",
            "-vvv",
            "--log-format",
            "json",
            "--regions",
            "us-east-1",
        ])
        .args(["--format", "json,ocsf,asff,csv,html", "--output-dir"])
        .arg(dir.path("out"))
        .arg("--save-snapshot")
        .arg(&snapshot));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let mut texts = vec![
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        std::fs::read_to_string(&snapshot).unwrap(),
    ];
    for entry in std::fs::read_dir(dir.path("out")).unwrap() {
        texts.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    assert!(
        texts[1].contains("aws_smithy_runtime")
            && texts[1].contains("iam:GenerateCredentialReport"),
        "trace logs of lockdown and the SDK were written"
    );
    for secret in account.secrets() {
        for text in &texts {
            assert!(!text.contains(secret), "a credential leaked");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_budget_keeps_a_scan_under_the_services_rate() {
    let account = TestAccount::new().await;
    seed(&account).await;
    let dir = TempDir::new("budget");
    let clean = scan(&account, &dir, "clean.json", &[]);
    // AWS's throttling, emulated: 4 requests a second per service and region, bursts of 4.
    account.throttle_over(4);
    // One attempt per call: a throttled call is not retried (fast), and shows in the findings.
    let once = ["--max-attempts", "1"];
    scan(
        &account,
        &dir,
        "unbudgeted.json",
        &[&once[..], &["--request-rate", "0"]].concat(),
    );
    let throttled = account.injected_faults()["throttle"].as_u64().unwrap();
    assert!(throttled > 0, "an unbudgeted scan was never throttled");

    // Half the service's rate: nothing throttled, the same findings without a single retry.
    account.throttle_over(4);
    let budgeted = scan(
        &account,
        &dir,
        "budgeted.json",
        &[&once[..], &["--request-rate", "2"]].concat(),
    );
    assert_eq!(account.injected_faults()["throttle"], 0);
    assert_eq!(sorted_errors(&budgeted), sorted_errors(&clean));
    assert_eq!(outcomes(&budgeted), outcomes(&clean));
}
