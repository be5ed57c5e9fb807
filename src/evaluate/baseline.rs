//! Changes since a previous run (`scan --baseline previous.json`): each finding is marked new,
//! unchanged, changed or resolved by its deterministic id, and failures whose resource is gone
//! come back as resolved — what a scheduled run feeding a SIEM needs to open and close alerts.

use super::finding::{FindingId, FindingResource};
use super::{Finding, Status};
use crate::inventory::{ALL_REGIONS, GLOBAL_REGION, Snapshot};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How a finding compares with the same check on the same resource in the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Failing now, and not failing (or not there) before.
    New,
    /// The same status as before.
    Unchanged,
    /// Another status than before, neither a new failure nor a fix (e.g. FAIL → ERROR).
    Changed,
    /// Failing before, not failing now (or the resource is gone).
    Resolved,
    /// In the baseline, but not evaluated this run (region not scanned, resources not listed):
    /// carried with its old status, never resolved.
    NotReevaluated,
}

impl Change {
    /// The lowercase name used in files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Unchanged => "unchanged",
            Change::Changed => "changed",
            Change::Resolved => "resolved",
            Change::NotReevaluated => "not_reevaluated",
        }
    }
}

/// A results file that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a lockdown JSON report (`scan --format json`): {source}")]
    Invalid {
        path: PathBuf,
        source: serde_json::Error,
    },
}

/// The findings of a saved JSON report.
#[derive(Deserialize)]
struct SavedResults {
    findings: Vec<Finding>,
}

/// Reads the findings of a results file written by `scan --format json`.
pub fn read_findings(path: &Path) -> Result<Vec<Finding>, BaselineError> {
    let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Io {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str::<SavedResults>(&text)
        .map(|saved| saved.findings)
        .map_err(|source| BaselineError::Invalid {
            path: path.to_owned(),
            source,
        })
}

/// The findings of a previous run, by id: every finding's status, and the failures whole
/// (what a failure no longer found is reported as). What passed is kept as its status only.
#[derive(Debug, Default)]
pub struct Baseline {
    statuses: HashMap<FindingId, Status>,
    failures: HashMap<FindingId, Finding>,
}

impl Baseline {
    /// Loads the baseline from a JSON report.
    pub fn load(path: &Path) -> Result<Self, BaselineError> {
        Ok(Self::new(read_findings(path)?))
    }

    /// The latest run of the scan history as a baseline: each finding rebuilt from the check
    /// that made it (a check no longer in the catalog is left out: nothing of it is re-run).
    pub fn from_history(
        prior: Vec<crate::history::PriorFinding>,
        catalog: &super::Catalog,
    ) -> Self {
        let checks: HashMap<&str, &super::Check> =
            catalog.checks.iter().map(|c| (c.id(), c)).collect();
        let mut baseline = Self::default();
        for p in prior {
            let Some(check) = checks.get(p.check_id.as_str()) else {
                continue;
            };
            if p.status == Status::Fail {
                baseline.add(super::engine::finding_of(
                    check,
                    Arc::new(p.resource),
                    p.status,
                    p.evaluated_at,
                ));
            } else {
                let resource = &p.resource;
                let id = super::finding::finding_id(
                    &check.def.id,
                    &resource.account_id,
                    &resource.region,
                    &resource.arn,
                );
                baseline.record(id, p.status, None);
            }
        }
        baseline
    }

    /// A baseline of these findings.
    pub fn new(findings: Vec<Finding>) -> Self {
        let mut baseline = Self::default();
        findings.into_iter().for_each(|f| baseline.add(f));
        baseline
    }

    /// Adds `finding`; a later finding of the same id replaces an earlier one.
    fn add(&mut self, finding: Finding) {
        let (id, status) = (finding.id, finding.status);
        self.record(id, status, (status == Status::Fail).then_some(finding));
    }

    /// Records the `status` of finding `id`, with the finding itself when it is a failure; a
    /// later record of the same id replaces an earlier one.
    fn record(&mut self, id: FindingId, status: Status, failure: Option<Finding>) {
        self.statuses.insert(id, status);
        match failure {
            Some(finding) => self.failures.insert(id, finding),
            None => self.failures.remove(&id),
        };
    }

    /// Marks every finding with its change, and appends each baseline failure of a check in
    /// `checks_run` that has no finding any more: as resolved when `coverage` shows its
    /// resources were listed this run in its account and region (the resource was deleted),
    /// else as not re-evaluated, with its old status. Checks not run this time are left out.
    pub fn apply(&self, findings: &mut Vec<Finding>, checks_run: &[&str], coverage: &Coverage) {
        let mut comparison = self.compare(checks_run);
        comparison.mark(findings);
        findings.extend(comparison.gone(coverage));
    }

    /// A comparison of a run with this baseline, its findings marked as they come.
    pub fn compare(&self, checks_run: &[&str]) -> Comparison<'_> {
        Comparison {
            baseline: self,
            unseen: self
                .failures
                .values()
                .filter(|f| checks_run.contains(&&*f.check_id))
                .map(|f| f.id)
                .collect(),
        }
    }
}

/// A run compared with a [`Baseline`] a chunk of findings at a time (see [`Baseline::apply`]).
pub struct Comparison<'b> {
    baseline: &'b Baseline,
    /// Baseline failures of the checks run that no finding of this run has matched yet.
    unseen: HashSet<FindingId>,
}

impl Comparison<'_> {
    /// Marks each of `findings` with its change since the baseline.
    pub fn mark(&mut self, findings: &mut [Finding]) {
        for finding in findings {
            self.unseen.remove(&finding.id);
            let before = self.baseline.statuses.get(&finding.id).copied();
            finding.change = Some(change(before, finding.status));
        }
    }

    /// The baseline failures no finding matched, in order of check and resource: resolved
    /// when `coverage` shows their resources were listed, else not re-evaluated.
    pub fn gone(self, coverage: &Coverage) -> Vec<Finding> {
        let mut gone: Vec<Finding> = self
            .unseen
            .iter()
            .map(|id| &self.baseline.failures[id])
            .map(|f| match coverage.not_reevaluated(&f.resource) {
                None => Finding {
                    status: Status::NotApplicable,
                    reason: Some(
                        "the resource no longer exists; it failed this check in the baseline"
                            .into(),
                    ),
                    evidence: Default::default(),
                    error: None,
                    suppression: None,
                    change: Some(Change::Resolved),
                    resource: Arc::clone(&f.resource),
                    ..f.clone()
                },
                Some(why) => Finding {
                    reason: Some(format!("not re-evaluated in this run: {why}").into()),
                    change: Some(Change::NotReevaluated),
                    ..f.clone()
                },
            })
            .collect();
        gone.sort_by(|a, b| (&a.check_id, &a.resource.arn).cmp(&(&b.check_id, &b.resource.arn)));
        gone
    }
}

/// What a run looked at: its accounts and regions, and the resource types it could not list
/// where. Only what it looked at can be resolved.
#[derive(Debug, Default)]
pub struct Coverage {
    accounts: HashSet<String>,
    regions: HashSet<String>,
    /// (resource type, account, region) that could not be listed; `None` account: the
    /// snapshot's own, `*` region: every region.
    unlisted: Vec<(String, String, String)>,
}

impl Coverage {
    /// The coverage of a snapshot (take it before evaluation drains the resources).
    pub fn of(snapshot: &Snapshot) -> Self {
        let mut accounts: HashSet<String> = HashSet::from([snapshot.account.id.clone()]);
        if let Some(organization) = &snapshot.organization {
            accounts.extend(organization.accounts.iter().map(|a| a.id.clone()));
        }
        let unlisted = snapshot
            .errors
            .iter()
            .flat_map(|e| {
                e.affects
                    .iter()
                    .filter(|a| a.attributes.is_empty() && a.resource_arn.is_none())
                    .map(|a| {
                        (
                            a.resource_type.clone(),
                            e.account_id
                                .clone()
                                .unwrap_or_else(|| snapshot.account.id.clone()),
                            e.region.clone(),
                        )
                    })
            })
            .collect();
        Self {
            accounts,
            regions: snapshot.regions.iter().cloned().collect(),
            unlisted,
        }
    }

    /// Why findings about `resource` were not re-evaluated, or `None` when they were.
    fn not_reevaluated(&self, resource: &FindingResource) -> Option<String> {
        if !self.accounts.contains(&resource.account_id) {
            return Some(format!("account {} was not scanned", resource.account_id));
        }
        if resource.region != GLOBAL_REGION && !self.regions.contains(&resource.region) {
            return Some(format!("region {} was not scanned", resource.region));
        }
        self.unlisted
            .iter()
            .find(|(resource_type, account, region)| {
                *resource_type == resource.resource_type
                    && *account == resource.account_id
                    && (*region == resource.region || region == ALL_REGIONS)
            })
            .map(|(resource_type, _, region)| {
                format!("{resource_type} could not be listed in {region}")
            })
    }
}

/// The change from status `before` (absent: not in the baseline) to `now`.
fn change(before: Option<Status>, now: Status) -> Change {
    match (before, now) {
        (Some(before), now) if before == now => Change::Unchanged,
        (_, Status::Fail) => Change::New,
        (Some(Status::Fail), Status::Pass | Status::NotApplicable) => Change::Resolved,
        (None, _) => Change::New,
        _ => Change::Changed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::Status::{Error, Fail, NotApplicable, Pass};

    /// Every finding of a synthetic two-region account, and that account's snapshot.
    fn run() -> (Vec<Finding>, Snapshot) {
        let catalog = crate::evaluate::Catalog::load(&[]).expect("built-in checks load");
        let checks: Vec<_> = catalog.checks.iter().collect();
        let snapshot = crate::inventory::synthetic::snapshot(300, 5);
        let now = snapshot.collection.finished_at;
        let findings = crate::evaluate::evaluate(&snapshot, &checks, &catalog.env, now);
        (findings, snapshot)
    }

    /// The changes of the baseline's eu-west-1 FAILs, re-run without eu-west-1 findings.
    fn gone_in_west(coverage: &Coverage) -> Vec<(Change, Status, String)> {
        let (findings, _) = run();
        let checks: Vec<&str> = findings.iter().map(|f| &*f.check_id).collect();
        let baseline = Baseline::new(findings.clone());
        let mut now: Vec<Finding> = findings
            .iter()
            .filter(|f| f.resource.region != "eu-west-1")
            .cloned()
            .collect();
        let kept = now.len();
        baseline.apply(&mut now, &checks, coverage);
        now[kept..]
            .iter()
            .map(|f| {
                (
                    f.change.unwrap(),
                    f.status,
                    f.resource.resource_type.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn only_what_was_looked_at_again_is_resolved() {
        let (_, snapshot) = run();
        let everything = Coverage::of(&snapshot);
        let gone = gone_in_west(&everything);
        assert!(!gone.is_empty());
        assert!(
            gone.iter()
                .all(|g| (g.0, g.1) == (Change::Resolved, NotApplicable)),
            "{gone:?}"
        );

        let mut east_only = snapshot.clone();
        east_only.regions.retain(|r| r != "eu-west-1");
        let gone = gone_in_west(&Coverage::of(&east_only));
        assert!(
            gone.iter()
                .all(|g| (g.0, g.1) == (Change::NotReevaluated, Fail)),
            "{gone:?}"
        );

        let mut unlisted = snapshot.clone();
        unlisted.errors.push(crate::inventory::CollectionError {
            action: "s3:ListBuckets".into(),
            permission: "s3:ListAllMyBuckets".into(),
            region: ALL_REGIONS.into(),
            kind: crate::inventory::ErrorKind::AccessDenied,
            code: None,
            message: "denied".into(),
            affects: vec![crate::inventory::Affected {
                resource_type: "aws.s3.bucket".into(),
                resource_arn: None,
                attributes: vec![],
            }],
            account_id: None,
        });
        let gone = gone_in_west(&Coverage::of(&unlisted));
        for (change, status, resource_type) in &gone {
            let expected = if resource_type == "aws.s3.bucket" {
                (Change::NotReevaluated, Fail)
            } else {
                (Change::Resolved, NotApplicable)
            };
            assert_eq!((*change, *status), expected, "{resource_type}");
        }
        assert!(gone.iter().any(|g| g.0 == Change::NotReevaluated));
        assert!(
            gone.iter().any(|g| g.0 == Change::Resolved),
            "other types still resolve"
        );
    }

    #[test]
    fn changes_follow_the_status_in_the_baseline() {
        assert_eq!(change(None, Fail), Change::New);
        assert_eq!(change(None, Pass), Change::New);
        assert_eq!(change(Some(Pass), Fail), Change::New);
        assert_eq!(change(Some(Fail), Fail), Change::Unchanged);
        assert_eq!(change(Some(Pass), Pass), Change::Unchanged);
        assert_eq!(change(Some(Fail), Pass), Change::Resolved);
        assert_eq!(change(Some(Fail), NotApplicable), Change::Resolved);
        // Not knowing any more is no fix: an alert must not be closed on an ERROR.
        assert_eq!(change(Some(Fail), Error), Change::Changed);
        assert_eq!(change(Some(Pass), Error), Change::Changed);
    }
}
