//! `scan --baseline`: changes since a previous run, and `--only-changes` for scheduled runs.

use crate::harness::{
    TempDir, assert_usage_error, demo_snapshot, describe, lockdown, read_report, run,
};
use serde_json::Value;
use std::path::Path;

fn change_of<'a>(report: &'a Value, id: &str) -> Option<&'a str> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .map(|f| f["change"].as_str().unwrap())
}

#[test]
fn a_rescan_marks_new_unchanged_and_resolved_findings() {
    let dir = TempDir::new("baseline");
    let base_path = dir.path("base.json");
    let output = run(lockdown()
        .args(["scan", "--demo", "--quiet", "--output"])
        .arg(&base_path));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let base = read_report(&base_path);
    let findings = base["findings"].as_array().unwrap();

    // The next snapshot: one failing bucket deleted, and evaluated years later (keys age).
    let gone = findings
        .iter()
        .find(|f| f["status"] == "FAIL" && f["resource"]["type"] == "aws.s3.bucket")
        .expect("the demo has a failing bucket");
    let gone_arn = gone["resource"]["arn"].as_str().unwrap();
    let mut snapshot = demo_snapshot();
    snapshot["resources"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r["arn"] != gone_arn);
    let next = dir.path("next-snapshot.json");
    std::fs::write(&next, snapshot.to_string()).unwrap();

    let all_path = dir.path("all.json");
    let scan = |out: &Path, extra: &[&str]| {
        let output = run(lockdown()
            .args([
                "scan",
                "--quiet",
                "--now",
                "2031-01-01T00:00:00Z",
                "--snapshot",
            ])
            .arg(&next)
            .arg("--baseline")
            .arg(&base_path)
            .arg("--output")
            .arg(out)
            .args(extra));
        assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
        read_report(out)
    };
    let all = scan(&all_path, &[]);
    let every: Vec<&Value> = all["findings"].as_array().unwrap().iter().collect();
    assert!(
        every.iter().all(|f| f["change"].is_string()),
        "every finding is marked"
    );

    // The deleted bucket's failures come back resolved, as NOT_APPLICABLE, never PASS.
    let resolved_gone: Vec<&&Value> = every
        .iter()
        .filter(|f| f["resource"]["arn"] == gone_arn)
        .collect();
    assert!(!resolved_gone.is_empty());
    for finding in &resolved_gone {
        assert_eq!(finding["status"], "NOT_APPLICABLE");
        assert_eq!(finding["change"], "resolved");
    }
    assert_eq!(
        change_of(&all, gone["id"].as_str().unwrap()),
        Some("resolved")
    );
    // Keys that aged past the limit are new failures; a failure that stays is unchanged.
    let new_failures: Vec<&&Value> = every.iter().filter(|f| f["change"] == "new").collect();
    assert!(
        new_failures
            .iter()
            .any(|f| f["check_id"] == "iam_access_key_rotated" && f["status"] == "FAIL"),
        "aged keys fail anew"
    );
    let still_failing = findings
        .iter()
        .find(|f| f["status"] == "FAIL" && f["check_id"] == "iam_user_console_mfa")
        .expect("a demo user has no MFA");
    assert_eq!(
        change_of(&all, still_failing["id"].as_str().unwrap()),
        Some("unchanged")
    );
    let counted: usize = all["summary"]["changes"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap() as usize)
        .sum();
    assert_eq!(counted, every.len());

    // --only-changes: exactly the findings that changed, nothing unchanged.
    let saved = dir.path("next-baseline.json");
    let changes = scan(
        &dir.path("changes.json"),
        &[
            "--only-changes",
            "--framework",
            "soc2",
            "--save-baseline",
            saved.to_str().unwrap(),
        ],
    );
    // ...which limits what is sent, not what is judged: the roll-up sees every finding.
    let judged = scan(&dir.path("judged.json"), &["--framework", "soc2"]);
    assert_eq!(changes["compliance"], judged["compliance"]);
    let changed: Vec<&str> = changes["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = every
        .iter()
        .filter(|f| f["change"] != "unchanged")
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(changed, expected);
    assert!(changes["summary"]["changes"].get("unchanged").is_none());
    // ...while the saved baseline keeps every finding for the next run.
    let next_baseline = read_report(&saved);
    assert_eq!(
        next_baseline["findings"].as_array().unwrap().len(),
        every.len()
    );
}

#[test]
fn a_baseline_that_is_not_a_report_is_a_usage_error() {
    let dir = TempDir::new("baseline-bad");
    let bad = dir.path("bad.json");
    std::fs::write(&bad, "{\"findings\": [ {\"id\": 1} ]}").unwrap();
    let output = run(lockdown()
        .args(["scan", "--demo", "--quiet", "--output", "-", "--baseline"])
        .arg(&bad));
    assert_usage_error(&output, &["--baseline", "bad.json", "line 1"]);
    let output = run(lockdown().args(["scan", "--demo", "--only-changes"]));
    assert_usage_error(&output, &["--baseline"]);
}
