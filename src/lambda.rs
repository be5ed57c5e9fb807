//! The AWS Lambda entry point (`lockdown lambda`, or the binary installed as `bootstrap`, for the
//! `provided.al2023` runtime). Each event is turned into a typed [`ScanRequest`], run by the
//! same pipeline as the command line, delivered to the event's outputs, and answered from the
//! typed outcome: no command line is built and no output is read back.

use crate::collect::org::{DEFAULT_ACCOUNT_CONCURRENCY, DEFAULT_ROLE_NAME, OrgOptions};
use crate::collect::{CallRecorder, CollectOptions};
use crate::emit::sink::{self, Sink, SinkContext};
use crate::evaluate::Selection;
use crate::inventory::snapshot::is_account_id;
use crate::pipeline::{self, Keep, ScanRequest, Source};
use serde::Deserialize;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

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
    /// Where findings go: sink specs (`s3://bucket/prefix`, `securityhub`,
    /// `splunk-hec:URL`, `elastic:URL/index`, `pagerduty`).
    pub outputs: Vec<String>,
    /// The least severity that pages through a `pagerduty` output (default `high`).
    #[serde(default)]
    pub alert_severity: Option<crate::evaluate::Severity>,
    /// Role assumed in member accounts (default: `LOCKDOWN_ORG_ROLE_NAME`, else
    /// `LockdownScanRole`).
    #[serde(default)]
    pub role_name: Option<String>,
    /// Where resource settings come from: `direct` (default) or `config` (AWS Config's
    /// configuration items where they are fresh, direct reads for the rest).
    #[serde(default)]
    pub source: crate::collect::config_items::SettingsSource,
    /// With `"source": "config"`: the AWS Config aggregator to read items through, in the
    /// function's account and region (e.g. a delegated administrator's organization
    /// aggregator), instead of each account's own Config.
    #[serde(default)]
    pub config_aggregator: Option<String>,
}

/// A scan event, checked and resolved: the request to run and the sinks to deliver to.
#[derive(Debug)]
pub struct Invocation {
    pub request: ScanRequest,
    pub sinks: Vec<Sink>,
    pub alert_severity: crate::evaluate::Severity,
    pub spool_dir: PathBuf,
}

impl ScanEvent {
    /// The scan this event asks for, with its spool under `workdir`.
    pub fn invocation(&self, workdir: &Path) -> Result<Invocation, String> {
        if self.outputs.is_empty() {
            return Err(
                "the event names no outputs: add e.g. \"outputs\": [\"s3://bucket/lockdown\"]"
                    .into(),
            );
        }
        let sinks = self
            .outputs
            .iter()
            .map(|spec| spec.parse::<Sink>())
            .collect::<Result<Vec<_>, _>>()?;
        for sink in &sinks {
            sink.check_ready(false)?;
        }
        if let Some(bad) = self.accounts.iter().find(|a| !is_account_id(a)) {
            return Err(format!(
                "accounts: `{bad}` is not an AWS account id (12 digits)"
            ));
        }
        let organization = (self.org || !self.accounts.is_empty()).then(|| OrgOptions {
            accounts: self.accounts.clone(),
            exclude_accounts: Vec::new(),
            units: Vec::new(),
            role_name: self
                .role_name
                .clone()
                .or_else(|| std::env::var("LOCKDOWN_ORG_ROLE_NAME").ok())
                .unwrap_or_else(|| DEFAULT_ROLE_NAME.to_owned()),
            external_id: None,
            account_concurrency: DEFAULT_ACCOUNT_CONCURRENCY,
        });
        let spelling = crate::collect::config_items::Spelling {
            aggregator: "config_aggregator",
            config_source: "\"source\": \"config\"",
        };
        let config_items = self.source.config_options(
            crate::collect::config_items::DEFAULT_MAX_AGE_HOURS,
            self.config_aggregator.clone(),
            &spelling,
        )?;
        let options = CollectOptions {
            regions: (!self.regions.is_empty()).then(|| self.regions.clone()),
            organization,
            config_items,
            ..CollectOptions::default()
        };
        Ok(Invocation {
            request: ScanRequest {
                source: Source::Live {
                    options: Box::new(options),
                    save_snapshot: None,
                },
                selection: Selection {
                    patterns: self.checks.clone(),
                    ..Selection::default()
                },
                checks_dirs: Vec::new(),
                params: Vec::new(),
                set: Vec::new(),
                frameworks: self.frameworks.clone(),
                framework_files: Vec::new(),
                suppressions: Vec::new(),
                baseline: None,
                now: None,
                only_changes: false,
                // Sinks take the findings a chunk at a time: a large organization's findings
                // need not fit in the function's memory.
                keep: Keep::Runs {
                    failing: None,
                    held: pipeline::DEFAULT_HELD,
                },
            },
            sinks,
            alert_severity: self
                .alert_severity
                .unwrap_or(crate::evaluate::Severity::High),
            spool_dir: workdir.join("spool"),
        })
    }
}

/// The latest run of this account the first S3 output holds, so that changes (new, resolved)
/// and PagerDuty resolves work though local disk does not last between invocations. A run
/// that cannot be read is logged and the scan goes on without changes: delivery comes first.
async fn previous_run(
    sinks: &[Sink],
    aws: &aws_config::SdkConfig,
) -> Option<Vec<crate::evaluate::Finding>> {
    let (bucket, prefix) = sinks.iter().find_map(|s| match s {
        Sink::S3 { bucket, prefix } => Some((bucket, prefix)),
        _ => None,
    })?;
    let account = crate::collect::sts::caller_account(aws, &CallRecorder::default())
        .await
        .map_err(|e| tracing::warn!(error = ?e, "no previous run: the account is unknown"))
        .ok()?;
    let catalog = pipeline::load_catalog(&[], &[], &[]).ok()?;
    let s3 = crate::history::s3::client(aws);
    crate::history::s3::latest_run(&s3, bucket, prefix, &account.id, &catalog)
        .await
        .map_err(|e| tracing::warn!(error = %e, "no previous run: the S3 output cannot be read"))
        .ok()
        .flatten()
}

/// Handles one invocation: runs the scan the event describes, delivers its findings, and
/// answers with the run's summary.
pub async fn handle(event: Value) -> Result<Value, lambda_runtime::Error> {
    let event: ScanEvent =
        serde_json::from_value(event).map_err(|e| format!("invalid event: {e}"))?;
    let workdir = std::env::temp_dir().join("lockdown");
    let invocation = event
        .invocation(&workdir)
        .map_err(|e| format!("invalid event: {e}"))?;
    sink::spool::prepare(&invocation.spool_dir)
        .map_err(|e| format!("spool {}: {e}", invocation.spool_dir.display()))?;
    let Source::Live { options, .. } = &invocation.request.source else {
        unreachable!("a Lambda scan is live")
    };
    let context = SinkContext {
        aws: crate::collect::sdk_config(options).await,
        attempts: crate::collect::DEFAULT_MAX_ATTEMPTS,
        alert_severity: invocation.alert_severity,
    };
    let mut request = invocation.request;
    request.baseline = previous_run(&invocation.sinks, &context.aws)
        .await
        .map(pipeline::BaselineSource::Findings);
    let prepared = pipeline::prepare(request).map_err(|e| e.to_string())?;
    // The pipeline runs its own runtime for collection: keep it off this runtime's workers.
    let outcome = tokio::task::spawn_blocking(move || prepared.run(CallRecorder::default()))
        .await?
        .map_err(|e| e.to_string())?;
    let report = outcome.report();
    let deliveries =
        sink::deliver_report(&report, &invocation.sinks, &context, &invocation.spool_dir).await;
    if let Some(failed) = deliveries.iter().find(|d| !d.complete()) {
        return Err(format!(
            "{} of {} findings could not be delivered to {} ({}); they are spooled under {} until this execution environment ends: retry the invocation",
            failed.undelivered,
            failed.undelivered + failed.delivered,
            failed.sink,
            failed.error.as_deref().unwrap_or("unknown error"),
            invocation.spool_dir.display()
        )
        .into());
    }
    let accounts: Vec<Value> = report
        .accounts
        .iter()
        .map(
            |a| json!({"id": a.account.id, "status": a.account.status, "reason": a.account.reason}),
        )
        .collect();
    Ok(json!({
        "outcome": "ok",
        "account": report.account.id,
        "summary": report.summary,
        "accounts": accounts,
    }))
}

/// Serves invocations from the Lambda Runtime API until the execution environment ends.
pub fn run() -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // The scan's collection is polled on a blocking thread: give it a main thread's stack.
        .thread_stack_size(8 << 20)
        .build()
        .map_err(|e| e.to_string())?;
    runtime
        .block_on(lambda_runtime::run(lambda_runtime::service_fn(
            |event: lambda_runtime::LambdaEvent<Value>| handle(event.payload),
        )))
        .map_err(|e| format!("Lambda runtime: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(json: Value) -> ScanEvent {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn an_event_becomes_a_typed_scan_request() {
        let invocation = event(json!({
            "accounts": ["111111111111", "222222222222"],
            "regions": ["us-east-1", "eu-west-1"],
            "checks": ["iam_*"],
            "frameworks": ["soc2"],
            "outputs": ["s3://audit/lockdown", "securityhub"],
            "role_name": "AuditRole",
        }))
        .invocation(Path::new("/tmp/lockdown"))
        .unwrap();
        let Source::Live { options, .. } = &invocation.request.source else {
            panic!("a live scan")
        };
        let org = options.organization.as_ref().unwrap();
        assert_eq!(org.accounts, ["111111111111", "222222222222"]);
        assert_eq!(org.role_name, "AuditRole");
        assert_eq!(
            options.regions.as_deref(),
            Some(&["us-east-1".to_owned(), "eu-west-1".to_owned()][..])
        );
        assert_eq!(invocation.request.selection.patterns, ["iam_*"]);
        assert_eq!(invocation.request.frameworks, ["soc2"]);
        assert_eq!(invocation.sinks.len(), 2);
        assert_eq!(invocation.spool_dir, Path::new("/tmp/lockdown/spool"));
        assert_eq!(invocation.alert_severity, crate::evaluate::Severity::High);
        let critical = event(json!({"outputs": ["stdout"], "alert_severity": "critical"}))
            .invocation(Path::new("/tmp/lockdown"))
            .unwrap();
        assert_eq!(critical.alert_severity, crate::evaluate::Severity::Critical);
    }

    #[test]
    fn bad_events_are_refused_with_the_reason() {
        let no_outputs = ScanEvent::default()
            .invocation(Path::new("/tmp/x"))
            .unwrap_err();
        assert!(no_outputs.contains("outputs"), "{no_outputs}");
        let bad_sink = event(json!({"outputs": ["kafka:broker"]}))
            .invocation(Path::new("/tmp/x"))
            .unwrap_err();
        assert!(bad_sink.contains("unknown sink"), "{bad_sink}");
        let bad_account = event(json!({"outputs": ["stdout"], "accounts": ["12"]}))
            .invocation(Path::new("/tmp/x"))
            .unwrap_err();
        assert!(bad_account.contains("12 digits"), "{bad_account}");
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
