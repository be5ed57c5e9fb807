//! The command line without AWS: demo, snapshots, check files, flags, exit codes.

use crate::harness::{
    TempDir, assert_usage_error, demo_statuses, describe, lockdown, read_report, run, statuses,
};

#[test]
fn help_teaches_commands_and_exit_codes() {
    let output = run(lockdown().args(["scan", "--help"]));
    assert!(output.status.success(), "{}", describe(&output));
    let help = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "--demo",
        "--snapshot",
        "--fail-on",
        "Exit codes",
        "lockdown collect",
        "--send-to",
        "--output-dir",
        "--sign",
    ] {
        assert!(
            help.contains(needle),
            "`{needle}` missing from help:\n{help}"
        );
    }
}

#[test]
fn demo_scan_reports_real_findings() {
    let dir = TempDir::new("demo");
    let out = dir.path("demo.json");
    let output = run(lockdown().args(["scan", "--demo", "--output"]).arg(&out));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let report = read_report(&out);
    assert_eq!(report["schema"], "lockdown.report/1");
    let s = statuses(&report);
    assert_eq!(
        s[&("iam_root_hardware_mfa_enabled".into(), "root".into())],
        "FAIL"
    );
    assert_eq!(s[&("iam_root_mfa_enabled".into(), "root".into())], "PASS");
    assert_eq!(s[&("iam_user_console_mfa".into(), "bob".into())], "FAIL");
    assert_eq!(
        s[&("iam_access_key_rotated".into(), "deploy-bot".into())],
        "FAIL"
    );
    let summary = String::from_utf8_lossy(&output.stderr);
    assert!(
        summary.contains("FAIL") && summary.contains("fix:"),
        "{summary}"
    );
}

#[test]
fn fail_on_sets_the_exit_code() {
    let failing = run(lockdown().args([
        "scan",
        "--demo",
        "--quiet",
        "--output",
        "/dev/null",
        "--fail-on",
        "high",
    ]));
    assert_eq!(failing.status.code(), Some(3), "{}", describe(&failing));
    let passing = run(lockdown().args([
        "scan",
        "--demo",
        "--quiet",
        "--output",
        "/dev/null",
        "--fail-on",
        "low",
        "--checks",
        "iam_root_mfa_enabled",
    ]));
    assert_eq!(passing.status.code(), Some(0), "{}", describe(&passing));
}

#[test]
fn ndjson_is_one_finding_per_line() {
    let output = run(lockdown().args([
        "scan", "--demo", "--quiet", "--format", "ndjson", "--output", "-",
    ]));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert!(lines.len() > 20);
    assert!(
        lines
            .iter()
            .all(|l| l["check_id"].is_string() && l["account_id"] == "210987654321")
    );
}

#[test]
fn finding_ids_are_stable_across_runs() {
    let ids = || {
        let output = run(lockdown().args(["scan", "--demo", "--quiet", "--output", "-"]));
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let first = ids();
    assert_eq!(first, ids());
    let unique: std::collections::BTreeSet<_> = first.iter().collect();
    assert_eq!(unique.len(), first.len(), "finding ids must be unique");
}

#[test]
fn now_changes_time_based_results() {
    let s = demo_statuses(&[
        "--checks",
        "iam_access_key_rotated",
        "--now",
        "2021-01-01T00:00:00Z",
    ]);
    assert_eq!(
        s[&("iam_access_key_rotated".into(), "deploy-bot".into())],
        "PASS"
    );
}

#[test]
fn set_overrides_a_parameter_and_rejects_unknown_ones() {
    let s = demo_statuses(&[
        "--checks",
        "iam_access_key_rotated",
        "--set",
        "iam_access_key_rotated.max_age_days=100000",
    ]);
    assert_eq!(
        s[&("iam_access_key_rotated".into(), "deploy-bot".into())],
        "PASS"
    );
    let bad = run(lockdown().args(["scan", "--demo", "--set", "iam_access_key_rotated.nope=1"]));
    assert_usage_error(&bad, &["has no parameter `nope` (it has: max_age_days)"]);
    let typed = run(lockdown().args([
        "scan",
        "--demo",
        "--set",
        "iam_access_key_rotated.max_age_days=soon",
    ]));
    assert_usage_error(
        &typed,
        &["iam_access_key_rotated.max_age_days must be an integer"],
    );

    // A list parameter from the command line, shown in the summary because it differs.
    let listed = run(lockdown().args([
        "scan",
        "--demo",
        "--checks",
        "s3_bucket_sse_kms_where_required",
        "--set",
        "s3_bucket_sse_kms_where_required.required_patterns=['^acme-www$']",
    ]));
    let stderr = String::from_utf8_lossy(&listed.stderr);
    assert!(
        stderr.contains("parameters changed from their defaults: s3_bucket_sse_kms_where_required.required_patterns = [\"^acme-www$\"]"),
        "{stderr}"
    );
}

#[test]
fn usage_errors_exit_2_with_a_clear_message() {
    let cases: &[(&[&str], &str)] = &[
        (&["scan", "--no-such-flag"], "--no-such-flag"),
        (
            &["scan", "--demo", "--checks", "no_such_check"],
            "no check matches `no_such_check`",
        ),
        (&["scan", "--demo", "--fail-on", "urgent"], "urgent"),
        (&["scan", "--demo", "--now", "yesterday"], "RFC 3339"),
        (&["checks", "show", "nope"], "no check `nope`"),
    ];
    for (args, message) in cases {
        let output = run(lockdown().args(*args));
        assert_usage_error(&output, &[message]);
    }
}

#[test]
fn corrupt_truncated_and_newer_snapshots_are_rejected() {
    let dir = TempDir::new("snapshots");
    let demo = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/demo-account.json"
    ))
    .unwrap();
    let cases = [
        (
            "truncated.json",
            demo[..demo.len() / 2].to_owned(),
            "EOF while parsing",
        ),
        (
            "garbage.json",
            "{\"schema_version\": 1,\n \"account\": 7}".to_owned(),
            "line 2",
        ),
        (
            "newer.json",
            demo.replacen("\"schema_version\": 1", "\"schema_version\": 99", 1),
            "schema version 99",
        ),
        (
            "unknown-type.json",
            demo.replacen("aws.iam.user", "aws.iam.usr", 1),
            "unknown variant",
        ),
    ];
    for (name, text, message) in cases {
        let path = dir.path(name);
        std::fs::write(&path, text).unwrap();
        let output = run(lockdown().args(["scan", "--snapshot"]).arg(&path));
        assert_usage_error(&output, &[name, message]);
    }
    let missing = run(lockdown().args(["scan", "--snapshot", "/nonexistent/snap.json"]));
    assert_usage_error(&missing, &["/nonexistent/snap.json"]);
}

#[test]
fn invalid_check_files_name_the_file_and_problem() {
    let valid = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/checks/iam/iam_user_console_mfa.toml"
    ))
    .unwrap();
    let renamed = valid.replace("iam_user_console_mfa", "my_console_mfa");
    let cases = [
        (
            "syntax.toml",
            "id = \"x\"\ntitle = ".to_owned(),
            "TOML parse error",
        ),
        (
            "cel.toml",
            renamed.replace(
                "condition = \"resource.mfa_active\"",
                "condition = \"resource.mfa_active &&\"",
            ),
            "not a valid CEL expression",
        ),
        (
            "type.toml",
            renamed.replace("aws.iam.user", "aws.iam.usr"),
            "unknown resource type `aws.iam.usr`",
        ),
        (
            "duplicate.toml",
            valid.clone(),
            "duplicate check id `iam_user_console_mfa`",
        ),
        (
            "example.toml",
            renamed.replace("mfa_active = true }", "mfa_activ = true }"),
            "has no attribute `mfa_activ`",
        ),
        (
            "field.toml",
            format!("colour = \"red\"\n{renamed}"),
            "unknown field `colour`",
        ),
        (
            "attribute.toml",
            renamed.replace(
                "condition = \"resource.mfa_active\"",
                "condition = \"resource['mfa_activ']\"",
            ),
            "reads `resource.mfa_activ`, which aws.iam.user does not have",
        ),
    ];
    for (name, text, message) in cases {
        let dir = TempDir::new("checks");
        std::fs::write(dir.path(name), text).unwrap();
        let output = run(lockdown()
            .args(["checks", "list", "--checks-dir"])
            .arg(&dir.0));
        assert_usage_error(&output, &[name, message]);
    }
}

#[test]
fn commands_exit_quietly_when_the_reader_of_their_output_is_gone() {
    for args in [
        &["checks", "list"][..],
        &["checks", "show", "iam_user_console_mfa"],
        &["frameworks", "list"],
        &["iam-policy"],
        &["completions", "bash"],
        &["man"],
    ] {
        // `lockdown ... | head` where head has already exited: every write fails with EPIPE.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = lockdown().args(args).stdout(writer).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn checks_are_selected_by_id_glob_service_and_exclusion_with_close_matches_on_typos() {
    let checks = |args: &[&str]| -> Vec<String> {
        let output = run(lockdown().args(["checks", "list", "--json"]).args(args));
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            describe(&output)
        );
        serde_json::from_slice::<Vec<serde_json::Value>>(&output.stdout)
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let s3 = checks(&["--services", "s3"]);
    assert!(
        s3.len() > 5 && s3.iter().all(|id| id.starts_with("s3_")),
        "{s3:?}"
    );
    let public = checks(&["--checks", "s3_bucket_*public*"]);
    assert_eq!(
        public,
        ["s3_bucket_not_public", "s3_bucket_public_access_block"]
    );
    let without = checks(&["--services", "s3", "--exclude-checks", "s3_bucket_*"]);
    assert_eq!(without, ["s3_account_public_access_block"]);
    let not_iam = checks(&["--exclude-services", "iam,s3"]);
    assert!(
        not_iam
            .iter()
            .all(|id| !id.starts_with("iam_") && !id.starts_with("s3_"))
    );
    assert!(not_iam.contains(&"efs_encrypted_at_rest".to_owned()));

    let typo = run(lockdown().args(["scan", "--demo", "--checks", "iam_user_console_mfaa"]));
    assert_usage_error(
        &typo,
        &[
            "no check matches `iam_user_console_mfaa`",
            "did you mean iam_user_console_mfa",
        ],
    );
    let service = run(lockdown().args(["scan", "--demo", "--services", "s4"]));
    assert_usage_error(
        &service,
        &[
            "no check is about service `s4`",
            "did you mean s3",
            "services with checks:",
        ],
    );
}

#[test]
fn completions_and_the_manual_page_are_generated() {
    for (shell, marker) in [
        ("bash", "complete -F _lockdown"),
        ("zsh", "#compdef lockdown"),
        ("fish", "complete -c lockdown"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let output = run(lockdown().args(["completions", shell]));
        assert_eq!(
            output.status.code(),
            Some(0),
            "{shell}: {}",
            describe(&output)
        );
        let script = String::from_utf8_lossy(&output.stdout);
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(
            script.contains("exclude-checks"),
            "{shell}: scan's flags are completed"
        );
    }
    let man = run(lockdown().arg("man"));
    let page = String::from_utf8_lossy(&man.stdout);
    assert!(page.contains(".TH lockdown 1"), "{page}");
    assert!(page.contains("scan"), "{page}");
    let bad = run(lockdown().args(["completions", "tcsh"]));
    assert_usage_error(&bad, &["tcsh"]);
}

#[test]
fn a_failed_write_leaves_nothing_behind() {
    let dir = TempDir::new("failed-write");
    let target = dir.path("results");
    std::fs::create_dir_all(&target).unwrap();
    let output = run(lockdown()
        .args(["scan", "--demo", "--quiet", "--output"])
        .arg(&target));
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(
        describe(&output).contains("cannot write results"),
        "{}",
        describe(&output)
    );
    let left: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        [std::ffi::OsString::from("results")],
        "only the directory"
    );
}

#[test]
fn a_snapshot_whose_account_id_is_a_path_is_refused_before_anything_is_written() {
    let dir = TempDir::new("traversal");
    let mut snapshot: serde_json::Value = crate::harness::demo_snapshot();
    snapshot["account"]["id"] = "../../../../escaped".into();
    let path = dir.path("evil.json");
    std::fs::write(&path, snapshot.to_string()).unwrap();
    let out = dir.path("out");
    let output = run(lockdown()
        .args(["scan", "--quiet", "--format", "json,csv", "--snapshot"])
        .arg(&path)
        .arg("--output-dir")
        .arg(&out));
    crate::harness::assert_usage_error(&output, &["account.id", "12 digits"]);
    assert!(!out.exists());
}

#[test]
fn checks_attributes_lists_a_types_schema_and_rejects_unknown_types() {
    let output = run(lockdown().args(["checks", "attributes", "aws.s3.bucket"]));
    assert!(output.status.success(), "{}", describe(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim_start().starts_with("policy_public "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(lines[at].contains("bool"), "{}", lines[at]);
    assert!(
        lines[at].contains("from s3:GetBucketPolicy"),
        "{}",
        lines[at]
    );
    assert!(
        lines[at + 1].contains("s3_bucket_not_public"),
        "{}",
        lines[at + 1]
    );
    let types = run(lockdown().args(["checks", "attributes"]));
    assert!(String::from_utf8_lossy(&types.stdout).contains("aws.rds.db_instance"));
    let unknown = run(lockdown().args(["checks", "attributes", "aws.s3.buckt"]));
    assert_usage_error(&unknown, &["unknown resource type `aws.s3.buckt`"]);
}

#[test]
fn a_users_own_check_runs_and_its_examples_are_tested() {
    let dir = TempDir::new("own-check");
    let check = r#"
id = "acme_user_path"
title = "Users live under /people/"
severity = "low"
resource = "aws.iam.user"
description = "d"
risk = "r"
condition = "resource.path == '/people/'"
[remediation]
text = "move the user"
[[examples]]
expect = "PASS"
resource = { path = "/people/" }
[[examples]]
expect = "FAIL"
resource = { path = "/" }
[[examples]]
expect = "PASS"
description = "deliberately wrong, so `checks test` must fail"
resource = { path = "/robots/" }
"#;
    std::fs::write(dir.path("acme_user_path.toml"), check).unwrap();
    let test = run(lockdown()
        .args(["checks", "test", "--checks", "acme_*", "--checks-dir"])
        .arg(&dir.0));
    assert_eq!(test.status.code(), Some(3), "{}", describe(&test));
    assert!(
        String::from_utf8_lossy(&test.stdout)
            .contains("acme_user_path examples[2]: expected PASS, got FAIL")
    );

    let scan = run(lockdown()
        .args([
            "scan",
            "--demo",
            "--quiet",
            "--output",
            "-",
            "--checks",
            "acme_*",
            "--checks-dir",
        ])
        .arg(&dir.0));
    let report: serde_json::Value = serde_json::from_slice(&scan.stdout).unwrap();
    assert_eq!(
        statuses(&report)[&("acme_user_path".into(), "alice".into())],
        "FAIL"
    );
}

/// An example may name a framework: it is judged with that framework's `[framework_params]`,
/// and naming a framework the check has no parameters for is a load error.
#[test]
fn examples_judged_by_a_framework_use_its_parameters() {
    let dir = TempDir::new("framework-examples");
    let check = |expect_under_pci: &str, framework: &str| {
        format!(
            r#"
id = "acme_min_length"
title = "Long passwords"
severity = "low"
resource = "aws.iam.password_policy"
description = "d"
risk = "r"
condition = "resource.minimum_length >= params.min_length"
[params]
min_length = 14
[framework_params.pci_dss_4_0_1]
min_length = 12
[remediation]
text = "lengthen"
[[examples]]
expect = "PASS"
resource = {{ minimum_length = 14 }}
[[examples]]
expect = "FAIL"
resource = {{ minimum_length = 12 }}
[[examples]]
expect = "{expect_under_pci}"
framework = "{framework}"
resource = {{ minimum_length = 12 }}
"#
        )
    };
    let test = |text: String| {
        std::fs::write(dir.path("acme_min_length.toml"), text).unwrap();
        run(lockdown()
            .args(["checks", "test", "--checks", "acme_*", "--checks-dir"])
            .arg(&dir.0))
    };
    let passing = test(check("PASS", "pci_dss_4_0_1"));
    assert_eq!(passing.status.code(), Some(0), "{}", describe(&passing));
    let failing = test(check("FAIL", "pci_dss_4_0_1"));
    assert_eq!(failing.status.code(), Some(3), "{}", describe(&failing));
    assert!(
        String::from_utf8_lossy(&failing.stdout)
            .contains("acme_min_length examples[2]: expected FAIL, got PASS")
    );
    let unknown = test(check("PASS", "soc2"));
    assert_usage_error(
        &unknown,
        &["examples[2].framework", "[framework_params.soc2]"],
    );
}

#[test]
fn builtin_check_examples_all_pass() {
    let output = run(lockdown().args(["checks", "test"]));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains(" 0 failed"));
}

#[test]
fn missing_credentials_is_a_runtime_error_that_says_what_to_do() {
    let output = run(lockdown()
        .args(["scan", "--quiet"])
        .env("AWS_REGION", "us-east-1")
        .env("AWS_MAX_ATTEMPTS", "1"));
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot identify the AWS account") && stderr.contains("--demo"),
        "{stderr}"
    );
}

#[test]
fn iam_policy_lists_exactly_the_declared_read_only_actions() {
    let output = run(lockdown().arg("iam-policy"));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let policy: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let actions: Vec<&str> = policy["Statement"][0]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(actions, lockdown::collect::all_permissions());
    assert!(actions.iter().all(|a| {
        let name = a.split(':').nth(1).unwrap();
        [
            "Get",
            "BatchGet",
            "List",
            "Describe",
            "GenerateCredentialReport",
        ]
        .iter()
        .any(|p| name.starts_with(p))
    }));
    assert_eq!(policy["Statement"].as_array().unwrap().len(), 1);

    // Delivery permissions come only when asked for, each in its own statement.
    let output = run(lockdown().args([
        "iam-policy",
        "--send-to",
        "s3://audit-bucket/lockdown",
        "--send-to",
        "securityhub",
        "--send-to",
        "stdout",
    ]));
    let policy: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let statements = policy["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 3);
    assert_eq!(statements[1]["Action"], serde_json::json!(["s3:PutObject"]));
    assert_eq!(
        statements[1]["Resource"],
        "arn:aws:s3:::audit-bucket/lockdown/*"
    );
    assert_eq!(
        statements[2]["Action"],
        serde_json::json!(["securityhub:BatchImportFindings"])
    );

    // An organization scan's caller also lists accounts and assumes the member role, only that.
    let output = run(lockdown().args(["iam-policy", "--org-role-name", "LockdownScanRole"]));
    let policy: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let statements = policy["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 3);
    let listed = statements[1]["Action"].as_array().unwrap();
    assert!(
        listed
            .iter()
            .all(|a| a.as_str().unwrap().starts_with("organizations:List")),
        "{listed:?}"
    );
    assert_eq!(
        statements[2]["Action"],
        serde_json::json!(["sts:AssumeRole"])
    );
    assert_eq!(
        statements[2]["Resource"],
        "arn:aws:iam::*:role/LockdownScanRole"
    );
}

const CONFIG: &str = r#"
[scan]
checks = ["iam_*", "s3_*"]
fail_on = "high"

[params]
"iam_access_key_rotated.max_age_days" = 60

[params.s3_bucket_sse_kms_where_required]
required_patterns = ["^acme-data$", "-www$"]

[[suppressions]]
check = "iam_user_console_mfa"
resource = "arn:aws:iam::*:user/bob"
reason = "break-glass user, hardware token in the safe"
owner = "secops@example.com"
expires = "2027-12-31"

[[suppressions]]
check = "s3_*"
resource = "arn:aws:s3:::acme-www"
reason = "public website"
owner = "web@example.com"
expires = "2026-01-31"
"#;

#[test]
fn a_config_file_sets_defaults_and_suppressions_mark_findings_without_hiding_them() {
    let dir = TempDir::new("config");
    let config = dir.path("lockdown.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let out = dir.path("results.json");
    let output = run(lockdown()
        .args(["scan", "--demo", "--quiet", "--config"])
        .arg(&config)
        .arg("--output")
        .arg(&out));
    // fail_on = "high" from the file: the demo has unsuppressed high failures.
    assert_eq!(output.status.code(), Some(3), "{}", describe(&output));
    let report = read_report(&out);
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.iter().all(|f| {
        let check = f["check_id"].as_str().unwrap();
        check.starts_with("iam_") || check.starts_with("s3_")
    }));
    let bob = findings
        .iter()
        .find(|f| f["check_id"] == "iam_user_console_mfa" && f["resource"]["name"] == "bob")
        .unwrap();
    assert_eq!(bob["status"], "FAIL", "a suppressed FAIL stays a FAIL");
    assert_eq!(bob["suppression"]["owner"], "secops@example.com");
    assert_eq!(report["summary"]["suppressed"], 1);
    // The expired suppression applies to nothing and is reported.
    assert!(
        findings
            .iter()
            .filter(|f| f["resource"]["name"] == "acme-www")
            .all(|f| f["suppression"].is_null())
    );
    assert_eq!(report["suppressions_expired"][0]["expires"], "2026-01-31");
    // Both forms of [params] are in force, and recorded with their defaults.
    let kms_required: Vec<&str> = findings
        .iter()
        .filter(|f| {
            f["check_id"] == "s3_bucket_sse_kms_where_required" && f["status"] != "NOT_APPLICABLE"
        })
        .map(|f| f["resource"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        kms_required,
        ["acme-data", "acme-www"],
        "the list parameter applies"
    );
    let parameters = report["parameters"].as_array().unwrap();
    let rotated = parameters
        .iter()
        .find(|p| p["check"] == "iam_access_key_rotated" && p["name"] == "max_age_days")
        .unwrap();
    assert_eq!(
        (rotated["value"].as_i64(), rotated["default"].as_i64()),
        (Some(60), Some(90))
    );

    // Suppress every failure: --fail-on no longer trips, and the flag on the command line
    // wins over the file.
    let everything = format!(
        "{CONFIG}\n[[suppressions]]\ncheck = \"*\"\nreason = \"test\"\nowner = \"qa\"\nexpires = \"2030-01-01\"\n"
    );
    std::fs::write(&config, everything).unwrap();
    let output = run(lockdown()
        .args(["scan", "--demo", "--quiet", "--output", "-", "--config"])
        .arg(&config));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let output = run(lockdown()
        .args([
            "scan", "--demo", "--quiet", "--output", "-", "--checks", "kms_*", "--config",
        ])
        .arg(&config));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["check_id"].as_str().unwrap().starts_with("kms_"))
    );
}

#[test]
fn bad_config_files_name_the_file_and_the_problem() {
    let dir = TempDir::new("bad-config");
    let cases = [
        (
            "unknown.toml",
            "[scan]\nregion = [\"us-east-1\"]\n",
            "unknown field `region`",
        ),
        (
            "glob.toml",
            "[[suppressions]]\ncheck = \"iam_*\"\nresource = \"arn:[\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2030-01-01\"\n",
            "suppressions[1].resource",
        ),
        (
            "owner.toml",
            "[[suppressions]]\ncheck = \"iam_*\"\nreason = \"r\"\nowner = \" \"\nexpires = \"2030-01-01\"\n",
            "needs a reason and an owner",
        ),
        (
            "date.toml",
            "[[suppressions]]\ncheck = \"iam_*\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"someday\"\n",
            "line 5",
        ),
        (
            "param.toml",
            "[params]\n\"iam_nope.x\" = 1\n",
            "no check `iam_nope`",
        ),
    ];
    for (name, text, message) in cases {
        let path = dir.path(name);
        std::fs::write(&path, text).unwrap();
        let output = run(lockdown().args(["scan", "--demo", "--config"]).arg(&path));
        assert_usage_error(&output, &[message]);
        if name != "param.toml" {
            assert_usage_error(&output, &[name]);
        }
    }
}
