//! An Okta org of 10,000 users on the local stand-in of Okta's Management API
//! (tests/support/okta_standin.py): wall time and API calls of collecting and evaluating it.
//! Needs the test venv (`bash .ci/test.sh` creates `.venv`). Run:
//!
//! ```sh
//! cargo bench --bench okta_scan
//! LOCKDOWN_BENCH_USERS=1000 cargo bench --bench okta_scan
//! ```

#[path = "support/scan.rs"]
mod scan;

use criterion::{Criterion, criterion_group, criterion_main};
use lockdown::collect::okta::OktaOptions;
use lockdown::collect::{self, CollectOptions};
use lockdown::evaluate::{Catalog, Selection};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "00bench-token-not-real";

/// The stand-in on a free port, with `users` generated users.
fn start_standin(users: usize) -> (Child, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = std::env::var("LOCKDOWN_TEST_PYTHON")
        .map(Into::into)
        .unwrap_or_else(|_| root.join(".venv/bin/python"));
    let mut child = Command::new(python)
        .arg(root.join("tests/support/okta_standin.py"))
        .arg(TOKEN)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the Okta stand-in: run `bash .ci/test.sh` once to create .venv");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = format!(
        "http://127.0.0.1:{}",
        line.trim().trim_start_matches("READY ")
    );
    ureq::post(format!("{url}/__standin/users?count={users}"))
        .send(&b""[..])
        .expect("generate users");
    (child, url)
}

fn bench_okta_scan(c: &mut Criterion) {
    let users: usize = std::env::var("LOCKDOWN_BENCH_USERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let (mut standin, url) = start_standin(users);
    // SAFETY: set before any other thread of this process reads the environment.
    unsafe { std::env::set_var(collect::okta::TOKEN_VARIABLE, TOKEN) };
    let options = CollectOptions {
        okta: Some(OktaOptions::from_env(&url).unwrap()),
        aws: false,
        ..CollectOptions::default()
    };
    let catalog = Catalog::load(&[]).unwrap();
    let checks = catalog
        .select(&Selection {
            patterns: vec!["okta_*".into()],
            ..Selection::default()
        })
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let scan = || scan::collect_and_evaluate(&runtime, &options, &catalog, &checks);
    let started = Instant::now();
    let (snapshot, findings) = scan();
    let calls: u64 = snapshot.collection.api_calls.values().sum();
    eprintln!(
        "one Okta scan of {users} users: {:.2} s, {} resources, {findings} findings, {calls} API calls {:?}",
        started.elapsed().as_secs_f64(),
        snapshot.resources.len(),
        snapshot.collection.api_calls
    );
    let mut group = c.benchmark_group("okta_scan");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(1));
    group.bench_function(format!("collect_and_evaluate_{users}_users"), |b| {
        b.iter(scan)
    });
    group.finish();
    let _ = standin.kill();
}

criterion_group!(benches, bench_okta_scan);
criterion_main!(benches);
