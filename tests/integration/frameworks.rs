//! Compliance mapping from the command line: framework summaries, custom frameworks, reports.

use crate::harness::{TempDir, assert_usage_error, describe, lockdown, read_report, run};

#[test]
fn demo_scan_reports_per_framework_compliance() {
    let dir = TempDir::new("fw-demo");
    let out = dir.path("results.json");
    let output = run(lockdown()
        .args([
            "scan",
            "--demo",
            "--framework",
            "soc2,ISO27001-2022",
            "--output",
        ])
        .arg(&out));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("SOC 2 Trust Services Criteria (soc2) — automated evidence for"),
        "{stderr}"
    );
    assert!(stderr.contains("FAIL  A.8.5"), "{stderr}");

    let report = read_report(&out);
    let compliance = report["compliance"].as_array().unwrap();
    assert_eq!(compliance.len(), 2);
    let soc2 = &compliance[0];
    assert_eq!(soc2["framework"], "soc2");
    assert_eq!(soc2["coverage"]["requirements"], 61);
    let cc61 = soc2["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "CC6.1")
        .unwrap();
    assert_eq!(cc61["status"], "FAIL");
    assert!(
        cc61["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["check_id"] == "iam_user_console_mfa"
                && c["failing_resources"][0] == "arn:aws:iam::210987654321:user/bob")
    );
    let hr = soc2["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "CC1.4")
        .unwrap();
    assert_eq!(hr["status"], "MANUAL");

    // Every finding carries its mapped controls and requirements, for SIEM filtering.
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check_id"] == "iam_user_console_mfa")
        .unwrap();
    assert_eq!(finding["controls"][0], "UC-IAM-02");
    assert_eq!(
        finding["compliance"]["iso27001_2022"],
        serde_json::json!(["A.5.17", "A.8.5"])
    );
}

#[test]
fn a_custom_csv_framework_gets_its_own_report() {
    let dir = TempDir::new("fw-custom");
    let csv = dir.path("acme-controls.csv");
    std::fs::write(
        &csv,
        "id,title,maps_to,references,automation\n\
         ACME-1,Console sign-in uses MFA,UC-IAM-02,,automated\n\
         ACME-2,Root is locked away,iam_root_no_access_keys; iam_root_mfa_enabled,,automated\n\
         ACME-3,Strong passwords,,pci_dss_4_0_1:8.3.6,partial\n\
         ACME-4,Security awareness training,,,manual\n",
    )
    .unwrap();
    let out = dir.path("results.json");
    let output = run(lockdown()
        .args([
            "scan",
            "--demo",
            "--quiet",
            "--framework",
            "acme-controls",
            "--framework-file",
        ])
        .arg(&csv)
        .arg("--output")
        .arg(&out));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let report = read_report(&out);
    let acme = &report["compliance"][0];
    assert_eq!(acme["framework"], "acme_controls");
    let status = |id: &str| {
        acme["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status("ACME-1"), "FAIL");
    assert_eq!(status("ACME-2"), "PASS");
    assert_eq!(
        status("ACME-3"),
        "FAIL",
        "min length and symbols fail in the demo"
    );
    assert_eq!(status("ACME-4"), "MANUAL");

    let markdown = run(lockdown()
        .args([
            "report",
            "--format",
            "markdown",
            "--framework",
            "acme_controls",
            "--framework-file",
        ])
        .arg(&csv)
        .arg("--results")
        .arg(&out));
    assert_eq!(markdown.status.code(), Some(0), "{}", describe(&markdown));
    let text = String::from_utf8_lossy(&markdown.stdout);
    assert!(
        text.contains("| ACME-1 | Console sign-in uses MFA | Automated | FAIL |"),
        "{text}"
    );
}

#[test]
fn bad_framework_input_is_a_usage_error() {
    let dir = TempDir::new("fw-bad");
    let cases = [
        (
            "bad-ref.csv",
            "id,title,references\nX-1,t,soc2:CC6.99\n",
            "`CC6.99` is not a requirement of `soc2`",
        ),
        (
            "bad-target.csv",
            "id,title,maps_to\nX-1,t,UC-NOPE-1\n",
            "`UC-NOPE-1` is neither a unified control nor a check id",
        ),
        (
            "bad-row.csv",
            "id,title,automation\nX-1,t,weekly\n",
            "row 2, column `automation`",
        ),
    ];
    for (name, text, message) in cases {
        let path = dir.path(name);
        std::fs::write(&path, text).unwrap();
        let output = run(lockdown()
            .args([
                "scan",
                "--demo",
                "--quiet",
                "--output",
                "/dev/null",
                "--framework-file",
            ])
            .arg(&path));
        assert_usage_error(&output, &[name, message]);
    }
    let unknown = run(lockdown().args(["scan", "--demo", "--framework", "hitrust"]));
    assert_usage_error(
        &unknown,
        &["unknown framework `hitrust`; known frameworks: aws_fsbp, cis_aws_3_0, cis_aws_5_0"],
    );
}

#[test]
fn frameworks_commands_browse_catalogs_and_coverage() {
    let list = run(lockdown().args(["frameworks", "list"]));
    assert_eq!(list.status.code(), Some(0), "{}", describe(&list));
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains("iso27001_2013     114 requirements"),
        "{text}"
    );

    let show = run(lockdown().args(["frameworks", "show", "cis_aws_3_0"]));
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(
        text.contains("1.10") && text.contains("← iam_user_console_mfa"),
        "{text}"
    );
    // One requirement: each check's link with its strength, path and reason.
    let show = run(lockdown().args(["frameworks", "show", "pci_dss_4_0_1", "8.3.6"]));
    assert_eq!(show.status.code(), Some(0), "{}", describe(&show));
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(
        text.contains("← iam_password_policy_min_length  [full, via UC-IAM-11]")
            && text.contains("Minimum length (12 under PCI's framework_params)")
            && !text.contains("iam_password_policy_symbol"),
        "{text}"
    );
    // `cis` is the newest version: console MFA is 7.0.0's 2.10 (5.0.0's 1.9).
    let cis = run(lockdown().args(["frameworks", "show", "cis", "2.10"]));
    let text = String::from_utf8_lossy(&cis.stdout);
    assert!(
        text.contains("CIS Amazon Web Services Foundations Benchmark — 7.0.0")
            && text.contains("← iam_user_console_mfa  [full, benchmark audit]"),
        "{text}"
    );
    let missing = run(lockdown().args(["frameworks", "show", "soc2", "CC99.9"]));
    assert_usage_error(&missing, &["`CC99.9` is not a requirement of `soc2`"]);

    let coverage = run(lockdown().args(["frameworks", "coverage"]));
    let text = String::from_utf8_lossy(&coverage.stdout);
    assert!(
        text.lines().any(|l| l.starts_with("iam_user_console_mfa")),
        "{text}"
    );
    assert!(text.contains("requirements evidenced"));
    // Full and partial evidence are counted apart, with each catalog's scope.
    let pci = text
        .lines()
        .find(|l| l.starts_with("pci_dss_4_0_1: "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        pci.contains("evidenced fully") && pci.contains("in part"),
        "{pci}"
    );
    let soc2 = text.lines().find(|l| l.starts_with("soc2: ")).unwrap();
    assert!(
        soc2.contains("evidenced fully 0"),
        "SOC 2 criteria are never fully automated: {soc2}"
    );
    assert!(text.contains("  scope: Administrative safeguards (164.308)"));
}

/// A password policy that meets PCI DSS (12 characters, the last 4 remembered) but not CIS
/// (14, 24): each framework judges it by its own thresholds.
#[test]
fn a_pci_compliant_password_policy_fails_cis_but_not_pci() {
    let dir = TempDir::new("fw-thresholds");
    let mut snapshot: serde_json::Value = crate::harness::demo_snapshot();
    for resource in snapshot["resources"].as_array_mut().unwrap() {
        if resource["type"] == "aws.iam.password_policy" {
            resource["attributes"]["minimum_length"] = 12.into();
            resource["attributes"]["password_reuse_prevention"] = 4.into();
        }
    }
    let path = dir.path("pci-policy.json");
    std::fs::write(&path, snapshot.to_string()).unwrap();
    let out = dir.path("results.json");
    let output = run(lockdown()
        .args([
            "scan",
            "--quiet",
            "--checks",
            "iam_password_policy_*",
            "--framework",
            "pci_dss_4_0_1,cis_aws_3_0",
            "--snapshot",
        ])
        .arg(&path)
        .arg("--output")
        .arg(&out));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let report = read_report(&out);
    let status = |framework: &str, id: &str| -> String {
        let compliance = report["compliance"].as_array().unwrap();
        let fw = compliance
            .iter()
            .find(|f| f["framework"] == framework)
            .unwrap();
        let requirement = fw["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{framework} {id}"));
        requirement["status"].as_str().unwrap().to_owned()
    };
    // The findings themselves follow the check files' (CIS) thresholds ...
    let finding = |check: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["check_id"] == check)
            .map(|f| f["status"].as_str().unwrap().to_owned())
            .unwrap()
    };
    assert_eq!(finding("iam_password_policy_min_length"), "FAIL");
    assert_eq!(finding("iam_password_policy_reuse_prevention"), "FAIL");
    assert_eq!(status("cis_aws_3_0", "1.8"), "FAIL");
    assert_eq!(status("cis_aws_3_0", "1.9"), "FAIL");
    // ... while PCI judges length and history by its own.
    for requirement in ["8.3.6", "8.3.7"] {
        let pci = status("pci_dss_4_0_1", requirement);
        assert!(pci.starts_with("PASS"), "PCI {requirement}: {pci}");
    }
}
