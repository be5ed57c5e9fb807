//! `lockdown scan` and `lockdown collect`.

use super::config_file::{ConfigFile, HistorySetting};
use super::{AwsArgs, CheckArgs, Failure, FrameworkArgs, OutputArgs, Ui, exit};
use crate::collect::budget::RequestRates;
use crate::collect::okta::OktaOptions;
use crate::collect::org::OrgOptions;
use crate::collect::plan::Plan;
use crate::collect::{CallRecorder, CollectOptions};
use crate::emit::compliance::render_text;
use crate::emit::{self, Report, terminal};
use crate::evaluate::Catalog;
use crate::evaluate::suppress::{SuppressionRule, Suppressions};
use crate::inventory::Snapshot;
use crate::pipeline::{self, BaselineSource, Keep, PipelineError, ScanRequest, Source, Verdict};
use chrono::{DateTime, Utc};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Evaluate the demo account built into lockdown instead of calling AWS.
    #[arg(long, conflicts_with = "snapshot")]
    demo: bool,
    /// Print what a live scan would collect (services, regions, API actions) and the IAM
    /// policy it needs, then stop: nothing is called.
    #[arg(long, conflicts_with_all = ["demo", "snapshot"])]
    dry_run: bool,
    /// Evaluate a saved snapshot (from `lockdown collect`) instead of calling AWS.
    #[arg(long, value_name = "FILE")]
    snapshot: Option<PathBuf>,
    /// Also save the collected snapshot of a live scan to this file.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["demo", "snapshot"])]
    save_snapshot: Option<PathBuf>,
    /// Configuration file: scan defaults, check parameters, suppressions (accepted risks).
    /// See docs/configuration.md.
    #[arg(long, value_name = "FILE", env = "LOCKDOWN_CONFIG")]
    config: Option<PathBuf>,
    /// Evaluate as of this time (RFC 3339). Default: when the snapshot was collected.
    #[arg(long, value_parser = parse_time)]
    now: Option<DateTime<Utc>>,
    #[command(flatten)]
    aws: AwsArgs,
    #[command(flatten)]
    checks: CheckArgs,
    #[command(flatten)]
    frameworks: FrameworkArgs,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    delivery: super::send::DeliveryArgs,
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Where to write the snapshot (JSON).
    #[arg(long, short, value_name = "FILE")]
    output: PathBuf,
    #[command(flatten)]
    aws: AwsArgs,
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{e}; expected RFC 3339, e.g. 2026-01-31T00:00:00Z"))
}

pub(super) fn options(aws: &AwsArgs) -> Result<CollectOptions, String> {
    let request_rates = match aws.request_rate {
        None => RequestRates::default(),
        Some(rate) => RequestRates::uniform(rate),
    }
    .with_settings(&aws.service_rate)
    .map_err(|e| format!("--service-rate {e}"))?;
    let spelling = crate::collect::config_items::Spelling {
        aggregator: "--config-aggregator",
        config_source: "--source config",
    };
    let config_items = aws.source.unwrap_or_default().config_options(
        aws.config_max_age,
        aws.config_aggregator.clone(),
        &spelling,
    )?;
    Ok(CollectOptions {
        profile: aws.profile.clone(),
        region: aws.region.clone(),
        role_arn: aws.role_arn.clone(),
        external_id: aws.external_id.clone(),
        session_name: aws.org.session_name.clone(),
        max_attempts: aws.max_attempts,
        adaptive_retry: aws.retry_mode == super::RetryMode::Adaptive,
        request_rates,
        attempt_timeout: Duration::from_secs(aws.timeout),
        regions: (aws.regions != ["all"]).then(|| aws.regions.clone()),
        concurrency: usize::from(aws.concurrency),
        organization: aws.org.org.then(|| OrgOptions {
            accounts: aws.org.accounts.clone(),
            exclude_accounts: aws.org.exclude_accounts.clone(),
            units: aws.org.org_unit.clone(),
            role_name: aws.org.org_role_name.clone(),
            external_id: aws.external_id.clone(),
            account_concurrency: usize::from(aws.org.account_concurrency),
        }),
        config_items,
        plan: Plan::everything(),
        okta: None,
        aws: true,
    })
}

/// The call recorder of a live scan: a spinner with counts on an interactive stderr.
fn recorder(ui: Ui) -> CallRecorder {
    if ui.human && std::io::stderr().is_terminal() {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} collecting {msg} ({elapsed})")
                .expect("valid template"),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        CallRecorder::with_progress(bar)
    } else {
        CallRecorder::default()
    }
}

/// A live source, after the checks the AWS options need.
fn live_source(aws: &AwsArgs, save_snapshot: Option<PathBuf>) -> Result<Source, Failure> {
    if aws.external_id.is_some() && aws.role_arn.is_none() && !aws.org.org {
        return Err(Failure::usage(
            "--external-id needs a role to assume: --role-arn ARN or --org",
        ));
    }
    let okta = match &aws.okta.okta_org {
        Some(org) => Some(OktaOptions::from_env(org).map_err(Failure::usage)?),
        None => None,
    };
    Ok(Source::Live {
        options: Box::new(CollectOptions {
            okta,
            aws: !aws.okta.skip_aws,
            ..options(aws).map_err(Failure::usage)?
        }),
        save_snapshot,
    })
}

/// A pipeline error at the command line: bad input is a usage error, the rest runtime.
fn failure(error: PipelineError) -> Failure {
    match error {
        PipelineError::Invalid(message) => Failure::usage(message),
        PipelineError::Failed(message) => Failure::runtime(message),
    }
}

fn save(snapshot: &Snapshot, path: &Path) -> Result<(), Failure> {
    snapshot.save(path).map_err(Failure::runtime)
}

/// What `scan --dry-run` prints: the plan and the IAM policy it needs.
fn dry_run(plan: &Plan, aws: &AwsArgs) -> String {
    let regions = if !plan.needs_regions() {
        "none (only global services)".to_owned()
    } else if aws.regions == ["all"] {
        "every region enabled in the account (listed with ec2:DescribeRegions)".to_owned()
    } else {
        aws.regions.join(", ")
    };
    format!(
        "services: {}\nregions: {regions}\nactions ({}):\n  {}\n\nIAM policy:\n{}",
        plan.names().join(", "),
        plan.actions().len(),
        plan.actions().join("\n  "),
        super::iam_policy_for(
            &plan.actions(),
            &[],
            aws.org.org.then_some(aws.org.org_role_name.as_str())
        ),
    )
}

/// `lockdown collect`.
pub fn collect(args: CollectArgs, ui: Ui) -> Result<u8, Failure> {
    let Source::Live { options, .. } = live_source(&args.aws, None)? else {
        unreachable!("a live source")
    };
    let snapshot = pipeline::collect_snapshot(&options, recorder(ui)).map_err(failure)?;
    save(&snapshot, &args.output)?;
    if ui.human {
        eprintln!(
            "saved {} resources ({} collection errors) of account {} to {}",
            snapshot.resources.len(),
            snapshot.errors.len(),
            snapshot.account.id,
            args.output.display()
        );
    }
    Ok(exit::OK)
}

/// The checks with the command line's parameters applied.
pub(super) fn load_catalog(args: &CheckArgs) -> Result<Catalog, Failure> {
    pipeline::load_catalog(&args.checks_dir, &args.config_params, &args.set).map_err(failure)
}

/// Writes the report in every requested format; returns the paths written.
fn write_outputs(
    output: &OutputArgs,
    report: &Report<'_>,
    stdout_free: bool,
) -> Result<Vec<PathBuf>, Failure> {
    let targets: Vec<(emit::Format, PathBuf)> = if let Some(dir) = &output.output_dir {
        let stem = format!(
            "lockdown-{}-{}",
            report.account.id,
            report.evaluated_at.format("%Y%m%dT%H%M%SZ")
        );
        emit::paths_in(dir, &stem, &output.format)
    } else {
        if output.format.len() > 1 {
            return Err(Failure::usage(
                "several --format values need --output-dir DIR (one file per format)",
            ));
        }
        let destination = output.output.clone().or_else(|| {
            (stdout_free && !std::io::stdout().is_terminal()).then(|| PathBuf::from("-"))
        });
        destination
            .map(|path| (output.format[0], path))
            .into_iter()
            .collect()
    };
    for (format, path) in &targets {
        emit::write_to(*format, report, path).map_err(|e| {
            Failure::runtime(format!("cannot write results to {}: {e}", path.display()))
        })?;
    }
    Ok(targets.into_iter().map(|(_, path)| path).collect())
}

/// Writes the signed manifest of `files` beside them; returns its path.
fn sign_outputs(
    key: &ed25519_dalek::SigningKey,
    files: &[PathBuf],
    report: &Report<'_>,
) -> Result<PathBuf, Failure> {
    let first = files
        .first()
        .ok_or_else(|| Failure::runtime("nothing was written to sign"))?;
    let manifest = if files.len() == 1 {
        PathBuf::from(format!("{}.manifest.json", first.display()))
    } else {
        let stem = first
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.split_once('.'))
            .map_or("lockdown", |(stem, _)| stem);
        first.with_file_name(format!("{stem}.manifest.json"))
    };
    crate::emit::signing::sign(
        key,
        files,
        &report.account.id,
        &report.evaluated_at.to_rfc3339(),
        &manifest,
    )
    .map_err(Failure::runtime)?;
    Ok(manifest)
}

/// Fills what the command line left unset from the configuration file; returns the file's
/// suppressions.
fn apply_config(args: &mut ScanArgs) -> Result<Vec<SuppressionRule>, Failure> {
    let Some(path) = args.config.clone() else {
        return Ok(Vec::new());
    };
    let mut config = ConfigFile::load(&path)?;
    let defaults = std::mem::take(&mut config.scan);
    if args.aws.regions == ["all"] && !defaults.regions.is_empty() {
        args.aws.regions = defaults.regions;
    }
    if args.checks.checks.is_empty() {
        args.checks.checks = defaults.checks;
    }
    args.checks.severity = args.checks.severity.or(defaults.severity);
    args.aws.source = args.aws.source.or(defaults.source);
    args.aws.config_aggregator = args
        .aws
        .config_aggregator
        .take()
        .or(defaults.config_aggregator);
    if args.frameworks.framework.is_empty() {
        args.frameworks.framework = defaults.frameworks;
    }
    args.output.fail_on = args.output.fail_on.or(defaults.fail_on);
    args.delivery.alert_severity = args.delivery.alert_severity.or(defaults.alert_severity);
    if args.output.history.is_none() {
        args.output.history = match defaults.history {
            Some(HistorySetting::On(true)) => Some(PathBuf::new()),
            Some(HistorySetting::At(path)) => Some(path),
            Some(HistorySetting::On(false)) | None => None,
        };
    }
    args.delivery
        .default_sinks(&defaults.send_to)
        .map_err(|e| Failure::usage(format!("config {}: scan.send_to: {e}", path.display())))?;
    // The file's parameters first, so that --set on the command line wins.
    args.checks.config_params = config.param_values(&path)?;
    Suppressions::new(config.suppressions.clone())
        .map_err(|e| Failure::usage(format!("config {}: {e}", path.display())))?;
    Ok(config.suppressions)
}

/// How this scan keeps its findings: in sorted runs, so that memory does not grow with them,
/// when everything it writes is written in finding order (JSON, NDJSON, OCSF, CSV, ASFF, the baseline
/// `--save-baseline` writes). Sinks, the history and the baseline's comparison take them a
/// chunk at a time.
fn keep(args: &ScanArgs, ui: Ui) -> Keep {
    if args.output.format.iter().all(|f| f.writes_from_runs()) {
        Keep::Runs {
            failing: ui.human.then_some(args.output.summary_limit),
            held: pipeline::DEFAULT_HELD,
        }
    } else {
        Keep::All
    }
}

/// `lockdown scan`.
pub fn scan(mut args: ScanArgs, ui: Ui) -> Result<u8, Failure> {
    // Everything that can be wrong with the command line is checked before calling AWS.
    let suppressions = apply_config(&mut args)?;
    let history = args.output.history.as_ref().map(|path| {
        if path.as_os_str().is_empty() {
            crate::history::Store::default_path()
        } else {
            path.clone()
        }
    });
    let baseline = match (&args.output.baseline, &history) {
        (Some(file), _) => Some(BaselineSource::File(file.clone())),
        (None, Some(db)) => Some(BaselineSource::History(db.clone())),
        (None, None) if args.output.only_changes => {
            return Err(Failure::usage(
                "--only-changes needs something to compare with: --baseline FILE or --history",
            ));
        }
        (None, None) => None,
    };
    let source = if args.demo {
        Source::Demo
    } else if let Some(path) = &args.snapshot {
        Source::Snapshot(path.clone())
    } else {
        live_source(&args.aws, args.save_snapshot.clone())?
    };
    let prepared = pipeline::prepare(ScanRequest {
        source,
        selection: args.checks.selection(),
        checks_dirs: args.checks.checks_dir.clone(),
        params: std::mem::take(&mut args.checks.config_params),
        set: args.checks.set.clone(),
        frameworks: args.frameworks.framework.clone(),
        framework_files: args.frameworks.framework_file.clone(),
        suppressions,
        baseline,
        now: args.now,
        only_changes: args.output.only_changes,
        keep: keep(&args, ui),
    })
    .map_err(failure)?;
    if args.dry_run {
        out!("{}", dry_run(prepared.collection_plan(), &args.aws));
        return Ok(exit::OK);
    }
    args.delivery.check()?;
    let signing_key = args
        .output
        .sign
        .as_deref()
        .map(crate::emit::signing::signing_key)
        .transpose()
        .map_err(Failure::usage)?;
    let writes_files = args.output.output_dir.is_some()
        || args
            .output
            .output
            .as_deref()
            .is_some_and(|p| p != Path::new("-"));
    if signing_key.is_some() && !writes_files {
        return Err(Failure::usage(
            "--sign needs files to sign: use --output FILE or --output-dir DIR",
        ));
    }

    let outcome = prepared.run(recorder(ui)).map_err(failure)?;
    let mut report = outcome.report();
    if let Some(region) = &args.aws.region {
        report.home_region = region.clone();
    }
    if let Some(path) = &history {
        record_history(path, &outcome, ui)?;
    }
    if let Some(path) = &args.output.save_baseline {
        emit::write_to(emit::Format::Json, &outcome.baseline_report(), path).map_err(|e| {
            Failure::runtime(format!("cannot write the baseline {}: {e}", path.display()))
        })?;
    }
    let written = write_outputs(&args.output, &report, !args.delivery.uses_stdout())?;
    if let Some(key) = &signing_key {
        let manifest = sign_outputs(key, &written, &report)?;
        if ui.human {
            eprintln!("signed {} files: {}", written.len(), manifest.display());
        }
    }
    if ui.human {
        let failing = match &outcome.failing {
            Some(failing) => failing,
            None => &terminal::Failing::of(report.findings(), args.output.summary_limit),
        };
        eprint!("{}", terminal::render(&report, failing, &outcome.source));
        eprint!("{}", render_text(&report.compliance));
        if written.is_empty() {
            eprintln!(
                "\n(results not written: stdout is a terminal; use --output FILE, --output - or --output-dir DIR)"
            );
        }
        for path in written.iter().filter(|p| p.as_path() != Path::new("-")) {
            eprintln!("wrote {}", path.display());
        }
    }

    let delivered = super::send::deliver_report(&args.delivery, &args.aws, &report, ui.human)?;
    if !delivered {
        return Ok(exit::DELIVERY_FAILED);
    }
    Ok(
        match args
            .output
            .fail_on
            .map(|threshold| outcome.verdict(threshold))
        {
            None | Some(Verdict::Clean) => exit::OK,
            Some(Verdict::Failed) => exit::FAILED_CHECKS,
            Some(Verdict::Incomplete) => exit::INCOMPLETE,
        },
    )
}

/// Records the run in the scan history: every finding, not only the changes reported.
fn record_history(path: &Path, outcome: &pipeline::ScanOutcome, ui: Ui) -> Result<(), Failure> {
    use crate::history::Store;
    let mut store = Store::open(path).map_err(|e| Failure::runtime(e.to_string()))?;
    let recorded = outcome
        .record_in(&mut store)
        .map_err(|e| Failure::runtime(e.to_string()))?;
    if ui.human {
        eprintln!(
            "history: run {} {} in {} ({} status changes)",
            recorded.run,
            if recorded.inserted {
                "recorded"
            } else {
                "already recorded"
            },
            path.display(),
            recorded.segments_opened
        );
    }
    Ok(())
}
