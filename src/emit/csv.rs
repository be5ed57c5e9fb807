//! One CSV row per finding (RFC 4180 quoting). Cells that a spreadsheet would run as a formula
//! (starting with `=`, `+`, `-`, `@`, tab or carriage return) are prefixed with `'`.

use super::report::Report;
use std::io::Write;

const HEADER: [&str; 20] = [
    "finding_id",
    "account_id",
    "region",
    "check_id",
    "title",
    "severity",
    "status",
    "reason",
    "resource_arn",
    "resource_type",
    "resource_name",
    "missing_permission",
    "remediation",
    "remediation_url",
    "controls",
    "compliance",
    "evidence",
    "suppression",
    "change",
    "evaluated_at",
];

/// Neutralizes spreadsheet formulas (CSV injection).
fn cell(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// Writes the header and one row per finding, a chunk of findings at a time.
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let mut writer = ::csv::Writer::from_writer(out);
    writer.write_record(HEADER)?;
    report.each_chunk(|chunk| {
        chunk.iter().try_for_each(|finding| {
            let compliance = finding
                .compliance
                .iter()
                .map(|(framework, ids)| format!("{framework}:{}", ids.join("|")))
                .collect::<Vec<_>>()
                .join(" ");
            let id = finding.id.to_string();
            let evidence = serde_json::to_string(&finding.evidence)?;
            let evaluated_at = finding.evaluated_at.to_rfc3339();
            let suppression = finding.suppression.as_ref().map_or(String::new(), |s| {
                format!("{} (owner {}, until {})", s.reason, s.owner, s.expires)
            });
            let resource = &finding.resource;
            let row = [
                id.as_str(),
                &resource.account_id,
                &resource.region,
                &finding.check_id,
                &finding.title,
                finding.severity.as_str(),
                finding.status.as_str(),
                finding.reason.as_deref().unwrap_or_default(),
                &resource.arn,
                &resource.resource_type,
                &resource.name,
                finding
                    .error
                    .as_ref()
                    .map(|e| e.permission.as_str())
                    .unwrap_or_default(),
                &finding.remediation.text,
                finding.remediation.url.as_deref().unwrap_or_default(),
                &finding.controls.join(" "),
                &compliance,
                &evidence,
                &suppression,
                finding.change.map(|c| c.as_str()).unwrap_or_default(),
                &evaluated_at,
            ];
            writer.write_record(row.iter().map(|text| cell(text).into_owned()))?;
            Ok(())
        })
    })?;
    writer.flush()?;
    Ok(())
}
