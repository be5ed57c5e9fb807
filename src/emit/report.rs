//! The native results document (JSON) and its NDJSON form. Schema: `docs/results-schema.md`.

use crate::evaluate::{Finding, Severity, Status};
use crate::inventory::{Account, CollectionError, CollectionInfo, SkippedRegion, Snapshot};
use crate::map::report::FrameworkReport;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
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
            findings: findings.len(),
            checks,
            resources,
            collection_errors,
            ..Default::default()
        };
        for finding in findings {
            *summary.by_status.entry(finding.status).or_default() += 1;
            if finding.suppression.is_some() {
                summary.suppressed += 1;
            } else if finding.status == Status::Fail {
                *summary
                    .failed_by_severity
                    .entry(finding.severity)
                    .or_default() += 1;
            }
        }
        summary
    }

    /// Number of findings with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.by_status.get(&status).copied().unwrap_or(0)
    }
}

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
    pub findings: &'a [Finding],
    pub collection_errors: &'a [CollectionError],
    /// Per-framework compliance roll-ups, for the frameworks asked for with `--framework`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub compliance: Vec<FrameworkReport>,
    /// Suppressions past their expiry date: they no longer apply.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressions_expired: Vec<crate::evaluate::suppress::SuppressionRule>,
    /// The region findings about global resources are filed in (Security Hub's `ProductArn`).
    #[serde(skip)]
    pub home_region: String,
}

impl<'a> Report<'a> {
    /// Assembles the report of evaluating `snapshot`.
    pub fn new(
        snapshot: &'a Snapshot,
        findings: &'a [Finding],
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
            summary: Summary::new(
                findings,
                checks,
                snapshot.resources.len(),
                snapshot.errors.len(),
            ),
            findings,
            collection_errors: &snapshot.errors,
            compliance,
            suppressions_expired: Vec::new(),
            home_region: snapshot
                .regions
                .first()
                .cloned()
                .unwrap_or_else(|| DEFAULT_HOME_REGION.to_owned()),
        }
    }

    /// Writes the whole report as one JSON document.
    pub fn write_json(&self, out: &mut dyn Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        out.write_all(b"\n")
    }

    /// Writes one finding per line, each self-contained for SIEM ingestion.
    pub fn write_ndjson(&self, out: &mut dyn Write) -> std::io::Result<()> {
        for finding in self.findings {
            #[derive(Serialize)]
            struct Line<'f> {
                schema: &'static str,
                account_id: &'f str,
                #[serde(flatten)]
                finding: &'f Finding,
            }
            serde_json::to_writer(
                &mut *out,
                &Line {
                    schema: REPORT_SCHEMA,
                    account_id: &self.account.id,
                    finding,
                },
            )?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}
