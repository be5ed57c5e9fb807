//! Evaluation throughput of the full check set on synthetic inventories, a hand-written native
//! Rust baseline for three representative checks (so the CEL engine's cost is a measured
//! ratio), and snapshot save/load.
//!
//! `cargo bench --bench evaluate`; `LOCKDOWN_BENCH_SIZES=10000,100000` limits the sizes.

use chrono::{DateTime, Duration, Utc};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lockdown::evaluate::finding::{Evidence, Finding, FindingResource, finding_id};
use lockdown::evaluate::{Catalog, Check, Selection, Status, evaluate};
use lockdown::inventory::{ResourceData, Snapshot, synthetic};
use rayon::prelude::*;
use std::sync::Arc;

const BASELINE_CHECKS: [&str; 3] = [
    "iam_user_console_mfa",
    "iam_access_key_rotated",
    "iam_inline_policy_no_full_admin",
];

fn sizes() -> Vec<usize> {
    std::env::var("LOCKDOWN_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000, 1_000_000])
}

/// Check × resource pairs a check set evaluates on a snapshot.
fn evaluations(snapshot: &Snapshot, checks: &[&Check]) -> u64 {
    snapshot
        .resources
        .iter()
        .map(|r| {
            checks
                .iter()
                .filter(|c| c.def.resource == r.resource_type())
                .count() as u64
        })
        .sum()
}

fn native_finding(
    check: &Check,
    r: &lockdown::inventory::Resource,
    status: Status,
    evidence: &[(&str, serde_json::Value)],
    now: DateTime<Utc>,
) -> Finding {
    let values: Vec<(&str, String)> = evidence
        .iter()
        .map(|(name, value)| (*name, value.to_string()))
        .collect();
    let evidence = Evidence::from_json_values(values.iter().map(|(n, v)| (*n, v.as_str())));
    Finding {
        id: finding_id(&check.def.id, &r.account_id, &r.region, &r.arn),
        check_id: check.shared.id.clone(),
        title: check.shared.title.clone(),
        status,
        severity: check.def.severity,
        reason: None,
        resource: Arc::new(FindingResource {
            arn: r.arn.clone(),
            resource_type: r.resource_type().to_owned(),
            name: r.name.clone(),
            region: r.region.clone(),
            account_id: r.account_id.clone(),
        }),
        evidence,
        error: None,
        remediation: check.shared.remediation.clone(),
        refs: check.shared.refs.clone(),
        controls: Default::default(),
        compliance: Default::default(),
        suppression: None,
        change: None,
        evaluated_at: now,
    }
}

/// The three baseline checks written in Rust, producing the same findings as the CEL engine.
fn native(snapshot: &Snapshot, checks: &[&Check], now: DateTime<Utc>) -> Vec<Finding> {
    let [mfa, rotation, inline] = [0, 1, 2].map(|i| checks[i]);
    let mut findings: Vec<Finding> = snapshot
        .resources
        .par_iter()
        .flat_map_iter(|r| {
            let mut out = Vec::new();
            match &r.data {
                ResourceData::IamUser(u) => {
                    let status = match (u.password_enabled, u.mfa_active) {
                        (Some(false), _) => Status::NotApplicable,
                        (Some(true), Some(true)) => Status::Pass,
                        (Some(true), Some(false)) => Status::Fail,
                        _ => Status::Error,
                    };
                    out.push(native_finding(
                        mfa,
                        r,
                        status,
                        &[
                            ("mfa_active", u.mfa_active.into()),
                            ("password_enabled", u.password_enabled.into()),
                        ],
                        now,
                    ));
                    let max_age = Duration::days(90);
                    let status =
                        if !u.access_keys.iter().any(|k| k.active) {
                            Status::NotApplicable
                        } else if u.access_keys.iter().all(|k| {
                            !k.active || k.last_rotated.is_some_and(|t| now - t <= max_age)
                        }) {
                            Status::Pass
                        } else {
                            Status::Fail
                        };
                    let keys = serde_json::to_value(&u.access_keys).unwrap_or_default();
                    out.push(native_finding(
                        rotation,
                        r,
                        status,
                        &[("access_keys", keys)],
                        now,
                    ));
                }
                ResourceData::IamInlinePolicy(p) => {
                    let status = match p.grants_full_admin {
                        Some(false) => Status::Pass,
                        Some(true) => Status::Fail,
                        None => Status::Error,
                    };
                    let evidence = [("grants_full_admin", p.grants_full_admin.into())];
                    out.push(native_finding(inline, r, status, &evidence, now));
                }
                _ => {}
            }
            out
        })
        .collect();
    findings.par_sort_unstable_by(|a, b| {
        (&a.check_id, &a.resource.arn).cmp(&(&b.check_id, &b.resource.arn))
    });
    findings
}

fn bench_evaluation(c: &mut Criterion) {
    let catalog = Catalog::load(&[]).expect("built-in checks load");
    let all: Vec<&Check> = catalog.checks.iter().collect();
    let baseline = catalog
        .select(&Selection {
            patterns: BASELINE_CHECKS.map(str::to_owned).to_vec(),
            ..Selection::default()
        })
        .expect("baseline checks exist");
    let ordered: Vec<&Check> = BASELINE_CHECKS
        .iter()
        .map(|id| *baseline.iter().find(|c| c.id() == *id).unwrap())
        .collect();

    for size in sizes() {
        let snapshot = synthetic::snapshot(size, 42);
        let now = snapshot.collection.finished_at;
        // The baseline must agree with the engine, or the ratio means nothing.
        let statuses = |f: Vec<Finding>| {
            f.into_iter()
                .map(|f| (f.check_id, f.resource.arn.clone(), f.status))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            statuses(native(&snapshot, &ordered, now)),
            statuses(evaluate(&snapshot, &baseline, &catalog.env, now))
        );

        let mut group = c.benchmark_group(format!("evaluate/{size}_resources"));
        group.sample_size(10);
        group.throughput(Throughput::Elements(evaluations(&snapshot, &all)));
        group.bench_function(BenchmarkId::new("cel", "all_checks"), |b| {
            b.iter(|| evaluate(&snapshot, &all, &catalog.env, now))
        });
        group.throughput(Throughput::Elements(evaluations(&snapshot, &baseline)));
        group.bench_function(BenchmarkId::new("cel", "3_checks"), |b| {
            b.iter(|| evaluate(&snapshot, &baseline, &catalog.env, now))
        });
        group.bench_function(BenchmarkId::new("native", "3_checks"), |b| {
            b.iter(|| native(&snapshot, &ordered, now))
        });
        group.finish();
    }
}

fn bench_snapshot_io(c: &mut Criterion) {
    let snapshot = synthetic::snapshot(100_000, 42);
    let path = std::env::temp_dir().join(format!("lockdown-bench-{}.json", std::process::id()));
    snapshot.save(&path).expect("save");
    let mut group = c.benchmark_group("snapshot/100000_resources");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(
        std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
    ));
    group.bench_function("save", |b| b.iter(|| snapshot.save(&path).expect("save")));
    group.bench_function("load", |b| b.iter(|| Snapshot::load(&path).expect("load")));
    group.finish();
    let _ = std::fs::remove_file(path);
}

criterion_group!(benches, bench_evaluation, bench_snapshot_io);
criterion_main!(benches);
