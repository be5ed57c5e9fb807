//! Changes since a previous run (`scan --baseline previous.json`): each finding is marked new,
//! unchanged, changed or resolved by its deterministic id, and failures whose resource is gone
//! come back as resolved — what a scheduled run feeding a SIEM needs to open and close alerts.

use super::finding::FindingId;
use super::{Finding, Status};
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
}

impl Change {
    /// The lowercase name used in files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Unchanged => "unchanged",
            Change::Changed => "changed",
            Change::Resolved => "resolved",
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

/// The findings of a previous run, by id.
#[derive(Debug)]
pub struct Baseline {
    findings: HashMap<FindingId, Finding>,
}

impl Baseline {
    /// Loads the baseline from a JSON report.
    pub fn load(path: &Path) -> Result<Self, BaselineError> {
        Ok(Self::new(read_findings(path)?))
    }

    /// A baseline of these findings.
    pub fn new(findings: Vec<Finding>) -> Self {
        Self {
            findings: findings.into_iter().map(|f| (f.id, f)).collect(),
        }
    }

    /// Marks every finding with its change, and appends a resolved finding for each baseline
    /// failure of a check in `checks_run` and an account in `accounts` that has no finding any
    /// more (its resource was deleted). Checks or accounts not scanned this time are left out.
    pub fn apply(&self, findings: &mut Vec<Finding>, checks_run: &[&str], accounts: &[&str]) {
        let mut seen = HashSet::with_capacity(findings.len());
        for finding in findings.iter_mut() {
            seen.insert(finding.id);
            let before = self.findings.get(&finding.id).map(|f| f.status);
            finding.change = Some(change(before, finding.status));
        }
        let mut gone: Vec<Finding> = self
            .findings
            .values()
            .filter(|f| {
                f.status == Status::Fail
                    && !seen.contains(&f.id)
                    && checks_run.contains(&&*f.check_id)
                    && accounts.contains(&f.resource.account_id.as_str())
            })
            .map(|f| Finding {
                status: Status::NotApplicable,
                reason: Some(
                    "the resource no longer exists; it failed this check in the baseline".into(),
                ),
                evidence: Default::default(),
                error: None,
                suppression: None,
                change: Some(Change::Resolved),
                resource: Arc::clone(&f.resource),
                ..f.clone()
            })
            .collect();
        gone.sort_by(|a, b| (&a.check_id, &a.resource.arn).cmp(&(&b.check_id, &b.resource.arn)));
        findings.extend(gone);
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
