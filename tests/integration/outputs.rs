//! Output formats: every format from one scan, validated the way its consumers read it.

use crate::harness::{TempDir, chromium, describe, lockdown, python, rendered_dom, run};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const HOSTILE_NAME: &str =
    "=HYPERLINK(\"http://evil\")<img src=x onerror=\"document.title='pwned'\">\u{1b}[31mred\nline";

/// Scans the demo account (optionally with one IAM user renamed) into `dir` in every format.
fn scan_all_formats(dir: &TempDir, hostile: bool, frameworks: &str) -> Vec<PathBuf> {
    let demo_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-account.json");
    let mut command = lockdown();
    command.args(["scan", "--quiet", "--framework", frameworks]);
    if hostile {
        let mut snapshot: Value =
            serde_json::from_str(&std::fs::read_to_string(&demo_path).unwrap()).unwrap();
        let bob = snapshot["resources"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|r| r["name"] == "bob")
            .expect("demo user bob");
        bob["name"] = Value::from(HOSTILE_NAME);
        let path = dir.path("hostile.json");
        std::fs::write(&path, snapshot.to_string()).unwrap();
        command.arg("--snapshot").arg(path);
    } else {
        command.arg("--demo");
    }
    let out = dir.path("out");
    let output = run(command
        .args(["--format", "json,ndjson,ocsf,asff,csv,html", "--output-dir"])
        .arg(&out));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// The output file with this extension (everything after the first dot of its name).
fn file_ending<'a>(files: &'a [PathBuf], extension: &str) -> &'a Path {
    files
        .iter()
        .find(|f| {
            f.file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.split_once('.'))
                .is_some_and(|(_, ext)| ext == extension)
        })
        .unwrap_or_else(|| panic!("no .{extension} file among {files:?}"))
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

/// Runs the reference OCSF models over an events file; returns the validator's `OK` line.
fn validate_ocsf(path: &Path) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/validate_ocsf.py");
    let output = Command::new(python())
        .arg(script)
        .stdin(std::fs::File::open(path).unwrap())
        .output()
        .expect("run the OCSF validator");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "OCSF validation failed:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn every_format_comes_from_one_scan_and_agrees_on_the_findings() {
    let dir = TempDir::new("formats");
    let files = scan_all_formats(&dir, false, "soc2,pci_dss_4_0_1");
    assert_eq!(files.len(), 6, "{files:?}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(file_ending(&files, "json")).unwrap())
            .unwrap();
    let findings = report["findings"].as_array().unwrap();
    let count = findings.len();
    assert!(count > 100);
    assert_eq!(lines(file_ending(&files, "ndjson")).len(), count);

    // OCSF: one Detection Finding per finding; one Compliance Finding per finding × requirement
    // of the chosen frameworks, plus one per requirement without automated evidence.
    let ocsf_path = file_ending(&files, "ocsf.jsonl");
    let events = lines(ocsf_path);
    let mapped: usize = findings
        .iter()
        .map(|f| {
            ["soc2", "pci_dss_4_0_1"]
                .iter()
                .map(|fw| f["compliance"][fw].as_array().map_or(0, Vec::len))
                .sum::<usize>()
        })
        .sum();
    let manual: usize = report["compliance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|fw| fw["coverage"]["by_status"]["MANUAL"].as_u64().unwrap() as usize)
        .sum();
    let validated = validate_ocsf(ocsf_path);
    assert_eq!(
        validated.trim(),
        format!(
            "OK {} 2003={} 2004={count}",
            count + mapped + manual,
            mapped + manual
        )
    );
    let failing_soc2 = events
        .iter()
        .find(|e| {
            e["class_uid"] == 2003
                && e["status_code"] == "FAIL"
                && e["compliance"]["standards"][0]
                    .as_str()
                    .unwrap()
                    .starts_with("SOC 2")
        })
        .expect("a failing SOC 2 compliance finding");
    assert_eq!(failing_soc2["compliance"]["status_id"], 3);
    assert_eq!(
        failing_soc2["time"].as_i64().unwrap(),
        chrono::DateTime::parse_from_rfc3339(report["evaluated_at"].as_str().unwrap())
            .unwrap()
            .timestamp_millis()
    );

    // ASFF: every required field, within Security Hub's limits.
    let asff: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(file_ending(&files, "asff.json")).unwrap())
            .unwrap();
    assert_eq!(asff.len(), count);
    for finding in &asff {
        for field in [
            "AwsAccountId",
            "CreatedAt",
            "Description",
            "GeneratorId",
            "Id",
            "ProductArn",
            "Resources",
            "SchemaVersion",
            "Severity",
            "Title",
            "Types",
            "UpdatedAt",
        ] {
            assert!(!finding[field].is_null(), "{field} missing in {finding}");
        }
        assert!(finding["Title"].as_str().unwrap().chars().count() <= 256);
        assert!(finding["Description"].as_str().unwrap().chars().count() <= 1024);
        let related = finding["Compliance"]["RelatedRequirements"]
            .as_array()
            .unwrap();
        assert!(related.len() <= 32);
        assert!(related.iter().all(|r| r.as_str().unwrap().len() <= 64));
    }
    let statuses: std::collections::BTreeSet<&str> = asff
        .iter()
        .map(|f| f["Compliance"]["Status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["FAILED", "NOT_AVAILABLE", "PASSED"].into_iter().collect()
    );

    // CSV: a header and one row per finding, same statuses as the JSON.
    let mut csv = csv::Reader::from_path(file_ending(&files, "csv")).unwrap();
    let status_column = csv
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "status")
        .unwrap();
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), count);
    for (row, finding) in rows.iter().zip(findings) {
        assert_eq!(row[status_column], *finding["status"].as_str().unwrap());
    }
}

/// The report's content and visible widths in a 1400 px frame (`scrollWidth`, `clientWidth`,
/// read from a wrapper page that frames it), and a screenshot of its first screen.
fn width_at_1400px(page: &Path) -> (u64, u64, std::path::PathBuf) {
    let wrapper = page.with_file_name("wrapper.html");
    std::fs::write(
        &wrapper,
        format!(
            r#"<!DOCTYPE html><body style="margin:0"><iframe id="r" src="{}" style="width:1400px;height:900px;border:0"></iframe>
<script>document.getElementById('r').onload=function(){{var d=this.contentDocument.documentElement;document.body.setAttribute('data-width',d.scrollWidth);document.body.setAttribute('data-client',d.clientWidth)}}</script></body>"#,
            page.file_name().unwrap().to_string_lossy()
        ),
    )
    .unwrap();
    let profile = page.with_extension("wrapper-profile");
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--allow-file-access-from-files",
            "--window-size=1420,1000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", wrapper.display()))
        .stdin(Stdio::null())
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&output.stdout);
    let attribute = |name: &str| -> u64 {
        let start = dom
            .find(&format!("{name}=\""))
            .unwrap_or_else(|| panic!("{name} not measured: {dom}"))
            + name.len()
            + 2;
        dom[start..].split('"').next().unwrap().parse().unwrap()
    };
    let screenshot = page.with_file_name("report-1400.png");
    let shot = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1400,900",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .output()
        .expect("run chromium");
    assert!(shot.status.success(), "{}", describe(&shot));
    (
        attribute("data-width"),
        attribute("data-client"),
        screenshot,
    )
}

#[test]
fn html_report_renders_with_filters_and_hostile_names_stay_text() {
    let dir = TempDir::new("html");
    let files = scan_all_formats(&dir, true, "soc2");
    let page = file_ending(&files, "html");

    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(file_ending(&files, "json")).unwrap())
            .unwrap();
    let findings = report["findings"].as_array().unwrap();
    let total = findings.len();
    let failed = findings.iter().filter(|f| f["status"] == "FAIL").count();
    let failed_high = findings
        .iter()
        .filter(|f| f["status"] == "FAIL" && f["severity"] == "high")
        .count();
    assert!(failed_high > 0 && failed > failed_high);

    let dom = rendered_dom(page, "");
    assert!(
        dom.contains(&format!("id=\"count-FAIL\">{failed}<")),
        "FAIL count missing"
    );
    assert!(
        dom.contains(&format!("{total} of {total} findings shown")),
        "the filter script did not run"
    );
    assert!(dom.contains("SOC 2"), "framework table missing");
    // What needs action comes first: the failing checks before any framework table, FAIL
    // requirements before PASS ones, manual ones collapsed; charts are inline SVG.
    let failing_at = dom.find("id=\"failing\"").unwrap();
    assert!(failing_at < dom.find("class=\"framework\"").unwrap());
    // A per-framework roll-up at the top, linking to each framework's section.
    let rollup_at = dom.find("id=\"rollup\"").expect("framework roll-up");
    assert!(rollup_at < failing_at);
    assert!(dom[rollup_at..].contains("href=\"#framework-soc2\""));
    // Failing checks grouped by service, each service with its counts.
    let mut services: Vec<&str> = findings
        .iter()
        .filter(|f| f["status"] == "FAIL" || f["status"] == "ERROR")
        .map(|f| lockdown::inventory::service_of(f["resource"]["type"].as_str().unwrap()))
        .collect();
    services.sort_unstable();
    services.dedup();
    assert_eq!(
        dom.matches("<h3 class=\"service\"").count(),
        services.len(),
        "{services:?}"
    );
    assert!(dom.contains("id=\"service-iam\">iam: "), "iam group");
    let soc2 = &dom[dom.find("id=\"framework-soc2\"").unwrap()..];
    let first_fail = soc2
        .find("data-status=\"FAIL\"")
        .expect("a failing SOC 2 requirement");
    assert!(first_fail < soc2.find("data-status=\"PASS\"").unwrap_or(usize::MAX));
    assert!(
        soc2.contains("<details class=\"manual\">"),
        "manual requirements collapsed"
    );
    assert!(soc2.contains("<svg class=\"bar\""), "compliance bar");
    assert!(
        !dom.contains("src=\"http") && !dom.contains("href=\"http://"),
        "no network fetch"
    );
    let (width, visible, screenshot) = width_at_1400px(page);
    assert!(
        visible > 1300,
        "the frame is 1400 px wide (less a scrollbar): {visible}"
    );
    assert!(
        width <= visible,
        "the page scrolls sideways at 1400 px: {width} > {visible} px"
    );
    assert!(
        std::fs::metadata(&screenshot).unwrap().len() > 10_000,
        "a screenshot was taken"
    );
    assert!(dom.contains("Failing resources and their fix"));
    // The hostile user name is text, not markup: no injected element, no script ran.
    assert!(
        dom.contains("&lt;img src=x onerror="),
        "escaped name missing"
    );
    assert!(!dom.contains("<img"), "an element was injected");
    assert!(
        dom.contains("<title>lockdown report — AWS account 210987654321</title>"),
        "an injected script ran (the title changed)"
    );
    assert!(
        dom.contains("\\u{1b}[31mred\\nline"),
        "control characters not made visible"
    );

    let filtered = rendered_dom(page, "status=FAIL&severity=high");
    assert!(
        filtered.contains(&format!("{failed_high} of {total} findings shown")),
        "filter from the address not applied"
    );

    let mut csv = csv::Reader::from_path(file_ending(&files, "csv")).unwrap();
    let name = csv
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "resource_name")
        .unwrap();
    let names: Vec<String> = csv.records().map(|r| r.unwrap()[name].to_owned()).collect();
    assert!(
        names.contains(&format!("'{HOSTILE_NAME}")),
        "the formula-like name must be neutralized: {names:?}"
    );
}

#[test]
fn several_formats_need_an_output_directory() {
    let output = run(lockdown().args([
        "scan", "--demo", "--format", "json,csv", "--output", "x.json",
    ]));
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let output = run(lockdown()
        .args(["scan", "--demo", "--format", "json,csv"])
        .stdout(Stdio::piped()));
    crate::harness::assert_usage_error(&output, &["--output-dir"]);
}

#[test]
fn signed_outputs_verify_and_any_altered_byte_fails() {
    let dir = TempDir::new("signing");
    let key = dir.path("audit-key");
    let keygen = run(lockdown().args(["keygen", "--out"]).arg(&key));
    assert_eq!(keygen.status.code(), Some(0), "{}", describe(&keygen));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the private key is readable by its owner only"
        );
    }
    let again = run(lockdown().args(["keygen", "--out"]).arg(&key));
    crate::harness::assert_usage_error(&again, &["does not overwrite"]);

    let out = dir.path("out");
    let scan = run(lockdown()
        .args([
            "scan",
            "--demo",
            "--quiet",
            "--format",
            "json,csv,html",
            "--sign",
        ])
        .arg(&key)
        .arg("--output-dir")
        .arg(&out));
    assert_eq!(scan.status.code(), Some(0), "{}", describe(&scan));
    let private = std::fs::read_to_string(&key).unwrap();
    assert!(
        !describe(&scan).contains(private.trim()),
        "the private key leaked"
    );
    let manifest = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".manifest.json"))
        .expect("a manifest beside the outputs");
    let public = std::path::PathBuf::from(format!("{}.pub", key.display()));
    let verify = |trusted: &Path| {
        run(lockdown()
            .arg("verify")
            .arg(&manifest)
            .arg("--public-key")
            .arg(trusted))
    };
    let ok = verify(&public);
    assert_eq!(ok.status.code(), Some(0), "{}", describe(&ok));
    assert_eq!(
        String::from_utf8_lossy(&ok.stdout).lines().count(),
        3,
        "three files signed"
    );

    // One changed byte in one output.
    let csv = file_ending(
        &std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect::<Vec<_>>(),
        "csv",
    )
    .to_owned();
    let mut bytes = std::fs::read(&csv).unwrap();
    let last = bytes.len() - 2;
    bytes[last] ^= 1;
    std::fs::write(&csv, &bytes).unwrap();
    let altered = verify(&public);
    assert_eq!(altered.status.code(), Some(6), "{}", describe(&altered));
    assert!(String::from_utf8_lossy(&altered.stderr).contains("was altered"));
    bytes[last] ^= 1;
    std::fs::write(&csv, &bytes).unwrap();
    assert_eq!(verify(&public).status.code(), Some(0));

    // A second signed run in the same directory: verified together, as the README shows.
    let second = run(lockdown()
        .args([
            "scan",
            "--demo",
            "--quiet",
            "--now",
            "2030-01-01T00:00:00Z",
            "--format",
            "json",
            "--sign",
        ])
        .arg(&key)
        .arg("--output-dir")
        .arg(&out));
    assert_eq!(second.status.code(), Some(0), "{}", describe(&second));
    let manifests: Vec<std::path::PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".manifest.json"))
        .collect();
    assert_eq!(manifests.len(), 2);
    let both = run(lockdown()
        .arg("verify")
        .args(&manifests)
        .arg("--public-key")
        .arg(&public));
    assert_eq!(both.status.code(), Some(0), "{}", describe(&both));
    assert_eq!(String::from_utf8_lossy(&both.stdout).lines().count(), 4);

    // A file slipped into the signed directory is reported and fails verification.
    std::fs::write(out.join("lockdown-extra.csv"), "forged,row\n").unwrap();
    let slipped = run(lockdown()
        .arg("verify")
        .args(&manifests)
        .arg("--public-key")
        .arg(&public));
    assert_eq!(slipped.status.code(), Some(6), "{}", describe(&slipped));
    assert!(
        String::from_utf8_lossy(&slipped.stderr).contains("lockdown-extra.csv is not signed"),
        "{}",
        describe(&slipped)
    );
    std::fs::remove_file(out.join("lockdown-extra.csv")).unwrap();

    // A key the verifier does not trust.
    let other = dir.path("other-key");
    run(lockdown().args(["keygen", "--out"]).arg(&other));
    let untrusted = verify(Path::new(&format!("{}.pub", other.display())));
    assert_eq!(untrusted.status.code(), Some(6), "{}", describe(&untrusted));

    let unsigned = run(lockdown()
        .args(["scan", "--demo", "--sign"])
        .arg(&key)
        .args(["--output", "-"]));
    crate::harness::assert_usage_error(&unsigned, &["--sign needs files"]);
}
