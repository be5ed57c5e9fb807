//! Output encoding and delivery of 10,000 findings: every format's speed and size, and delivery
//! throughput to Splunk HEC and Elasticsearch `_bulk` endpoints on loopback (a minimal local
//! HTTP receiver that accepts everything, so the figures are lockdown's own cost).
//!
//! `cargo bench --bench emit`; sizes are printed to stderr.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lockdown::emit::sink::{self, Sink, SinkContext};
use lockdown::emit::{Format, Report, ocsf};
use lockdown::evaluate::{Catalog, Check, evaluate};
use lockdown::inventory::synthetic;
use lockdown::map::Mappings;
use lockdown::map::report::framework_report;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

const FINDINGS: usize = 10_000;

/// Serves HTTP/1.1 on loopback, answering every POST with success (a bulk answer for `_bulk`).
fn accept_all_receiver() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            stream.set_nodelay(true).unwrap();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut stream = stream;
                loop {
                    let mut request_line = String::new();
                    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut length = 0;
                    loop {
                        let mut header = String::new();
                        reader.read_line(&mut header).unwrap();
                        if header.trim().is_empty() {
                            break;
                        }
                        if let Some((name, value)) = header.split_once(':')
                            && name.eq_ignore_ascii_case("content-length")
                        {
                            length = value.trim().parse().unwrap();
                        }
                    }
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).unwrap();
                    let answer = if request_line.contains("/_bulk") {
                        let items = body.iter().filter(|b| **b == b'\n').count() / 2;
                        let item = r#"{"create":{"status":201}}"#;
                        format!(
                            r#"{{"errors":false,"items":[{}]}}"#,
                            vec![item; items].join(",")
                        )
                    } else {
                        r#"{"text":"Success","code":0}"#.to_owned()
                    };
                    // One write: split writes meet Nagle's algorithm and delayed ACKs.
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{answer}",
                        answer.len()
                    );
                    stream.write_all(response.as_bytes()).unwrap();
                }
            });
        }
    });
    format!("http://{address}")
}

fn bench_emit(c: &mut Criterion) {
    let catalog = Catalog::load(&[]).expect("built-in checks load");
    let checks: Vec<&Check> = catalog.checks.iter().collect();
    let mappings = Mappings::load(&catalog.checks, &[]).expect("mappings load");
    let snapshot = synthetic::snapshot(4_000, 7);
    let now = snapshot.collection.finished_at;
    let mut findings = evaluate(&snapshot, &checks, &catalog.env, now);
    assert!(findings.len() >= FINDINGS, "{} findings", findings.len());
    findings.truncate(FINDINGS);
    mappings.annotate(&mut findings);
    let soc2 = mappings.framework("soc2").expect("soc2");
    let compliance = vec![framework_report(&mappings, soc2, &findings, &[])];
    let resources = lockdown::emit::ResourceCounts::of(&snapshot);
    let report = Report::new(
        &snapshot,
        &resources,
        &findings,
        checks.len(),
        now,
        compliance,
    );

    let mut group = c.benchmark_group(format!("emit/{FINDINGS}_findings"));
    group.sample_size(10);
    group.throughput(Throughput::Elements(FINDINGS as u64));
    for format in [
        Format::Json,
        Format::Ndjson,
        Format::Ocsf,
        Format::Asff,
        Format::Csv,
        Format::Html,
    ] {
        let mut out = Vec::new();
        format.write(&report, &mut out).expect("encode");
        eprintln!(
            "{format:?}: {} bytes for {FINDINGS} findings (soc2 compliance events included)",
            out.len()
        );
        group.bench_function(format!("{format:?}").to_lowercase(), |b| {
            b.iter(|| {
                let mut out = Vec::with_capacity(out.len());
                format.write(&report, &mut out).expect("encode");
                out
            })
        });
    }
    group.finish();

    let url = accept_all_receiver();
    // SAFETY: set before any thread of the benchmark reads the environment.
    unsafe { std::env::set_var("LOCKDOWN_SPLUNK_TOKEN", "bench-token") };
    let events: Vec<_> = report
        .findings()
        .iter()
        .map(|f| ocsf::detection_finding(&report, f))
        .collect();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let context = SinkContext {
        aws: aws_config::SdkConfig::builder().build(),
        attempts: 1,
        alert_severity: lockdown::evaluate::Severity::High,
    };
    let mut group = c.benchmark_group(format!("deliver/{FINDINGS}_findings"));
    group.sample_size(10);
    group.throughput(Throughput::Elements(FINDINGS as u64));
    for (name, spec) in [
        ("splunk_hec", format!("splunk-hec:{url}")),
        ("elastic_bulk", format!("elastic:{url}/findings")),
    ] {
        let sink: Sink = spec.parse().unwrap();
        group.bench_function(name, |b| {
            b.iter(|| {
                let delivery = runtime.block_on(sink::deliver(&sink, events.clone(), &context));
                assert_eq!(delivery.delivered, FINDINGS, "{:?}", delivery.error);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_emit);
criterion_main!(benches);
