//! `lockdown lambda` (or the binary installed as `bootstrap`): the AWS Lambda entry point for
//! the `provided.al2023` runtime. Each event becomes the command line of `lockdown scan`, so a
//! Lambda run and a CLI run share every check, validation, sink and spool.

use super::{Cli, Command, Failure, Ui, exit};
use clap::Parser;
use serde::Deserialize;
use serde_json::{Value, json};
use std::path::Path;

/// Role assumed in member accounts when neither the event nor the environment names one.
const DEFAULT_ROLE_NAME: &str = "LockdownScanRole";

/// One scan, as an EventBridge schedule or a Step Functions Map item sends it.
#[derive(Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanEvent {
    /// Accounts to scan through the member role; absent: the function's own account.
    #[serde(default)]
    pub accounts: Vec<String>,
    /// Scan every active account of the organization (the function runs in the management
    /// account or a delegated administrator). Large organizations fan out with `accounts`.
    #[serde(default)]
    pub org: bool,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub checks: Vec<String>,
    #[serde(default)]
    pub frameworks: Vec<String>,
    /// Where findings go: `--send-to` values (`s3://bucket/prefix`, `securityhub`,
    /// `splunk-hec:URL`, `elastic:URL/index`).
    pub outputs: Vec<String>,
    /// Role assumed in member accounts (default: `LOCKDOWN_ORG_ROLE_NAME`, else
    /// `LockdownScanRole`).
    #[serde(default)]
    pub role_name: Option<String>,
}

/// The `lockdown scan` command line of an event. Every value is passed as `--flag=value`, so a
/// value can never be read as another flag.
pub fn command_line(event: &ScanEvent, workdir: &Path) -> Result<Vec<String>, String> {
    if event.outputs.is_empty() {
        return Err(
            "the event names no outputs: add e.g. \"outputs\": [\"s3://bucket/lockdown\"]".into(),
        );
    }
    let mut argv = vec![
        "lockdown".to_owned(),
        "scan".to_owned(),
        format!("--output={}", workdir.join("results.json").display()),
        format!("--spool-dir={}", workdir.join("spool").display()),
    ];
    if event.org || !event.accounts.is_empty() {
        let role = event
            .role_name
            .clone()
            .or_else(|| std::env::var("LOCKDOWN_ORG_ROLE_NAME").ok())
            .unwrap_or_else(|| DEFAULT_ROLE_NAME.to_owned());
        argv.push("--org".to_owned());
        argv.push(format!("--org-role-name={role}"));
    }
    for (flag, values) in [
        ("accounts", &event.accounts),
        ("regions", &event.regions),
        ("checks", &event.checks),
        ("framework", &event.frameworks),
    ] {
        if !values.is_empty() {
            argv.push(format!("--{flag}={}", values.join(",")));
        }
    }
    argv.extend(event.outputs.iter().map(|o| format!("--send-to={o}")));
    Ok(argv)
}

/// What an invocation answers: the outcome and the counts of the run.
fn response(code: u8, results: &Path) -> Result<Value, String> {
    let outcome = match code {
        exit::OK => "ok",
        exit::FAILED_CHECKS => "failed_checks",
        exit::INCOMPLETE => "incomplete",
        exit::DELIVERY_FAILED => {
            return Err(format!(
                "some findings could not be delivered; they are spooled under {} until this \
                 execution environment ends: retry the invocation",
                results.with_file_name("spool").display()
            ));
        }
        other => return Err(format!("the scan ended with exit code {other}")),
    };
    let text = std::fs::read_to_string(results)
        .map_err(|e| format!("cannot read {}: {e}", results.display()))?;
    let report: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let accounts: Vec<Value> = report["accounts"]
        .as_array()
        .map(|sections| {
            sections
                .iter()
                .map(|a| json!({"id": a["id"], "status": a["status"], "reason": a["reason"]}))
                .collect()
        })
        .unwrap_or_default();
    Ok(json!({
        "outcome": outcome,
        "exit_code": code,
        "account": report["account"]["id"],
        "summary": report["summary"],
        "accounts": accounts,
    }))
}

/// Handles one invocation: runs the scan the event describes and delivers its findings.
pub async fn handle(event: Value) -> Result<Value, lambda_runtime::Error> {
    let event: ScanEvent =
        serde_json::from_value(event).map_err(|e| format!("invalid event: {e}"))?;
    let workdir = std::env::temp_dir().join("lockdown");
    std::fs::create_dir_all(&workdir)
        .map_err(|e| format!("cannot create {}: {e}", workdir.display()))?;
    let argv = command_line(&event, &workdir)?;
    let cli = Cli::try_parse_from(&argv).map_err(|e| format!("invalid event: {e}"))?;
    let Command::Scan(args) = cli.command else {
        unreachable!("the command line starts with `scan`")
    };
    // The scan runs its own runtime for collection: keep it off this runtime's workers.
    let code = tokio::task::spawn_blocking(move || super::scan::scan(*args, Ui { human: true }))
        .await?
        .map_err(|failure| failure.message)?;
    Ok(response(code, &workdir.join("results.json"))?)
}

/// Serves invocations from the Lambda Runtime API until the execution environment ends.
pub fn run() -> Result<u8, Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // The scan's collection is polled on a blocking thread: give it a main thread's stack.
        .thread_stack_size(8 << 20)
        .build()
        .map_err(Failure::runtime)?;
    runtime
        .block_on(lambda_runtime::run(lambda_runtime::service_fn(
            |event: lambda_runtime::LambdaEvent<Value>| handle(event.payload),
        )))
        .map_err(|e| Failure::runtime(format!("Lambda runtime: {e}")))?;
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(json: Value) -> ScanEvent {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn an_event_becomes_a_scan_command_line() {
        let argv = command_line(
            &event(json!({
                "accounts": ["111111111111", "222222222222"],
                "regions": ["us-east-1", "eu-west-1"],
                "checks": ["iam_*"],
                "frameworks": ["soc2"],
                "outputs": ["s3://audit/lockdown", "securityhub"],
                "role_name": "AuditRole",
            })),
            Path::new("/tmp/lockdown"),
        )
        .unwrap();
        assert_eq!(
            argv,
            [
                "lockdown",
                "scan",
                "--output=/tmp/lockdown/results.json",
                "--spool-dir=/tmp/lockdown/spool",
                "--org",
                "--org-role-name=AuditRole",
                "--accounts=111111111111,222222222222",
                "--regions=us-east-1,eu-west-1",
                "--checks=iam_*",
                "--framework=soc2",
                "--send-to=s3://audit/lockdown",
                "--send-to=securityhub",
            ]
        );
        let cli = Cli::try_parse_from(&argv).expect("the scan command accepts it");
        assert!(matches!(cli.command, Command::Scan(_)));
    }

    #[test]
    fn values_cannot_smuggle_flags_and_bad_events_are_refused() {
        let argv = command_line(
            &event(json!({"outputs": ["stdout"], "checks": ["--demo"]})),
            Path::new("/tmp/x"),
        )
        .unwrap();
        assert!(argv.contains(&"--checks=--demo".to_owned()));
        assert!(!argv.contains(&"--demo".to_owned()));

        let no_outputs = command_line(&ScanEvent::default(), Path::new("/tmp/x")).unwrap_err();
        assert!(no_outputs.contains("outputs"), "{no_outputs}");
        let unknown = serde_json::from_value::<ScanEvent>(json!({"outputs": [], "regoins": []}))
            .unwrap_err()
            .to_string();
        assert!(unknown.contains("regoins"), "{unknown}");
    }

    #[tokio::test]
    async fn an_invalid_event_fails_the_invocation_with_the_reason() {
        let error = handle(json!({"outputs": ["s3://audit"], "accounts": ["12"]}))
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains("12 digits"), "{error}");
    }
}
