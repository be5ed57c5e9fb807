//! The Lambda entry point end to end: the binary installed as `bootstrap` serves invocations
//! from a Runtime API stand-in, scans a moto account and writes its findings to S3.

use crate::harness::{TempDir, TestAccount, python};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// Runs `bootstrap` for `events`; returns each invocation's (kind, body) in order.
fn invoke(
    account: &TestAccount,
    dir: &TempDir,
    events: &serde_json::Value,
) -> Vec<(String, serde_json::Value)> {
    let events_file = dir.path("events.json");
    std::fs::write(&events_file, events.to_string()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/lambda_runtime_api.py");
    let mut api = Command::new(python())
        .arg(script)
        .arg(&events_file)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the Runtime API stand-in");
    let mut lines = BufReader::new(api.stdout.take().unwrap()).lines();
    let ready = lines.next().unwrap().unwrap();
    let port = ready.strip_prefix("READY ").expect("READY line");

    // The same binary, under the name the provided.al2023 runtime starts.
    std::fs::create_dir_all(dir.path("tmp")).unwrap();
    let bootstrap = dir.path("bootstrap");
    std::fs::copy(env!("CARGO_BIN_EXE_lockdown"), &bootstrap).unwrap();
    let template = account.lockdown();
    let mut function = Command::new(&bootstrap);
    function.env_clear();
    for (key, value) in template.get_envs() {
        if let Some(value) = value {
            function.env(key, value);
        }
    }
    let mut function = function
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TMPDIR", dir.path("tmp"))
        .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{port}"))
        .env("AWS_LAMBDA_FUNCTION_NAME", "lockdown")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/lockdown")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
        .stdin(Stdio::null())
        .stderr(std::fs::File::create(dir.path("function.log")).unwrap())
        .spawn()
        .expect("start bootstrap");

    let (sender, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut results = Vec::new();
    loop {
        match received.recv_timeout(std::time::Duration::from_secs(1)) {
            Ok(line) if line == "DONE" => break,
            Ok(line) => {
                let result: serde_json::Value = serde_json::from_str(&line).unwrap();
                results.push((
                    result["kind"].as_str().unwrap().to_owned(),
                    result["body"].clone(),
                ));
            }
            Err(_) => {
                if let Some(status) = function.try_wait().unwrap() {
                    let _ = api.kill();
                    let log = std::fs::read_to_string(dir.path("function.log")).unwrap();
                    panic!("bootstrap exited ({status}) before answering every event:\n{log}");
                }
            }
        }
    }
    function.kill().unwrap();
    let _ = function.wait();
    let _ = api.wait();
    results
}

#[tokio::test(flavor = "multi_thread")]
async fn bootstrap_scans_and_writes_findings_to_s3_and_refuses_bad_events() {
    let account = TestAccount::new().await;
    account.expect_writes();
    let bucket = format!("lockdown-lambda-{}", account.id);
    account.create_bucket(&bucket);
    let iam = aws_sdk_iam::Client::new(&account.sdk_config().await);
    iam.create_user().user_name("no-mfa").send().await.unwrap();
    iam.create_login_profile()
        .user_name("no-mfa")
        .password("Correct-Horse-1")
        .send()
        .await
        .unwrap();

    let dir = TempDir::new("lambda");
    let events = serde_json::json!([
        {"regions": ["us-east-1"], "checks": ["iam_user_*"], "outputs": [format!("s3://{bucket}/lockdown")]},
        {"regions": ["us-east-1"], "outputs": []},
        {"outputs": ["s3://x"], "frameworks": ["not-a-framework"]},
    ]);
    let results = invoke(&account, &dir, &events);
    assert_eq!(results.len(), 3, "{results:?}");

    let (kind, body) = &results[0];
    assert_eq!(kind, "response", "{body}");
    assert_eq!(body["outcome"], "ok");
    assert_eq!(body["account"], account.id.as_str());
    assert!(
        body["summary"]["by_status"]["FAIL"].as_u64().unwrap() >= 1,
        "{body}"
    );
    let (key, encrypted, uids) = crate::delivery::only_object(&account, &bucket).await;
    assert!(
        key.starts_with(&format!("lockdown/account={}/", account.id)),
        "{key}"
    );
    assert!(encrypted);
    assert_eq!(
        uids.len() as u64,
        body["summary"]["findings"].as_u64().unwrap()
    );

    // The next scheduled run fixes the user (no console password any more): the Lambda reads
    // its account's previous run from the S3 output, so the finding comes back resolved.
    iam.delete_login_profile()
        .user_name("no-mfa")
        .send()
        .await
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let again = invoke(&account, &dir, &serde_json::json!([events[0].clone()]));
    assert_eq!(again[0].0, "response", "{:?}", again[0].1);
    let s3 = lockdown::history::s3::client(&account.sdk_config().await);
    let keys = lockdown::history::s3::run_keys(&s3, &bucket, "lockdown")
        .await
        .unwrap();
    assert_eq!(keys.len(), 2, "{keys:?}");
    let latest = lockdown::history::s3::events(&s3, &bucket, &keys[1])
        .await
        .unwrap();
    let mfa = latest
        .iter()
        .find(|e| {
            e["finding_info"]["analytic"]["uid"] == "iam_user_console_mfa"
                && e["resources"][0]["name"] == "no-mfa"
        })
        .expect("the user's MFA finding in the second run");
    assert_eq!(mfa["status"], "Resolved", "{mfa}");

    for ((kind, body), needle) in results[1..].iter().zip(["outputs", "not-a-framework"]) {
        assert_eq!(kind, "error", "{body}");
        assert!(
            body["errorMessage"].as_str().unwrap().contains(needle),
            "{body}"
        );
    }
}
