//! The scan history over a synthetic year: daily runs of an account, a share of findings
//! changing status each day. Reports the time to record one run, the database size, and the
//! time of a six-month SOC 2 period report.
//!
//! `cargo bench --bench history`; `LOCKDOWN_HISTORY_RESOURCES=10000 LOCKDOWN_HISTORY_DAYS=365`
//! set the account size and the number of days (defaults: 2,000 resources, 60 days).

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use lockdown::evaluate::{Catalog, Check, Finding, Status, evaluate};
use lockdown::history::{RunMeta, Store, period};
use lockdown::inventory::synthetic;
use lockdown::map::Mappings;
use std::time::Instant;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn meta(day: i64) -> RunMeta {
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 6, 0, 0).unwrap() + Duration::days(day);
    RunMeta {
        started_at: at,
        evaluated_at: at,
        finished_at: at + Duration::minutes(5),
        accounts: vec!["123456789012".into()],
        regions: vec!["us-east-1".into()],
        lockdown_version: "bench".into(),
        check_ids: vec![],
        parameters: serde_json::json!({}),
        collection_errors: 0,
    }
}

/// 1% of findings flip between PASS and FAIL each day (deterministically).
fn churn(findings: &mut [Finding], day: i64) {
    let step = 100;
    for (i, finding) in findings.iter_mut().enumerate() {
        if (i as i64 + day) % step == 0 {
            finding.status = match finding.status {
                Status::Pass => Status::Fail,
                Status::Fail => Status::Pass,
                other => other,
            };
        }
    }
}

fn history(c: &mut Criterion) {
    let resources = env("LOCKDOWN_HISTORY_RESOURCES", 2_000);
    let days = env("LOCKDOWN_HISTORY_DAYS", 60) as i64;
    let catalog = Catalog::load(&[]).unwrap();
    let mappings = Mappings::load(&catalog.checks, &[]).unwrap();
    let snapshot = synthetic::snapshot(resources, 1);
    let checks: Vec<&Check> = catalog.checks.iter().collect();
    let mut findings = evaluate(
        &snapshot,
        &checks,
        &catalog.env,
        snapshot.collection.finished_at,
    );
    mappings.annotate(&mut findings);

    let dir = std::env::temp_dir().join(format!("lockdown-bench-history-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("history.db");
    let mut store = Store::open(&path).unwrap();
    let started = Instant::now();
    for day in 0..days {
        churn(&mut findings, day);
        store.record(&meta(day), &findings).unwrap();
    }
    let per_run = started.elapsed() / days as u32;
    let size: u64 = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    eprintln!(
        "history: {resources} resources, {} findings/run, {days} runs: {:.1} MB on disk, {:?} per run recorded",
        findings.len(),
        size as f64 / 1e6,
        per_run
    );

    let mut day = days;
    c.bench_function("record one run", |b| {
        b.iter(|| {
            churn(&mut findings, day);
            store.record(&meta(day), &findings).unwrap();
            day += 1;
        })
    });
    let soc2 = mappings.framework("soc2").unwrap();
    let from = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let to = from + Duration::days(181);
    c.bench_function("six-month SOC 2 period report", |b| {
        b.iter(|| period::report(&store, soc2, from, to).unwrap())
    });
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = history
}
criterion_main!(benches);
