//! Regressions for verified false PASS / NOT_APPLICABLE results, against moto: each scenario
//! once gave PASS (or NOT_APPLICABLE) where the data said FAIL or could not be known.

use crate::harness::{TempDir, TestAccount, create_west_bucket, s3_client, scan_report};
use std::collections::BTreeMap;

async fn bucket_with_policy(client: &aws_sdk_s3::Client, name: &str, policy: String) {
    client.create_bucket().bucket(name).send().await.unwrap();
    client
        .put_bucket_policy()
        .bucket(name)
        .policy(policy)
        .send()
        .await
        .unwrap();
}

/// `(check, resource name) → status` for the findings of `checks`.
fn statuses(report: &serde_json::Value, checks: &[&str]) -> BTreeMap<(String, String), String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| checks.contains(&f["check_id"].as_str().unwrap()))
        .map(|f| {
            (
                (
                    f["check_id"].as_str().unwrap().to_owned(),
                    f["resource"]["name"].as_str().unwrap().to_owned(),
                ),
                f["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn scan(account: &TestAccount, dir: &TempDir, name: &str, regions: &str) -> serde_json::Value {
    let mut command = account.lockdown();
    command.args([
        "scan",
        "--quiet",
        "--regions",
        regions,
        "--checks",
        "s3_*,cloudtrail_*,iam_*",
    ]);
    scan_report(&mut command, &dir.path(name))
}

#[tokio::test(flavor = "multi_thread")]
async fn conditions_that_do_not_narrow_callers_leave_a_bucket_public() {
    let account = TestAccount::new().await;
    let east = s3_client(&account.sdk_config().await, "us-east-1");
    let id = &account.id;
    let tls = format!("tls-only-{id}");
    bucket_with_policy(
        &east,
        &tls,
        format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{tls}/*","Condition":{{"Bool":{{"aws:SecureTransport":"true"}}}}}}]}}"#
        ),
    )
    .await;
    let not_principal = format!("not-principal-{id}");
    bucket_with_policy(
        &east,
        &not_principal,
        format!(
            r#"{{"Statement":[{{"Effect":"Allow","NotPrincipal":{{"AWS":"arn:aws:iam::{id}:root"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::{not_principal}/*"}}]}}"#
        ),
    )
    .await;
    let vpc_only = format!("vpc-only-{id}");
    bucket_with_policy(
        &east,
        &vpc_only,
        format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{vpc_only}/*","Condition":{{"StringEquals":{{"aws:SourceVpc":"vpc-0a1b2c"}}}}}}]}}"#
        ),
    )
    .await;
    let bob_only = format!("deny-bob-{id}");
    bucket_with_policy(
        &east,
        &bob_only,
        format!(
            r#"{{"Statement":[{{"Effect":"Deny","Principal":{{"AWS":"arn:aws:iam::{id}:user/bob"}},"Action":"s3:*","Resource":["arn:aws:s3:::{bob_only}","arn:aws:s3:::{bob_only}/*"],"Condition":{{"Bool":{{"aws:SecureTransport":"false"}}}}}}]}}"#
        ),
    )
    .await;
    let dir = TempDir::new("false-pass-policies");
    let report = scan(&account, &dir, "scan.json", "us-east-1");
    let got = statuses(
        &report,
        &["s3_bucket_not_public", "s3_bucket_secure_transport"],
    );
    let status = |check: &str, bucket: &str| got[&(check.to_owned(), bucket.to_owned())].clone();
    assert_eq!(status("s3_bucket_not_public", &tls), "FAIL", "{got:?}");
    assert_eq!(status("s3_bucket_not_public", &not_principal), "FAIL");
    assert_eq!(status("s3_bucket_not_public", &vpc_only), "PASS");
    assert_eq!(status("s3_bucket_not_public", &bob_only), "PASS");
    assert_eq!(status("s3_bucket_secure_transport", &bob_only), "FAIL");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trail_bucket_unreadable_in_another_region_is_error_not_pass() {
    let account = TestAccount::new().await;
    let base = account.sdk_config().await;
    let bucket = format!("trail-west-{}", account.id);
    create_west_bucket(&base, &bucket)
        .await
        .put_bucket_policy()
        .bucket(&bucket)
        .policy(format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{bucket}/*"}}]}}"#
        ))
        .send()
        .await
        .unwrap();
    aws_sdk_cloudtrail::Client::new(&base)
        .create_trail()
        .name("main")
        .s3_bucket_name(&bucket)
        .send()
        .await
        .unwrap();
    let trail_checks = [
        "cloudtrail_bucket_not_public",
        "cloudtrail_bucket_access_logging",
    ];
    let dir = TempDir::new("false-pass-trail-bucket");

    // Control: readable, the public bucket fails the trail check.
    let report = scan(&account, &dir, "readable.json", "us-east-1,eu-west-1");
    let got = statuses(&report, &trail_checks);
    assert_eq!(
        got[&(trail_checks[0].into(), "main".into())],
        "FAIL",
        "{got:?}"
    );

    // S3 reads denied where the bucket lives, the trail in us-east-1: unknown, so ERROR.
    // Then the bucket listing itself denied: ERROR, not "the bucket is in another account".
    for (denied_region, name, regions) in [
        ("eu-west-1", "denied.json", "us-east-1,eu-west-1"),
        ("*", "unlisted.json", "us-east-1"),
    ] {
        account.deny_in("s3:GET", denied_region);
        let got = statuses(&scan(&account, &dir, name, regions), &trail_checks);
        for check in trail_checks {
            assert_eq!(
                got[&(check.into(), "main".into())],
                "ERROR",
                "{check}: {got:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn users_created_after_the_credential_report_have_unknown_keys() {
    let account = TestAccount::new().await;
    let iam = aws_sdk_iam::Client::new(&account.sdk_config().await);
    iam.create_user().user_name("early").send().await.unwrap();
    account.serve_cached("iam:GetCredentialReport");
    let dir = TempDir::new("false-pass-stale-report");
    let first = scan(&account, &dir, "first.json", "us-east-1");
    assert!(
        first["collection"]["credential_report_generated_at"].is_string(),
        "the report's age is kept: {}",
        first["collection"]
    );

    iam.create_user().user_name("late").send().await.unwrap();
    iam.create_access_key()
        .user_name("late")
        .send()
        .await
        .unwrap();
    iam.create_access_key()
        .user_name("late")
        .send()
        .await
        .unwrap();
    let report = scan(&account, &dir, "second.json", "us-east-1");
    let checks = ["iam_user_single_active_key", "iam_access_key_rotated"];
    let got = statuses(&report, &checks);
    for check in checks {
        assert_eq!(
            got[&(check.into(), "late".into())],
            "ERROR",
            "{check}: {got:?}"
        );
        assert_ne!(
            got[&(check.into(), "early".into())],
            "ERROR",
            "{check}: {got:?}"
        );
    }
    let late = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check_id"] == checks[0] && f["resource"]["name"] == "late")
        .unwrap();
    let reason = late["reason"].as_str().unwrap();
    assert!(
        reason.contains("not in the credential report generated at"),
        "{reason}"
    );
}
