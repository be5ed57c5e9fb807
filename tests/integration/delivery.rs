//! Delivery to sinks: the exact wire format at local Splunk HEC and Elasticsearch receivers,
//! retries, spooling when a destination stays down and re-delivery with `lockdown send`;
//! S3 and Security Hub against moto. No finding may be lost or duplicated.

use crate::harness::{TempDir, TestAccount, describe, lockdown, python, run};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

const SPLUNK_TOKEN: &str = "hec-token-5b0f-test-secret";
const ELASTIC_KEY: &str = "elastic-api-key-91c2-test-secret";
pub(crate) const PAGERDUTY_KEY: &str = "pd0routing0key0test0secret000001";

/// A local SIEM stand-in (tests/support/http_receiver.py) recording what it receives.
pub(crate) struct Receiver {
    pub(crate) url: String,
    child: Child,
}

impl Receiver {
    pub(crate) fn start() -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/http_receiver.py");
        let mut child = Command::new(python())
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the HTTP receiver");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.strip_prefix("READY ").expect("READY line").trim();
        Self {
            url: format!("http://127.0.0.1:{port}"),
            child,
        }
    }

    pub(crate) fn configure(&self, config: Value) {
        ureq::post(format!("{}/__receiver/config", self.url))
            .send(config.to_string().as_bytes())
            .expect("configure the receiver");
    }

    fn requests(&self) -> Vec<Value> {
        let text = ureq::get(format!("{}/__receiver/requests", self.url))
            .call()
            .expect("read the receiver's requests")
            .into_body()
            .with_config()
            .limit(256 * 1024 * 1024)
            .read_to_string()
            .unwrap();
        serde_json::from_str(&text).unwrap()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Scans the demo account, writing JSON results to `dir/results.json`, with extra arguments.
fn demo_scan(dir: &TempDir, extra: &[&str]) -> Output {
    run(lockdown()
        .args(["scan", "--demo", "--quiet", "--output"])
        .arg(dir.path("results.json"))
        .arg("--spool-dir")
        .arg(dir.path("spool"))
        .env("LOCKDOWN_SPLUNK_TOKEN", SPLUNK_TOKEN)
        .env("LOCKDOWN_ELASTIC_API_KEY", ELASTIC_KEY)
        .env("LOCKDOWN_PAGERDUTY_ROUTING_KEY", PAGERDUTY_KEY)
        .args(extra))
}

/// Events per request of the Splunk and Elastic sinks (the demo scan needs several).
const SINK_BATCH: usize = 500;

fn finding_ids(dir: &TempDir) -> BTreeSet<String> {
    let report = crate::harness::read_report(&dir.path("results.json"));
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

fn json_lines(body: &str) -> Vec<Value> {
    body.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The finding ids (`finding_info.uid`, stable across runs) of the OCSF events in the HEC
/// envelopes of a request body.
fn hec_uids(request: &Value) -> Vec<String> {
    json_lines(request["body"].as_str().unwrap())
        .iter()
        .map(|e| {
            e["event"]["finding_info"]["uid"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

fn assert_no_secret(output: &Output) {
    for secret in [SPLUNK_TOKEN, ELASTIC_KEY, PAGERDUTY_KEY] {
        assert!(
            !describe(output).contains(secret),
            "a token leaked: {}",
            describe(output)
        );
    }
}

fn spool_files(dir: &TempDir) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir.path("spool"))
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

#[test]
fn splunk_hec_gets_gzip_batches_in_the_hec_envelope_after_transient_failures() {
    let receiver = Receiver::start();
    receiver.configure(json!({"fail_first": 2, "fail_status": 503}));
    let dir = TempDir::new("splunk");
    let sink = format!("splunk-hec:{}?index=security", receiver.url);
    let output = demo_scan(&dir, &["--send-to", &sink, "-v"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert_no_secret(&output);

    let requests = receiver.requests();
    let batches = finding_ids(&dir).len().div_ceil(SINK_BATCH);
    assert_eq!(
        requests.len(),
        2 + batches,
        "two refused attempts, then a batch per {SINK_BATCH} findings"
    );
    for request in &requests {
        assert_eq!(request["path"], "/services/collector/event");
        assert_eq!(request["gzip"], true);
        assert_eq!(
            request["headers"]["authorization"],
            format!("Splunk {SPLUNK_TOKEN}")
        );
    }
    let envelopes: Vec<Value> = requests[2..]
        .iter()
        .flat_map(|r| json_lines(r["body"].as_str().unwrap()))
        .collect();
    for envelope in &envelopes {
        assert_eq!(envelope["index"], "security");
        assert_eq!(envelope["sourcetype"], "ocsf:finding");
        assert_eq!(envelope["event"]["class_uid"], 2004);
        let millis = envelope["event"]["time"].as_i64().unwrap();
        assert_eq!(envelope["time"].as_f64().unwrap(), millis as f64 / 1000.0);
    }
    let delivered: Vec<String> = requests[2..].iter().flat_map(hec_uids).collect();
    assert_eq!(
        delivered.len(),
        finding_ids(&dir).len(),
        "every finding, once"
    );
    assert_eq!(
        delivered.into_iter().collect::<BTreeSet<_>>(),
        finding_ids(&dir)
    );
    assert!(spool_files(&dir).is_empty());
}

#[test]
fn elastic_bulk_creates_with_stable_ids_retries_items_and_resends_do_not_duplicate() {
    let receiver = Receiver::start();
    receiver.configure(json!({"item_failures": 7}));
    let dir = TempDir::new("elastic");
    let sink = format!("elastic:{}/lockdown-findings", receiver.url);
    let output = demo_scan(&dir, &["--send-to", &sink]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert_no_secret(&output);

    let requests = receiver.requests();
    let batches = finding_ids(&dir).len().div_ceil(SINK_BATCH);
    assert_eq!(
        requests.len(),
        batches + 1,
        "a bulk request per {SINK_BATCH} findings, then one retrying 7 throttled items"
    );
    let mut created = BTreeSet::new();
    for request in &requests {
        assert_eq!(request["path"], "/_bulk");
        assert_eq!(request["headers"]["content-type"], "application/x-ndjson");
        assert_eq!(
            request["headers"]["authorization"],
            format!("ApiKey {ELASTIC_KEY}")
        );
        let body = request["body"].as_str().unwrap();
        assert!(body.ends_with('\n'), "bulk bodies end with a newline");
        let lines = json_lines(body);
        for pair in lines.chunks(2) {
            assert_eq!(pair[0]["create"]["_index"], "lockdown-findings");
            assert_eq!(pair[0]["create"]["_id"], pair[1]["metadata"]["uid"]);
            assert_ne!(pair[1]["metadata"]["uid"], pair[1]["finding_info"]["uid"]);
            assert!(pair[1]["@timestamp"].is_string());
            created.insert(pair[1]["finding_info"]["uid"].as_str().unwrap().to_owned());
        }
    }
    assert!(
        requests
            .iter()
            .any(|r| json_lines(r["body"].as_str().unwrap()).len() == 14),
        "the retry carries the 7 throttled items"
    );
    assert_eq!(created, finding_ids(&dir));

    // The same run sent again (same evaluation) has the same event ids: 409, no duplicates.
    let again = demo_scan(&dir, &["--send-to", &sink]);
    assert_eq!(again.status.code(), Some(0), "{}", describe(&again));
    let ids = |request: &Value| -> BTreeSet<String> {
        json_lines(request["body"].as_str().unwrap())
            .chunks(2)
            .map(|pair| pair[0]["create"]["_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let first_ids: BTreeSet<String> = requests.iter().flat_map(ids).collect();
    let again_ids: BTreeSet<String> = receiver.requests()[requests.len()..]
        .iter()
        .flat_map(ids)
        .collect();
    assert_eq!(again_ids, first_ids);
}

#[test]
fn elastic_stores_every_scheduled_run_not_only_the_first() {
    let receiver = Receiver::start();
    let dir = TempDir::new("elastic-runs");
    let sink = format!("elastic:{}/lockdown-findings", receiver.url);
    let days = [
        "2026-11-01T06:00:00Z",
        "2026-11-02T06:00:00Z",
        "2026-11-03T06:00:00Z",
    ];
    for day in days {
        let output = demo_scan(&dir, &["--send-to", &sink, "--now", day]);
        assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
        assert!(spool_files(&dir).is_empty());
    }
    let findings = finding_ids(&dir).len();
    let mut stored: BTreeSet<String> = BTreeSet::new();
    let mut per_finding: std::collections::BTreeMap<String, usize> = Default::default();
    for request in receiver.requests() {
        for pair in json_lines(request["body"].as_str().unwrap()).chunks(2) {
            assert!(stored.insert(pair[0]["create"]["_id"].as_str().unwrap().to_owned()));
            *per_finding
                .entry(pair[1]["finding_info"]["uid"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    assert_eq!(
        stored.len(),
        findings * days.len(),
        "every event of every run, once"
    );
    assert!(per_finding.values().all(|&n| n == days.len()));
}

impl Receiver {
    /// What the receiver stored, as the service would have indexed it.
    pub(crate) fn stored(&self) -> Value {
        let text = ureq::get(format!("{}/__receiver/stored", self.url))
            .call()
            .expect("read what the receiver stored")
            .into_body()
            .read_to_string()
            .unwrap();
        serde_json::from_str(&text).unwrap()
    }
}

/// Milliseconds since the epoch of an RFC 3339 time.
fn millis(time: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(time.as_str().unwrap())
        .unwrap()
        .timestamp_millis()
}

/// Per run: `(finding id, evaluation time) → statuses` of stored OCSF events (one status
/// when stored exactly once).
type Runs = std::collections::BTreeMap<(String, i64), Vec<String>>;

fn by_run<'e>(events: impl Iterator<Item = &'e Value>) -> Runs {
    let mut runs = Runs::new();
    for event in events {
        runs.entry((
            event["finding_info"]["uid"].as_str().unwrap().to_owned(),
            millis(&event["time_dt"]),
        ))
        .or_default()
        .push(event["status_code"].as_str().unwrap().to_owned());
    }
    runs
}

/// Three scheduled runs (the second with one finding turned PASS → FAIL) delivered through
/// HEC and Elasticsearch receivers that answer 429/503 and drop connections at random:
/// after `lockdown send` has emptied the spool, every event of every run is stored exactly
/// once, and the token never reached the decoy host a planted spool file names.
#[test]
fn soak_three_runs_through_flaky_siems_store_every_event_exactly_once() {
    let days = [
        "2026-11-01T06:00:00Z",
        "2026-11-02T06:00:00Z",
        "2026-11-03T06:00:00Z",
    ];
    let dir = TempDir::new("soak");
    let mut snapshot: Value = crate::harness::demo_snapshot();
    let original = dir.path("day.json");
    std::fs::write(&original, snapshot.to_string()).unwrap();
    for resource in snapshot["resources"].as_array_mut().unwrap() {
        if resource["type"] == "aws.iam.user" && resource["name"] == "alice" {
            resource["attributes"]["mfa_active"] = json!(false);
        }
    }
    let changed = dir.path("changed.json");
    std::fs::write(&changed, snapshot.to_string()).unwrap();

    for kind in ["splunk-hec", "elastic"] {
        let receiver = Receiver::start();
        let decoy = Receiver::start();
        // The first run's attempts all fail (so it is spooled), then 60% of requests fail.
        receiver.configure(json!({
            "fail_first": 2,
            "chaos": {"p429": 0.2, "p503": 0.2, "drop": 0.2, "seed": 11},
        }));
        let sink = match kind {
            "splunk-hec" => format!("splunk-hec:{}", receiver.url),
            _ => format!("elastic:{}/lockdown-findings", receiver.url),
        };
        let spool = dir.path(&format!("spool-{kind}"));
        let mut expected = Runs::new();
        let mut alice = Vec::new();
        for (day, input) in days.iter().zip([&original, &changed, &original]) {
            let results = dir.path(&format!("{kind}-{day}.json"));
            let output = run(lockdown()
                .args([
                    "scan",
                    "--quiet",
                    "--send-attempts",
                    "2",
                    "--now",
                    day,
                    "--snapshot",
                ])
                .arg(input)
                .arg("--output")
                .arg(&results)
                .arg("--spool-dir")
                .arg(&spool)
                .args(["--send-to", &sink])
                .env("LOCKDOWN_SPLUNK_TOKEN", SPLUNK_TOKEN)
                .env("LOCKDOWN_ELASTIC_API_KEY", ELASTIC_KEY));
            assert!(
                matches!(output.status.code(), Some(0 | 5)),
                "{}",
                describe(&output)
            );
            assert_no_secret(&output);
            let report = crate::harness::read_report(&results);
            for finding in report["findings"].as_array().unwrap() {
                expected.insert(
                    (
                        finding["id"].as_str().unwrap().to_owned(),
                        millis(&report["evaluated_at"]),
                    ),
                    vec![finding["status"].as_str().unwrap().to_owned()],
                );
                if finding["check_id"] == "iam_user_console_mfa"
                    && finding["resource"]["name"] == "alice"
                {
                    alice.push(finding["status"].as_str().unwrap().to_owned());
                }
            }
            // Someone plants a spool file for the decoy: it must never be sent there.
            if let Some(genuine) = std::fs::read_dir(&spool).ok().and_then(|mut d| d.next()) {
                let text = std::fs::read_to_string(genuine.unwrap().path()).unwrap();
                let (header, events) = text.split_once('\n').unwrap();
                let mut header: Value = serde_json::from_str(header).unwrap();
                header["sink"] = json!(sink.replace(&receiver.url, &decoy.url));
                let planted =
                    spool.join(format!("00000000-planted-{day}.spool.jsonl").replace(':', ""));
                std::fs::write(&planted, format!("{header}\n{events}")).unwrap();
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    std::fs::set_permissions(&planted, std::fs::Permissions::from_mode(0o600))
                        .unwrap();
                }
            }
            // The operator re-sends until the named sink has everything.
            for _ in 0..20 {
                let pending = std::fs::read_dir(&spool)
                    .map(|d| {
                        d.filter(|e| {
                            !e.as_ref()
                                .unwrap()
                                .file_name()
                                .to_string_lossy()
                                .contains("planted")
                        })
                        .count()
                    })
                    .unwrap_or(0);
                if pending == 0 {
                    break;
                }
                let sent = run(lockdown()
                    .args([
                        "send",
                        "--send-attempts",
                        "3",
                        "--send-to",
                        &sink,
                        "--spool",
                    ])
                    .arg(&spool)
                    .env("LOCKDOWN_SPLUNK_TOKEN", SPLUNK_TOKEN)
                    .env("LOCKDOWN_ELASTIC_API_KEY", ELASTIC_KEY));
                assert!(
                    matches!(sent.status.code(), Some(0 | 5)),
                    "{}",
                    describe(&sent)
                );
                assert_no_secret(&sent);
            }
        }
        let stored = receiver.stored();
        let events: Vec<&Value> = match kind {
            "splunk-hec" => stored["hec"].as_array().unwrap().iter().collect(),
            _ => stored["elastic"].as_object().unwrap().values().collect(),
        };
        let got = by_run(events.into_iter());
        assert_eq!(
            got.len(),
            expected.len(),
            "{kind}: every event of every run"
        );
        assert_eq!(
            got, expected,
            "{kind}: each stored exactly once, with its run's status"
        );
        assert_eq!(
            alice,
            ["PASS", "FAIL", "PASS"],
            "the second run changed one finding"
        );
        assert!(
            decoy.requests().is_empty(),
            "{kind}: the token reached the decoy"
        );
        let requests = receiver.requests().len();
        assert!(
            requests > 6,
            "{kind}: failures were exercised ({requests} requests)"
        );
    }
}

#[test]
fn hec_redirects_and_html_pages_are_not_deliveries_and_the_token_goes_nowhere_else() {
    for mode in ["redirect", "html"] {
        let receiver = Receiver::start();
        receiver.configure(json!({"hec_mode": mode}));
        let dir = TempDir::new(&format!("hec-{mode}"));
        let sink = format!("splunk-hec:{}", receiver.url);
        let output = demo_scan(&dir, &["--send-to", &sink, "--send-attempts", "1"]);
        assert_eq!(
            output.status.code(),
            Some(5),
            "{mode}: {}",
            describe(&output)
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        let total = finding_ids(&dir).len();
        assert!(
            stderr.contains(&format!("{total} of {total} events spooled")),
            "{mode}: {stderr}"
        );
        let paths: Vec<Value> = receiver
            .requests()
            .iter()
            .map(|r| r["path"].clone())
            .collect();
        assert!(
            paths.iter().all(|p| p == "/services/collector/event"),
            "{mode}: a redirect is never followed: {paths:?}"
        );
        assert_no_secret(&output);
    }
}

#[test]
fn send_delivers_only_to_sinks_its_operator_names() {
    let named = Receiver::start();
    let planted = Receiver::start();
    let dir = TempDir::new("spool-trust");
    // A failed delivery to the named sink, and a file planted for another host.
    named.configure(json!({"fail_first": 1000, "fail_status": 503}));
    let named_sink = format!("splunk-hec:{}", named.url);
    let output = demo_scan(&dir, &["--send-to", &named_sink, "--send-attempts", "1"]);
    assert_eq!(output.status.code(), Some(5), "{}", describe(&output));
    let genuine = spool_files(&dir).pop().unwrap();
    let planted_sink = format!("splunk-hec:{}/", planted.url);
    let text = std::fs::read_to_string(&genuine).unwrap();
    let (header, events) = text.split_once('\n').unwrap();
    let mut header: Value = serde_json::from_str(header).unwrap();
    header["sink"] = json!(planted_sink);
    let planted_file = dir.path("spool").join("00000000-planted.spool.jsonl");
    std::fs::write(&planted_file, format!("{header}\n{events}")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&planted_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    named.configure(json!({"fail_first": 0}));
    let sent = run(lockdown()
        .args([
            "send",
            "--send-attempts",
            "1",
            "--send-to",
            &named_sink,
            "--spool",
        ])
        .arg(dir.path("spool"))
        .env("LOCKDOWN_SPLUNK_TOKEN", SPLUNK_TOKEN));
    assert_eq!(sent.status.code(), Some(5), "{}", describe(&sent));
    let stderr = String::from_utf8_lossy(&sent.stderr);
    assert!(
        stderr.contains("which --send-to does not name; left in place"),
        "{stderr}"
    );
    assert!(
        planted.requests().is_empty(),
        "the token never reached the planted host"
    );
    assert!(planted_file.exists());
    assert!(!genuine.exists(), "the named sink's entries were delivered");

    // No sink named: a usage error, nothing sent.
    let unnamed = run(lockdown().args(["send", "--spool"]).arg(dir.path("spool")));
    crate::harness::assert_usage_error(&unnamed, &["--send-to"]);
}

#[test]
fn a_sink_that_stays_down_gets_nothing_lost_and_send_redelivers_the_spool() {
    let receiver = Receiver::start();
    receiver.configure(json!({"fail_first": 1000, "fail_status": 503}));
    let dir = TempDir::new("spool");
    let sink = format!("splunk-hec:{}", receiver.url);
    let output = demo_scan(&dir, &["--send-to", &sink, "--send-attempts", "2"]);
    assert_eq!(output.status.code(), Some(5), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("HTTP 503"), "{stderr}");
    let total = finding_ids(&dir).len();
    assert!(
        stderr.contains(&format!("{total} of {total} events spooled to")),
        "{stderr}"
    );
    assert!(stderr.contains("lockdown send --spool"), "{stderr}");
    assert_no_secret(&output);
    assert_eq!(receiver.requests().len(), 2, "--send-attempts 2");
    let files = spool_files(&dir);
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(
        std::fs::read_to_string(&files[0]).unwrap().lines().count(),
        total + 1,
        "a header and every event"
    );

    // Still down: the spool stays, exit 5.
    let send = || {
        run(lockdown()
            .args([
                "send",
                "--send-attempts",
                "1",
                "--send-to",
                &sink,
                "--spool",
            ])
            .arg(dir.path("spool"))
            .env("LOCKDOWN_SPLUNK_TOKEN", SPLUNK_TOKEN))
    };
    let failed = send();
    assert_eq!(failed.status.code(), Some(5), "{}", describe(&failed));
    assert_eq!(spool_files(&dir).len(), 1);

    receiver.configure(json!({"fail_first": 0}));
    let before = receiver.requests().len();
    let sent = send();
    assert_eq!(sent.status.code(), Some(0), "{}", describe(&sent));
    assert!(
        spool_files(&dir).is_empty(),
        "a delivered spool file is removed"
    );
    let delivered: BTreeSet<String> = receiver.requests()[before..]
        .iter()
        .flat_map(hec_uids)
        .collect();
    assert_eq!(
        delivered,
        finding_ids(&dir),
        "every finding arrived after re-delivery"
    );
}

/// PagerDuty: a valid Events API v2 trigger for each failure at or above the alert severity
/// (the finding id as dedup_key), after a throttled first attempt; events PagerDuty refuses
/// are spooled, not lost, and `lockdown send` delivers them; the routing key never shows.
#[test]
fn pagerduty_gets_a_trigger_per_failure_at_the_alert_severity_and_refusals_spool() {
    let receiver = Receiver::start();
    receiver.configure(json!({"fail_first": 1, "fail_status": 429}));
    let dir = TempDir::new("pagerduty");
    let sink = format!("pagerduty:{}/v2/enqueue", receiver.url);
    let output = demo_scan(&dir, &["--send-to", &sink, "--alert-severity", "high"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert_no_secret(&output);

    let report = crate::harness::read_report(&dir.path("results.json"));
    let paging: BTreeSet<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["status"] == "FAIL"
                && matches!(f["severity"].as_str(), Some("high" | "critical"))
                && f.get("suppression").is_none()
        })
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!paging.is_empty(), "the demo has high failures");
    let stored = receiver.stored()["pagerduty"].as_array().unwrap().clone();
    let keys: BTreeSet<String> = stored
        .iter()
        .map(|e| e["dedup_key"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(keys, paging, "one trigger per paging failure");
    assert_eq!(stored.len(), paging.len());
    for event in &stored {
        assert_eq!(event["event_action"], "trigger");
        assert_eq!(event["routing_key"], PAGERDUTY_KEY);
        // The resource: an AWS ARN, or the API address of an Okta object.
        let source = event["payload"]["source"].as_str().unwrap();
        assert!(
            source.starts_with("arn:") || source.starts_with("https://acme.okta.com/api/v1/"),
            "{source}"
        );
        assert!(matches!(
            event["payload"]["severity"].as_str(),
            Some("critical" | "error")
        ));
        assert!(event["payload"]["custom_details"]["remediation"].is_object());
    }

    // PagerDuty refuses (400): nothing lost, the key not in the spool, and send delivers.
    let refused = Receiver::start();
    refused.configure(json!({"fail_first": 1000, "fail_status": 400}));
    let dir = TempDir::new("pagerduty-refused");
    let sink = format!("pagerduty:{}/v2/enqueue", refused.url);
    let output = demo_scan(&dir, &["--send-to", &sink]);
    assert_eq!(output.status.code(), Some(5), "{}", describe(&output));
    assert_eq!(refused.requests().len(), 1, "a 400 is not retried");
    let spooled = spool_files(&dir);
    assert_eq!(spooled.len(), 1);
    let text = std::fs::read_to_string(&spooled[0]).unwrap();
    assert!(
        !text.contains(PAGERDUTY_KEY),
        "the routing key is never spooled"
    );
    assert_eq!(text.lines().count(), paging.len() + 1);
    refused.configure(json!({"fail_first": 0}));
    let sent = run(lockdown()
        .args(["send", "--send-to", &sink, "--spool"])
        .arg(dir.path("spool"))
        .env("LOCKDOWN_PAGERDUTY_ROUTING_KEY", PAGERDUTY_KEY));
    assert_eq!(sent.status.code(), Some(0), "{}", describe(&sent));
    assert_eq!(
        refused.stored()["pagerduty"].as_array().unwrap().len(),
        paging.len()
    );
}

#[test]
fn sink_problems_known_before_the_scan_are_usage_errors() {
    let output = run(lockdown().args([
        "scan",
        "--demo",
        "--send-to",
        "splunk-hec:https://splunk:8088",
    ]));
    crate::harness::assert_usage_error(&output, &["LOCKDOWN_SPLUNK_TOKEN"]);
    let output = run(lockdown().args(["scan", "--demo", "--send-to", "kafka:broker"]));
    crate::harness::assert_usage_error(&output, &["unknown sink `kafka:broker`", "splunk-hec:URL"]);
    let output = run(lockdown().args([
        "scan",
        "--demo",
        "--send-to",
        "elastic:https://elastic:changeme@es:9200/findings",
    ]));
    crate::harness::assert_usage_error(&output, &["credentials do not belong in the URL"]);
    let output = run(lockdown().args([
        "send",
        "--send-to",
        "stdout",
        "--spool",
        "/nonexistent/spool",
    ]));
    crate::harness::assert_usage_error(&output, &["/nonexistent/spool"]);
    let output = run(lockdown()
        .args([
            "scan",
            "--demo",
            "--send-to",
            "splunk-hec:http://splunk.example.com:8088",
        ])
        .env("LOCKDOWN_SPLUNK_TOKEN", SPLUNK_TOKEN));
    crate::harness::assert_usage_error(&output, &["clear text", "--allow-insecure-http"]);
}

/// The one object in `bucket`: its key, whether it is SSE-S3 encrypted, and its events' uids.
pub(crate) async fn only_object(
    account: &TestAccount,
    bucket: &str,
) -> (String, bool, BTreeSet<String>) {
    let config = account.sdk_config().await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    let objects = s3.list_objects_v2().bucket(bucket).send().await.unwrap();
    let keys: Vec<&str> = objects.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let object = s3
        .get_object()
        .bucket(bucket)
        .key(keys[0])
        .send()
        .await
        .unwrap();
    let encrypted =
        object.server_side_encryption() == Some(&aws_sdk_s3::types::ServerSideEncryption::Aes256);
    let body = object.body.collect().await.unwrap().into_bytes();
    let uids = json_lines(std::str::from_utf8(&body).unwrap())
        .iter()
        .map(|e| e["finding_info"]["uid"].as_str().unwrap().to_owned())
        .collect();
    (keys[0].to_owned(), encrypted, uids)
}

/// A live scan of `account` in us-east-1 with `checks`, results in `dir/results.json`.
fn live_scan(account: &TestAccount, dir: &TempDir, checks: &str, extra: &[&str]) -> Output {
    run(account
        .lockdown()
        .args([
            "scan",
            "--quiet",
            "--regions",
            "us-east-1",
            "--checks",
            checks,
        ])
        .arg("--output")
        .arg(dir.path("results.json"))
        .arg("--spool-dir")
        .arg(dir.path("spool"))
        .args(extra))
}

#[tokio::test]
async fn s3_and_security_hub_receive_a_live_scan_on_moto() {
    let account = TestAccount::new().await;
    account.expect_writes();
    let bucket = format!("lockdown-findings-{}", account.id);
    account.create_bucket(&bucket);
    let dir = TempDir::new("aws-sinks");
    let sink = format!("s3://{bucket}/scans");
    let output = live_scan(
        &account,
        &dir,
        "iam_*,s3_*",
        &["--send-to", &sink, "--send-to", "securityhub"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let ids = finding_ids(&dir);
    assert!(ids.len() > 10);

    let (key, encrypted, uids) = only_object(&account, &bucket).await;
    assert!(
        key.starts_with(&format!("scans/account={}/year=", account.id)),
        "{key}"
    );
    assert!(encrypted, "the object is encrypted at rest");
    assert_eq!(uids, ids);

    let hub = aws_sdk_securityhub::Client::new(&account.sdk_config().await);
    let findings: Vec<aws_sdk_securityhub::types::AwsSecurityFinding> = hub
        .get_findings()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await
        .unwrap();
    assert_eq!(findings.len(), ids.len());
    let report = crate::harness::read_report(&dir.path("results.json"));
    for finding in &findings {
        let id = finding.id().unwrap().rsplit('/').next().unwrap();
        let original = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .expect("a finding of the scan");
        let expected = match original["status"].as_str().unwrap() {
            "PASS" => "PASSED",
            "FAIL" => "FAILED",
            "ERROR" => "WARNING",
            _ => "NOT_AVAILABLE",
        };
        let compliance = finding.compliance().unwrap();
        assert_eq!(compliance.status().unwrap().as_str(), expected);
        assert!(!compliance.related_requirements().is_empty());
        assert_eq!(finding.aws_account_id(), Some(account.id.as_str()));
        assert!(
            finding
                .product_arn()
                .unwrap()
                .starts_with("arn:aws:securityhub:us-east-1:")
        );
        assert_eq!(
            finding.resources()[0].id(),
            original["resource"]["arn"].as_str()
        );
    }
}

#[tokio::test]
async fn an_s3_sink_that_fails_spools_and_send_delivers_once_the_bucket_exists() {
    let account = TestAccount::new().await;
    account.expect_writes();
    let dir = TempDir::new("s3-spool");
    let bucket = format!("lockdown-late-{}", account.id);
    let sink = format!("s3://{bucket}/scans");
    let output = live_scan(&account, &dir, "iam_password_*", &["--send-to", &sink]);
    assert_eq!(output.status.code(), Some(5), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("s3:PutObject") && stderr.contains("NoSuchBucket"),
        "{stderr}"
    );
    assert_eq!(spool_files(&dir).len(), 1);

    account.create_bucket(&bucket);
    let sent = run(account
        .lockdown()
        .args(["send", "--send-to", &sink, "--spool"])
        .arg(dir.path("spool")));
    assert_eq!(sent.status.code(), Some(0), "{}", describe(&sent));
    assert!(spool_files(&dir).is_empty());
    let (_, _, uids) = only_object(&account, &bucket).await;
    assert_eq!(
        uids,
        finding_ids(&dir),
        "every finding arrived after re-delivery"
    );
}
