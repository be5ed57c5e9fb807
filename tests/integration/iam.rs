//! IAM against moto: seeded users, keys, MFA, policies and password policy give exactly the
//! expected statuses; denied calls give ERROR naming the permission; snapshots replay.

use crate::harness::{TempDir, TestAccount, describe, read_report, run, scan_report, statuses};
use aws_sdk_iam::Client;
use std::collections::BTreeMap;

const ADMIN_DOCUMENT: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const READ_LOGS: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["logs:Get*","logs:Describe*"],"Resource":"*"}}"#;
const TRUST_EC2: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// alice: console + virtual MFA + a used key, in group `admins` (customer admin policy)
/// bob:   console without MFA, a never-used key, an inline admin policy
/// ci-bot: no console, two active keys (one used)
/// dave:  no credentials at all
async fn seed(account: &TestAccount) {
    let config = account.sdk_config().await;
    let iam = Client::new(&config);
    for user in ["alice", "bob", "ci-bot", "dave"] {
        iam.create_user().user_name(user).send().await.unwrap();
    }
    for user in ["alice", "bob"] {
        iam.create_login_profile()
            .user_name(user)
            .password("Correct-Horse-1")
            .send()
            .await
            .unwrap();
    }
    let device = iam
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("alice")
        .send()
        .await
        .unwrap();
    let serial = device.virtual_mfa_device.unwrap().serial_number;
    iam.enable_mfa_device()
        .user_name("alice")
        .serial_number(serial)
        .authentication_code1("123456")
        .authentication_code2("654321")
        .send()
        .await
        .unwrap();

    let mut used_keys = Vec::new();
    for (user, count, used) in [("alice", 1, true), ("bob", 1, false), ("ci-bot", 2, true)] {
        for n in 0..count {
            let key = iam
                .create_access_key()
                .user_name(user)
                .send()
                .await
                .unwrap()
                .access_key
                .unwrap();
            if used && n == 0 {
                used_keys.push(key);
            }
        }
    }
    // Using a key makes moto record its last use.
    for key in used_keys {
        let creds = aws_sdk_iam::config::Credentials::new(
            key.access_key_id,
            key.secret_access_key,
            None,
            None,
            "seed",
        );
        let as_user = aws_sdk_iam::Client::from_conf(
            aws_sdk_iam::config::Builder::from(&config)
                .credentials_provider(creds)
                .build(),
        );
        as_user.list_users().send().await.unwrap();
    }

    iam.put_user_policy()
        .user_name("bob")
        .policy_name("admin")
        .policy_document(ADMIN_DOCUMENT)
        .send()
        .await
        .unwrap();
    iam.create_group()
        .group_name("admins")
        .send()
        .await
        .unwrap();
    iam.add_user_to_group()
        .group_name("admins")
        .user_name("alice")
        .send()
        .await
        .unwrap();
    let god = iam
        .create_policy()
        .policy_name("god-mode")
        .policy_document(ADMIN_DOCUMENT)
        .send()
        .await
        .unwrap();
    iam.attach_group_policy()
        .group_name("admins")
        .policy_arn(god.policy.unwrap().arn.unwrap())
        .send()
        .await
        .unwrap();
    iam.create_policy()
        .policy_name("unused-admin")
        .policy_document(ADMIN_DOCUMENT)
        .send()
        .await
        .unwrap();

    for (role, policy) in [
        ("breakglass", "AdministratorAccess"),
        ("auditor", "ReadOnlyAccess"),
        ("support", "AWSSupportAccess"),
    ] {
        iam.create_role()
            .role_name(role)
            .assume_role_policy_document(TRUST_EC2)
            .send()
            .await
            .unwrap();
        iam.attach_role_policy()
            .role_name(role)
            .policy_arn(format!("arn:aws:iam::aws:policy/{policy}"))
            .send()
            .await
            .unwrap();
    }
    iam.put_role_policy()
        .role_name("auditor")
        .policy_name("read-logs")
        .policy_document(READ_LOGS)
        .send()
        .await
        .unwrap();

    iam.update_account_password_policy()
        .minimum_password_length(8)
        .require_uppercase_characters(true)
        .send()
        .await
        .unwrap();
}

fn expected(rows: &[(&str, &str, &str)]) -> BTreeMap<(String, String), String> {
    rows.iter()
        .map(|(check, name, status)| ((check.to_string(), name.to_string()), status.to_string()))
        .collect()
}

/// Scans the account and returns the report, asserting the exit code.
fn scan(account: &TestAccount, dir: &TempDir, name: &str, extra: &[&str]) -> serde_json::Value {
    let mut command = account.lockdown();
    command
        .args([
            "scan",
            "--quiet",
            "--checks",
            "iam_*",
            "--regions",
            "us-east-1",
        ])
        .args(extra);
    scan_report(&mut command, &dir.path(name))
}

#[tokio::test(flavor = "multi_thread")]
async fn seeded_account_gives_exact_statuses() {
    let account = TestAccount::new().await;
    seed(&account).await;
    let dir = TempDir::new("iam-exact");
    let report = scan(&account, &dir, "now.json", &[]);
    assert_eq!(report["account"]["id"], account.id.as_str());
    let got = statuses(&report);

    let want = expected(&[
        ("iam_user_console_mfa", "alice", "PASS"),
        ("iam_user_console_mfa", "bob", "FAIL"),
        ("iam_user_console_mfa", "ci-bot", "NOT_APPLICABLE"),
        ("iam_user_console_mfa", "dave", "NOT_APPLICABLE"),
        ("iam_access_key_rotated", "alice", "PASS"),
        ("iam_access_key_rotated", "bob", "PASS"),
        ("iam_access_key_rotated", "ci-bot", "PASS"),
        ("iam_access_key_rotated", "dave", "NOT_APPLICABLE"),
        ("iam_user_unused_credentials", "alice", "PASS"),
        ("iam_user_unused_credentials", "bob", "PASS"),
        ("iam_user_unused_credentials", "ci-bot", "PASS"),
        ("iam_user_unused_credentials", "dave", "NOT_APPLICABLE"),
        ("iam_user_single_active_key", "alice", "PASS"),
        ("iam_user_single_active_key", "bob", "PASS"),
        ("iam_user_single_active_key", "ci-bot", "FAIL"),
        ("iam_user_single_active_key", "dave", "PASS"),
        ("iam_user_no_key_at_setup", "alice", "PASS"),
        ("iam_user_no_key_at_setup", "bob", "FAIL"),
        ("iam_user_no_key_at_setup", "ci-bot", "NOT_APPLICABLE"),
        ("iam_user_no_key_at_setup", "dave", "NOT_APPLICABLE"),
        ("iam_user_no_direct_policies", "alice", "PASS"),
        ("iam_user_no_direct_policies", "bob", "FAIL"),
        ("iam_user_no_direct_policies", "ci-bot", "PASS"),
        ("iam_user_no_direct_policies", "dave", "PASS"),
        ("iam_inline_policy_no_full_admin", "bob/admin", "FAIL"),
        (
            "iam_inline_policy_no_full_admin",
            "auditor/read-logs",
            "PASS",
        ),
        ("iam_customer_policy_no_full_admin", "god-mode", "FAIL"),
        (
            "iam_customer_policy_no_full_admin",
            "unused-admin",
            "NOT_APPLICABLE",
        ),
        (
            "iam_customer_policy_no_full_admin",
            "AdministratorAccess",
            "NOT_APPLICABLE",
        ),
        (
            "iam_customer_policy_no_full_admin",
            "ReadOnlyAccess",
            "NOT_APPLICABLE",
        ),
        (
            "iam_customer_policy_no_full_admin",
            "AWSSupportAccess",
            "NOT_APPLICABLE",
        ),
        (
            "iam_aws_admin_policy_not_attached",
            "AdministratorAccess",
            "FAIL",
        ),
        (
            "iam_aws_admin_policy_not_attached",
            "ReadOnlyAccess",
            "PASS",
        ),
        (
            "iam_aws_admin_policy_not_attached",
            "AWSSupportAccess",
            "PASS",
        ),
        (
            "iam_aws_admin_policy_not_attached",
            "god-mode",
            "NOT_APPLICABLE",
        ),
        (
            "iam_aws_admin_policy_not_attached",
            "unused-admin",
            "NOT_APPLICABLE",
        ),
        ("iam_password_policy_min_length", "password-policy", "FAIL"),
        (
            "iam_password_policy_reuse_prevention",
            "password-policy",
            "FAIL",
        ),
        ("iam_password_policy_uppercase", "password-policy", "PASS"),
        ("iam_password_policy_lowercase", "password-policy", "FAIL"),
        ("iam_password_policy_number", "password-policy", "FAIL"),
        ("iam_password_policy_symbol", "password-policy", "FAIL"),
        ("iam_password_policy_expiry", "password-policy", "FAIL"),
        ("iam_support_role_exists", account.id.as_str(), "PASS"),
        // moto's credential report has no <root_account> row: never a PASS.
        (
            "iam_root_mfa_enabled",
            "all aws.iam.root_user in global",
            "ERROR",
        ),
        (
            "iam_root_hardware_mfa_enabled",
            "all aws.iam.root_user in global",
            "ERROR",
        ),
        (
            "iam_root_no_access_keys",
            "all aws.iam.root_user in global",
            "ERROR",
        ),
        (
            "iam_root_not_used_recently",
            "all aws.iam.root_user in global",
            "ERROR",
        ),
    ]);
    // The checks this test seeds for; other IAM checks have their own tests.
    let got: BTreeMap<_, _> = got
        .into_iter()
        .filter(|((check, _), _)| want.keys().any(|(seeded, _)| seeded == check))
        .collect();
    assert_eq!(got, want);

    let root = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check_id"] == "iam_root_mfa_enabled")
        .unwrap();
    assert!(
        root["reason"].as_str().unwrap().contains("<root_account>"),
        "{root}"
    );

    // The MFA device kind and the policy facts are evidence in the findings.
    let alice_mfa = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check_id"] == "iam_user_console_mfa" && f["resource"]["name"] == "alice")
        .unwrap();
    assert_eq!(
        alice_mfa["evidence"],
        serde_json::json!({"mfa_active": true, "password_enabled": true})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn time_moves_keys_and_passwords_past_their_limits() {
    let account = TestAccount::new().await;
    seed(&account).await;
    let dir = TempDir::new("iam-time");
    let in_days = |days: i64| (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339();

    let later = statuses(&scan(
        &account,
        &dir,
        "60d.json",
        &["--checks", "iam_user_*,iam_access_*", "--now", &in_days(60)],
    ));
    assert_eq!(
        later[&("iam_access_key_rotated".into(), "alice".into())],
        "PASS"
    );
    for user in ["alice", "bob", "ci-bot"] {
        assert_eq!(
            later[&("iam_user_unused_credentials".into(), user.into())],
            "FAIL",
            "{user}"
        );
    }

    let much_later = statuses(&scan(
        &account,
        &dir,
        "100d.json",
        &["--checks", "iam_access_key_rotated", "--now", &in_days(100)],
    ));
    for user in ["alice", "bob", "ci-bot"] {
        assert_eq!(
            much_later[&("iam_access_key_rotated".into(), user.into())],
            "FAIL",
            "{user}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn denied_credential_report_gives_errors_naming_the_permission() {
    let account = TestAccount::new().await;
    seed(&account).await;
    account.deny("iam:GenerateCredentialReport");
    let dir = TempDir::new("iam-denied");
    let report = scan(&account, &dir, "denied.json", &[]);
    let got = statuses(&report);

    for user in ["alice", "bob", "ci-bot", "dave"] {
        for check in [
            "iam_user_console_mfa",
            "iam_access_key_rotated",
            "iam_user_unused_credentials",
            "iam_user_single_active_key",
            "iam_user_no_key_at_setup",
        ] {
            assert_eq!(got[&(check.into(), user.into())], "ERROR", "{check} {user}");
        }
    }
    // Data from other calls is still evaluated.
    assert_eq!(
        got[&("iam_user_no_direct_policies".into(), "bob".into())],
        "FAIL"
    );
    assert_eq!(
        got[&("iam_user_no_direct_policies".into(), "alice".into())],
        "PASS"
    );
    assert_eq!(
        got[&(
            "iam_root_mfa_enabled".into(),
            "all aws.iam.root_user in global".into()
        )],
        "ERROR"
    );
    assert!(
        !got.iter()
            .any(|((check, _), status)| check.starts_with("iam_root") && status != "ERROR")
    );

    let findings = report["findings"].as_array().unwrap();
    let bob = findings
        .iter()
        .find(|f| f["check_id"] == "iam_user_console_mfa" && f["resource"]["name"] == "bob")
        .unwrap();
    assert_eq!(bob["error"]["permission"], "iam:GenerateCredentialReport");
    assert_eq!(bob["error"]["kind"], "access_denied");
    assert!(
        bob["reason"]
            .as_str()
            .unwrap()
            .contains("iam:GenerateCredentialReport")
    );
    assert_eq!(report["collection_errors"][0]["code"], "AccessDenied");

    // CI gating: nothing high failed in this subset, but data is missing.
    let output = run(account.lockdown().args([
        "scan",
        "--quiet",
        "--output",
        "/dev/null",
        "--checks",
        "iam_user_console_mfa",
        "--fail-on",
        "high",
    ]));
    assert_eq!(output.status.code(), Some(4), "{}", describe(&output));
}

#[tokio::test(flavor = "multi_thread")]
async fn denied_authorization_details_leaves_policies_unknown() {
    let account = TestAccount::new().await;
    seed(&account).await;
    account.deny("iam:GetAccountAuthorizationDetails");
    let dir = TempDir::new("iam-denied-details");
    let got = statuses(&scan(&account, &dir, "denied.json", &[]));
    assert_eq!(got[&("iam_user_console_mfa".into(), "bob".into())], "FAIL");
    assert_eq!(
        got[&("iam_user_no_direct_policies".into(), "bob".into())],
        "ERROR"
    );
    assert_eq!(
        got[&("iam_support_role_exists".into(), account.id.clone())],
        "ERROR"
    );
    for check in [
        "iam_inline_policy_no_full_admin",
        "iam_customer_policy_no_full_admin",
    ] {
        let statuses: Vec<_> = got
            .iter()
            .filter(|((c, _), _)| c == check)
            .map(|(_, s)| s.as_str())
            .collect();
        assert!(
            statuses.contains(&"ERROR") && !statuses.contains(&"PASS"),
            "{check}: {statuses:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn collect_then_offline_scan_equals_live_scan() {
    let account = TestAccount::new().await;
    seed(&account).await;
    let dir = TempDir::new("iam-replay");
    let snapshot = dir.path("snapshot.json");
    let fixed_now = ["--now", "2030-01-01T00:00:00Z"];

    let collect = run(account
        .lockdown()
        .args(["collect", "--quiet", "--regions", "us-east-1", "-o"])
        .arg(&snapshot));
    assert_eq!(collect.status.code(), Some(0), "{}", describe(&collect));
    let live = scan(&account, &dir, "live.json", &fixed_now);
    let offline = run(crate::harness::lockdown()
        .args(["scan", "--quiet", "--checks", "iam_*", "--output"])
        .arg(dir.path("offline.json"))
        .args(fixed_now)
        .arg("--snapshot")
        .arg(&snapshot));
    assert_eq!(offline.status.code(), Some(0), "{}", describe(&offline));
    let offline = read_report(&dir.path("offline.json"));
    assert_eq!(live["findings"], offline["findings"]);

    // The snapshot records every call made, and only read-only IAM/STS actions.
    let calls = offline["collection"]["api_calls"].as_object().unwrap();
    assert!(calls.contains_key("iam:GetAccountAuthorizationDetails"));
    for action in calls.keys() {
        let name = action.split(':').nth(1).unwrap();
        assert!(
            ["Get", "List", "Describe", "GenerateCredentialReport"]
                .iter()
                .any(|p| name.starts_with(p)),
            "{action} is not read-only"
        );
        assert!(
            lockdown::collect::all_actions().contains(&action.as_str()),
            "{action} is not declared"
        );
    }
}
