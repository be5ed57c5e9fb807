//! `lockdown history ...`: import results into the scan history and ask it what auditors ask.

use super::{Failure, exit};
use crate::emit::readable::{day_ranges, time};
use crate::evaluate::Finding;
use crate::history::{FindingColumn, RunMeta, Store, evidence, period};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand, ValueEnum};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Where the history lives.
#[derive(Debug, Args)]
pub struct DatabaseArg {
    /// The history database [default: $XDG_STATE_HOME/lockdown/history.db, else
    /// ~/.local/state/lockdown/history.db].
    #[arg(long, value_name = "PATH", global = true)]
    pub db: Option<PathBuf>,
}

impl DatabaseArg {
    fn open(&self) -> Result<Store, Failure> {
        let path = self.db.clone().unwrap_or_else(Store::default_path);
        Store::open(&path).map_err(|e| Failure::runtime(e.to_string()))
    }
}

/// Days `history runs` lists without --from.
const DEFAULT_RUNS_DAYS: u64 = 90;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PeriodFormat {
    Md,
    Json,
    Csv,
    Html,
}

/// What an evidence package holds beyond the period report, population and sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvidenceFormat {
    /// The period report, the population of runs and the sampled runs' results.
    Standard,
    /// The same, plus OSCAL assessment results for every run of the period.
    Oscal,
}

/// A framework over an audit period.
#[derive(Debug, Args)]
pub struct PeriodArgs {
    /// Framework id, e.g. `soc2`.
    #[arg(long)]
    framework: String,
    /// First day of the period.
    #[arg(long, value_name = "YYYY-MM-DD")]
    from: NaiveDate,
    /// Last day of the period.
    #[arg(long, value_name = "YYYY-MM-DD")]
    to: NaiveDate,
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Record runs in the history, oldest first: results files (`scan --output FILE`) or the
    /// S3 sink's objects (`s3://bucket/prefix`, every run under it; needs s3:ListBucket and
    /// s3:GetObject). Importing a run already recorded, from either source, changes nothing.
    Import {
        /// Results files, or `s3://bucket/prefix`.
        #[arg(required = true, value_name = "FILE|S3_URL")]
        sources: Vec<String>,
    },
    /// List the runs of a period and the days with no run (evidence gaps); the last 90 days
    /// unless --from/--to say otherwise.
    Runs {
        /// First day [default: 89 days before --to].
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<NaiveDate>,
        /// Last day [default: today, UTC].
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: Option<NaiveDate>,
    },
    /// The status timeline of one finding (its id from the results).
    Finding { id: String },
    /// The status timelines of every finding about one resource.
    Resource { arn: String },
    /// The status timelines of every finding of one check.
    Check { id: String },
    /// Per requirement over a period: runs, pass rate, exceptions, time to remediate, gaps.
    Report {
        #[command(flatten)]
        period: PeriodArgs,
        #[arg(long, value_enum, default_value_t = PeriodFormat::Md)]
        format: PeriodFormat,
    },
    /// The evidence package of an audit period: the period report (HTML, Markdown, JSON), the
    /// population of runs, and the results of a reproducible random sample of runs; with
    /// --sign, a manifest `lockdown verify` checks.
    Evidence {
        #[command(flatten)]
        period: PeriodArgs,
        /// Runs in the auditor's sample.
        #[arg(long, default_value_t = 25)]
        sample: usize,
        /// Seed of the sample: the same seed picks the same runs.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Directory to write the package into.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Sign the package with this private key (from `lockdown keygen`).
        #[arg(long, value_name = "KEY_FILE")]
        sign: Option<PathBuf>,
        /// `oscal` adds the period's runs as OSCAL 1.2.1 assessment results
        /// (assessment-results.oscal.json, one result per run) to the package.
        #[arg(long, value_enum, default_value_t = EvidenceFormat::Standard)]
        format: EvidenceFormat,
    },
    /// Delete runs older than a retention period, e.g. `--keep 400d`.
    Prune {
        #[arg(long, value_name = "DAYS", value_parser = parse_days)]
        keep: i64,
    },
}

fn parse_days(text: &str) -> Result<i64, String> {
    text.strip_suffix('d')
        .unwrap_or(text)
        .parse::<i64>()
        .ok()
        .filter(|d| *d > 0)
        .ok_or_else(|| format!("`{text}` is not a number of days such as 400d"))
}

/// The parts of a results file the history keeps.
#[derive(Deserialize)]
struct SavedRun {
    account: SavedAccount,
    evaluated_at: DateTime<Utc>,
    #[serde(default)]
    regions: Vec<String>,
    collection: SavedCollection,
    #[serde(default)]
    parameters: serde_json::Value,
    #[serde(default)]
    collection_errors: Vec<serde_json::Value>,
    findings: Vec<Finding>,
}

#[derive(Deserialize)]
struct SavedAccount {
    id: String,
}

#[derive(Deserialize)]
struct SavedCollection {
    started_at: DateTime<Utc>,
    finished_at: DateTime<Utc>,
    lockdown_version: String,
}

fn read_run(path: &Path) -> Result<(RunMeta, Vec<Finding>), Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
    let saved: SavedRun = serde_json::from_str(&text).map_err(|e| {
        Failure::usage(format!(
            "{}: not a lockdown results file: {e}",
            path.display()
        ))
    })?;
    let (accounts, check_ids) = RunMeta::scope_of(&saved.account.id, &saved.findings);
    let meta = RunMeta {
        started_at: saved.collection.started_at,
        evaluated_at: saved.evaluated_at,
        finished_at: saved.collection.finished_at,
        accounts,
        regions: saved.regions,
        lockdown_version: saved.collection.lockdown_version,
        check_ids,
        parameters: saved.parameters,
        collection_errors: saved.collection_errors.len(),
    };
    Ok((meta, saved.findings))
}

fn print_timeline(store: &Store, id: &str, label: &str) -> Result<(), Failure> {
    let segments = store
        .timeline(id)
        .map_err(|e| Failure::runtime(e.to_string()))?;
    out!("{label}");
    for s in segments {
        out!(
            "  {:<14} {} → {}  (runs {}–{})",
            s.status,
            time(s.first_seen),
            time(s.last_seen),
            s.first_run,
            s.last_run
        );
    }
    Ok(())
}

/// The built-in checks.
fn catalog() -> Result<crate::evaluate::Catalog, Failure> {
    crate::pipeline::load_catalog(&[], &[], &[]).map_err(|e| Failure::usage(e.to_string()))
}

fn mappings_of(catalog: &crate::evaluate::Catalog) -> Result<crate::map::Mappings, Failure> {
    crate::map::Mappings::load(&catalog.checks, &[]).map_err(Failure::usage)
}

fn mappings() -> Result<crate::map::Mappings, Failure> {
    mappings_of(&catalog()?)
}

fn resolve<'m>(
    mappings: &'m crate::map::Mappings,
    framework: &str,
) -> Result<&'m crate::map::Framework, Failure> {
    Ok(mappings
        .resolve(&[framework.to_owned()])
        .map_err(Failure::usage)?[0])
}

/// Every run the S3 sink wrote under `url`.
/// A run read for import: where it came from, what it is, its findings.
type ImportedRun = (String, (RunMeta, Vec<Finding>));

fn read_s3_runs(url: &str) -> Result<Vec<ImportedRun>, Failure> {
    let (bucket, prefix) = crate::history::s3::location(url)
        .ok_or_else(|| Failure::usage(format!("`{url}`: expected s3://bucket/prefix")))?;
    let catalog =
        crate::pipeline::load_catalog(&[], &[], &[]).map_err(|e| Failure::usage(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Failure::runtime)?;
    runtime.block_on(async {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let s3 = crate::history::s3::client(&config);
        let mut runs = Vec::new();
        for key in crate::history::s3::run_keys(&s3, &bucket, &prefix)
            .await
            .map_err(Failure::runtime)?
        {
            let events = crate::history::s3::events(&s3, &bucket, &key)
                .await
                .map_err(Failure::runtime)?;
            let (meta, findings, skipped) =
                crate::history::s3::run(&events, &catalog).map_err(|e| {
                    Failure::runtime(format!("s3://{bucket}/{key}: {e}"))
                })?;
            if skipped > 0 {
                eprintln!(
                    "s3://{bucket}/{key}: {skipped} events of checks this lockdown does not have were left out"
                );
            }
            runs.push((format!("s3://{bucket}/{key}"), (meta, findings)));
        }
        Ok(runs)
    })
}

/// Runs a `history` subcommand.
pub fn run(command: HistoryCommand, db: &DatabaseArg) -> Result<u8, Failure> {
    let runtime = |e: crate::history::HistoryError| Failure::runtime(e.to_string());
    let mut store = db.open()?;
    match command {
        HistoryCommand::Import { sources } => {
            let mut runs = Vec::new();
            for source in &sources {
                if source.starts_with("s3://") {
                    runs.extend(read_s3_runs(source)?);
                } else {
                    runs.push((source.clone(), read_run(Path::new(source))?));
                }
            }
            runs.sort_by_key(|(_, (meta, _))| meta.started_at);
            for (source, (meta, findings)) in runs {
                let recorded = store.record(&meta, &findings).map_err(runtime)?;
                out!(
                    "{source}: run {} {}",
                    recorded.run,
                    if recorded.inserted {
                        format!(
                            "recorded ({} findings, {} status changes)",
                            recorded.findings, recorded.segments_opened
                        )
                    } else {
                        "already recorded".to_owned()
                    }
                );
            }
        }
        HistoryCommand::Runs { from, to } => {
            let to = to.unwrap_or_else(|| Utc::now().date_naive());
            let from = from.unwrap_or(to - chrono::Days::new(DEFAULT_RUNS_DAYS - 1));
            let runs = store.runs(from, to).map_err(runtime)?;
            out!("runs from {from} to {to}");
            for run in &runs {
                out!(
                    "{}  {}  accounts {}  findings {}  collection errors {}  checks {}",
                    time(run.started_at),
                    run.id,
                    run.accounts.join(","),
                    run.findings,
                    run.collection_errors,
                    run.checks_digest
                );
            }
            let gaps = crate::history::evidence_gaps(&runs, from, to);
            out!(
                "{} runs; {} days without a run (evidence gaps){}",
                runs.len(),
                gaps.len(),
                if gaps.is_empty() {
                    String::new()
                } else {
                    format!(": {}", day_ranges(&gaps))
                }
            );
        }
        HistoryCommand::Finding { id } => print_timeline(&store, &id, &id)?,
        HistoryCommand::Resource { arn } => {
            for (id, check, _) in store
                .findings_where(FindingColumn::Resource, &arn)
                .map_err(runtime)?
            {
                print_timeline(&store, &id, &format!("{check} ({id})"))?;
            }
        }
        HistoryCommand::Check { id } => {
            for (finding, _, arn) in store
                .findings_where(FindingColumn::Check, &id)
                .map_err(runtime)?
            {
                print_timeline(&store, &finding, &format!("{arn} ({finding})"))?;
            }
        }
        HistoryCommand::Report { period, format } => {
            let mappings = mappings()?;
            let framework = resolve(&mappings, &period.framework)?;
            let report =
                period::report(&store, framework, period.from, period.to).map_err(runtime)?;
            let rendered = match format {
                PeriodFormat::Md => report.markdown(),
                PeriodFormat::Json => {
                    serde_json::to_string_pretty(&report).map_err(Failure::runtime)? + "\n"
                }
                PeriodFormat::Csv => report.csv().map_err(Failure::runtime)?,
                PeriodFormat::Html => report.html(),
            };
            out_raw!("{rendered}");
        }
        HistoryCommand::Evidence {
            period:
                PeriodArgs {
                    framework,
                    from,
                    to,
                },
            sample,
            seed,
            out,
            sign,
            format,
        } => {
            // The key is read before anything is written: a bad key leaves no half package.
            let key = sign
                .as_deref()
                .map(crate::emit::signing::signing_key)
                .transpose()
                .map_err(Failure::usage)?;
            let catalog = catalog()?;
            let mappings = mappings_of(&catalog)?;
            let request = evidence::Request {
                framework: resolve(&mappings, &framework)?,
                from,
                to,
                sample,
                seed,
                oscal: (format == EvidenceFormat::Oscal)
                    .then_some((&catalog.checks[..], &mappings)),
            };
            let files = evidence::package(&store, &request, &out).map_err(runtime)?;
            out!("wrote {} files to {}", files.len(), out.display());
            if let Some(key) = &key {
                let manifest = out.join("evidence.manifest.json");
                let accounts: std::collections::BTreeSet<String> = store
                    .runs(from, to)
                    .map_err(runtime)?
                    .into_iter()
                    .flat_map(|r| r.accounts)
                    .collect();
                crate::emit::signing::sign(
                    key,
                    &files,
                    &accounts.into_iter().collect::<Vec<_>>().join(","),
                    &format!("{from}..{to}"),
                    &manifest,
                )
                .map_err(Failure::runtime)?;
                out!(
                    "signed: {} (check with `lockdown verify`)",
                    manifest.display()
                );
            }
        }
        HistoryCommand::Prune { keep } => {
            let before = Utc::now() - chrono::Duration::days(keep);
            let deleted = store.prune(before).map_err(runtime)?;
            out!(
                "deleted {deleted} runs started before {}",
                before.to_rfc3339()
            );
        }
    }
    Ok(exit::OK)
}
