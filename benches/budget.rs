//! The request budget under throttling, on the emulator (needs the test venv).
//!
//! 1. AWS's own throttling emulated by the proxy (a token bucket of `LOCKDOWN_BENCH_RATE`,
//!    default 25, requests a second per service and region): throttled calls and wall time of
//!    a scan without a budget (`--request-rate 0`), with the default budget, and with S3
//!    budgeted too.
//! 2. Ten consecutive scans under 20% throttling, 5% server errors and 2% dropped connections
//!    (the proxy's random faults), with the default budget: how many change any finding.
//!
//! ```sh
//! cargo bench --bench budget
//! ```

#[path = "support/emulator.rs"]
mod emulator;
#[path = "support/process.rs"]
mod process;
#[path = "support/seed.rs"]
mod seed;

use aws_config::{BehaviorVersion, Region};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// moto uses a 12-digit access key id as the account id.
const ACCOUNT: &str = "420000000001";
const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

/// 20 IAM users, 10 buckets, 5 KMS keys and 10 security groups per region.
async fn seed(url: &str) {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new("us-east-1"))
        .load()
        .await;
    let counts = seed::Counts {
        users: 20,
        buckets: 10,
        keys_per_region: 5,
        groups_per_region: 10,
    };
    seed::account(&config, &REGIONS, "budget-bench", counts).await;
}

/// Sets the proxy's fault plan for the account (counts start again from zero).
fn faults(url: &str, plan: serde_json::Value) {
    let mut plan = plan;
    plan["access_key"] = ACCOUNT.into();
    ureq::post(format!("{url}/__proxy/faults"))
        .send(plan.to_string().as_bytes())
        .expect("set a fault plan");
}

/// How many faults the proxy injected, by kind.
fn injected(url: &str) -> serde_json::Value {
    let text = ureq::get(format!("{url}/__proxy/faults?access_key={ACCOUNT}"))
        .call()
        .expect("read injected faults")
        .into_body()
        .read_to_string()
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// One scan: its wall time in seconds and every finding's id → status.
fn scan(url: &str, out: &Path, extra: &[&str]) -> (f64, BTreeMap<String, String>) {
    let (wall, _) = process::measure(
        Command::new(env!("CARGO_BIN_EXE_lockdown"))
            .args([
                "--quiet",
                "scan",
                "--regions",
                &REGIONS.join(","),
                "--output",
            ])
            .arg(out)
            .args(extra)
            .env("AWS_ENDPOINT_URL", url)
            .stderr(std::process::Stdio::null()),
    );
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap();
    let statuses = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_owned(),
                f["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (wall.as_secs_f64(), statuses)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let rate: u32 = std::env::var("LOCKDOWN_BENCH_RATE")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(25);
    let (_moto, url) = emulator::start();
    // SAFETY: set before any other thread of this process reads the environment.
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", ACCOUNT);
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "bench");
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    }
    tokio::runtime::Runtime::new().unwrap().block_on(seed(&url));
    let out = std::env::temp_dir().join(format!("lockdown-budget-{}.json", std::process::id()));
    let (clean_wall, clean) = scan(&url, &out, &[]);
    println!("clean scan: {clean_wall:.1} s, {} findings", clean.len());

    println!("AWS-like throttling at {rate} requests/s per service and region:");
    println!("budget             throttled  wall s  findings changed");
    // The default budget leaves S3 unlimited (its real rates are per bucket, which the
    // emulated per-service throttle does not model): the last row budgets it too.
    for (name, extra) in [
        ("none", &["--request-rate", "0"][..]),
        ("default", &[][..]),
        ("default, s3=20", &["--service-rate", "s3=20"][..]),
    ] {
        faults(&url, serde_json::json!({ "rate": rate, "burst": rate }));
        let (wall, statuses) = scan(&url, &out, extra);
        let changed = clean
            .iter()
            .filter(|(id, s)| statuses.get(*id) != Some(s))
            .count();
        println!(
            "{name:<17}  {:>9}  {wall:>6.1}  {changed:>16}",
            injected(&url)["throttle"]
        );
    }

    println!("10 scans under 20% throttling, 5% server errors, 2% resets (default budget):");
    let mut changed_scans = 0;
    for run in 0..10 {
        faults(
            &url,
            serde_json::json!({ "throttle": 0.2, "server_error": 0.05, "reset": 0.02, "seed": run }),
        );
        let (wall, statuses) = scan(&url, &out, &["--max-attempts", "10"]);
        let changed = clean
            .iter()
            .filter(|(id, s)| statuses.get(*id) != Some(s))
            .count();
        changed_scans += usize::from(changed > 0);
        println!(
            "  run {run}: {wall:.1} s, injected {}, findings changed {changed}",
            injected(&url)
        );
    }
    println!("scans that changed a finding: {changed_scans} of 10");
    let _ = std::fs::remove_file(out);
}
