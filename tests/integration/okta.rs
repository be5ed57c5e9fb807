//! Okta as a second provider, against a local stand-in of Okta's Management API
//! (tests/support/okta_standin.py) whose answers the official `okta` SDK's models parse
//! (tests/support/validate_okta.py): global session and authentication policy rules, password
//! policies, users (paginated by `Link` headers), API tokens and log streams. A 429 storm is
//! waited out; denied endpoints and a bad token give ERROR, never PASS; an AWS + Okta scan gives
//! one SOC 2 report where CC6.1 cites both.

use crate::harness::{TempDir, TestAccount, lockdown, python, scan_report, status_of, statuses};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// `(check, resource name) -> status` of a scan's findings.
type Statuses = std::collections::BTreeMap<(String, String), String>;

const TOKEN: &str = "00standin-token-not-real-0000000000000000";
/// The evaluation clock of these tests (the stand-in's dates are around it).
const NOW: &str = "2026-12-04T00:00:00Z";

struct StandIn {
    url: String,
    child: Child,
}

impl StandIn {
    fn start() -> Self {
        Self::start_with(&[])
    }

    /// A stand-in that also knows a service app (`CLIENT_ID PUBLIC_KEY_PEM`).
    fn start_with(app: &[&str]) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/okta_standin.py");
        let mut child = Command::new(python())
            .arg(script)
            .arg(TOKEN)
            .args(app)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the Okta stand-in");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .strip_prefix("READY ")
            .expect("READY line")
            .trim()
            .to_owned();
        Self {
            url: format!("http://127.0.0.1:{port}"),
            child,
        }
    }

    fn control(&self, path: &str) {
        ureq::post(format!("{}/__standin/{path}", self.url))
            .send(&b""[..])
            .expect("control the stand-in");
    }

    /// Whether the official SDK's models accept every answer.
    fn validates(&self) -> std::process::Output {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/validate_okta.py");
        Command::new(python())
            .arg(script)
            .arg(&self.url)
            .arg(TOKEN)
            .output()
            .unwrap()
    }

    /// `lockdown scan` of the org alone.
    fn scan(&self, dir: &TempDir, name: &str, token: &str, extra: &[&str]) -> serde_json::Value {
        let mut command = lockdown();
        command.env("LOCKDOWN_OKTA_TOKEN", token);
        self.scan_with(command, dir, name, extra)
    }

    /// `lockdown scan` of the org alone with `command`'s credentials.
    fn scan_with(
        &self,
        mut command: Command,
        dir: &TempDir,
        name: &str,
        extra: &[&str],
    ) -> serde_json::Value {
        command
            .args([
                "scan",
                "--quiet",
                "--skip-aws",
                "--okta-org",
                &self.url,
                "--now",
                NOW,
            ])
            .args(extra);
        scan_report(&mut command, &dir.path(name))
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_standin_answers_in_oktas_own_shapes() {
    let okta = StandIn::start();
    let output = okta.validates();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // A field Okta never sends must fail the validation, or it proves nothing.
    okta.control("corrupt");
    let output = okta.validates();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("mfaEnrolled"));
}

#[test]
fn okta_policies_users_tokens_and_log_streams() {
    let okta = StandIn::start();
    let dir = TempDir::new("okta");
    let report = okta.scan(&dir, "scan.json", TOKEN, &["--checks", "okta_*"]);
    let got = statuses(&report);
    let expected = [
        (
            "okta_sign_on_rule_requires_mfa",
            "Default Policy / Require MFA",
            "PASS",
        ),
        (
            "okta_sign_on_rule_requires_mfa",
            "Default Policy / Legacy VPN",
            "FAIL",
        ),
        (
            "okta_session_lifetime",
            "Default Policy / Require MFA",
            "PASS",
        ),
        (
            "okta_session_lifetime",
            "Default Policy / Legacy VPN",
            "FAIL",
        ),
        (
            "okta_session_idle_timeout",
            "Default Policy / Default Rule",
            "PASS",
        ),
        (
            "okta_session_idle_timeout",
            "Default Policy / Legacy VPN",
            "FAIL",
        ),
        (
            "okta_access_rule_requires_mfa",
            "Okta Dashboard / Admins",
            "PASS",
        ),
        (
            "okta_access_rule_requires_mfa",
            "Okta Dashboard / Catch-all Rule",
            "FAIL",
        ),
        ("okta_password_min_length", "Engineering passwords", "PASS"),
        ("okta_password_min_length", "Default Policy", "FAIL"),
        ("okta_password_complexity", "Default Policy", "FAIL"),
        ("okta_password_history", "Default Policy", "FAIL"),
        ("okta_password_lockout", "Engineering passwords", "PASS"),
        ("okta_password_lockout", "Default Policy", "FAIL"),
        ("okta_user_inactive", "ana@acme.example", "PASS"),
        ("okta_user_inactive", "ben@acme.example", "FAIL"),
        ("okta_user_inactive", "cho@acme.example", "NOT_APPLICABLE"),
        ("okta_user_inactive", "dev@acme.example", "PASS"),
        ("okta_user_inactive", "eve@acme.example", "FAIL"),
        ("okta_api_token_age", "terraform", "PASS"),
        ("okta_api_token_age", "old-sync-script", "FAIL"),
        ("okta_log_streaming", "127.0.0.1", "PASS"),
        ("okta_super_admins_few", "127.0.0.1", "PASS"),
        ("okta_admin_mfa", "ana@acme.example", "PASS"),
        ("okta_admin_mfa", "cho@acme.example", "NOT_APPLICABLE"),
        ("okta_admin_phishing_resistant", "ana@acme.example", "PASS"),
        ("okta_admin_phishing_resistant", "ben@acme.example", "FAIL"),
        ("okta_leaver_no_admin_role", "ben@acme.example", "PASS"),
        ("okta_leaver_no_admin_role", "cho@acme.example", "FAIL"),
        ("okta_leaver_no_admin_role", "zed@acme.example", "FAIL"),
        ("okta_no_weak_authenticator", "Okta Verify", "PASS"),
        ("okta_no_weak_authenticator", "Security Question", "FAIL"),
        ("okta_no_weak_authenticator", "Phone", "NOT_APPLICABLE"),
        ("okta_mfa_enrollment_required", "Engineers", "PASS"),
        ("okta_mfa_enrollment_required", "Default Policy", "FAIL"),
        ("okta_network_zone_narrow", "Offices", "PASS"),
        // Two /1 gateways: the whole IPv4 internet.
        ("okta_network_zone_narrow", "Contractor VPN", "FAIL"),
        ("okta_network_zone_narrow", "LegacyIpZone", "NOT_APPLICABLE"),
        (
            "okta_network_zone_narrow",
            "BlockedIpZone",
            "NOT_APPLICABLE",
        ),
        ("okta_anonymizers_blocked", "127.0.0.1", "PASS"),
        ("okta_inactivity_automation", "127.0.0.1", "PASS"),
    ];
    for (check, name, status) in expected {
        assert_eq!(status_of(&got, check, name), status, "{check} {name}");
    }
    // The token never reaches the results.
    assert!(!report.to_string().contains(TOKEN));

    // Rate-limited answers are waited out (X-Rate-Limit-Reset): the same findings.
    okta.control("throttle?count=3");
    let throttled = statuses(&okta.scan(&dir, "throttled.json", TOKEN, &["--checks", "okta_*"]));
    assert_eq!(throttled, got);

    // A denied endpoint (no okta.roles.read) makes exactly its data unknown: the admins and
    // the org's count of super admins; the rest keeps its statuses.
    okta.control("deny?path=/api/v1/iam/");
    let denied = statuses(&okta.scan(&dir, "denied.json", TOKEN, &["--checks", "okta_*"]));
    let needs_roles =
        |check: &str| check.starts_with("okta_admin_") || check == "okta_leaver_no_admin_role";
    let affected = |check: &str| needs_roles(check) || check == "okta_super_admins_few";
    let errors = only_these_turn_error(&got, &denied, affected);
    assert!(errors > 1, "the super-admin count and the admins");
    // Admins are no longer listed: no per-admin finding, only the listing's ERROR.
    assert!(
        got.keys()
            .filter(|(check, _)| needs_roles(check))
            .all(|key| !denied.contains_key(key))
    );

    // A bad token: everything ERROR, nothing PASS.
    let rejected = statuses(&okta.scan(
        &dir,
        "rejected.json",
        "not-the-token",
        &["--checks", "okta_*"],
    ));
    assert!(
        !rejected.is_empty() && rejected.values().all(|s| s == "ERROR"),
        "{rejected:?}"
    );
}

#[test]
fn denied_zones_and_automations_are_error_for_exactly_their_checks() {
    let okta = StandIn::start();
    let dir = TempDir::new("okta-zones");
    let got = statuses(&okta.scan(&dir, "scan.json", TOKEN, &["--checks", "okta_*"]));
    okta.control("deny?path=/api/v1/zones");
    okta.control("deny?path=/api/v1/policies/00p9inactive");
    let denied = statuses(&okta.scan(&dir, "denied.json", TOKEN, &["--checks", "okta_*"]));
    let reads_denied = |check: &str| {
        [
            "okta_network_zone_narrow",
            "okta_anonymizers_blocked",
            "okta_inactivity_automation",
        ]
        .contains(&check)
    };
    assert_eq!(only_these_turn_error(&got, &denied, reads_denied), 3);
}

/// Asserts that between `got` and `denied` (statuses of the same org, some reads denied) the
/// findings of `affected` checks are all ERROR and every other finding kept its status;
/// returns how many findings of affected checks `denied` has.
fn only_these_turn_error(
    got: &Statuses,
    denied: &Statuses,
    affected: impl Fn(&str) -> bool,
) -> usize {
    for ((check, name), status) in got.iter().filter(|((check, _), _)| !affected(check)) {
        assert_eq!(
            &denied[&(check.clone(), name.clone())],
            status,
            "{check} {name}"
        );
    }
    let errors: Vec<_> = denied
        .iter()
        .filter(|((check, _), _)| affected(check))
        .collect();
    assert!(errors.iter().all(|(_, s)| *s == "ERROR"), "{errors:?}");
    errors.len()
}

#[test]
fn users_are_paginated_by_link_headers() {
    let okta = StandIn::start();
    okta.control("users?count=450");
    let dir = TempDir::new("okta-pages");
    let report = okta.scan(
        &dir,
        "scan.json",
        TOKEN,
        &["--checks", "okta_user_inactive"],
    );
    let users = report["findings"].as_array().unwrap().len();
    assert_eq!(users, 450);
    assert_eq!(report["collection"]["api_calls"]["okta:ListUsers"], 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_soc2_report_cites_iam_and_okta_for_cc6_1() {
    let okta = StandIn::start();
    let account = TestAccount::new().await;
    let dir = TempDir::new("okta-aws");
    let out = dir.path("scan.json");
    let mut command = account.lockdown();
    command
        .args([
            "scan",
            "--quiet",
            "--regions",
            "us-east-1",
            "--okta-org",
            &okta.url,
        ])
        .args([
            "--checks",
            "iam_user_console_mfa,iam_password_policy_min_length,okta_*",
        ])
        .args(["--framework", "soc2"])
        .env("LOCKDOWN_OKTA_TOKEN", TOKEN);
    let report = scan_report(&mut command, &out);
    let soc2 = report["compliance"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["framework"] == "soc2")
        .unwrap_or_else(|| panic!("{}", report["compliance"]));
    let cc61 = soc2["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "CC6.1")
        .unwrap()
        .to_string();
    for check in [
        "iam_password_policy_min_length",
        "okta_sign_on_rule_requires_mfa",
        "okta_password_min_length",
    ] {
        assert!(cc61.contains(check), "{check} missing from CC6.1: {cc61}");
    }
}

#[test]
fn bad_okta_settings_are_usage_errors() {
    let cases: [(&[&str], Option<&str>, &[&str]); 4] = [
        (
            &["--okta-org", "http://acme.okta.com"],
            Some(TOKEN),
            &["https://"],
        ),
        (
            &["--okta-org", "https://acme.okta.com"],
            None,
            &["LOCKDOWN_OKTA_TOKEN"],
        ),
        (
            &["--okta-org", "https://admin:pw@acme.okta.com"],
            Some(TOKEN),
            &["address only"],
        ),
        (&[], Some(TOKEN), &["--skip-aws", "--okta-org"]),
    ];
    for (args, token, needles) in cases {
        let mut command = lockdown();
        command.args(["scan", "--quiet", "--skip-aws"]).args(args);
        command.env_remove("LOCKDOWN_OKTA_TOKEN");
        if let Some(token) = token {
            command.env("LOCKDOWN_OKTA_TOKEN", token);
        }
        let output = command.output().unwrap();
        crate::harness::assert_usage_error(&output, needles);
        assert!(!String::from_utf8_lossy(&output.stderr).contains(TOKEN));
    }
}

/// A service app (OAuth 2.0 client credentials with a private-key JWT) gets the same findings as
/// an API token; a withheld scope or a wrong key is ERROR for everything, never PASS.
#[test]
fn a_service_app_with_a_private_key_jwt_reads_the_same_org() {
    let dir = TempDir::new("okta-app");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/make_key_pair.py");
    let keys = TempDir::new("okta-app-keys");
    let wrong = TempDir::new("okta-app-wrong-key");
    for folder in [&keys, &wrong] {
        let made = Command::new(python())
            .arg(&script)
            .arg(folder.path(""))
            .output()
            .unwrap();
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
    }
    let public = keys.path("public.pem");
    let okta = StandIn::start_with(&["lockdown-scanner", public.to_str().unwrap()]);
    let validated = Command::new(python())
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/validate_okta.py"))
        .args([&okta.url, TOKEN, "lockdown-scanner"])
        .arg(keys.path("private.pem"))
        .output()
        .unwrap();
    assert!(
        validated.status.success(),
        "{}",
        String::from_utf8_lossy(&validated.stderr)
    );
    let app = |key: &Path| {
        let mut command = lockdown();
        command
            .env_remove("LOCKDOWN_OKTA_TOKEN")
            .env("LOCKDOWN_OKTA_CLIENT_ID", "lockdown-scanner")
            .env("LOCKDOWN_OKTA_PRIVATE_KEY_FILE", key);
        command
    };
    let by_token = statuses(&okta.scan(&dir, "token.json", TOKEN, &["--checks", "okta_*"]));
    let report = okta.scan_with(
        app(&keys.path("private.pem")),
        &dir,
        "app.json",
        &["--checks", "okta_*"],
    );
    assert_eq!(statuses(&report), by_token);
    assert_eq!(report["collection"]["api_calls"]["okta:GetAccessToken"], 1);
    let key_text = std::fs::read_to_string(keys.path("private.pem")).unwrap();
    let body = key_text.lines().nth(1).unwrap();
    assert!(
        !report.to_string().contains(body),
        "the private key reached the results"
    );

    let wrong_key = statuses(&okta.scan_with(
        app(&wrong.path("private.pem")),
        &dir,
        "wrong.json",
        &["--checks", "okta_*"],
    ));
    assert!(
        !wrong_key.is_empty() && wrong_key.values().all(|s| s == "ERROR"),
        "{wrong_key:?}"
    );
    okta.control("grant?scopes=okta.policies.read%20okta.users.read");
    let withheld = statuses(&okta.scan_with(
        app(&keys.path("private.pem")),
        &dir,
        "scopes.json",
        &["--checks", "okta_*"],
    ));
    assert!(
        !withheld.is_empty() && withheld.values().all(|s| s == "ERROR"),
        "{withheld:?}"
    );
}
