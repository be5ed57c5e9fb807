//! An organization scan on the emulator: `lockdown scan --org` over N member accounts (moto
//! isolates accounts by access key id; the scan assumes OrganizationAccountAccessRole in each),
//! for N = 1, 10, 50, directly and with `--source config`. Prints wall time, API calls, peak
//! RSS, resources and calls per resource, and the scaling exponents. Needs the test venv
//! (`bash .ci/test.sh` creates `.venv` with moto).
//!
//! ```sh
//! cargo bench --bench org_scan
//! LOCKDOWN_BENCH_ACCOUNTS=1,10 cargo bench --bench org_scan
//! ```

#[path = "support/emulator.rs"]
mod emulator;
#[path = "support/process.rs"]
mod process;
#[path = "support/scaling.rs"]
mod scaling;
#[path = "support/seed.rs"]
mod seed;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use std::process::Command;

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
/// moto creates this role in every account made with CreateAccount.
const ROLE: &str = "OrganizationAccountAccessRole";

async fn config(url: &str, credentials: aws_config::sts::AssumeRoleProvider) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new("us-east-1"))
        .credentials_provider(credentials)
        .load()
        .await
}

/// A few resources of each common kind in a member account: 3 IAM users, 2 buckets, and per
/// region a KMS key and 2 security groups (beside moto's default VPC, subnets and groups).
async fn seed_member(member: &SdkConfig, index: usize) {
    let counts = seed::Counts {
        users: 3,
        buckets: 2,
        keys_per_region: 1,
        groups_per_region: 2,
    };
    seed::account(member, &REGIONS, &format!("org-bench-{index}"), counts).await;
}

/// The management account's configuration, with its organization created.
async fn management(url: &str) -> SdkConfig {
    let base = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new("us-east-1"))
        .load()
        .await;
    aws_sdk_organizations::Client::new(&base)
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    base
}

/// Adds seeded member accounts `from..to` to the organization (moto keeps one organization).
async fn add_members(url: &str, base: &SdkConfig, from: usize, to: usize) {
    let organizations = aws_sdk_organizations::Client::new(base);
    for index in from..to {
        let created = organizations
            .create_account()
            .account_name(format!("member-{index}"))
            .email(format!("member-{index}@example.com"))
            .send()
            .await
            .unwrap();
        let id = created.create_account_status.unwrap().account_id.unwrap();
        let role = format!("arn:aws:iam::{id}:role/{ROLE}");
        let credentials = aws_config::sts::AssumeRoleProvider::builder(role)
            .session_name("seed")
            .configure(base)
            .build()
            .await;
        seed_member(&config(url, credentials).await, index).await;
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let sizes: Vec<usize> = std::env::var("LOCKDOWN_BENCH_ACCOUNTS")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 10, 50]);
    let (_moto, url) = emulator::start();
    // moto uses a 12-digit access key id as the account id.
    let management_id = "410000000001";
    // SAFETY: set before any other thread of this process reads the environment.
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", management_id);
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "bench");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let base = runtime.block_on(management(&url));
    let mut created = 0;
    let dir = std::env::temp_dir().join(format!("lockdown-org-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    println!("source  accounts  resources  API calls  calls/resource  wall s  peak RSS MB");
    let mut points: std::collections::BTreeMap<&str, Vec<(f64, f64, f64)>> = Default::default();
    for &members in &sizes {
        runtime.block_on(add_members(&url, &base, created, members));
        created = created.max(members);
        for (source, extra) in [("direct", &[][..]), ("config", &["--source", "config"][..])] {
            let out = dir.join(format!("{members}-{source}.json"));
            let (wall, rss) = process::measure(
                Command::new(env!("CARGO_BIN_EXE_lockdown"))
                    .args(["--quiet", "scan", "--org", "--org-role-name", ROLE])
                    .args(["--exclude-accounts", management_id])
                    .args(["--regions", &REGIONS.join(","), "--output"])
                    .arg(&out)
                    .args(extra)
                    .env("AWS_ENDPOINT_URL", &url)
                    .env("AWS_REGION", "us-east-1")
                    .stderr(std::process::Stdio::null()),
            );
            let report: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
            let calls: u64 = report["collection"]["api_calls"]
                .as_object()
                .unwrap()
                .values()
                .filter_map(serde_json::Value::as_u64)
                .sum();
            let resources = report["summary"]["resources"].as_u64().unwrap_or(0);
            println!(
                "{source:<6}  {members:>8}  {resources:>9}  {calls:>9}  {:>14.2}  {:>6.1}  {:>11.0}",
                calls as f64 / resources.max(1) as f64,
                wall.as_secs_f64(),
                rss as f64 / 1e6
            );
            points.entry(source).or_default().push((
                members as f64,
                wall.as_secs_f64(),
                rss as f64,
            ));
        }
    }
    for (source, points) in points.iter().filter(|(_, p)| p.len() > 1) {
        let wall: Vec<(f64, f64)> = points.iter().map(|(n, w, _)| (*n, *w)).collect();
        let rss: Vec<(f64, f64)> = points.iter().map(|(n, _, r)| (*n, *r)).collect();
        println!(
            "{source}: scaling exponent against accounts (1.0 = linear): wall {:.2}, peak RSS {:.2}",
            scaling::exponent(&wall),
            scaling::exponent(&rss)
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}
