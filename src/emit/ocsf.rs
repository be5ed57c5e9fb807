//! OCSF events, one JSON object per line: a Detection Finding (class 2004) per finding, and for
//! each framework chosen with `--framework` a Compliance Finding (class 2003) per finding ×
//! requirement plus one per requirement that has no automated evidence. Times are milliseconds
//! since the epoch, as OCSF's `timestamp_t` says.

use super::report::Report;
use crate::evaluate::baseline::Change;
use crate::evaluate::{Finding, Severity, Status};
use crate::map::report::{FrameworkReport, RequirementStatus};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;

/// The OCSF schema version the events follow.
pub const OCSF_VERSION: &str = "1.8.0";
const DETECTION_FINDING: u32 = 2004;
const COMPLIANCE_FINDING: u32 = 2003;
const FINDINGS_CATEGORY: u32 = 2;
const ACTIVITY_CREATE: u32 = 1;

fn severity_id(severity: Severity) -> (u32, &'static str) {
    match severity {
        Severity::Informational => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// The finding's workflow status: a passing check is resolved, anything else is new (a
/// suppressed finding is 3 Suppressed, whatever its status).
fn finding_status(status: Status) -> (u32, &'static str) {
    match status {
        Status::Pass => (4, "Resolved"),
        Status::Fail | Status::Error => (1, "New"),
        Status::NotApplicable => (99, "Not Applicable"),
    }
}

/// `compliance.status_id`: 1 Pass, 3 Fail, 2 Warning (no result for lack of data), 99 Other.
fn compliance_status(status: Status) -> u32 {
    match status {
        Status::Pass => 1,
        Status::Fail => 3,
        Status::Error => 2,
        Status::NotApplicable => 99,
    }
}

fn millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Fields every event of a run shares: class, time, metadata, cloud (`account`, `region`).
fn base_event(
    report: &Report<'_>,
    account: &str,
    class_uid: u32,
    class_name: &str,
    event_uid: &str,
    event_code: &str,
    region: Option<&str>,
) -> serde_json::Map<String, Value> {
    let time = report.evaluated_at;
    // An AWS account, or the host of an identity provider's org (Okta) scanned beside it.
    let mut cloud = if crate::inventory::snapshot::is_account_id(account) {
        json!({
            "provider": "AWS",
            "account": {"uid": account, "name": account, "type_id": 10, "type": "AWS Account"},
        })
    } else {
        json!({
            "provider": "Okta",
            "account": {"uid": account, "name": account, "type_id": 99, "type": "Okta Org"},
        })
    };
    if let Some(region) = region {
        cloud["region"] = json!(region);
    }
    let Value::Object(event) = json!({
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": FINDINGS_CATEGORY,
        "category_name": "Findings",
        "class_uid": class_uid,
        "class_name": class_name,
        "type_uid": class_uid * 100 + ACTIVITY_CREATE,
        "type_name": format!("{class_name}: Create"),
        "time": millis(time),
        "time_dt": rfc3339(time),
        "metadata": {
            "version": OCSF_VERSION,
            // Unique per run and finding: a SIEM that keys on it (Elasticsearch `_id`) stores
            // every run; the stable finding id correlates runs.
            "uid": digest(&[event_uid, &rfc3339(time)]),
            "correlation_uid": event_uid,
            "event_code": event_code,
            "profiles": ["cloud", "datetime"],
            "log_name": "lockdown",
            "product": {
                "name": "lockdown",
                "uid": "lockdown",
                "vendor_name": "lockdown",
                "version": report.lockdown_version,
            },
        },
        "cloud": cloud,
    }) else {
        unreachable!("json! of an object literal is an object")
    };
    event
}

/// A resource's region, unless it is global.
fn regional(region: &str) -> Option<&str> {
    (region != crate::inventory::GLOBAL_REGION).then_some(region)
}

/// Fields a finding contributes to both event classes: status, severity, resource, fix.
fn finding_fields(finding: &Finding, event: &mut serde_json::Map<String, Value>) {
    let (severity_id, severity) = severity_id(finding.severity);
    let (status_id, status) = if finding.suppression.is_some() {
        (3, "Suppressed")
    } else if finding.change == Some(Change::Resolved) {
        (4, "Resolved")
    } else {
        finding_status(finding.status)
    };
    let resource = &finding.resource;
    let service = resource.resource_type.split('.').nth(1).unwrap_or_default();
    let mut details = json!({
        "uid": resource.arn,
        "name": resource.name,
        "type": resource.resource_type,
        "cloud_partition": resource.arn.split(':').nth(1).unwrap_or("aws"),
        "group": {"name": service},
        "data": {"evidence": finding.evidence},
    });
    if let Some(region) = regional(&resource.region) {
        details["region"] = json!(region);
    }
    let mut remediation = json!({"desc": finding.remediation.text});
    if let Some(url) = &finding.remediation.url {
        remediation["references"] = json!([url]);
    }
    let message = format!(
        "{} {}: {}",
        finding.status.as_str(),
        resource.name,
        finding.title
    );
    for (key, value) in [
        ("severity_id", json!(severity_id)),
        ("severity", json!(severity)),
        ("status_id", json!(status_id)),
        ("status", json!(status)),
        ("status_code", json!(finding.status.as_str())),
        ("message", json!(message)),
        ("resources", json!([details])),
        ("remediation", remediation),
    ] {
        event.insert(key.to_owned(), value);
    }
    if let Some(reason) = &finding.reason {
        event.insert("status_detail".to_owned(), json!(reason));
    }
}

/// The Detection Finding (2004) of one finding; framework mappings go under `unmapped`.
pub fn detection_finding(report: &Report<'_>, finding: &Finding) -> Value {
    let mut event = base_event(
        report,
        &finding.resource.account_id,
        DETECTION_FINDING,
        "Detection Finding",
        &finding.id.to_string(),
        &finding.check_id,
        regional(&finding.resource.region),
    );
    finding_fields(finding, &mut event);
    event.insert(
        "finding_info".to_owned(),
        json!({
            "uid": finding.id,
            "title": finding.title,
            "created_time": millis(finding.evaluated_at),
            "types": ["Software and Configuration Checks"],
            "analytic": {"uid": finding.check_id, "name": finding.check_id, "type_id": 1, "type": "Rule"},
        }),
    );
    let mut unmapped = json!({"controls": finding.controls, "compliance": finding.compliance});
    if let Some(error) = &finding.error {
        unmapped["collection_error"] = json!(error);
    }
    if let Some(suppression) = &finding.suppression {
        unmapped["suppression"] = json!(suppression);
    }
    event.insert("unmapped".to_owned(), unmapped);
    Value::Object(event)
}

fn digest(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hex::encode(&hasher.finalize()[..16])
}

/// A framework's name as an OCSF standard, e.g. `SOC 2 2017`.
fn standard(framework: &FrameworkReport) -> String {
    format!("{} {}", framework.name, framework.version)
}

/// The Compliance Finding (2003) of one finding as evidence for one requirement.
fn compliance_finding(
    report: &Report<'_>,
    finding: &Finding,
    framework: &FrameworkReport,
    requirement: &str,
    title: &str,
) -> Value {
    let uid = format!("{}-{}-{requirement}", finding.id, framework.framework);
    let mut event = base_event(
        report,
        &finding.resource.account_id,
        COMPLIANCE_FINDING,
        "Compliance Finding",
        &uid,
        &finding.check_id,
        regional(&finding.resource.region),
    );
    finding_fields(finding, &mut event);
    let (severity_id, severity) = severity_id(finding.severity);
    event.insert(
        "finding_info".to_owned(),
        json!({
            "uid": uid,
            "title": format!("{} {requirement}: {}", framework.name, finding.title),
            "created_time": millis(finding.evaluated_at),
            "types": ["Compliance"],
        }),
    );
    event.insert(
        "compliance".to_owned(),
        json!({
            "standards": [standard(framework)],
            "requirements": [requirement],
            "control": format!("{requirement} {title}"),
            "status_id": compliance_status(finding.status),
            "checks": [{
                "uid": finding.check_id,
                "name": finding.title,
                "status": finding.status.as_str(),
                "status_id": compliance_status(finding.status),
                "severity": severity,
                "severity_id": severity_id,
            }],
        }),
    );
    Value::Object(event)
}

/// The Compliance Finding of a requirement no check of this run evidences: status unknown.
fn manual_requirement(
    report: &Report<'_>,
    framework: &FrameworkReport,
    id: &str,
    title: &str,
) -> Value {
    let uid = digest(&[&report.account.id, &framework.framework, id]);
    let mut event = base_event(
        report,
        &report.account.id,
        COMPLIANCE_FINDING,
        "Compliance Finding",
        &uid,
        &format!("{}:{id}", framework.framework),
        None,
    );
    for (key, value) in [
        ("severity_id", json!(1)),
        ("severity", json!("Informational")),
        ("status_id", json!(1)),
        ("status", json!("New")),
        ("status_code", json!("MANUAL")),
        (
            "message",
            json!(format!("{} {id} needs manual evidence", framework.name)),
        ),
        (
            "finding_info",
            json!({"uid": uid, "title": format!("{} {id}: {title}", framework.name), "types": ["Compliance"]}),
        ),
        (
            "compliance",
            json!({
                "standards": [standard(framework)],
                "requirements": [id],
                "control": format!("{id} {title}"),
                "status_id": 0,
            }),
        ),
    ] {
        event.insert(key.to_owned(), value);
    }
    Value::Object(event)
}

/// Requirement titles of each framework of the report, by requirement id.
type Titles<'r> = Vec<HashMap<&'r str, &'r str>>;

fn titles<'r>(report: &'r Report<'_>) -> Titles<'r> {
    report
        .compliance
        .iter()
        .map(|f| {
            f.requirements
                .iter()
                .map(|r| (r.id.as_str(), r.title.as_str()))
                .collect()
        })
        .collect()
}

/// The events of one finding: its Detection Finding, then a Compliance Finding per requirement
/// of the report's frameworks that it evidences.
fn finding_events<'r>(
    report: &'r Report<'_>,
    titles: &'r Titles<'r>,
    finding: &'r Finding,
) -> impl Iterator<Item = Value> + 'r {
    let mapped = report
        .compliance
        .iter()
        .zip(titles)
        .flat_map(|(framework, titles)| {
            finding
                .compliance
                .get(&framework.framework)
                .into_iter()
                .flatten()
                .map(move |id| (framework, id, titles.get(id.as_str()).copied()))
        })
        .map(|(framework, id, title)| {
            compliance_finding(report, finding, framework, id, title.unwrap_or_default())
        });
    std::iter::once(detection_finding(report, finding)).chain(mapped)
}

/// A Compliance Finding per requirement no check of this run evidences.
fn manual_events<'r>(report: &'r Report<'_>) -> impl Iterator<Item = Value> + 'r {
    report.compliance.iter().flat_map(move |framework| {
        framework
            .requirements
            .iter()
            .filter(|r| r.status == RequirementStatus::Manual)
            .map(move |r| manual_requirement(report, framework, &r.id, &r.title))
    })
}

/// The events of a report, a chunk of findings at a time: per finding its Detection and
/// Compliance Findings, then, closing the run, the requirements that need manual evidence.
pub struct Events<'r, 'a> {
    report: &'r Report<'a>,
    titles: Titles<'r>,
}

impl<'r, 'a> Events<'r, 'a> {
    /// The events of `report`.
    pub fn new(report: &'r Report<'a>) -> Self {
        Self {
            report,
            titles: titles(report),
        }
    }

    /// The events of `findings`.
    pub fn of(&self, findings: &[Finding]) -> Vec<Value> {
        findings
            .iter()
            .flat_map(|finding| finding_events(self.report, &self.titles, finding))
            .collect()
    }

    /// The events that close the run.
    pub fn closing(&self) -> Vec<Value> {
        manual_events(self.report).collect()
    }
}

/// Writes every event of `report`, one per line, in the order of [`Events`].
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let titles = titles(report);
    report.each_chunk(|chunk| {
        super::write_lines(chunk, out, |finding, lines| {
            finding_events(report, &titles, finding).try_for_each(|event| lines.push(&event))
        })
    })?;
    for event in manual_events(report) {
        serde_json::to_writer(&mut *out, &event)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
