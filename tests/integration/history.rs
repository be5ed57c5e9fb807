//! `scan --history` and `lockdown history`: three scheduled runs against moto with a change
//! between them give the right intervals and period numbers, and importing the runs' results
//! files into a fresh database reproduces the same history.

use crate::delivery::{PAGERDUTY_KEY, Receiver};
use crate::harness::{TempDir, TestAccount, describe, lockdown, run, s3_client, scan_report};
use std::path::Path;

fn history(db: &Path, args: &[&str]) -> String {
    let output = run(lockdown().arg("history").arg("--db").arg(db).args(args));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn scheduled_runs_build_intervals_and_imports_reproduce_them() {
    let account = TestAccount::new().await;
    let bucket = format!("data-{}", account.id);
    account.create_bucket(&bucket);
    let s3 = s3_client(&account.sdk_config().await, "us-east-1");
    let dir = TempDir::new("history");
    let db = dir.path("history.db");
    let pagerduty = Receiver::start();
    let sink = format!("pagerduty:{}/v2/enqueue", pagerduty.url);
    // The S3 sink archives every run (its own bucket versioned, so that it passes throughout).
    account.expect_writes();
    let archive = format!("archive-{}", account.id);
    account.create_bucket(&archive);
    let versioned = aws_sdk_s3::types::VersioningConfiguration::builder()
        .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
        .build();
    s3.put_bucket_versioning()
        .bucket(&archive)
        .versioning_configuration(versioned.clone())
        .send()
        .await
        .unwrap();
    let archive_sink = format!("s3://{archive}/lockdown");
    let mut results = Vec::new();
    for (day, versioning) in [(1, false), (2, true), (3, true)] {
        if versioning {
            s3.put_bucket_versioning()
                .bucket(&bucket)
                .versioning_configuration(versioned.clone())
                .send()
                .await
                .unwrap();
        }
        // The sink's object keys are to the second: scheduled runs are a day apart.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let out = dir.path(&format!("results-{day}.json"));
        scan_report(
            account
                .lockdown()
                .args([
                    "scan",
                    "--quiet",
                    "--regions",
                    "us-east-1",
                    "--checks",
                    "s3_bucket_versioning",
                ])
                .args(["--send-to", &sink, "--send-to", &archive_sink])
                .args(["--alert-severity", "low"])
                .arg("--spool-dir")
                .arg(dir.path("spool"))
                .env("LOCKDOWN_PAGERDUTY_ROUTING_KEY", PAGERDUTY_KEY)
                .arg("--history")
                .arg(&db),
            &out,
        );
        results.push(out);
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&results[0]).unwrap()).unwrap();
    let versioning = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["check_id"] == "s3_bucket_versioning" && f["resource"]["name"] == bucket.as_str()
        })
        .expect("a versioning finding for the bucket");
    assert_eq!(versioning["status"], "FAIL");
    let id = versioning["id"].as_str().unwrap();
    // Without a baseline file, changes come from the history's latest run.
    let change_in = |day: usize| {
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&results[day]).unwrap()).unwrap();
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .map(|f| f["change"].clone())
            .unwrap()
    };
    assert_eq!(change_in(0), "new");
    assert_eq!(change_in(1), "resolved");
    assert_eq!(change_in(2), "unchanged");
    // PagerDuty heard of it twice: triggered on the first run, resolved on the second.
    let paged: Vec<(String, String)> = pagerduty.stored()["pagerduty"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["dedup_key"] == id)
        .map(|e| {
            (
                e["event_action"].as_str().unwrap().to_owned(),
                e["payload"]["severity"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        paged,
        [
            ("trigger".to_owned(), "info".to_owned()),
            ("resolve".to_owned(), String::new())
        ]
    );

    // FAIL on the first run, PASS on the next two: two segments.
    let timeline = history(&db, &["finding", id]);
    let lines: Vec<&str> = timeline.lines().skip(1).collect();
    assert_eq!(lines.len(), 2, "{timeline}");
    assert!(
        lines[0].trim_start().starts_with("FAIL") && lines[0].contains("(runs 1–1)"),
        "{timeline}"
    );
    assert!(
        lines[1].trim_start().starts_with("PASS") && lines[1].contains("(runs 2–3)"),
        "{timeline}"
    );

    let today = chrono::Utc::now().date_naive().to_string();
    let runs = history(&db, &["runs", "--from", &today, "--to", &today]);
    let report_as = |format: &str| {
        history(
            &db,
            &[
                "report",
                "--framework",
                "iso27001_2022",
                "--from",
                &today,
                "--to",
                &today,
                "--format",
                format,
            ],
        )
    };
    assert!(runs.contains("3 runs; 0 days without a run"), "{runs}");
    // Without --from/--to: the last 90 days, times to the minute, gaps as ranges.
    let now = chrono::Utc::now().date_naive();
    let default_runs = history(&db, &["runs"]);
    let first = now - chrono::Days::new(89);
    assert!(
        default_runs.contains(&format!("runs from {first} to {now}")),
        "{default_runs}"
    );
    assert!(
        default_runs.contains(&format!(
            "3 runs; 89 days without a run (evidence gaps): {first} – {}, 89 days",
            now.pred_opt().unwrap()
        )),
        "{default_runs}"
    );
    assert!(
        default_runs.contains(&format!("{now} ")) && default_runs.contains(" UTC  "),
        "{default_runs}"
    );
    let period = report_as("json");
    let period: serde_json::Value = serde_json::from_str(&period).unwrap();
    assert_eq!(period["runs"], 3);
    let backup = period["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "A.8.13")
        .expect("A.8.13 information backup");
    assert_eq!(backup["population"], 3);
    assert_eq!(backup["passed"], 2, "{backup}");
    let exception = &backup["exceptions"][0];
    assert_eq!(exception["check_id"], "s3_bucket_versioning");
    assert!(exception["resolved_at"].is_string(), "{exception}");

    // The HTML period report renders in Chromium with its two charts: a point per run, a bar
    // for the week the exception was open; the CSV has that exception.
    let page = dir.path("period.html");
    let html = report_as("html");
    std::fs::write(&page, &html).unwrap();
    let dom = crate::harness::rendered_dom(&page, "");
    let chart = |id: &str| {
        let start = dom
            .find(&format!("<svg id=\"{id}\""))
            .unwrap_or_else(|| panic!("{id}: {dom}"));
        dom[start..start + dom[start..].find("</svg>").unwrap()].to_owned()
    };
    assert_eq!(chart("pass-rate").matches("<circle").count(), 3);
    assert_eq!(chart("open-exceptions").matches("<rect").count(), 1);
    assert!(dom.contains("<td>A.8.13</td>"), "{dom}");
    let exceptions_table = &dom[dom.find("<table id=\"exceptions\"").unwrap()..];
    assert_eq!(
        exceptions_table.matches("class=\"exception\"").count(),
        1,
        "one exception row: {dom}"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no network fetches"
    );
    // Exception times read to the minute; over a ten-day period the nine days without a run
    // show as one range.
    let exception_row = &exceptions_table[exceptions_table.find("class=\"exception\"").unwrap()..];
    let exception_row = &exception_row[..exception_row.find("</tr>").unwrap()];
    assert!(exception_row.contains(" UTC</td>"), "{exception_row}");
    let ten_days = history(
        &db,
        &[
            "report",
            "--framework",
            "iso",
            "--from",
            &(now - chrono::Days::new(9)).to_string(),
            "--to",
            &today,
            "--format",
            "html",
        ],
    );
    let page = dir.path("ten-days.html");
    std::fs::write(&page, &ten_days).unwrap();
    let dom = crate::harness::rendered_dom(&page, "");
    let gaps = format!(
        "evidence gaps): {} – {}, 9 days",
        now - chrono::Days::new(9),
        now.pred_opt().unwrap()
    );
    assert!(dom.contains(&gaps), "{gaps}: {dom}");
    let csv = report_as("csv");
    assert_eq!(
        csv.lines().count(),
        1 + backup["exceptions"].as_array().unwrap().len()
    );
    assert!(csv.contains("s3_bucket_versioning"));

    // The evidence package: report, population, a seeded sample of runs with their results,
    // signed; `lockdown verify` accepts it, and the same seed picks the same runs.
    let key = dir.path("evidence-key");
    run(lockdown().args(["keygen", "--out"]).arg(&key));
    let package = |out: &str| {
        let out = dir.path(out);
        history(
            &db,
            &[
                "evidence",
                "--framework",
                "iso27001_2022",
                "--from",
                &today,
                "--to",
                &today,
                "--sample",
                "2",
                "--seed",
                "7",
                "--out",
                out.to_str().unwrap(),
                "--sign",
                key.to_str().unwrap(),
            ],
        );
        out
    };
    let first = package("evidence-1");
    let verified = run(lockdown()
        .arg("verify")
        .arg(first.join("evidence.manifest.json"))
        .arg("--public-key")
        .arg(format!("{}.pub", key.display())));
    assert_eq!(verified.status.code(), Some(0), "{}", describe(&verified));
    let sampled = |dir: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join("sample.json")).unwrap()).unwrap()
    };
    let chosen = sampled(&first);
    assert_eq!(chosen["population"], 3);
    assert_eq!(chosen["sample"].as_array().unwrap().len(), 2);
    assert_eq!(sampled(&package("evidence-2"))["sample"], chosen["sample"]);
    let seq = chosen["sample"][0]["seq"].as_i64().unwrap();
    let results_file = std::fs::read_dir(&first)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(&format!("-{seq}.json")))
        .expect("the sampled run's results");
    let sampled_run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(results_file).unwrap()).unwrap();
    let status = sampled_run["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .map(|f| f["status"].clone())
        .unwrap();
    assert_eq!(status, if seq == 1 { "FAIL" } else { "PASS" });

    // The same runs imported (twice, out of order) into a fresh database: the same history.
    let copy = dir.path("imported.db");
    let mut files: Vec<&Path> = results.iter().map(|p| p.as_path()).rev().collect();
    let imported = history(
        &copy,
        &[
            &["import"][..],
            &files
                .iter()
                .map(|p| p.to_str().unwrap())
                .collect::<Vec<_>>(),
        ]
        .concat(),
    );
    assert_eq!(imported.matches("recorded (").count(), 3, "{imported}");
    files.truncate(1);
    let again = history(&copy, &["import", files[0].to_str().unwrap()]);
    assert!(again.contains("already recorded"), "{again}");
    assert_eq!(history(&copy, &["finding", id]), timeline);

    // The S3 sink's objects rebuild the same statuses over the same runs.
    let from_s3 = dir.path("from-s3.db");
    let imported = run(account
        .lockdown()
        .args(["history", "--db"])
        .arg(&from_s3)
        .args(["import", &archive_sink]));
    assert_eq!(imported.status.code(), Some(0), "{}", describe(&imported));
    let imported = String::from_utf8_lossy(&imported.stdout);
    assert_eq!(imported.matches("recorded (").count(), 3, "{imported}");
    let shape = |text: &str| -> Vec<String> {
        text.lines()
            .skip(1)
            .map(|l| {
                let fields: Vec<&str> = l.split_whitespace().collect();
                format!("{} {}", fields[0], fields[fields.len() - 1])
            })
            .collect()
    };
    assert_eq!(
        shape(&history(&from_s3, &["finding", id])),
        shape(&timeline)
    );

    // A fourth, unchanged run with --only-changes and no baseline file: nothing to send.
    let quiet = scan_report(
        account
            .lockdown()
            .args([
                "scan",
                "--quiet",
                "--regions",
                "us-east-1",
                "--checks",
                "s3_bucket_versioning",
                "--only-changes",
            ])
            .arg("--history")
            .arg(&db),
        &dir.path("results-4.json"),
    );
    assert_eq!(quiet["findings"].as_array().unwrap().len(), 0, "{quiet}");
}

/// A kill during the write of a large run leaves the database as it was before the run, or
/// with the whole run: never part of one.
#[test]
fn killing_an_import_midway_leaves_the_database_whole() {
    let dir = TempDir::new("history-kill");
    let snapshot = dir.path("snapshot.json");
    std::fs::write(
        &snapshot,
        serde_json::to_string(&lockdown::inventory::synthetic::snapshot(6_000, 3)).unwrap(),
    )
    .unwrap();
    let results = dir.path("results.json");
    let output = run(lockdown()
        .args(["scan", "--quiet", "--snapshot"])
        .arg(&snapshot)
        .arg("--output")
        .arg(&results));
    assert!(
        matches!(output.status.code(), Some(0 | 1 | 3)),
        "{}",
        describe(&output)
    );
    let findings = crate::harness::read_report(&results)["findings"]
        .as_array()
        .unwrap()
        .len();

    // How long a whole import takes here: the kills land across it, most near its end, where
    // the run's transaction is being written.
    let started = std::time::Instant::now();
    let whole = run(lockdown()
        .arg("history")
        .arg("--db")
        .arg(dir.path("whole.db"))
        .arg("import")
        .arg(&results));
    assert_eq!(whole.status.code(), Some(0), "{}", describe(&whole));
    let duration = started.elapsed().as_millis() as u64;
    let mut outcomes = std::collections::BTreeSet::new();
    for (attempt, percent) in [30u64, 50, 70, 80, 88, 94, 98].into_iter().enumerate() {
        let delay = duration * percent / 100;
        let db = dir.path(&format!("killed-{attempt}.db"));
        let mut child = lockdown()
            .arg("history")
            .arg("--db")
            .arg(&db)
            .arg("import")
            .arg(&results)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay));
        let _ = child.kill();
        let finished = child.wait().unwrap().success();
        let store = lockdown::history::Store::open(&db).unwrap();
        let runs = store
            .runs(
                chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
                chrono::NaiveDate::from_ymd_opt(2100, 1, 1).unwrap(),
            )
            .unwrap();
        let recorded = store.latest_findings().unwrap().len();
        match runs.len() {
            0 => assert_eq!(recorded, 0, "no run, no segments"),
            1 => assert_eq!(recorded, findings, "a run is recorded whole"),
            n => panic!("{n} runs from one import"),
        }
        outcomes.insert((runs.len(), finished));
    }
    // The kills landed before the run was written and (at least once) after: both states seen.
    assert!(outcomes.iter().any(|(runs, _)| *runs == 0), "{outcomes:?}");
}

/// The configuration file turns the history on (`history = PATH`) and sets the alert severity.
#[test]
fn the_configuration_file_turns_the_history_on() {
    let dir = TempDir::new("history-config");
    let db = dir.path("from-config.db");
    let config = dir.path("lockdown.toml");
    std::fs::write(
        &config,
        format!(
            "[scan]\nhistory = \"{}\"\nalert_severity = \"critical\"\n",
            db.display()
        ),
    )
    .unwrap();
    let output = run(lockdown()
        .args([
            "scan",
            "--demo",
            "--quiet",
            "--output",
            "/dev/null",
            "--config",
        ])
        .arg(&config));
    assert!(
        matches!(output.status.code(), Some(0 | 3)),
        "{}",
        describe(&output)
    );
    let store = lockdown::history::Store::open(&db).unwrap();
    let runs = store
        .runs(
            chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2100, 1, 1).unwrap(),
        )
        .unwrap();
    assert_eq!(runs.len(), 1);
    assert!(!store.latest_findings().unwrap().is_empty());
}
