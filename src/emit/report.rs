//! The native results document (JSON) and its NDJSON form. Schema: `docs/results-schema.md`.

use crate::evaluate::sorted_runs::SortedRuns;
use crate::evaluate::{Finding, Severity, Status};
use crate::inventory::organization::MemberAccount;
use crate::inventory::{
    Account, CollectionError, CollectionInfo, ErrorKind, SkippedRegion, Snapshot,
};
use crate::map::report::FrameworkReport;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;

/// Where global findings are filed when the snapshot names no region.
const DEFAULT_HOME_REGION: &str = "us-east-1";

/// Identifies the results format and its version.
pub const REPORT_SCHEMA: &str = "lockdown.report/1";

/// Counts of a result set.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub findings: usize,
    pub checks: usize,
    pub resources: usize,
    pub by_status: BTreeMap<Status, usize>,
    /// FAIL findings per severity.
    pub failed_by_severity: BTreeMap<Severity, usize>,
    pub collection_errors: usize,
    /// Findings under an accepted risk (suppression); their FAILs are not in
    /// `failed_by_severity` and do not trip `--fail-on`.
    pub suppressed: usize,
    /// Findings per change since the baseline (only with `scan --baseline`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub changes: BTreeMap<crate::evaluate::baseline::Change, usize>,
}

impl Summary {
    /// Counts the findings of one run.
    pub fn new(
        findings: &[Finding],
        checks: usize,
        resources: usize,
        collection_errors: usize,
    ) -> Self {
        let mut summary = Summary {
            checks,
            resources,
            collection_errors,
            ..Default::default()
        };
        for finding in findings {
            summary.add(finding);
        }
        summary
    }

    /// Counts one more finding.
    pub fn add(&mut self, finding: &Finding) {
        self.findings += 1;
        *self.by_status.entry(finding.status).or_default() += 1;
        if let Some(change) = finding.change {
            *self.changes.entry(change).or_default() += 1;
        }
        if finding.suppression.is_some() {
            self.suppressed += 1;
        } else if finding.status == Status::Fail {
            *self.failed_by_severity.entry(finding.severity).or_default() += 1;
        }
    }

    /// Number of findings with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.by_status.get(&status).copied().unwrap_or(0)
    }
}

/// Findings counted as they come: the run's summary and each account's.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub summary: Summary,
    pub by_account: HashMap<String, Summary>,
}

impl Tally {
    /// Counts `findings`.
    pub fn add(&mut self, findings: &[Finding]) {
        for finding in findings {
            self.summary.add(finding);
            let account = &finding.resource.account_id;
            match self.by_account.get_mut(account) {
                Some(summary) => summary.add(finding),
                None => self
                    .by_account
                    .entry(account.clone())
                    .or_default()
                    .add(finding),
            }
        }
    }

    /// The tally of `findings`.
    pub fn of(findings: &[Finding]) -> Self {
        let mut tally = Self::default();
        tally.add(findings);
        tally
    }
}

/// A report's findings, a chunk at a time (see [`Report::chunks`]).
pub type Chunks<'a> = Box<dyn Iterator<Item = std::io::Result<Cow<'a, [Finding]>>> + Send + 'a>;

/// A complete scan result: what was scanned, the findings, and what could not be collected.
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    pub schema: &'static str,
    pub lockdown_version: &'static str,
    pub account: &'a Account,
    pub regions: &'a [String],
    /// Regions not scanned, with the reason.
    pub regions_skipped: &'a [SkippedRegion],
    pub collection: &'a CollectionInfo,
    /// The clock checks were evaluated against.
    pub evaluated_at: DateTime<Utc>,
    pub summary: Summary,
    /// The report's `findings` array: the findings held, or every finding of the sorted runs
    /// ([`Report::findings`], [`Report::runs`]).
    findings: Every<'a>,
    pub collection_errors: &'a [CollectionError],
    /// Per-framework compliance roll-ups, for the frameworks asked for with `--framework`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub compliance: Vec<FrameworkReport>,
    /// Every parameter of the checks run, with its value in effect and its default.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<crate::evaluate::catalog::ParameterSetting>,
    /// Suppressions past their expiry date: they no longer apply.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressions_expired: Vec<crate::evaluate::suppress::SuppressionRule>,
    /// For an organization scan: each member account, what became of it, and its counts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<AccountSection<'a>>,
    /// The region findings about global resources are filed in (Security Hub's `ProductArn`).
    #[serde(skip)]
    pub home_region: String,
}

/// What a report's `findings` array is written from: the findings held, or the sorted runs.
#[derive(Debug, Default, Clone, Copy)]
struct Every<'a> {
    findings: &'a [Finding],
    runs: Option<&'a SortedRuns>,
}

impl Serialize for Every<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let Some(runs) = self.runs else {
            return self.findings.serialize(serializer);
        };
        let mut seq = serializer.serialize_seq(Some(runs.len()))?;
        for chunk in runs.chunks(super::LINE_CHUNK).map_err(S::Error::custom)? {
            for finding in chunk.map_err(S::Error::custom)?.iter() {
                seq.serialize_element(finding)?;
            }
        }
        seq.end()
    }
}

/// One member account of an organization scan.
#[derive(Debug, Serialize)]
pub struct AccountSection<'a> {
    #[serde(flatten)]
    pub account: &'a MemberAccount,
    pub summary: Summary,
}

/// How many resources a snapshot holds, in all and per account; counted as chunks of them are
/// evaluated and released.
#[derive(Debug, Default)]
pub struct ResourceCounts {
    pub total: usize,
    pub by_account: HashMap<String, usize>,
}

impl ResourceCounts {
    /// Counts the resources of `snapshot`.
    pub fn of(snapshot: &Snapshot) -> Self {
        let mut counts = Self::default();
        counts.add(&snapshot.resources);
        counts
    }

    /// Counts `resources` too.
    pub fn add(&mut self, resources: &[crate::inventory::Resource]) {
        self.total += resources.len();
        for resource in resources {
            match self.by_account.get_mut(&resource.account_id) {
                Some(count) => *count += 1,
                None => {
                    self.by_account.insert(resource.account_id.clone(), 1);
                }
            }
        }
    }
}

/// The per-account sections of an organization snapshot's findings.
fn account_sections<'a>(
    snapshot: &'a Snapshot,
    resources: &ResourceCounts,
    tally: &Tally,
    checks: usize,
) -> Vec<AccountSection<'a>> {
    let Some(organization) = &snapshot.organization else {
        return Vec::new();
    };
    let mut sections: Vec<AccountSection<'a>> = organization
        .accounts
        .iter()
        .map(|account| AccountSection {
            account,
            summary: Summary {
                checks,
                resources: resources.by_account.get(&account.id).copied().unwrap_or(0),
                ..tally
                    .by_account
                    .get(&account.id)
                    .cloned()
                    .unwrap_or_default()
            },
        })
        .collect();
    let index: HashMap<&str, usize> = organization
        .accounts
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), i))
        .collect();
    let section = |account_id: &str| index.get(account_id).copied();
    for error in snapshot
        .errors
        .iter()
        .filter(|e| e.kind != ErrorKind::NotCollected)
    {
        if let Some(i) = error.account_id.as_deref().and_then(section) {
            sections[i].summary.collection_errors += 1;
        }
    }
    sections
}

/// Collection errors that are failures (not data a scan's plan chose to leave out).
fn failed_calls(snapshot: &Snapshot) -> usize {
    snapshot
        .errors
        .iter()
        .filter(|e| e.kind != ErrorKind::NotCollected)
        .count()
}

impl<'a> Report<'a> {
    /// Assembles the report of evaluating `snapshot`, which held `resources`.
    pub fn new(
        snapshot: &'a Snapshot,
        resources: &ResourceCounts,
        findings: &'a [Finding],
        checks: usize,
        evaluated_at: DateTime<Utc>,
        compliance: Vec<FrameworkReport>,
    ) -> Self {
        let tally = Tally::of(findings);
        Self::counted(
            snapshot,
            resources,
            &tally,
            checks,
            evaluated_at,
            compliance,
        )
        .with_findings(findings)
    }

    /// The report of findings already counted in `tally`, with no findings attached yet (see
    /// [`Report::with_findings`] and [`Report::runs`]).
    pub fn counted(
        snapshot: &'a Snapshot,
        resources: &ResourceCounts,
        tally: &Tally,
        checks: usize,
        evaluated_at: DateTime<Utc>,
        compliance: Vec<FrameworkReport>,
    ) -> Self {
        Report {
            schema: REPORT_SCHEMA,
            lockdown_version: env!("CARGO_PKG_VERSION"),
            account: &snapshot.account,
            regions: &snapshot.regions,
            regions_skipped: &snapshot.regions_skipped,
            collection: &snapshot.collection,
            evaluated_at,
            summary: Summary {
                checks,
                resources: resources.total,
                collection_errors: failed_calls(snapshot),
                ..tally.summary.clone()
            },
            findings: Every::default(),
            collection_errors: &snapshot.errors,
            compliance,
            suppressions_expired: Vec::new(),
            parameters: Vec::new(),
            accounts: account_sections(snapshot, resources, tally, checks),
            home_region: snapshot
                .regions
                .first()
                .cloned()
                .unwrap_or_else(|| DEFAULT_HOME_REGION.to_owned()),
        }
    }

    /// This report with `findings` attached.
    pub fn with_findings(mut self, findings: &'a [Finding]) -> Self {
        self.findings.findings = findings;
        self
    }

    /// This report with every finding in `runs` (when there are some).
    pub fn with_runs(mut self, runs: Option<&'a SortedRuns>) -> Self {
        self.findings.runs = runs;
        self
    }

    /// The findings held; none when they are in sorted runs (see [`Report::chunks`]).
    pub fn findings(&self) -> &'a [Finding] {
        self.findings.findings
    }

    /// Every finding, in sorted runs, when the run did not hold them in memory.
    pub fn runs(&self) -> Option<&'a SortedRuns> {
        self.findings.runs
    }

    /// Hands every finding to `write`, in order, a chunk at a time: from the sorted runs when
    /// there are some, else from `findings`.
    pub fn each_chunk(
        &self,
        mut write: impl FnMut(&[Finding]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        self.chunks(super::LINE_CHUNK)?
            .try_for_each(|chunk| write(&chunk?))
    }

    /// Every finding, in order, `size` at a time: from the sorted runs when there are some,
    /// else from `findings`.
    pub fn chunks(&self, size: usize) -> std::io::Result<Chunks<'a>> {
        Ok(match self.runs() {
            Some(runs) => Box::new(runs.chunks(size)?.map(|chunk| chunk.map(Cow::Owned))),
            None => Box::new(
                self.findings()
                    .chunks(size)
                    .map(|chunk| Ok(Cow::Borrowed(chunk))),
            ),
        })
    }

    /// Writes the whole report as one JSON document.
    pub fn write_json(&self, out: &mut dyn Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        out.write_all(b"\n")
    }

    /// Writes one finding per line, each self-contained for SIEM ingestion.
    pub fn write_ndjson(&self, out: &mut dyn Write) -> std::io::Result<()> {
        #[derive(Serialize)]
        struct Line<'f> {
            schema: &'static str,
            account_id: &'f str,
            #[serde(flatten)]
            finding: &'f Finding,
        }
        self.each_chunk(|chunk| {
            super::write_lines(chunk, out, |finding, lines| {
                lines.push(&Line {
                    schema: REPORT_SCHEMA,
                    account_id: &self.account.id,
                    finding,
                })
            })
        })
    }
}
