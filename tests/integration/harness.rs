//! Test harness: one moto server (plus a fault proxy) per test run, one fresh AWS account per
//! test (moto switches accounts on STS AssumeRole), and helpers to run the lockdown binary.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

/// The running emulator: moto and the fault proxy in front of it.
pub struct Emulator {
    pub moto_url: String,
    pub proxy_url: String,
    // Kept open: the emulator exits when this pipe closes with the test process.
    _stdin: Mutex<ChildStdin>,
    _child: Mutex<Child>,
}

/// The Python of the test venv (moto, py-ocsf-models).
pub fn python() -> PathBuf {
    if let Ok(python) = std::env::var("LOCKDOWN_TEST_PYTHON") {
        return python.into();
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        venv.exists(),
        "moto is not installed: run `bash .ci/test.sh` once (it creates .venv with moto), \
         or set LOCKDOWN_TEST_PYTHON to a python that has moto[server]"
    );
    venv
}

/// The emulator shared by every test of this run, started on first use.
pub fn emulator() -> &'static Emulator {
    static EMULATOR: OnceLock<Emulator> = OnceLock::new();
    EMULATOR.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/aws_emulator.py");
        let mut child = Command::new(python())
            .arg(script)
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .env("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the AWS emulator");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("read the emulator's READY line");
        let ports: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(ports.first(), Some(&"READY"), "emulator said {line:?}");
        Emulator {
            moto_url: format!("http://127.0.0.1:{}", ports[1]),
            proxy_url: format!("http://127.0.0.1:{}", ports[2]),
            _stdin: Mutex::new(child.stdin.take().expect("piped stdin")),
            _child: Mutex::new(child),
        }
    })
}

/// A fresh AWS account on the emulator, with temporary credentials for it.
pub struct TestAccount {
    pub id: String,
    pub access_key: String,
    secret_key: String,
    session_token: String,
    /// Set by tests that deliver to AWS sinks (the only writes lockdown makes).
    writes_expected: std::sync::atomic::AtomicBool,
}

impl TestAccount {
    /// Assumes a role in a new account so that this test sees only its own resources.
    pub async fn new() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(1);
        let id = format!(
            "{:06}{:06}",
            std::process::id() % 1_000_000,
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let emulator = emulator();
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(&emulator.moto_url)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_sts::config::Credentials::new(
                "AKIAIOSFODNN7EXAMPLE",
                "seed",
                None,
                None,
                "test",
            ))
            .load()
            .await;
        let creds = aws_sdk_sts::Client::new(&config)
            .assume_role()
            .role_arn(format!("arn:aws:iam::{id}:role/lockdown-test"))
            .role_session_name("test")
            .send()
            .await
            .expect("assume a role in a fresh moto account")
            .credentials
            .expect("credentials");
        Self {
            id,
            access_key: creds.access_key_id,
            secret_key: creds.secret_access_key,
            session_token: creds.session_token,
            writes_expected: Default::default(),
        }
    }

    /// Declares that lockdown will write here (S3 and Security Hub sinks).
    pub fn expect_writes(&self) {
        self.writes_expected.store(true, Ordering::Relaxed);
    }

    /// Every AWS action lockdown called with this account, as the fault proxy saw them:
    /// `service:Operation`, or `service:METHOD` for REST calls it cannot name.
    pub fn calls(&self) -> Vec<String> {
        let text = ureq::get(format!(
            "{}/__proxy/calls?access_key={}",
            emulator().proxy_url,
            self.access_key
        ))
        .call()
        .expect("read the proxy's call log")
        .into_body()
        .read_to_string()
        .unwrap();
        serde_json::from_str(&text).unwrap()
    }

    /// The secret parts of this account's credentials, which must never appear in any output.
    pub fn secrets(&self) -> [&str; 2] {
        [&self.secret_key, &self.session_token]
    }

    /// SDK configuration for seeding this account directly on moto.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(&emulator().moto_url)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_sts::config::Credentials::new(
                &self.access_key,
                &self.secret_key,
                Some(self.session_token.clone()),
                None,
                "test",
            ))
            .load()
            .await
    }

    /// Makes the fault proxy answer AccessDenied to `action` (e.g. `iam:GenerateCredentialReport`).
    pub fn deny(&self, action: &str) {
        self.deny_in(action, "*");
    }

    /// Makes the fault proxy answer AccessDenied to `action` in `region` only.
    pub fn deny_in(&self, action: &str, region: &str) {
        self.proxy_rule(action, region, "AccessDenied");
    }

    /// Makes the fault proxy answer `action` with its first answer from then on, as AWS
    /// serves a credential report up to 4 hours old.
    pub fn serve_cached(&self, action: &str) {
        self.proxy_rule(action, "*", "Cached");
    }

    /// Makes ListBuckets answer without each bucket's region, as moto does by itself.
    pub fn list_buckets_without_regions(&self) {
        self.proxy_rule("s3:GET", "*", "WithoutRegions");
    }

    fn proxy_rule(&self, action: &str, region: &str, respond: &str) {
        let rule = serde_json::json!({
            "access_key": self.access_key,
            "action": action,
            "region": region,
            "respond": respond,
        });
        ureq::post(format!("{}/__proxy/rules", emulator().proxy_url))
            .send(rule.to_string().as_bytes())
            .expect("set a proxy rule");
    }

    /// Makes the fault proxy answer AccessDenied to `action` when the request body contains
    /// `text` (e.g. one role ARN of `sts:AssumeRole`).
    pub fn deny_when(&self, action: &str, text: &str) {
        let rule = serde_json::json!({
            "access_key": self.access_key,
            "action": action,
            "contains": text,
            "respond": "AccessDenied",
        });
        ureq::post(format!("{}/__proxy/rules", emulator().proxy_url))
            .send(rule.to_string().as_bytes())
            .expect("set a proxy rule");
    }

    /// Makes the fault proxy leave every request of this account in `region` unanswered.
    pub fn hang_in(&self, region: &str) {
        self.proxy_rule("*", region, "Hang");
    }

    /// Makes the fault proxy answer this account's requests, with these probabilities, with
    /// the service's throttling error, a 5xx, or a dropped connection (seeded).
    pub fn inject_faults(&self, throttle: f64, server_error: f64, reset: f64) {
        self.set_faults(serde_json::json!({
            "throttle": throttle,
            "server_error": server_error,
            "reset": reset,
            "seed": 7,
        }));
    }

    /// Throttles this account's requests as AWS does: over `rate` a second (bursts of `rate`)
    /// per service and region; the injected counts start again from zero.
    pub fn throttle_over(&self, rate: u32) {
        self.set_faults(serde_json::json!({ "rate": rate, "burst": rate }));
    }

    fn set_faults(&self, mut plan: serde_json::Value) {
        plan["access_key"] = self.access_key.clone().into();
        ureq::post(format!("{}/__proxy/faults", emulator().proxy_url))
            .send(plan.to_string().as_bytes())
            .expect("set a fault plan");
    }

    /// How many faults of each kind the proxy injected for this account.
    pub fn injected_faults(&self) -> serde_json::Value {
        let text = ureq::get(format!(
            "{}/__proxy/faults?access_key={}",
            emulator().proxy_url,
            self.access_key
        ))
        .call()
        .expect("read injected faults")
        .into_body()
        .read_to_string()
        .unwrap();
        serde_json::from_str(&text).unwrap()
    }

    /// Creates an S3 bucket on moto in this account (a plain signed-looking PUT; moto reads
    /// the account from the access key and does not verify signatures).
    pub fn create_bucket(&self, name: &str) {
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential={}/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0",
            self.access_key
        );
        ureq::put(format!("{}/{name}", emulator().moto_url))
            .header("Authorization", authorization)
            .header("x-amz-security-token", &self.session_token)
            .send_empty()
            .expect("create a bucket on moto");
    }

    /// The `lockdown` command with this account's credentials, pointed at the fault proxy.
    pub fn lockdown(&self) -> Command {
        let mut command = lockdown();
        command
            .env("AWS_ENDPOINT_URL", &emulator().proxy_url)
            .env("AWS_ACCESS_KEY_ID", &self.access_key)
            .env("AWS_SECRET_ACCESS_KEY", &self.secret_key)
            .env("AWS_SESSION_TOKEN", &self.session_token)
            .env("AWS_REGION", "us-east-1");
        command
    }
}

/// The read-only guarantee, checked for every test account: each call lockdown made is one its
/// collectors declare (and so is in `lockdown iam-policy`, with `--org-role-name` for the
/// organization calls), or a REST read (GET/HEAD); writes only where a test delivers to an AWS
/// sink.
impl Drop for TestAccount {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let mut declared = lockdown::collect::all_actions();
        declared.extend(lockdown::collect::org::ACTIONS);
        let writes = self.writes_expected.load(Ordering::Relaxed);
        for call in self.calls() {
            let (service, operation) = call.split_once(':').unwrap_or((&call, ""));
            let named = declared.contains(&call.as_str());
            let rest_read = matches!(operation, "GET" | "HEAD");
            // CloudWatch's RPCv2 CBOR calls show up as POSTs of the signing name `monitoring`.
            let cbor_read = service == "monitoring" && operation == "POST";
            let sink_write = writes
                && matches!(
                    call.as_str(),
                    "s3:PUT" | "securityhub:POST" | "securityhub:BatchImportFindings"
                );
            assert!(
                named || rest_read || cbor_read || sink_write,
                "lockdown called `{call}`, which is not a declared read-only action"
            );
        }
    }
}

/// Creates a symmetric KMS key, with automatic rotation when `rotate`; returns its id.
pub async fn create_key(kms: &aws_sdk_kms::Client, rotate: bool) -> String {
    let key = kms
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    if rotate {
        kms.enable_key_rotation().key_id(&key).send().await.unwrap();
    }
    key
}

/// A new VPC with `cidr` (a /16 such as `10.3.0.0/16`) and a /24 subnet in each of `zones`,
/// numbered from 0: the VPC's id and the subnets' ids.
pub async fn vpc_with_subnets(
    ec2: &aws_sdk_ec2::Client,
    cidr: &str,
    zones: &[&str],
) -> (String, Vec<String>) {
    let vpc = ec2
        .create_vpc()
        .cidr_block(cidr)
        .send()
        .await
        .unwrap()
        .vpc
        .unwrap()
        .vpc_id
        .unwrap();
    let prefix = cidr
        .rsplitn(3, '.')
        .nth(2)
        .expect("a /16 such as 10.3.0.0/16");
    let mut subnets = Vec::new();
    for (i, zone) in zones.iter().enumerate() {
        let subnet = ec2
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block(format!("{prefix}.{i}.0/24"))
            .availability_zone(*zone)
            .send()
            .await
            .unwrap();
        subnets.push(subnet.subnet.unwrap().subnet_id.unwrap());
    }
    (vpc, subnets)
}

pub async fn log_all_management_events(trail: &aws_sdk_cloudtrail::Client, name: &str) {
    trail
        .put_event_selectors()
        .trail_name(name)
        .event_selectors(
            aws_sdk_cloudtrail::types::EventSelector::builder()
                .read_write_type(aws_sdk_cloudtrail::types::ReadWriteType::All)
                .include_management_events(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    trail.start_logging().name(name).send().await.unwrap();
}

/// The `lockdown` binary with a clean AWS environment (no profile, no instance metadata).
pub fn lockdown() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lockdown"));
    for (key, _) in std::env::vars() {
        if key.starts_with("AWS_") {
            command.env_remove(key);
        }
    }
    command
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::null());
    command
}

/// Runs a command and returns its output, with stderr shown on failure to spawn.
pub fn run(command: &mut Command) -> Output {
    command.output().expect("run lockdown")
}

/// The exit code, stdout and stderr of a run, for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A scratch directory removed at the end of the test.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "lockdown-test-{}-{}-{name}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        Self(dir)
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Reads a results file written with `--format json`.
pub fn read_report(path: &Path) -> serde_json::Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("results are JSON")
}

/// `(check_id, resource name) -> status` of every finding in a report.
pub fn statuses(
    report: &serde_json::Value,
) -> std::collections::BTreeMap<(String, String), String> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                (
                    f["check_id"].as_str().unwrap().to_owned(),
                    f["resource"]["name"].as_str().unwrap().to_owned(),
                ),
                f["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Scans `account` in `regions` with the `checks` pattern, writing JSON to `dir/name`, and
/// returns the statuses of its findings.
pub fn scan_checks(
    account: &TestAccount,
    dir: &TempDir,
    name: &str,
    regions: &str,
    checks: &str,
) -> std::collections::BTreeMap<(String, String), String> {
    let mut command = account.lockdown();
    command.args(["scan", "--quiet", "--regions", regions, "--checks", checks]);
    let report = scan_report(&mut command, &dir.path(name));
    // Every call the scan made is one lockdown declares (so the shipped IAM policy grants it).
    let declared = lockdown::collect::all_actions();
    for action in report["collection"]["api_calls"]
        .as_object()
        .unwrap()
        .keys()
    {
        assert!(
            declared.contains(&action.as_str()),
            "{action} is called but not declared"
        );
    }
    statuses(&report)
}

/// The status of `check` on the resource `name`, failing with every status when there is none.
pub fn status_of(
    got: &std::collections::BTreeMap<(String, String), String>,
    check: &str,
    name: &str,
) -> String {
    got.get(&(check.to_owned(), name.to_owned()))
        .cloned()
        .unwrap_or_else(|| panic!("no finding of {check} on {name}: {got:?}"))
}

/// Asserts a usage error: exit code 2 and a message on stderr holding every `needle`.
pub fn assert_usage_error(output: &Output, needles: &[&str]) {
    assert_eq!(output.status.code(), Some(2), "{}", describe(output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for needle in needles {
        assert!(stderr.contains(needle), "`{needle}` missing from: {stderr}");
    }
}

/// Scans the demo account with extra arguments and returns the statuses of its findings.
pub fn demo_statuses(extra: &[&str]) -> std::collections::BTreeMap<(String, String), String> {
    let output = run(lockdown()
        .args(["scan", "--demo", "--quiet", "--output", "-"])
        .args(extra));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    statuses(&serde_json::from_slice(&output.stdout).expect("results are JSON"))
}

/// Runs `command` (a scan writing JSON to `out`), asserts success and returns the report.
pub fn scan_report(command: &mut Command, out: &Path) -> serde_json::Value {
    let output = run(command.arg("--output").arg(out));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    read_report(out)
}

/// An S3 client of `base` in `region`, with the path-style addressing the emulator needs.
pub fn s3_client(base: &aws_config::SdkConfig, region: &str) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(base)
            .region(aws_config::Region::new(region.to_owned()))
            .force_path_style(true)
            .build(),
    )
}

/// Turns on all four Block Public Access settings of `bucket`.
pub async fn block_public_access(s3: &aws_sdk_s3::Client, bucket: &str) {
    let block = aws_sdk_s3::types::PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .ignore_public_acls(true)
        .block_public_policy(true)
        .restrict_public_buckets(true)
        .build();
    s3.put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(block)
        .send()
        .await
        .unwrap();
}

/// Creates the log bucket `logs` (writable by S3's log delivery) and sends `bucket`'s server
/// access logs to it.
pub async fn log_to(s3: &aws_sdk_s3::Client, bucket: &str, logs: &str) {
    use aws_sdk_s3::types::{BucketCannedAcl, BucketLoggingStatus, LoggingEnabled};
    s3.create_bucket()
        .bucket(logs)
        .acl(BucketCannedAcl::from("log-delivery-write"))
        .send()
        .await
        .unwrap();
    let logging = LoggingEnabled::builder()
        .target_bucket(logs)
        .target_prefix("logs/")
        .build()
        .unwrap();
    s3.put_bucket_logging()
        .bucket(bucket)
        .bucket_logging_status(
            BucketLoggingStatus::builder()
                .logging_enabled(logging)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// Creates bucket `name` in eu-west-1; returns the eu-west-1 client.
pub async fn create_west_bucket(base: &aws_config::SdkConfig, name: &str) -> aws_sdk_s3::Client {
    use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
    let west = s3_client(base, "eu-west-1");
    west.create_bucket()
        .bucket(name)
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await
        .unwrap();
    west
}

/// The demo account's snapshot as JSON, for tests that derive variants of it.
pub fn demo_snapshot() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-account.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The Chromium binary the HTML tests render with.
pub fn chromium() -> PathBuf {
    if let Ok(path) = std::env::var("LOCKDOWN_TEST_CHROMIUM") {
        return path.into();
    }
    let found = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join("chromium"))
                .find(|p| p.exists())
        })
        .unwrap_or_default();
    found.expect(
        "the HTML report tests render with Chromium: install Debian's `chromium` \
         (`bash .ci/run` does) or set LOCKDOWN_TEST_CHROMIUM",
    )
}

/// The DOM of `page` after its scripts ran, as headless Chromium renders it.
pub fn rendered_dom(page: &Path, fragment: &str) -> String {
    let profile = page.with_extension("chromium-profile");
    let output = Command::new(chromium())
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}#{fragment}", page.display()))
        .stdin(Stdio::null())
        .output()
        .expect("run chromium");
    assert!(output.status.success(), "{}", describe(&output));
    String::from_utf8(output.stdout).unwrap()
}
