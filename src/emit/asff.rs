//! AWS Security Finding Format (ASFF 2018-10-08) for Security Hub: one finding per result, with
//! the limits Security Hub enforces (Title ≤ 256, Description ≤ 1024, remediation text ≤ 512,
//! each related requirement ≤ 64 characters, at most 32 of them).

use super::report::Report;
use super::truncate;
use crate::evaluate::baseline::Change;
use crate::evaluate::{Finding, Severity, Status};
use chrono::SecondsFormat;
use serde_json::{Value, json};
use std::io::Write;

pub const SCHEMA_VERSION: &str = "2018-10-08";
const MAX_TITLE: usize = 256;
const MAX_DESCRIPTION: usize = 1024;
const MAX_RECOMMENDATION: usize = 512;
const MAX_REQUIREMENT: usize = 64;
const MAX_REQUIREMENTS: usize = 32;

fn label(severity: Severity) -> &'static str {
    match severity {
        Severity::Informational => "INFORMATIONAL",
        Severity::Low => "LOW",
        Severity::Medium => "MEDIUM",
        Severity::High => "HIGH",
        Severity::Critical => "CRITICAL",
    }
}

/// `Compliance.Status`: ERROR is a WARNING (the check could not run), never PASSED.
fn compliance_status(status: Status) -> &'static str {
    match status {
        Status::Pass => "PASSED",
        Status::Fail => "FAILED",
        Status::Error => "WARNING",
        Status::NotApplicable => "NOT_AVAILABLE",
    }
}

/// The ASFF resource type for a lockdown resource type (`Other` when ASFF has none).
fn resource_type(lockdown_type: &str) -> &'static str {
    match lockdown_type {
        "aws.iam.user" => "AwsIamUser",
        "aws.iam.role" => "AwsIamRole",
        "aws.iam.group" => "AwsIamGroup",
        "aws.iam.managed_policy" => "AwsIamPolicy",
        "aws.iam.account" | "aws.iam.root_user" | "aws.iam.password_policy" => "AwsAccount",
        "aws.kms.key" => "AwsKmsKey",
        "aws.s3.bucket" => "AwsS3Bucket",
        "aws.ec2.volume" => "AwsEc2Volume",
        "aws.ec2.security_group" => "AwsEc2SecurityGroup",
        "aws.cloudtrail.trail" => "AwsCloudTrailTrail",
        _ => "Other",
    }
}

/// `framework/requirement` pairs of a finding, within Security Hub's limits.
fn related_requirements(finding: &Finding) -> Vec<String> {
    finding
        .compliance
        .iter()
        .flat_map(|(framework, ids)| ids.iter().map(move |id| format!("{framework}/{id}")))
        .filter(|r| r.chars().count() <= MAX_REQUIREMENT)
        .take(MAX_REQUIREMENTS)
        .collect()
}

/// The ASFF finding of one result, imported in `region` (the region of the Security Hub that
/// receives it; global resources are reported there).
pub fn finding(report: &Report<'_>, finding: &Finding, region: &str) -> Value {
    // The importing account's default product; the finding's own account may be a member's.
    let importer = &report.account.id;
    // A finding of another provider (an Okta org's host) is filed under the importing account.
    let account = Some(&finding.resource.account_id)
        .filter(|id| crate::inventory::snapshot::is_account_id(id))
        .unwrap_or(importer);
    let partition = &report.account.partition;
    let time = finding
        .evaluated_at
        .to_rfc3339_opts(SecondsFormat::Millis, true);
    let resource = &finding.resource;
    let mut description = format!(
        "{} {} ({}).",
        finding.status.as_str(),
        resource.name,
        resource.arn
    );
    if let Some(reason) = &finding.reason {
        description.push(' ');
        description.push_str(reason);
    }
    let mut recommendation =
        json!({"Text": truncate(&finding.remediation.text, MAX_RECOMMENDATION)});
    if let Some(url) = &finding.remediation.url {
        recommendation["Url"] = json!(url);
    }
    let mut asff_resource = json!({
        "Type": resource_type(&resource.resource_type),
        "Id": resource.arn,
        "Partition": partition,
    });
    if resource.region != crate::inventory::GLOBAL_REGION {
        asff_resource["Region"] = json!(resource.region);
    }
    let (workflow, record_state) = if finding.suppression.is_some() {
        ("SUPPRESSED", "ACTIVE")
    } else if finding.change == Some(Change::Resolved) {
        ("RESOLVED", "ARCHIVED")
    } else {
        ("NEW", "ACTIVE")
    };
    json!({
        "SchemaVersion": SCHEMA_VERSION,
        "Id": format!("lockdown/{}/{}", finding.check_id, finding.id),
        "ProductArn": format!("arn:{partition}:securityhub:{region}:{importer}:product/{importer}/default"),
        "GeneratorId": format!("lockdown/{}", finding.check_id),
        "AwsAccountId": account,
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
        "CreatedAt": time,
        "UpdatedAt": time,
        "Severity": {"Label": label(finding.severity), "Original": finding.severity.as_str()},
        "Title": truncate(&finding.title, MAX_TITLE),
        "Description": truncate(&description, MAX_DESCRIPTION),
        "Remediation": {"Recommendation": recommendation},
        "ProductFields": {
            "ProviderName": "lockdown",
            "ProviderVersion": report.lockdown_version,
            "lockdown/CheckId": &*finding.check_id,
            "lockdown/Status": finding.status.as_str(),
            "lockdown/Controls": finding.controls.join(","),
        },
        "Resources": [asff_resource],
        "Compliance": {
            "Status": compliance_status(finding.status),
            "RelatedRequirements": related_requirements(finding),
        },
        "RecordState": record_state,
        "Workflow": {"Status": workflow},
    })
}

/// Writes a JSON array of ASFF findings (what `aws securityhub batch-import-findings` reads),
/// a chunk of findings at a time.
pub fn write(report: &Report<'_>, region: &str, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(b"[")?;
    let mut separator: &[u8] = b"\n";
    report.each_chunk(|chunk| {
        for f in chunk {
            out.write_all(separator)?;
            serde_json::to_writer(&mut *out, &finding(report, f, region))?;
            separator = b",\n";
        }
        Ok(())
    })?;
    out.write_all(b"\n]\n")
}
