//! `scan --org` against moto's Organizations and STS: accounts listed, suspended ones skipped,
//! the scanning role assumed in each, one account's role denied → ERROR for that account only.

use crate::harness::{TempDir, TestAccount, describe, read_report, run};
use aws_sdk_organizations::types::OrganizationFeatureSet;
use std::collections::BTreeMap;

/// moto creates this role in every account made with CreateAccount.
const ROLE: &str = "OrganizationAccountAccessRole";

/// Credentials of `role` in `account`, assumed from the management account.
async fn enter(management: &aws_config::SdkConfig, account: &str) -> aws_config::SdkConfig {
    let role_arn = format!("arn:aws:iam::{account}:role/{ROLE}");
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(crate::harness::emulator().moto_url.as_str())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(
            aws_config::sts::AssumeRoleProvider::builder(role_arn)
                .session_name("seed")
                .configure(management)
                .build()
                .await,
        )
        .load()
        .await
}

/// Creates an IAM user with a console password and no MFA (fails `iam_user_console_mfa`).
async fn user_without_mfa(config: &aws_config::SdkConfig, name: &str) {
    let iam = aws_sdk_iam::Client::new(config);
    iam.create_user().user_name(name).send().await.unwrap();
    iam.create_login_profile()
        .user_name(name)
        .password("Correct-Horse-1")
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_organization_is_scanned_account_by_account() {
    let management = TestAccount::new().await;
    let config = management.sdk_config().await;
    let organizations = aws_sdk_organizations::Client::new(&config);
    organizations
        .create_organization()
        .feature_set(OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let mut ids = BTreeMap::new();
    for name in ["prod", "dev", "stage", "denied", "closed"] {
        let created = organizations
            .create_account()
            .account_name(name)
            .email(format!("{name}@example.com"))
            .send()
            .await
            .unwrap();
        let id = created.create_account_status.unwrap().account_id.unwrap();
        ids.insert(name, id);
    }
    organizations
        .close_account()
        .account_id(&ids["closed"])
        .send()
        .await
        .unwrap();
    for name in ["prod", "dev", "stage"] {
        user_without_mfa(&enter(&config, &ids[name]).await, &format!("{name}-admin")).await;
    }
    management.deny_when("sts:AssumeRole", &ids["denied"]);

    let dir = TempDir::new("org");
    let out = dir.path("org.json");
    let started = std::time::Instant::now();
    let output = run(management
        .lockdown()
        .args(["scan", "--org", "--org-role-name", ROLE])
        .args(["--exclude-accounts", &management.id])
        .args(["--regions", "us-east-1", "--checks", "iam_*"])
        .args(["--max-attempts", "1", "--save-snapshot"])
        .arg(dir.path("org-snapshot.json"))
        .arg("--output")
        .arg(&out));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    eprintln!(
        "organization scan (3 accounts scanned, 1 denied, 2 skipped): {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let report = read_report(&out);

    // One section per account of the organization, with what became of it.
    let sections: BTreeMap<String, (String, String)> = report["accounts"]
        .as_array()
        .expect("per-account sections")
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_owned(),
                (
                    a["status"].as_str().unwrap().to_owned(),
                    a["reason"].as_str().unwrap_or_default().to_owned(),
                ),
            )
        })
        .collect();
    assert_eq!(sections.len(), 6, "{sections:?}");
    for name in ["prod", "dev", "stage"] {
        assert_eq!(sections[&ids[name]].0, "scanned", "{name}");
    }
    assert_eq!(
        sections[&ids["closed"]],
        ("skipped".into(), "account is SUSPENDED".into())
    );
    assert_eq!(
        sections[&management.id],
        ("skipped".into(), "excluded by --exclude-accounts".into())
    );
    let (status, reason) = &sections[&ids["denied"]];
    assert_eq!(status, "failed");
    assert!(reason.starts_with("sts:AssumeRole"), "{reason}");

    // Each scanned account's findings carry its own account id.
    let findings = report["findings"].as_array().unwrap();
    let of = |account: &str| -> Vec<&serde_json::Value> {
        findings
            .iter()
            .filter(|f| f["resource"]["account_id"] == account)
            .collect()
    };
    for (name, user) in [
        ("prod", "prod-admin"),
        ("dev", "dev-admin"),
        ("stage", "stage-admin"),
    ] {
        let mfa: Vec<_> = of(&ids[name])
            .into_iter()
            .filter(|f| f["check_id"] == "iam_user_console_mfa")
            .map(|f| {
                (
                    f["resource"]["name"].as_str().unwrap(),
                    f["status"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(mfa, [(user, "FAIL")], "{name}");
    }
    // The account that could not be entered: every check ERROR, naming the permission; never PASS.
    let denied = of(&ids["denied"]);
    assert!(!denied.is_empty());
    for finding in &denied {
        assert_eq!(finding["status"], "ERROR", "{finding}");
        assert_eq!(finding["error"]["permission"], "sts:AssumeRole");
        assert_eq!(finding["error"]["kind"], "access_denied");
    }
    assert!(of(&ids["closed"]).is_empty());
    assert!(of(&management.id).is_empty());
    assert_eq!(report["account"]["id"], management.id);

    // The summary on stderr has a line per account.
    let stderr = String::from_utf8_lossy(&output.stderr);
    for id in ids.values() {
        assert!(stderr.contains(id.as_str()), "{stderr}");
    }

    // The organization's snapshot evaluates offline to the same findings, and the HTML report
    // has the per-account table.
    let offline = dir.path("offline.json");
    let output = run(crate::harness::lockdown()
        .args(["scan", "--quiet", "--checks", "iam_*", "--snapshot"])
        .arg(dir.path("org-snapshot.json"))
        .arg("--output")
        .arg(&offline));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert_eq!(read_report(&offline)["findings"], report["findings"]);
    assert_eq!(read_report(&offline)["accounts"], report["accounts"]);
    let page = dir.path("org.html");
    let output = run(crate::harness::lockdown()
        .args([
            "scan",
            "--quiet",
            "--checks",
            "iam_*",
            "--format",
            "html",
            "--snapshot",
        ])
        .arg(dir.path("org-snapshot.json"))
        .arg("--output")
        .arg(&page));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let html = std::fs::read_to_string(&page).unwrap();
    let accounts = &html[html
        .find("<section id=\"accounts\">")
        .expect("accounts section")..];
    for id in ids.values() {
        assert!(accounts.contains(id.as_str()), "{id}");
    }
    assert!(accounts.contains("sts:AssumeRole"));
}

#[test]
fn org_only_flags_need_org() {
    let output = run(crate::harness::lockdown().args(["scan", "--accounts", "111111111111"]));
    crate::harness::assert_usage_error(&output, &["--org"]);
}
