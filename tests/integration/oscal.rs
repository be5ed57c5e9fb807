//! OSCAL assessment results, from a scan (`--format oscal`) and from the scan history
//! (`history evidence --format oscal`): every document validates against NIST's published JSON
//! schema for OSCAL 1.2.1 (vendored in tests/data/oscal) and loads in compliance-trestle, and
//! says what the run found: an observation per finding, a risk per FAIL (a suppressed one as an
//! approved deviation), a finding per requirement the run evidences.

use crate::harness::{TempDir, describe, lockdown, python, run};
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

/// NIST's JSON schema of the assessment-results model, compiled once.
fn schema() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/oscal/oscal_assessment-results_schema.json");
        let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("NIST's schema compiles")
    })
}

/// The schema's complaints about `document`, one line each (none when it is valid).
fn schema_errors(document: &Value) -> Vec<String> {
    schema()
        .iter_errors(document)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// What compliance-trestle read from the document at `path` (tests/support/load_oscal.py).
fn trestle_load(path: &Path) -> Result<Value, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/load_oscal.py");
    let output = Command::new(python())
        .arg(script)
        .arg(path)
        .output()
        .expect("run compliance-trestle");
    if output.status.success() {
        Ok(serde_json::from_slice(&output.stdout).expect("the loader prints JSON"))
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// Asserts that the document at `path` is valid for both NIST's schema and trestle; returns
/// it and what trestle read.
fn assert_valid(path: &Path) -> (Value, Value) {
    let document: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let errors = schema_errors(&document);
    assert!(
        errors.is_empty(),
        "{} schema errors: {errors:#?}",
        errors.len()
    );
    let read = trestle_load(path).unwrap_or_else(|e| panic!("trestle cannot read it: {e}"));
    (document, read)
}

const SUPPRESSION: &str = r#"
[[suppressions]]
check = "iam_user_console_mfa"
resource = "arn:aws:iam::*:user/bob"
reason = "break-glass user, hardware token in the safe"
owner = "secops@example.com"
expires = "2027-12-31"
"#;

#[test]
fn a_scan_as_oscal_validates_loads_in_trestle_and_says_what_it_found() {
    let dir = TempDir::new("oscal-scan");
    let config = dir.path("lockdown.toml");
    std::fs::write(&config, SUPPRESSION).unwrap();
    let (json, oscal) = (dir.path("results.json"), dir.path("results.oscal.json"));
    for (format, out) in [("json", &json), ("oscal", &oscal)] {
        let output = run(lockdown()
            .args(["scan", "--demo", "--quiet", "--config"])
            .arg(&config)
            .args(["--framework", "soc2,nist_800_53_r5", "--format", format])
            .arg("--output")
            .arg(out));
        assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    }
    let results: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let findings = results["findings"].as_array().unwrap();
    let fails = findings.iter().filter(|f| f["status"] == "FAIL").count();
    let (document, read) = assert_valid(&oscal);
    assert_eq!(read["oscal_version"], "1.2.1");
    let trestle_result = &read["results"][0];
    assert_eq!(trestle_result["observations"], findings.len());
    assert_eq!(trestle_result["risks"], fails);
    assert_eq!(trestle_result["deviations"], 1, "the suppressed FAIL");

    let result = &document["assessment-results"]["results"][0];
    // The suppressed finding's risk is an approved deviation with its owner, reason and expiry.
    let deviation = result["risks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == "deviation-approved")
        .unwrap();
    assert_eq!(deviation["deadline"], "2027-12-31T23:59:59.999Z");
    let entry = &deviation["risk-log"]["entries"][0];
    assert!(
        entry["description"]
            .as_str()
            .unwrap()
            .contains("break-glass user")
    );
    let owner = &document["assessment-results"]["metadata"]["parties"][0];
    assert_eq!(owner["name"], "secops@example.com");
    assert_eq!(entry["logged-by"][0]["party-uuid"], owner["uuid"]);
    // NIST 800-53 requirements use the ids of NIST's own catalog; each finding's target status
    // is satisfied only when the requirement passed.
    let controls: Vec<&str> = result["reviewed-controls"]["control-selections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["include-controls"].as_array().unwrap())
        .map(|c| c["control-id"].as_str().unwrap())
        .collect();
    assert!(controls.contains(&"ia-2.1"), "{controls:?}");
    assert!(controls.contains(&"soc2-CC6.1"), "{controls:?}");
    let requirement_findings = result["findings"].as_array().unwrap();
    assert_eq!(requirement_findings.len(), controls.len());
    for finding in requirement_findings {
        let status = finding["props"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "status")
            .unwrap()["value"]
            .clone();
        let state = &finding["target"]["status"]["state"];
        assert_eq!(state == "satisfied", status == "PASS", "{finding}");
    }

    // Both consumers refuse a broken document: the checks above can fail.
    let mut broken = document.clone();
    broken["assessment-results"]["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("oscal-version");
    broken["assessment-results"]["results"][0]["start"] = Value::from("yesterday");
    assert!(schema_errors(&broken).len() >= 2);
    let broken_path = dir.path("broken.json");
    std::fs::write(&broken_path, broken.to_string()).unwrap();
    assert!(trestle_load(&broken_path).is_err());
}

#[test]
fn a_period_from_the_history_as_oscal_has_one_result_per_run() {
    let dir = TempDir::new("oscal-history");
    let db = dir.path("history.db");
    for day in ["2026-11-01", "2026-11-02"] {
        let output = run(lockdown()
            .args(["scan", "--demo", "--quiet", "--now"])
            .arg(format!("{day}T12:00:00Z"))
            .arg("--history")
            .arg(&db)
            .arg("--output")
            .arg(dir.path(&format!("{day}.json"))));
        assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    }
    let package = dir.path("package");
    let output = run(lockdown()
        .arg("history")
        .arg("--db")
        .arg(&db)
        .args([
            "evidence",
            "--framework",
            "pci_dss_4_0_1",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--format",
            "oscal",
            "--out",
        ])
        .arg(&package));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let (document, read) = assert_valid(&package.join("assessment-results.oscal.json"));
    let results = document["assessment-results"]["results"]
        .as_array()
        .unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(read["results"].as_array().unwrap().len(), 2);
    let recorded: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path("2026-11-01.json")).unwrap())
            .unwrap();
    let findings = recorded["findings"].as_array().unwrap();
    let fails = findings.iter().filter(|f| f["status"] == "FAIL").count();
    assert_eq!(read["results"][0]["observations"], findings.len());
    assert_eq!(read["results"][0]["risks"], fails);
    let requirement = results[0]["findings"][0]["target"]["target-id"]
        .as_str()
        .unwrap();
    assert!(requirement.starts_with("pci_dss_4_0_1-"), "{requirement}");
}
