//! The scan as a library, one way: a [`ScanRequest`] (where data comes from, which checks and
//! parameters, frameworks, suppressions, baseline, clock) is [`prepare`]d — everything that can
//! be wrong with it is found before AWS is called — then [`Prepared::run`] collects (only what
//! the selected checks read), evaluates, maps and diffs, and returns a [`ScanOutcome`]. The
//! command line and the Lambda handler build requests and present outcomes; neither builds
//! the other's input nor re-reads its own output. Delivery is a separate step
//! (`emit::sink::deliver_report`).

use crate::collect::plan::Plan;
use crate::collect::{self, CallRecorder, CollectOptions};
use crate::emit::report::Tally;
use crate::emit::terminal::Failing;
use crate::emit::{Report, ResourceCounts};
use crate::evaluate::baseline::{Baseline, Change, Comparison, Coverage};
use crate::evaluate::catalog::{ParameterSetting, parameters};
use crate::evaluate::engine::{EVALUATION_CHUNK, Evaluator};
use crate::evaluate::sorted_runs::SortedRuns;
use crate::evaluate::suppress::{SuppressionRule, Suppressions};
use crate::evaluate::{self, Catalog, Check, Finding, Selection, Severity, Status};
use crate::inventory::stream::{ChunkError, SnapshotFile};
use crate::inventory::{CollectionError, Resource, Snapshot};
use crate::map::Mappings;
use crate::map::report::{FrameworkReport, ResultsByCheck, count_results, framework_report_of};
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

/// The demo account shipped in the binary.
const DEMO_SNAPSHOT: &str = include_str!("../fixtures/demo-account.json");
const DEMO_ORIGIN: &str = "fixtures/demo-account.json";

/// Where a scan's data comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// The demo account built into lockdown.
    Demo,
    /// A saved snapshot.
    Snapshot(PathBuf),
    /// The account (or organization) the credentials reach; optionally saving the snapshot.
    Live {
        options: Box<CollectOptions>,
        save_snapshot: Option<PathBuf>,
    },
}

/// A check parameter set by configuration (config file, Lambda event): check, name, value.
pub type ParamValue = (String, String, toml::Value);

/// What to scan and how to judge it.
#[derive(Debug, Clone)]
pub struct ScanRequest {
    pub source: Source,
    pub selection: Selection,
    /// Directories of the user's own check files.
    pub checks_dirs: Vec<PathBuf>,
    /// Typed parameters (config file, event), applied before `set`.
    pub params: Vec<ParamValue>,
    /// `CHECK.PARAM=VALUE` assignments from the command line.
    pub set: Vec<String>,
    /// Framework ids to report compliance against.
    pub frameworks: Vec<String>,
    /// The user's own framework files.
    pub framework_files: Vec<PathBuf>,
    pub suppressions: Vec<SuppressionRule>,
    /// What to diff against: a previous JSON report, or the scan history's latest run.
    pub baseline: Option<BaselineSource>,
    /// The evaluation clock; default: when the snapshot was collected.
    pub now: Option<DateTime<Utc>>,
    /// Report only findings that changed since the baseline (compliance still sees all).
    pub only_changes: bool,
    /// Whether findings are held in memory or in sorted runs.
    pub keep: Keep,
}

/// Findings held in memory before sorted runs go to a file: about 300 MB, so that a scan of
/// up to about 150,000 resources never writes one.
pub const DEFAULT_HELD: usize = 1_000_000;

/// How a run keeps its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Keep {
    /// Every finding in memory: what every output format, the history, a baseline and the
    /// delivery sinks read.
    #[default]
    All,
    /// Every finding in sorted runs (in temporary files beyond a limit), read back in order
    /// when written, so that memory no longer grows with the findings: only the line formats
    /// (NDJSON, OCSF) are written from them, and there is no baseline. `failing`: gather what
    /// the terminal summary lists of the FAIL and ERROR findings, this many resources per check
    /// ([`crate::emit::terminal::Failing`]). `held`: how many findings stay in memory before
    /// they go to a file ([`DEFAULT_HELD`]).
    Runs { failing: Option<usize>, held: usize },
}

/// What a run's changes (new, changed, resolved) are judged against.
#[derive(Debug, Clone)]
pub enum BaselineSource {
    /// A previous run's JSON results (`--baseline FILE`).
    File(PathBuf),
    /// The latest run recorded in the scan history at this path (`--history` without
    /// `--baseline`); an empty history makes every failure new.
    History(PathBuf),
    /// The findings of a previous run already at hand (a Lambda run reads its account's
    /// latest run from the S3 sink).
    Findings(Vec<crate::evaluate::Finding>),
}

/// Why a scan could not run: bad input (found before anything is called) or a failure while
/// running.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Failed(String),
}

impl PipelineError {
    fn invalid(error: impl std::fmt::Display) -> Self {
        Self::Invalid(error.to_string())
    }

    fn failed(error: impl std::fmt::Display) -> Self {
        Self::Failed(error.to_string())
    }
}

/// A request checked and resolved: checks compiled with their parameters, mappings loaded,
/// frameworks and baseline read, the collection plan made.
pub struct Prepared {
    request: ScanRequest,
    catalog: Catalog,
    mappings: Mappings,
    selected: Vec<String>,
    suppressions: Suppressions,
    baseline: Option<Baseline>,
    plan: Plan,
}

/// Loads the checks with the request's parameters applied.
pub fn load_catalog(
    checks_dirs: &[PathBuf],
    params: &[ParamValue],
    set: &[String],
) -> Result<Catalog, PipelineError> {
    let mut catalog = Catalog::load(checks_dirs).map_err(PipelineError::invalid)?;
    for (check, param, value) in params {
        catalog
            .set_param_value(check, param, value.clone())
            .map_err(|e| PipelineError::Invalid(format!("params: {e}")))?;
    }
    for assignment in set {
        catalog
            .set_param(assignment)
            .map_err(PipelineError::Invalid)?;
    }
    Ok(catalog)
}

/// Checks a request and resolves everything it names, without calling AWS.
pub fn prepare(request: ScanRequest) -> Result<Prepared, PipelineError> {
    let catalog = load_catalog(&request.checks_dirs, &request.params, &request.set)?;
    let checks = catalog
        .select(&request.selection)
        .map_err(PipelineError::Invalid)?;
    let selected = checks.iter().map(|c| c.id().to_owned()).collect();
    let plan = Plan::for_reads(
        checks
            .iter()
            .map(|c| (c.def.resource.as_str(), c.reads.iter().map(String::as_str))),
    );
    let mappings = Mappings::load(&catalog.checks, &request.framework_files)
        .map_err(PipelineError::invalid)?;
    mappings
        .resolve(&request.frameworks)
        .map_err(PipelineError::Invalid)?;
    let suppressions =
        Suppressions::new(request.suppressions.clone()).map_err(PipelineError::Invalid)?;
    let baseline = match &request.baseline {
        None => None,
        Some(BaselineSource::File(path)) => Some(
            Baseline::load(path).map_err(|e| PipelineError::Invalid(format!("--baseline: {e}")))?,
        ),
        Some(BaselineSource::History(path)) => {
            let prior = crate::history::Store::open(path)
                .and_then(|store| store.latest_findings())
                .map_err(|e| PipelineError::Invalid(format!("--history: {e}")))?;
            Some(Baseline::from_history(prior, &catalog))
        }
        Some(BaselineSource::Findings(findings)) => Some(Baseline::new(findings.clone())),
    };
    Ok(Prepared {
        request,
        catalog,
        mappings,
        selected,
        suppressions,
        baseline,
        plan,
    })
}

/// Collects a live snapshot as `options` say (its plan included), on a runtime of its own.
pub fn collect_snapshot(
    options: &CollectOptions,
    recorder: CallRecorder,
) -> Result<Snapshot, PipelineError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(PipelineError::failed)?;
    let result = runtime.block_on(collect::collect(options, recorder.clone()));
    recorder.finish();
    let snapshot = result.map_err(PipelineError::failed)?;
    for (error, times) in folded(&snapshot.errors) {
        let account = error.account_id.as_deref().unwrap_or(&snapshot.account.id);
        let (action, region, kind) = (&error.action, &error.region, error.kind);
        if times == 1 {
            tracing::warn!(%action, %region, ?kind, %account, "{}", error.message);
        } else {
            tracing::warn!(%action, %region, ?kind, %account, times, "{}", error.message);
        }
    }
    Ok(snapshot)
}

/// Collection errors told apart by what a reader acts on (account, action, region, kind and
/// message), in the order first seen, each with how many times it came: a problem met once
/// per resource is logged once, not once per resource.
fn folded(errors: &[CollectionError]) -> Vec<(&CollectionError, usize)> {
    let mut folded: Vec<(&CollectionError, usize)> = Vec::new();
    let mut seen: std::collections::HashMap<_, usize> = std::collections::HashMap::new();
    for error in errors {
        let key = (
            &error.account_id,
            &error.action,
            &error.region,
            error.kind,
            &error.message,
        );
        match seen.get(&key) {
            Some(&at) => folded[at].1 += 1,
            None => {
                seen.insert(key, folded.len());
                folded.push((error, 1));
            }
        }
    }
    folded
}

/// Everything a scan produced.
pub struct ScanOutcome {
    /// The snapshot evaluated (its resources released after evaluation; see `resources`).
    pub snapshot: Snapshot,
    pub resources: ResourceCounts,
    /// Every finding of the run; none with [`Keep::Runs`].
    pub findings: Vec<Finding>,
    /// With [`Keep::Runs`], when asked for: what the terminal summary lists.
    pub failing: Option<Failing>,
    /// With [`Keep::Runs`]: every finding, in sorted runs.
    pub runs: Option<SortedRuns>,
    /// With [`Keep::Runs`]: the accounts and checks of every finding.
    pub scope: Option<crate::history::Scope>,
    /// Every finding of the run, counted.
    pub tally: Tally,
    /// With `only_changes`: the findings that changed (what is reported and sent).
    pub changes: Option<Vec<Finding>>,
    pub compliance: Vec<FrameworkReport>,
    pub suppressions_expired: Vec<SuppressionRule>,
    pub parameters: Vec<ParameterSetting>,
    pub checks: usize,
    pub evaluated_at: DateTime<Utc>,
    /// Where the data came from, for people: `live scan`, `snapshot FILE`, `demo snapshot`.
    pub source: String,
}

/// How a run ended, for CI gating: the worst of its findings against a severity threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing at or above the threshold failed, and nothing is ERROR.
    Clean,
    /// A check at or above the threshold failed (unsuppressed).
    Failed,
    /// Nothing failed, but some checks could not be evaluated.
    Incomplete,
}

impl ScanOutcome {
    /// The report of what is reported (all findings, or the changes).
    pub fn report(&self) -> Report<'_> {
        let mut report = match &self.changes {
            // Every finding (held, or in sorted runs), already counted.
            None => self.counted(self.compliance.clone()),
            Some(changes) => Report::new(
                &self.snapshot,
                &self.resources,
                changes,
                self.checks,
                self.evaluated_at,
                self.compliance.clone(),
            ),
        };
        report.suppressions_expired = self.suppressions_expired.clone();
        report.parameters = self.parameters.clone();
        report
    }

    /// This run as the scan history records it (with every finding, not only the changes).
    pub fn history_run(&self) -> crate::history::RunMeta {
        let collection = &self.snapshot.collection;
        let account = &self.snapshot.account.id;
        let (accounts, check_ids) = match &self.scope {
            Some(scope) => scope.parts(account),
            None => crate::history::RunMeta::scope_of(account, &self.findings),
        };
        crate::history::RunMeta {
            started_at: collection.started_at,
            evaluated_at: self.evaluated_at,
            finished_at: collection.finished_at,
            accounts,
            regions: self.snapshot.regions.clone(),
            lockdown_version: collection.lockdown_version.clone(),
            check_ids,
            parameters: serde_json::to_value(&self.parameters).unwrap_or_default(),
            collection_errors: self.snapshot.errors.len(),
        }
    }

    /// The report of every finding without compliance (what the next baseline needs).
    pub fn baseline_report(&self) -> Report<'_> {
        self.counted(Vec::new())
    }

    /// Records this run and every finding (not only the changes) in the scan `history`.
    pub fn record_in(
        &self,
        history: &mut crate::history::Store,
    ) -> Result<crate::history::Recorded, crate::history::HistoryError> {
        let every = self.baseline_report();
        let chunks = every
            .chunks(crate::emit::LINE_CHUNK)
            .map_err(crate::history::HistoryError::Findings)?;
        history.record_chunks(&self.history_run(), self.tally.summary.findings, chunks)
    }

    /// The report of every finding (held, or in sorted runs), counted in `tally`, with
    /// `compliance`.
    fn counted(&self, compliance: Vec<FrameworkReport>) -> Report<'_> {
        Report::counted(
            &self.snapshot,
            &self.resources,
            &self.tally,
            self.checks,
            self.evaluated_at,
            compliance,
        )
        .with_findings(&self.findings)
        .with_runs(self.runs.as_ref())
    }

    /// The run's verdict against `threshold`.
    pub fn verdict(&self, threshold: Severity) -> Verdict {
        let summary = &self.tally.summary;
        let failed = summary
            .failed_by_severity
            .range(threshold..)
            .any(|(_, &n)| n > 0);
        if failed {
            Verdict::Failed
        } else if summary.count(Status::Error) > 0 {
            Verdict::Incomplete
        } else {
            Verdict::Clean
        }
    }
}

impl Prepared {
    /// What a live scan would collect.
    pub fn collection_plan(&self) -> &Plan {
        &self.plan
    }

    /// The selected checks.
    fn checks(&self) -> Vec<&Check> {
        self.selected
            .iter()
            .filter_map(|id| self.catalog.get(id))
            .collect()
    }

    /// Obtains the snapshot the request names, its resources held or still in the file;
    /// `recorder` counts the API calls of a live scan (and drives its progress display).
    fn resources(&self, recorder: CallRecorder) -> Result<(Resources, String), PipelineError> {
        match &self.request.source {
            Source::Demo => Snapshot::from_json(DEMO_SNAPSHOT, Path::new(DEMO_ORIGIN))
                .map(|s| (Resources::Held(s), "demo snapshot".to_owned()))
                .map_err(PipelineError::failed),
            Source::Snapshot(path) => SnapshotFile::open(path)
                .map(|s| (Resources::File(s), format!("snapshot {}", path.display())))
                .map_err(PipelineError::invalid),
            Source::Live {
                options,
                save_snapshot,
            } => {
                let options = CollectOptions {
                    plan: self.plan.clone(),
                    ..(**options).clone()
                };
                let snapshot = collect_snapshot(&options, recorder)?;
                if let Some(path) = save_snapshot {
                    snapshot.save(path).map_err(PipelineError::failed)?;
                }
                Ok((Resources::Held(snapshot), "live scan".to_owned()))
            }
        }
    }

    /// Collects (or loads), evaluates a chunk of resources at a time, maps and diffs.
    pub fn run(self, recorder: CallRecorder) -> Result<ScanOutcome, PipelineError> {
        let (resources, source) = self.resources(recorder)?;
        let header = resources.header();
        let now = self.request.now.unwrap_or(header.collection.finished_at);
        let account = header.account.clone();
        let checks = self.checks();
        let frameworks = self
            .mappings
            .resolve(&self.request.frameworks)
            .map_err(PipelineError::Invalid)?;
        // Checks a framework judges with its own parameters.
        let variants = frameworks
            .iter()
            .map(|framework| {
                checks
                    .iter()
                    .filter_map(|c| c.for_framework(&framework.id, &self.catalog.env))
                    .collect::<Result<Vec<Check>, _>>()
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(PipelineError::invalid)?;
        let variants: Vec<Vec<&Check>> = variants.iter().map(|v| v.iter().collect()).collect();
        let env = &self.catalog.env;
        let checks_run: Vec<&str> = checks.iter().map(|c| c.id()).collect();
        let mut run = Accumulator {
            prepared: &self,
            evaluator: Evaluator::new(&account, &checks, env, now),
            judges: variants
                .iter()
                .map(|v| (Evaluator::new(&account, v, env, now), ResultsByCheck::new()))
                .collect(),
            today: now.date_naive(),
            resources: ResourceCounts::default(),
            frameworks_asked: !frameworks.is_empty(),
            results: ResultsByCheck::new(),
            kept: match self.request.keep {
                Keep::All => Kept::All(Vec::new()),
                Keep::Runs { failing, held } => Kept::Runs(Box::new(InRuns {
                    runs: SortedRuns::new(held),
                    // With only the changes reported, the summary lists the changes.
                    failing: failing
                        .filter(|_| !self.request.only_changes)
                        .map(Failing::new),
                    tally: Tally::default(),
                    scope: Default::default(),
                    comparison: self.baseline.as_ref().map(|b| b.compare(&checks_run)),
                    changes: self.request.only_changes.then(Vec::new),
                })),
            },
        };
        let snapshot = resources.each_chunk(|chunk| run.add(&chunk))?;
        run.finish_listing(&snapshot)?;
        if let Kept::Runs(kept) = &mut run.kept {
            kept.finish(&snapshot, run.frameworks_asked.then_some(&mut run.results));
        }
        let Accumulator {
            judges,
            resources,
            results,
            kept,
            ..
        } = run;
        let suppressions_expired = self.suppressions.apply(&mut [], now.date_naive());
        let (findings, failing, runs, scope, tally, changes, results) = match kept {
            Kept::All(mut findings) => {
                evaluate::engine::sort(&mut findings);
                if let Some(baseline) = &self.baseline {
                    baseline.apply(&mut findings, &checks_run, &Coverage::of(&snapshot));
                }
                let changes = self.request.only_changes.then(|| {
                    findings
                        .iter()
                        .filter(|f| f.change != Some(Change::Unchanged))
                        .cloned()
                        .collect()
                });
                // Compliance judges every finding (only-changes limits what is sent).
                let mut results = ResultsByCheck::new();
                if !frameworks.is_empty() {
                    count_results(&mut results, &findings);
                }
                let tally = Tally::of(&findings);
                (findings, None, None, None, tally, changes, results)
            }
            Kept::Runs(kept) => {
                let InRuns {
                    runs,
                    failing,
                    tally,
                    scope,
                    changes,
                    ..
                } = *kept;
                let scope = Some(scope);
                (
                    Vec::new(),
                    failing,
                    Some(runs),
                    scope,
                    tally,
                    changes,
                    results,
                )
            }
        };
        let compliance = frameworks
            .iter()
            .zip(&judges)
            .map(|(f, (_, judged))| framework_report_of(&self.mappings, f, &results, judged))
            .collect();
        Ok(ScanOutcome {
            snapshot,
            resources,
            findings,
            failing,
            runs,
            scope,
            tally,
            changes,
            compliance,
            suppressions_expired,
            parameters: parameters(&checks),
            checks: checks.len(),
            evaluated_at: now,
            source,
        })
    }
}

/// A snapshot's resources: held (the demo, a live scan) or still in the snapshot file.
enum Resources {
    Held(Snapshot),
    File(SnapshotFile),
}

impl Resources {
    /// The snapshot, resources aside.
    fn header(&self) -> &Snapshot {
        match self {
            Resources::Held(snapshot) => snapshot,
            Resources::File(file) => &file.header,
        }
    }

    /// Hands the resources to `consume` a chunk at a time, releasing each once consumed;
    /// returns the snapshot without its resources, its errors placed.
    fn each_chunk(
        self,
        mut consume: impl FnMut(Vec<Resource>) -> Result<(), PipelineError>,
    ) -> Result<Snapshot, PipelineError> {
        match self {
            Resources::Held(mut snapshot) => {
                let mut resources = std::mem::take(&mut snapshot.resources);
                while !resources.is_empty() {
                    // From the end, so that splitting a chunk off moves only the chunk.
                    let at = resources.len().saturating_sub(EVALUATION_CHUNK);
                    consume(resources.split_off(at))?;
                }
                Ok(snapshot)
            }
            Resources::File(mut file) => {
                file.for_each_chunk(EVALUATION_CHUNK, |_, chunk| consume(chunk))
                    .map_err(|error| match error {
                        ChunkError::Snapshot(error) => PipelineError::invalid(error),
                        ChunkError::Consumer(error) => error,
                    })?;
                Ok(file.header)
            }
        }
    }
}

/// Where a run's findings go as they are evaluated.
enum Kept<'a> {
    All(Vec<Finding>),
    Runs(Box<InRuns<'a>>),
}

/// Findings kept in sorted runs, counted (and compared with the baseline) as they come.
struct InRuns<'a> {
    runs: SortedRuns,
    /// What the terminal summary lists, when it is shown.
    failing: Option<Failing>,
    tally: Tally,
    /// The accounts and checks of the findings (what the history records of the run).
    scope: crate::history::Scope,
    comparison: Option<Comparison<'a>>,
    /// With `only_changes`: the findings that changed.
    changes: Option<Vec<Finding>>,
}

impl InRuns<'_> {
    /// Counts `findings` and keeps them.
    fn add(
        &mut self,
        findings: Vec<Finding>,
        results: Option<&mut ResultsByCheck>,
    ) -> Result<(), PipelineError> {
        self.count(&findings, results);
        self.runs
            .push(findings)
            .map_err(|e| PipelineError::Failed(format!("cannot keep findings in sorted runs: {e}")))
    }

    /// Puts the changes in order and adds the baseline's failures that no finding matched,
    /// after every finding.
    fn finish(&mut self, snapshot: &Snapshot, results: Option<&mut ResultsByCheck>) {
        if let Some(changes) = &mut self.changes {
            evaluate::engine::sort(changes);
        }
        let Some(comparison) = self.comparison.take() else {
            return;
        };
        let gone = comparison.gone(&Coverage::of(snapshot));
        self.count(&gone, results);
        self.runs.push_tail(gone);
    }

    /// Counts `findings` in everything gathered as findings come.
    fn count(&mut self, findings: &[Finding], results: Option<&mut ResultsByCheck>) {
        self.tally.add(findings);
        self.scope.add(findings);
        if let Some(results) = results {
            count_results(results, findings);
        }
        if let Some(failing) = &mut self.failing {
            failing.add(findings);
        }
        if let Some(changes) = &mut self.changes {
            changes.extend(
                findings
                    .iter()
                    .filter(|f| f.change != Some(Change::Unchanged))
                    .cloned(),
            );
        }
    }
}

/// A run in progress: the evaluators, and what has been counted and kept so far.
struct Accumulator<'a> {
    prepared: &'a Prepared,
    evaluator: Evaluator<'a>,
    /// Per framework, the checks it judges with its own parameters and their results.
    judges: Vec<(Evaluator<'a>, ResultsByCheck)>,
    today: chrono::NaiveDate,
    resources: ResourceCounts,
    /// Whether compliance roll-ups will need the results per check.
    frameworks_asked: bool,
    results: ResultsByCheck,
    kept: Kept<'a>,
}

impl Accumulator<'_> {
    /// Evaluates a chunk of resources.
    fn add(&mut self, chunk: &[Resource]) -> Result<(), PipelineError> {
        self.resources.add(chunk);
        for (judge, judged) in &mut self.judges {
            let mut findings = Vec::with_capacity(judge.count(chunk));
            judge.extend(&mut findings, chunk);
            count_results(judged, &findings);
        }
        let mut findings = Vec::with_capacity(self.evaluator.count(chunk));
        self.evaluator.extend(&mut findings, chunk);
        self.keep(findings)
    }

    /// Adds the ERROR findings of resource types that could not be listed (known once every
    /// resource has been seen).
    fn finish_listing(&mut self, snapshot: &Snapshot) -> Result<(), PipelineError> {
        for (judge, judged) in &mut self.judges {
            count_results(judged, &judge.listing_findings(&snapshot.errors));
        }
        let listing = self.evaluator.listing_findings(&snapshot.errors);
        self.keep(listing)
    }

    /// Maps and suppresses `findings`, then keeps them as the run keeps findings.
    fn keep(&mut self, mut findings: Vec<Finding>) -> Result<(), PipelineError> {
        self.prepared.mappings.annotate(&mut findings);
        self.prepared.suppressions.apply(&mut findings, self.today);
        match &mut self.kept {
            Kept::All(all) => all.extend(findings),
            Kept::Runs(kept) => {
                if let Some(comparison) = &mut kept.comparison {
                    comparison.mark(&mut findings);
                }
                let results = self.frameworks_asked.then_some(&mut self.results);
                kept.add(findings, results)?;
            }
        }
        Ok(())
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::Format;

    /// A request for every check on `source`, reporting SOC 2, keeping findings as `keep` says.
    fn request(source: Source, keep: Keep) -> ScanRequest {
        ScanRequest {
            source,
            selection: Selection::default(),
            checks_dirs: Vec::new(),
            params: Vec::new(),
            set: Vec::new(),
            frameworks: vec!["soc2".into()],
            framework_files: Vec::new(),
            suppressions: Vec::new(),
            baseline: None,
            now: None,
            only_changes: false,
            keep,
        }
    }

    /// A scan of the snapshot at `path` keeping its findings as `keep` says, and what it writes
    /// (see [`scan_request`]).
    fn scan(path: &Path, keep: Keep) -> (Vec<u8>, Vec<u8>, ScanOutcome) {
        scan_request(request(Source::Snapshot(path.to_owned()), keep))
    }

    /// A scan as `request` says, what it writes in JSON, NDJSON, CSV and ASFF and as the next baseline
    /// (`--save-baseline`), one after the other, and what it writes in OCSF (with a framework,
    /// so that OCSF has compliance events).
    fn scan_request(request: ScanRequest) -> (Vec<u8>, Vec<u8>, ScanOutcome) {
        let outcome = prepare(request)
            .expect("a valid request")
            .run(CallRecorder::default())
            .expect("the scan runs");
        let report = outcome.report();
        let (mut documents, mut ocsf) = (Vec::new(), Vec::new());
        for format in [Format::Json, Format::Ndjson, Format::Csv, Format::Asff] {
            format.write(&report, &mut documents).expect("written");
        }
        Format::Json
            .write(&outcome.baseline_report(), &mut documents)
            .expect("written");
        Format::Ocsf.write(&report, &mut ocsf).expect("written");
        (documents, ocsf, outcome)
    }

    /// What the report's findings become at a file sink, and at a sink that refuses everything
    /// (its spool files' event lines, sorted), delivered a chunk at a time.
    fn delivered(
        report: &crate::emit::Report<'_>,
    ) -> (Vec<u8>, Vec<crate::emit::sink::SinkOutcome>, Vec<Vec<u8>>) {
        use crate::emit::sink::{self, Sink, SinkContext};
        let dir = std::env::temp_dir().join(format!("lockdown-deliver-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (file, spool) = (dir.join("sink.jsonl"), dir.join("spool"));
        let sinks = [
            Sink::File(file.clone()),
            Sink::File("/dev/null/refused".into()),
        ];
        let context = SinkContext {
            aws: aws_config::SdkConfig::builder().build(),
            attempts: 1,
            alert_severity: Severity::High,
        };
        let outcomes = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
            .block_on(sink::deliver_report(report, &sinks, &context, &spool));
        let written = std::fs::read(&file).expect("the file sink's file");
        let mut spooled: Vec<Vec<u8>> = outcomes[1]
            .spooled
            .iter()
            .flat_map(|path| {
                let text = std::fs::read(path).expect("a spool file");
                // After the header line, one event per line.
                lines(&text).skip(1).map(<[u8]>::to_vec).collect::<Vec<_>>()
            })
            .collect();
        spooled.sort();
        let _ = std::fs::remove_dir_all(&dir);
        (written, outcomes, spooled)
    }

    fn lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
        text.split(|b| *b == b'\n').filter(|line| !line.is_empty())
    }

    #[test]
    fn findings_kept_in_sorted_runs_are_written_and_delivered_as_findings_held() {
        let path = std::env::temp_dir().join(format!("lockdown-runs-{}.json", std::process::id()));
        // Two evaluation chunks and the listing errors: runs in files and in memory.
        crate::inventory::synthetic::snapshot(EVALUATION_CHUNK + 50, 8)
            .save(&path)
            .expect("saved");
        let (documents, ocsf, held) = scan(&path, Keep::All);
        let runs = Keep::Runs {
            failing: Some(3),
            held: 4_000,
        };
        let (streamed_documents, streamed_ocsf, streamed) = scan(&path, runs);
        let _ = std::fs::remove_file(&path);
        assert!(held.findings.len() > 30_000, "{}", held.findings.len());
        assert!(
            streamed
                .runs
                .as_ref()
                .is_some_and(|r| r.len() == held.findings.len())
        );
        assert!(
            documents == streamed_documents,
            "the same JSON, NDJSON and baseline"
        );
        assert!(ocsf == streamed_ocsf, "the same OCSF");
        assert_eq!(held.compliance, streamed.compliance);
        assert_eq!(held.report().summary, streamed.report().summary);
        // The terminal summary gathered chunk by chunk is the one of every finding held.
        let summary = |outcome: &ScanOutcome, failing: &Failing| {
            crate::emit::terminal::render(&outcome.report(), failing, "snapshot")
        };
        let gathered = streamed.failing.as_ref().expect("gathered");
        let text = summary(&held, &Failing::of(&held.findings, 3));
        assert!(text.contains("... and "), "{text}");
        assert_eq!(text, summary(&streamed, gathered));
        for threshold in [Severity::Low, Severity::Critical] {
            assert_eq!(held.verdict(threshold), streamed.verdict(threshold));
        }
        // Sinks take the runs a chunk at a time: what they get is what OCSF output holds.
        let (written, outcomes, spooled) = delivered(&streamed.report());
        assert!(written == ocsf, "a file sink gets the OCSF output");
        let mut expected: Vec<Vec<u8>> = lines(&ocsf).map(<[u8]>::to_vec).collect();
        let events = expected.len();
        assert!(events > 3 * crate::emit::sink::DELIVERY_CHUNK, "{events}");
        assert!(outcomes[0].complete() && outcomes[0].delivered == events);
        // A sink that fails is not asked again: every chunk goes to the spool, nothing lost.
        let refused = &outcomes[1];
        assert_eq!((refused.delivered, refused.undelivered), (0, events));
        assert!(refused.spooled.len() > 3, "a spool file per chunk");
        expected.sort();
        assert!(spooled == expected, "the spool holds every event");
    }

    #[test]
    fn a_problem_met_once_per_resource_is_logged_once_with_its_count() {
        let error = |region: &str, arn: &str| CollectionError {
            action: "kms:DescribeKey".into(),
            permission: "kms:DescribeKey".into(),
            region: region.into(),
            kind: crate::inventory::ErrorKind::MissingData,
            code: None,
            message: "the kms:DescribeKey answer leaves out usage".into(),
            affects: vec![crate::inventory::Affected {
                resource_type: "aws.kms.key".into(),
                resource_arn: Some(arn.into()),
                attributes: vec!["usage".into()],
            }],
            account_id: None,
        };
        let errors = [
            error("us-east-1", "k1"),
            error("eu-west-1", "k2"),
            error("us-east-1", "k3"),
            error("us-east-1", "k4"),
        ];
        let folded: Vec<(&str, usize)> = folded(&errors)
            .into_iter()
            .map(|(e, times)| (e.region.as_str(), times))
            .collect();
        assert_eq!(folded, [("us-east-1", 3), ("eu-west-1", 1)]);
    }

    #[test]
    fn a_baseline_and_the_history_take_findings_in_sorted_runs_as_findings_held() {
        let dir = std::env::temp_dir().join(format!("lockdown-compare-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a directory");
        let (before, now) = (dir.join("before.json"), dir.join("now.json"));
        // The same resources and 30 more (gone now), over two evaluation chunks.
        crate::inventory::synthetic::snapshot(EVALUATION_CHUNK + 80, 8)
            .save(&before)
            .expect("saved");
        crate::inventory::synthetic::snapshot(EVALUATION_CHUNK + 50, 8)
            .save(&now)
            .expect("saved");
        let (_, _, earlier) = scan(&before, Keep::All);
        let mut baseline = earlier.findings;
        // Some statuses differ: changed, resolved and new findings.
        for finding in baseline.iter_mut().step_by(7) {
            finding.status = match finding.status {
                Status::Fail => Status::Pass,
                _ => Status::Fail,
            };
        }
        for finding in baseline.iter_mut().skip(3).step_by(11) {
            finding.status = Status::Error;
        }
        let runs = Keep::Runs {
            failing: Some(3),
            held: 4_000,
        };
        for only_changes in [false, true] {
            let compared = |keep, name: &str| {
                let request = ScanRequest {
                    baseline: Some(BaselineSource::Findings(baseline.clone())),
                    only_changes,
                    ..request(Source::Snapshot(now.clone()), keep)
                };
                let (documents, ocsf, outcome) = scan_request(request);
                let mut history = crate::history::Store::open(&dir.join(name)).expect("a db");
                let recorded = outcome.record_in(&mut history).expect("recorded");
                let mut latest: Vec<String> = history
                    .latest_findings()
                    .expect("read back")
                    .iter()
                    .map(|f| format!("{f:?}"))
                    .collect();
                latest.sort();
                let failing = match &outcome.failing {
                    Some(failing) => failing,
                    None => &Failing::of(outcome.report().findings(), 3),
                };
                let text = crate::emit::terminal::render(&outcome.report(), failing, "snapshot");
                (documents, ocsf, recorded, latest, text, outcome)
            };
            let held = compared(Keep::All, &format!("held-{only_changes}.db"));
            let streamed = compared(runs, &format!("runs-{only_changes}.db"));
            assert!(streamed.5.runs.is_some(), "kept in sorted runs");
            let changes = &held.5.report().summary.changes;
            for change in [Change::New, Change::Changed, Change::Resolved] {
                assert!(changes.get(&change) > Some(&0), "{change:?}: {changes:?}");
            }
            assert!(
                held.0 == streamed.0,
                "the same JSON and NDJSON ({only_changes})"
            );
            assert!(held.1 == streamed.1, "the same OCSF ({only_changes})");
            assert_eq!(held.2, streamed.2, "the same run recorded");
            assert!(held.3 == streamed.3, "the same findings recorded");
            assert_eq!(held.4, streamed.4, "the same summary");
            assert_eq!(held.5.report().summary, streamed.5.report().summary);
            assert_eq!(held.5.compliance, streamed.5.compliance);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
