//! End-to-end scan of a large account on moto server: wall time of a full collection and
//! evaluation, and API calls per resource.
//!
//! Seeds one moto account with LOCKDOWN_BENCH_SCALE × (2,000 IAM users, 500 S3 buckets,
//! 500 KMS keys, 1,000 security groups) over two regions, then measures `collect` + `evaluate`.
//! Needs the test venv (`bash .ci/test.sh` creates `.venv` with moto). Run:
//!
//! ```sh
//! cargo bench --bench moto_scan                      # full size
//! LOCKDOWN_BENCH_SCALE=0.1 cargo bench --bench moto_scan
//! ```

#[path = "support/scan.rs"]
mod scan;

use criterion::{Criterion, criterion_group, criterion_main};
use lockdown::collect::CollectOptions;
use lockdown::evaluate::{Catalog, Selection};
use std::time::{Duration, Instant};

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
/// moto uses a 12-digit access key id as the account id.
const ACCOUNT: &str = "210987654321";

#[path = "support/emulator.rs"]
mod emulator;

fn scaled(n: usize) -> usize {
    let scale: f64 = std::env::var("LOCKDOWN_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    ((n as f64) * scale).ceil() as usize
}

/// Runs `count` seeding calls, 16 at a time.
async fn seed_many<F, Fut>(count: usize, call: F)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    use futures::StreamExt;
    futures::stream::iter((0..count).map(call))
        .buffer_unordered(16)
        .collect::<Vec<()>>()
        .await;
}

async fn seed(config: &aws_config::SdkConfig) {
    let iam = aws_sdk_iam::Client::new(config);
    seed_many(scaled(2_000), |i| {
        let iam = iam.clone();
        async move {
            iam.create_user()
                .user_name(format!("user-{i:05}"))
                .send()
                .await
                .unwrap();
        }
    })
    .await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    );
    seed_many(scaled(500), |i| {
        let s3 = s3.clone();
        async move {
            s3.create_bucket()
                .bucket(format!("bench-bucket-{i:05}"))
                .send()
                .await
                .unwrap();
        }
    })
    .await;
    for region in REGIONS {
        let regional = config
            .to_builder()
            .region(aws_config::Region::new(region))
            .build();
        let kms = aws_sdk_kms::Client::new(&regional);
        seed_many(scaled(250), |_| {
            let kms = kms.clone();
            async move {
                kms.create_key().send().await.unwrap();
            }
        })
        .await;
        let ec2 = aws_sdk_ec2::Client::new(&regional);
        seed_many(scaled(500), |i| {
            let ec2 = ec2.clone();
            async move {
                ec2.create_security_group()
                    .group_name(format!("bench-sg-{i:05}"))
                    .description("bench")
                    .send()
                    .await
                    .unwrap();
            }
        })
        .await;
    }
}

fn options() -> CollectOptions {
    CollectOptions {
        region: Some("us-east-1".into()),
        session_name: "lockdown-bench".into(),
        max_attempts: 3,
        attempt_timeout: Duration::from_secs(60),
        regions: Some(REGIONS.map(str::to_owned).to_vec()),
        ..CollectOptions::default()
    }
}

fn bench_moto_scan(c: &mut Criterion) {
    let (_moto, url) = emulator::start();
    // SAFETY: set before any other thread of this process reads the environment.
    unsafe {
        std::env::set_var("AWS_ENDPOINT_URL", &url);
        std::env::set_var("AWS_ACCESS_KEY_ID", ACCOUNT);
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "bench");
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let started = Instant::now();
    runtime.block_on(async {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .load()
            .await;
        seed(&config).await;
    });
    eprintln!("seeded moto in {:.1} s", started.elapsed().as_secs_f64());

    let catalog = Catalog::load(&[]).unwrap();
    let checks = catalog.select(&Selection::default()).unwrap();
    let scan = || scan::collect_and_evaluate(&runtime, &options(), &catalog, &checks);

    let started = Instant::now();
    let (snapshot, findings) = scan();
    let calls: u64 = snapshot.collection.api_calls.values().sum();
    let resources = snapshot.resources.len();
    eprintln!(
        "one scan: {:.2} s, {resources} resources, {findings} findings, {} collection errors, \
         {calls} API calls = {:.2} calls per resource",
        started.elapsed().as_secs_f64(),
        snapshot.errors.len(),
        calls as f64 / resources as f64
    );
    let mut by_action: Vec<(&String, &u64)> = snapshot.collection.api_calls.iter().collect();
    by_action.sort_by(|a, b| b.1.cmp(a.1));
    for (action, n) in by_action.iter().take(12) {
        eprintln!("  {n:>6} {action}");
    }

    let mut group = c.benchmark_group("moto_scan");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(1));
    group.bench_function(format!("collect_and_evaluate_{resources}_resources"), |b| {
        b.iter(scan)
    });
    group.finish();
}

criterion_group!(benches, bench_moto_scan);
criterion_main!(benches);
