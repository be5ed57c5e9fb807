//! A period's runs as one OSCAL assessment-results document: each recorded run becomes a
//! `result`, its findings rebuilt from the statuses the history keeps and the check
//! definitions (title, severity, remediation), rolled up for the period's framework.

use super::{HistoryError, RunFinding, RunRow, Store};
use crate::emit::oscal::{Assessment, Run, Source, write_assessment};
use crate::evaluate::finding::{FindingResource, finding_id};
use crate::evaluate::{Check, Finding, Severity, Status};
use crate::map::report::{FrameworkReport, framework_report};
use crate::map::{Framework, Mappings};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::Arc;

/// What to write: the runs of `[from, to]` judged against `framework`.
pub struct Period<'a> {
    pub checks: &'a [Check],
    pub mappings: &'a Mappings,
    pub framework: &'a Framework,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The last part of an ARN (after its resource type), which names the resource.
fn name_of(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

/// The finding a recorded status stands for. A check the catalog no longer has keeps its id
/// as title and no remediation.
fn rebuild(
    store: &Store,
    row: &RunFinding,
    checks: &HashMap<&str, &Check>,
    at: DateTime<Utc>,
) -> Result<Finding, HistoryError> {
    let corrupt = |field: &str, value: &str| HistoryError::Corrupt {
        path: store.path().to_owned(),
        finding: row.id.clone(),
        what: format!("{field} `{value}` is not one lockdown writes"),
    };
    let status = Status::parse(&row.status).ok_or_else(|| corrupt("status", &row.status))?;
    let severity: Severity = serde_json::from_value(row.severity.clone().into())
        .map_err(|_| corrupt("severity", &row.severity))?;
    let check = checks.get(row.check_id.as_str());
    let resource = FindingResource {
        arn: row.resource_arn.clone(),
        resource_type: check.map_or_else(String::new, |c| c.def.resource.clone()),
        name: name_of(&row.resource_arn).to_owned(),
        region: row.region.clone(),
        account_id: row.account.clone(),
    };
    Ok(Finding {
        id: finding_id(&row.check_id, &row.account, &row.region, &row.resource_arn),
        check_id: row.check_id.as_str().into(),
        title: check.map_or_else(|| row.check_id.as_str().into(), |c| c.shared.title.clone()),
        status,
        severity,
        reason: None,
        resource: Arc::new(resource),
        evidence: Default::default(),
        error: None,
        remediation: check
            .map(|c| c.shared.remediation.clone())
            .unwrap_or_default(),
        refs: check.map(|c| c.shared.refs.clone()).unwrap_or_default(),
        controls: Arc::default(),
        compliance: Arc::default(),
        suppression: None,
        change: None,
        evaluated_at: at,
    })
}

/// One run's findings and their roll-up for `period.framework`; each finding names the
/// requirements its check evidences there.
fn run_results(
    store: &Store,
    period: &Period<'_>,
    checks: &HashMap<&str, &Check>,
    run: &RunRow,
) -> Result<(Vec<Finding>, Vec<FrameworkReport>), HistoryError> {
    let mut findings = store
        .statuses_at(run.seq)?
        .iter()
        .map(|row| rebuild(store, row, checks, run.started_at))
        .collect::<Result<Vec<_>, _>>()?;
    let report = framework_report(period.mappings, period.framework, &findings, &[]);
    let mut requirements: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for requirement in &report.requirements {
        for check in &requirement.checks {
            requirements
                .entry(check.check_id.as_str())
                .or_default()
                .push(requirement.id.clone());
        }
    }
    for finding in &mut findings {
        if let Some(ids) = requirements.get(&*finding.check_id) {
            finding.compliance =
                Arc::new(BTreeMap::from([(period.framework.id.clone(), ids.clone())]));
        }
    }
    Ok((findings, vec![report]))
}

/// Writes the period's runs, oldest first, as one assessment-results document.
pub fn write(store: &Store, period: &Period<'_>, out: &mut dyn Write) -> Result<(), HistoryError> {
    let checks: HashMap<&str, &Check> = period
        .checks
        .iter()
        .map(|c| (c.def.id.as_str(), c))
        .collect();
    let runs = store.runs(period.from, period.to)?;
    let results = runs
        .iter()
        .map(|run| run_results(store, period, &checks, run))
        .collect::<Result<Vec<_>, _>>()?;
    let assessment = Assessment {
        title: format!(
            "lockdown assessment results: {} {}, {} to {}",
            period.framework.name, period.framework.version, period.from, period.to
        ),
        source: Source::History,
        props: vec![
            ("framework", period.framework.id.clone()),
            ("period", format!("{}/{}", period.from, period.to)),
        ],
        runs: runs
            .iter()
            .zip(&results)
            .map(|(run, (findings, compliance))| Run {
                id: run.id.clone(),
                started_at: run.started_at,
                finished_at: run.finished_at,
                lockdown_version: &run.lockdown_version,
                accounts: run.accounts.clone(),
                findings,
                compliance,
            })
            .collect(),
    };
    write_assessment(&assessment, out).map_err(|source| HistoryError::Io {
        path: "OSCAL assessment results".to_owned(),
        source,
    })
}
