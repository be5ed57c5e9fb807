//! Delivery to sinks (`scan --send-to`) and re-delivery of the spool (`lockdown send`).

use super::{AwsArgs, Failure, exit};
use crate::emit::Report;
use crate::emit::sink::{self, Sink, SinkContext, SinkOutcome, spool};
use crate::evaluate::Severity;
use clap::Args;
use std::path::PathBuf;

/// Where findings are delivered, and what happens when a destination fails.
#[derive(Debug, Clone, Args)]
pub struct DeliveryArgs {
    /// Deliver findings here; repeatable. One of: stdout, file:PATH, s3://BUCKET/PREFIX,
    /// securityhub, splunk-hec:URL[?index=I&sourcetype=S], elastic:URL/INDEX, pagerduty[:URL]
    /// (Events API v2: a trigger per new failure at or above --alert-severity, a resolve when
    /// it is resolved; use --history or --baseline so that fixes resolve). Tokens come from
    /// LOCKDOWN_SPLUNK_TOKEN / LOCKDOWN_ELASTIC_API_KEY / LOCKDOWN_PAGERDUTY_ROUTING_KEY (or
    /// *_FILE), never from arguments.
    #[arg(long, value_name = "SINK", value_parser = clap::value_parser!(Sink))]
    send_to: Vec<Sink>,
    /// Where findings a sink did not take are kept for `lockdown send --spool DIR`
    /// (default: $LOCKDOWN_SPOOL_DIR, else ~/.local/state/lockdown/spool).
    #[arg(long, value_name = "DIR")]
    spool_dir: Option<PathBuf>,
    /// Attempts per HTTP delivery request, the first included.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    send_attempts: u32,
    /// Let splunk-hec and elastic sinks send their token over plain http:// to a host that is
    /// not loopback (refused by default: the token would cross the network in clear text).
    #[arg(long)]
    allow_insecure_http: bool,
    /// The least severity that pages through the pagerduty sink [default: high].
    #[arg(long, value_enum)]
    pub alert_severity: Option<Severity>,
}

impl DeliveryArgs {
    /// Whether a sink writes to standard output (which then carries nothing else).
    pub fn uses_stdout(&self) -> bool {
        self.send_to.contains(&Sink::Stdout)
    }

    /// Uses `specs` (from the configuration file) when the command line named no sink.
    pub fn default_sinks(&mut self, specs: &[String]) -> Result<(), String> {
        if self.send_to.is_empty() {
            self.send_to = specs.iter().map(|s| s.parse()).collect::<Result<_, _>>()?;
        }
        Ok(())
    }

    /// Checks every sink can be used (credentials present, no token over plain http) and
    /// that the spool can take what they refuse, before the scan starts.
    pub fn check(&self) -> Result<(), Failure> {
        self.send_to
            .iter()
            .try_for_each(|sink| sink.check_ready(self.allow_insecure_http))
            .map_err(Failure::usage)?;
        if !self.send_to.is_empty() {
            let dir = self.spool_dir()?;
            spool::prepare(&dir).map_err(|e| {
                Failure::usage(format!(
                    "the spool {} cannot take undelivered findings: {e}",
                    dir.display()
                ))
            })?;
        }
        Ok(())
    }

    fn spool_dir(&self) -> Result<PathBuf, Failure> {
        self.spool_dir
            .clone()
            .or_else(spool::default_dir)
            .ok_or_else(|| {
                Failure::usage(
                    "no spool directory: HOME, XDG_STATE_HOME and LOCKDOWN_SPOOL_DIR are unset; pass --spool-dir DIR",
                )
            })
    }
}

/// `lockdown send`: re-delivers what earlier runs spooled, to the sinks its operator names.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// The spool directory to deliver and empty.
    #[arg(long, value_name = "DIR")]
    spool: PathBuf,
    /// Deliver spooled findings of this sink; repeatable. Only entries for a sink named here
    /// are sent: a spool file never chooses where findings (and tokens) go. Entries for other
    /// sinks are listed and left in place.
    #[arg(long, value_name = "SINK", required = true, value_parser = clap::value_parser!(Sink))]
    send_to: Vec<Sink>,
    /// As for `scan`: allow a token over plain http:// to a host that is not loopback.
    #[arg(long)]
    allow_insecure_http: bool,
    /// Attempts per HTTP delivery request, the first included.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    send_attempts: u32,
    #[command(flatten)]
    aws: AwsArgs,
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Failure::runtime)
}

async fn context(
    aws: &AwsArgs,
    attempts: u32,
    alert_severity: Severity,
) -> Result<SinkContext, Failure> {
    let options = super::scan::options(aws).map_err(Failure::usage)?;
    Ok(SinkContext {
        aws: crate::collect::sdk_config(&options).await,
        attempts,
        alert_severity,
    })
}

/// Prints what became of one sink's share; returns whether everything arrived.
fn report_outcome(outcome: &SinkOutcome, spool_dir: &std::path::Path, human: bool) -> bool {
    let sink = &outcome.sink;
    let error = outcome.error.as_deref().unwrap_or("unknown error");
    if outcome.complete() {
        if human {
            eprintln!("delivered {} events to {sink}", outcome.delivered);
        }
        return true;
    }
    let total = outcome.undelivered + outcome.delivered;
    let spooled = match outcome.spooled.as_slice() {
        [] => None,
        [path] => Some(path.display().to_string()),
        files => Some(format!("{} files in {}", files.len(), spool_dir.display())),
    };
    match (&outcome.spool_error, spooled) {
        (None, Some(spooled)) => eprintln!(
            "error: delivery to {sink} failed after retries: {error}\n  {} of {total} events spooled to {spooled} \
             — re-send with `lockdown send --spool {} --send-to {sink}`",
            outcome.undelivered,
            spool_dir.display()
        ),
        (Some(spool_error), spooled) => eprintln!(
            "error: delivery to {sink} failed ({error}) and the spool {} cannot keep all of its {} undelivered events: {spool_error}{}",
            spool_dir.display(),
            outcome.undelivered,
            spooled.map_or(String::new(), |spooled| format!(
                "\n  some were spooled to {spooled} — re-send with `lockdown send --spool {} --send-to {sink}`",
                spool_dir.display()
            ))
        ),
        (None, None) => eprintln!("error: delivery to {sink} failed: {error}"),
    }
    false
}

/// Delivers a scan's findings to every `--send-to` sink; returns whether all arrived.
pub fn deliver_report(
    args: &DeliveryArgs,
    aws: &AwsArgs,
    report: &Report<'_>,
    human: bool,
) -> Result<bool, Failure> {
    if args.send_to.is_empty() {
        return Ok(true);
    }
    let spool_dir = args.spool_dir()?;
    let runtime = runtime()?;
    let severity = args.alert_severity.unwrap_or(Severity::High);
    let context = runtime.block_on(context(aws, args.send_attempts, severity))?;
    let outcomes = runtime.block_on(sink::deliver_report(
        report,
        &args.send_to,
        &context,
        &spool_dir,
    ));
    // Every outcome is reported, even after a failed one.
    let complete: Vec<bool> = outcomes
        .iter()
        .map(|outcome| report_outcome(outcome, &spool_dir, human))
        .collect();
    Ok(complete.into_iter().all(|ok| ok))
}

/// `lockdown send --spool DIR`.
pub fn send(args: SendArgs, human: bool) -> Result<u8, Failure> {
    args.send_to
        .iter()
        .try_for_each(|sink| sink.check_ready(args.allow_insecure_http))
        .map_err(Failure::usage)?;
    let contents = spool::read_dir(&args.spool).map_err(Failure::usage)?;
    let mut all_delivered = contents.skipped.is_empty();
    for problem in &contents.skipped {
        eprintln!("error: skipped {problem}");
    }
    let (files, unnamed): (Vec<_>, Vec<_>) = contents
        .files
        .into_iter()
        .partition(|file| args.send_to.contains(&file.sink));
    for file in &unnamed {
        all_delivered = false;
        eprintln!(
            "not sent: {} holds {} events for {}, which --send-to does not name; left in place",
            file.path.display(),
            file.events.len(),
            file.sink
        );
    }
    let runtime = runtime()?;
    // Spooled events were chosen when their run was delivered: the severity is settled.
    let context = runtime.block_on(context(&args.aws, args.send_attempts, Severity::High))?;
    for listed in &files {
        // Claimed, then read again: another `lockdown send` may be delivering it, or may
        // have delivered part of it since it was listed.
        let claim = spool::claim(&listed.path).map_err(|e| {
            Failure::runtime(format!("cannot claim {}: {e}", listed.path.display()))
        })?;
        let Some(_claim) = claim else {
            if human {
                eprintln!(
                    "skipped {}: another lockdown send is delivering it",
                    listed.path.display()
                );
            }
            continue;
        };
        let file = &match spool::reread(listed) {
            Ok(file) => file,
            Err(problem) => {
                all_delivered = false;
                eprintln!("error: skipped {problem}");
                continue;
            }
        };
        if !args.send_to.contains(&file.sink) {
            all_delivered = false;
            eprintln!(
                "not sent: {} now names {}, which --send-to does not name; left in place",
                file.path.display(),
                file.sink
            );
            continue;
        }
        let delivery = runtime.block_on(sink::deliver(&file.sink, file.events.clone(), &context));
        let delivered = delivery.undelivered.is_empty();
        spool::settle(file, &delivery.undelivered).map_err(|e| {
            Failure::runtime(format!(
                "cannot update spool file {}: {e}",
                file.path.display()
            ))
        })?;
        if delivered {
            if human {
                eprintln!("delivered {} events to {}", delivery.delivered, file.sink);
            }
        } else {
            all_delivered = false;
            eprintln!(
                "error: delivery to {} failed: {}; {} events stay in {}",
                file.sink,
                delivery.error.as_deref().unwrap_or("unknown error"),
                delivery.undelivered.len(),
                file.path.display()
            );
        }
    }
    if human && files.is_empty() && unnamed.is_empty() {
        eprintln!("spool {} is empty: nothing to send", args.spool.display());
    }
    Ok(if all_delivered {
        exit::OK
    } else {
        exit::DELIVERY_FAILED
    })
}
