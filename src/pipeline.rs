//! The scan as a library, one way: a [`ScanRequest`] (where data comes from, which checks and
//! parameters, frameworks, suppressions, baseline, clock) is [`prepare`]d — everything that can
//! be wrong with it is found before AWS is called — then [`Prepared::run`] collects (only what
//! the selected checks read), evaluates, maps and diffs, and returns a [`ScanOutcome`]. The
//! command line and the Lambda handler build requests and present outcomes; neither builds
//! the other's input nor re-reads its own output. Delivery is a separate step
//! (`emit::sink::deliver_report`).

use crate::collect::plan::Plan;
use crate::collect::{self, CallRecorder, CollectOptions};
use crate::emit::{Report, ResourceCounts};
use crate::evaluate::baseline::{Baseline, Change, Coverage};
use crate::evaluate::catalog::{ParameterSetting, parameters};
use crate::evaluate::suppress::{SuppressionRule, Suppressions};
use crate::evaluate::{self, Catalog, Check, Finding, Selection, Severity, Status};
use crate::inventory::Snapshot;
use crate::map::Mappings;
use crate::map::report::{FrameworkReport, framework_report};
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
    for error in &snapshot.errors {
        tracing::warn!(action = %error.action, region = %error.region, kind = ?error.kind, "{}", error.message);
    }
    Ok(snapshot)
}

/// Everything a scan produced.
pub struct ScanOutcome {
    /// The snapshot evaluated (its resources released after evaluation; see `resources`).
    pub snapshot: Snapshot,
    pub resources: ResourceCounts,
    /// Every finding of the run.
    pub findings: Vec<Finding>,
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
        let reported = self.changes.as_deref().unwrap_or(&self.findings);
        let mut report = Report::new(
            &self.snapshot,
            &self.resources,
            reported,
            self.checks,
            self.evaluated_at,
            self.compliance.clone(),
        );
        report.suppressions_expired = self.suppressions_expired.clone();
        report.parameters = self.parameters.clone();
        report
    }

    /// This run as the scan history records it (with every finding, not only the changes).
    pub fn history_run(&self) -> crate::history::RunMeta {
        let collection = &self.snapshot.collection;
        let (accounts, check_ids) =
            crate::history::RunMeta::scope_of(&self.snapshot.account.id, &self.findings);
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
        Report::new(
            &self.snapshot,
            &self.resources,
            &self.findings,
            self.checks,
            self.evaluated_at,
            Vec::new(),
        )
    }

    /// The run's verdict against `threshold`.
    pub fn verdict(&self, threshold: Severity) -> Verdict {
        let failed = self.findings.iter().any(|f| {
            f.status == Status::Fail && f.severity >= threshold && f.suppression.is_none()
        });
        if failed {
            Verdict::Failed
        } else if self.findings.iter().any(|f| f.status == Status::Error) {
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

    /// Obtains the snapshot the request names; `recorder` counts the API calls of a live scan
    /// (and drives its progress display).
    fn snapshot(&self, recorder: CallRecorder) -> Result<(Snapshot, String), PipelineError> {
        match &self.request.source {
            Source::Demo => Snapshot::from_json(DEMO_SNAPSHOT, Path::new(DEMO_ORIGIN))
                .map(|s| (s, "demo snapshot".to_owned()))
                .map_err(PipelineError::failed),
            Source::Snapshot(path) => Snapshot::load(path)
                .map(|s| (s, format!("snapshot {}", path.display())))
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
                Ok((snapshot, "live scan".to_owned()))
            }
        }
    }

    /// Collects (or loads), evaluates, maps and diffs.
    pub fn run(self, recorder: CallRecorder) -> Result<ScanOutcome, PipelineError> {
        let (mut snapshot, source) = self.snapshot(recorder)?;
        let checks = self.checks();
        let now = self.request.now.unwrap_or(snapshot.collection.finished_at);
        let resources = ResourceCounts::of(&snapshot);
        let coverage = Coverage::of(&snapshot);
        let frameworks = self
            .mappings
            .resolve(&self.request.frameworks)
            .map_err(PipelineError::Invalid)?;
        // Checks a framework judges with its own parameters, evaluated before the snapshot's
        // resources are released.
        let mut judged = Vec::with_capacity(frameworks.len());
        for framework in &frameworks {
            let variants = checks
                .iter()
                .filter_map(|c| c.for_framework(&framework.id, &self.catalog.env))
                .collect::<Result<Vec<Check>, _>>()
                .map_err(PipelineError::invalid)?;
            let variants: Vec<&Check> = variants.iter().collect();
            judged.push(evaluate::evaluate(
                &snapshot,
                &variants,
                &self.catalog.env,
                now,
            ));
        }
        let mut findings =
            evaluate::evaluate_draining(&mut snapshot, &checks, &self.catalog.env, now);
        self.mappings.annotate(&mut findings);
        let suppressions_expired = self.suppressions.apply(&mut findings, now.date_naive());
        if let Some(baseline) = &self.baseline {
            let checks_run: Vec<&str> = checks.iter().map(|c| c.id()).collect();
            baseline.apply(&mut findings, &checks_run, &coverage);
        }
        let changes = self.request.only_changes.then(|| {
            findings
                .iter()
                .filter(|f| f.change != Some(Change::Unchanged))
                .cloned()
                .collect()
        });
        // Only-changes limits what is sent, not what is judged.
        let compliance = frameworks
            .iter()
            .zip(&judged)
            .map(|(f, judged)| framework_report(&self.mappings, f, &findings, judged))
            .collect();
        Ok(ScanOutcome {
            snapshot,
            resources,
            findings,
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
