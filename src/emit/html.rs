//! A self-contained HTML report (no network fetches): summary by status and severity,
//! per-framework compliance tables, failing resources with their fix, and every finding in a
//! table with filters. All collected text is escaped.

use super::report::Report;
use super::terminal::inert;
use crate::evaluate::{Finding, Status};
use crate::map::report::{FrameworkReport, RequirementStatus};
use std::collections::BTreeMap;
use std::io::Write;

/// Escapes text for HTML element content and quoted attributes; control characters are made
/// visible first.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in inert(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{background:#1d2430;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:22px}
main{padding:18px 28px}section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:14px 18px;margin-bottom:18px}
h2{font-size:17px;margin:0 0 10px}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eceef2;vertical-align:top}
th{background:#f0f2f5;font-weight:600}.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{border:1px solid #dde1e7;border-radius:6px;padding:8px 14px;min-width:110px}.card b{display:block;font-size:22px}
.PASS{color:#16794c}.FAIL{color:#b42318}.ERROR{color:#b54708}.NOT_APPLICABLE,.MANUAL{color:#667085}
.sev{font-weight:600}code{font-size:12px;word-break:break-all}.filters{display:flex;gap:10px;margin-bottom:10px;flex-wrap:wrap}
details{margin:6px 0}summary{cursor:pointer}h3{font-size:14px;margin:12px 0 4px}
td{overflow-wrap:anywhere}pre{white-space:pre-wrap;overflow-wrap:anywhere}
svg.bar{display:block;border-radius:3px;background:#eceef2;margin:6px 0 2px}
.legend{font-size:12px;color:#475467;margin-bottom:8px}.key{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;border-radius:2px}
.bar-FAIL,.bar-critical{fill:#b42318;background:#b42318}.bar-high{fill:#d92d20;background:#d92d20}.bar-ERROR,.bar-medium{fill:#dc6803;background:#dc6803}
.bar-low{fill:#fdb022;background:#fdb022}.bar-informational,.bar-NOT_APPLICABLE{fill:#98a2b3;background:#98a2b3}
.bar-PASS{fill:#16794c;background:#16794c}.bar-PASS_PARTIAL{fill:#6cc497;background:#6cc497}.PASS_PARTIAL{color:#3b7d5a}.bar-MANUAL{fill:#d0d5dd;background:#d0d5dd}";

const SCRIPT: &str = "
(function(){
  var rows=[].slice.call(document.querySelectorAll('#findings tbody tr'));
  var status=document.getElementById('f-status'),severity=document.getElementById('f-severity'),text=document.getElementById('f-text');
  function apply(){
    var s=status.value,v=severity.value,t=text.value.toLowerCase(),shown=0;
    rows.forEach(function(r){
      var ok=(!s||r.dataset.status===s)&&(!v||r.dataset.severity===v)&&(!t||r.textContent.toLowerCase().indexOf(t)>=0);
      r.hidden=!ok;if(ok)shown++;
    });
    document.getElementById('shown').textContent=shown+' of '+rows.length+' findings shown';
  }
  [status,severity,text].forEach(function(e){e.addEventListener('input',apply)});
  // Filters can be preset in the address: report.html#status=FAIL&severity=high&q=bucket
  new URLSearchParams(location.hash.slice(1)).forEach(function(v,k){
    var e={status:status,severity:severity,q:text}[k];if(e)e.value=v;
  });
  apply();
})();";

/// A remediation link: clickable only for web addresses (`https:`, `http:`); anything else
/// (`javascript:`, `data:`, ...) from a check file is shown as text.
fn link(url: &str) -> String {
    let lower = url.trim_start().to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        format!(
            "<p><a href=\"{0}\" rel=\"noreferrer\">{0}</a></p>",
            escape(url)
        )
    } else {
        format!("<p><code>{}</code></p>", escape(url))
    }
}

fn options<'a>(values: impl Iterator<Item = &'a str>) -> String {
    values
        .map(|v| format!("<option value=\"{v}\">{v}</option>"))
        .collect()
}

fn summary_section(report: &Report<'_>) -> String {
    let summary = &report.summary;
    let mut cards = String::new();
    for status in [
        Status::Fail,
        Status::Error,
        Status::Pass,
        Status::NotApplicable,
    ] {
        cards += &format!(
            "<div class=\"card\"><b class=\"{s}\" id=\"count-{s}\">{}</b>{s}</div>",
            summary.count(status),
            s = status.as_str()
        );
    }
    let mut severities = String::new();
    for (severity, count) in summary.failed_by_severity.iter().rev() {
        severities += &format!(
            "<tr><td class=\"sev\">{}</td><td>{count}</td></tr>",
            severity.as_str()
        );
    }
    let by_severity: Vec<(&str, usize, &str)> = summary
        .failed_by_severity
        .iter()
        .rev()
        .map(|(severity, count)| (severity.as_str(), *count, severity.as_str()))
        .collect();
    format!(
        "<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">{cards}</div>\
         <p>{} findings from {} checks over {} resources; {} collection errors.</p>\
         <h3>Failing findings by severity</h3>{}\
         <table><thead><tr><th>Severity</th><th>Failing findings</th></tr></thead><tbody>{severities}</tbody></table></section>",
        summary.findings,
        summary.checks,
        summary.resources,
        summary.collection_errors,
        bar(&by_severity),
    )
}

/// Check parameters that differ from the check files' defaults: an auditor sees that, say,
/// `min_length = 1` was in force.
fn parameters_section(report: &Report<'_>) -> String {
    let rows: String = report
        .parameters
        .iter()
        .filter(|p| p.changed())
        .map(|p| {
            format!(
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td><code>{}</code></td><td><code>{}</code></td></tr>",
                escape(&p.check),
                escape(&p.name),
                escape(&p.value.to_string()),
                escape(&p.default.to_string()),
            )
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    format!(
        "<section id=\"parameters\"><h2>Parameters changed from their defaults</h2><table><thead><tr><th>Check</th><th>Parameter</th><th>In effect</th><th>Default</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )
}

/// An organization scan's accounts: what became of each, and its counts.
fn accounts_section(report: &Report<'_>) -> String {
    if report.accounts.is_empty() {
        return String::new();
    }
    let mut rows = String::new();
    for section in &report.accounts {
        let account = section.account;
        let counts = &section.summary;
        rows += &format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"FAIL\">{}</td><td class=\"ERROR\">{}</td><td class=\"PASS\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(&account.id),
            escape(&account.name),
            account.status.as_str(),
            counts.count(Status::Fail),
            counts.count(Status::Error),
            counts.count(Status::Pass),
            counts.resources,
            escape(account.reason.as_deref().unwrap_or_default()),
        );
    }
    format!(
        "<section id=\"accounts\"><h2>Accounts</h2><table><thead><tr><th>Account</th><th>Name</th>\
         <th>Scan</th><th>FAIL</th><th>ERROR</th><th>PASS</th><th>Resources</th><th>Reason</th></tr></thead>\
         <tbody>{rows}</tbody></table></section>"
    )
}

/// A horizontal bar of `segments` (label, count, CSS class), as inline SVG with a legend.
fn bar(segments: &[(&str, usize, &str)]) -> String {
    let total: usize = segments.iter().map(|(_, n, _)| n).sum();
    if total == 0 {
        return String::new();
    }
    let mut x = 0.0;
    let mut rects = String::new();
    let mut legend = String::new();
    for (label, count, class) in segments.iter().filter(|(_, n, _)| *n > 0) {
        let width = 100.0 * *count as f64 / total as f64;
        rects += &format!(
            "<rect class=\"bar-{class}\" x=\"{x:.2}%\" width=\"{width:.2}%\" height=\"14\"><title>{label}: {count}</title></rect>"
        );
        legend += &format!("<span class=\"key bar-{class}\"></span>{label} {count} ");
        x += width;
    }
    format!(
        "<svg class=\"bar\" width=\"100%\" height=\"14\" role=\"img\" aria-label=\"{}\">{rects}</svg><div class=\"legend\">{legend}</div>",
        segments
            .iter()
            .map(|(label, count, _)| format!("{label} {count}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn framework_section(framework: &FrameworkReport) -> String {
    let row = |requirement: &crate::map::report::RequirementResult| {
        let status = requirement.status.as_str();
        let checks: Vec<&str> = requirement
            .checks
            .iter()
            .map(|c| c.check_id.as_str())
            .collect();
        let failing: usize = requirement
            .checks
            .iter()
            .map(|c| c.failing_resources.len())
            .sum();
        format!(
            "<tr data-status=\"{status}\"><td>{}</td><td>{}</td><td>{:?}</td><td class=\"{status}\">{status}</td><td>{}</td><td>{failing}</td></tr>",
            escape(&requirement.id),
            escape(&requirement.title),
            requirement.automation,
            escape(&checks.join(", ")),
        )
    };
    // What needs action first: FAIL, ERROR, then PASS and not applicable; manual ones apart.
    let mut evidenced: Vec<_> = framework
        .requirements
        .iter()
        .filter(|r| r.status != RequirementStatus::Manual)
        .collect();
    evidenced.sort_by_key(|r| r.status);
    let rows: String = evidenced.iter().map(|r| row(r)).collect();
    let manual: Vec<_> = framework
        .requirements
        .iter()
        .filter(|r| r.status == RequirementStatus::Manual)
        .collect();
    let manual_rows: String = manual.iter().map(|r| row(r)).collect();
    let c = &framework.coverage;
    let count = |status| c.by_status.get(&status).copied().unwrap_or(0);
    let head = "<thead><tr><th>Requirement</th><th>Title</th><th>Automation</th><th>Status</th><th>Checks</th><th>Failing resources</th></tr></thead>";
    format!(
        "<section class=\"framework\" id=\"framework-{id}\"><h2>{name} {version}</h2>\
         {bar}<p>Automated evidence for {} of {} requirements.</p>\
         <table>{head}<tbody>{rows}</tbody></table>\
         <details class=\"manual\"><summary>{} requirements need manual evidence</summary><table>{head}<tbody>{manual_rows}</tbody></table></details></section>",
        c.with_automated_evidence,
        c.requirements,
        manual.len(),
        bar = bar(&[
            ("failed", count(RequirementStatus::Fail), "FAIL"),
            ("error", count(RequirementStatus::Error), "ERROR"),
            (
                "passed, partly automated",
                count(RequirementStatus::PassPartial),
                "PASS_PARTIAL"
            ),
            ("passed", count(RequirementStatus::Pass), "PASS"),
            (
                "not applicable",
                count(RequirementStatus::NotApplicable),
                "NOT_APPLICABLE"
            ),
            ("manual", count(RequirementStatus::Manual), "MANUAL"),
        ]),
        id = escape(&framework.framework),
        name = escape(&framework.name),
        version = escape(&framework.version),
    )
}

/// One row per framework at the top of the page: the share of its requirements in each status,
/// linking to the framework's own section.
fn rollup_section(frameworks: &[FrameworkReport]) -> String {
    if frameworks.is_empty() {
        return String::new();
    }
    let statuses = [
        RequirementStatus::Fail,
        RequirementStatus::Error,
        RequirementStatus::PassPartial,
        RequirementStatus::Pass,
        RequirementStatus::NotApplicable,
        RequirementStatus::Manual,
    ];
    let head: String = statuses
        .iter()
        .map(|s| format!("<th>{}</th>", s.as_str()))
        .collect();
    let rows: String = frameworks
        .iter()
        .map(|framework| {
            let count = |status| {
                framework
                    .coverage
                    .by_status
                    .get(&status)
                    .copied()
                    .unwrap_or(0)
            };
            let cells: String = statuses
                .iter()
                .map(|s| format!("<td class=\"{0}\">{1}</td>", s.as_str(), count(*s)))
                .collect();
            format!(
                "<tr><td><a href=\"#framework-{id}\">{name} {version}</a></td>{cells}</tr>",
                id = escape(&framework.framework),
                name = escape(&framework.name),
                version = escape(&framework.version),
            )
        })
        .collect();
    format!(
        "<section id=\"rollup\"><h2>Frameworks</h2><table><thead><tr><th>Framework</th>{head}</tr></thead><tbody>{rows}</tbody></table></section>"
    )
}

fn failing_section(findings: &[Finding]) -> String {
    // By service, then by check (most severe first).
    type ByCheck<'f> =
        BTreeMap<(std::cmp::Reverse<crate::evaluate::Severity>, &'f str), Vec<&'f Finding>>;
    let mut by_service: BTreeMap<&str, ByCheck> = BTreeMap::new();
    for finding in findings
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Error))
    {
        by_service
            .entry(finding.resource.service())
            .or_default()
            .entry((std::cmp::Reverse(finding.severity), &finding.check_id))
            .or_default()
            .push(finding);
    }
    let mut out = String::from("<section id=\"failing\"><h2>Failing resources and their fix</h2>");
    if by_service.is_empty() {
        out += "<p>No failing or erroring findings.</p>";
    }
    for (service, by_check) in by_service {
        let findings: usize = by_check.values().map(Vec::len).sum();
        out += &format!(
            "<h3 class=\"service\" id=\"service-{0}\">{0}: {1} check{2}, {3} finding{4}</h3>",
            escape(service),
            by_check.len(),
            if by_check.len() == 1 { "" } else { "s" },
            findings,
            if findings == 1 { "" } else { "s" },
        );
        out += &check_groups(by_check);
    }
    out + "</section>"
}

/// The failing and erroring findings of each check, with the check's fix.
fn check_groups(
    by_check: BTreeMap<(std::cmp::Reverse<crate::evaluate::Severity>, &str), Vec<&Finding>>,
) -> String {
    let mut out = String::new();
    for ((_, check_id), group) in by_check {
        let first = group[0];
        let remediation = &first.remediation;
        let mut fix = format!("<p>{}</p>", escape(&remediation.text));
        if let Some(cli) = &remediation.cli {
            fix += &format!("<pre><code>{}</code></pre>", escape(cli));
        }
        if let Some(url) = &remediation.url {
            fix += &link(url);
        }
        let resources: String = group
            .iter()
            .map(|f| {
                format!(
                    "<li><span class=\"{s}\">{s}</span> {} <code>{}</code>{}</li>",
                    escape(&f.resource.name),
                    escape(&f.resource.arn),
                    f.reason
                        .as_deref()
                        .map(|r| format!(" — {}", escape(r)))
                        .unwrap_or_default(),
                    s = f.status.as_str()
                )
            })
            .collect();
        out += &format!(
            "<details class=\"check\" open><summary><span class=\"sev\">{}</span> <b>{}</b> {} ({} resources)</summary>{fix}<ul>{resources}</ul></details>",
            first.severity.as_str(),
            escape(check_id),
            escape(&first.title),
            group.len()
        );
    }
    out
}

fn findings_section(findings: &[Finding]) -> String {
    let mut rows = String::new();
    for f in findings {
        let accepted = f
            .suppression
            .as_ref()
            .map(|s| {
                format!(
                    "<br><i>suppressed until {}: {}</i>",
                    s.expires,
                    escape(&s.reason)
                )
            })
            .unwrap_or_default();
        rows += &format!(
            "<tr data-status=\"{s}\" data-severity=\"{v}\"><td class=\"{s}\">{s}</td><td>{v}</td><td>{}</td><td>{}</td><td>{}<br><code>{}</code></td><td>{}</td><td>{}{accepted}</td></tr>",
            escape(&f.check_id),
            escape(&f.title),
            escape(&f.resource.name),
            escape(&f.resource.arn),
            escape(&f.resource.region),
            escape(f.reason.as_deref().unwrap_or_default()),
            s = f.status.as_str(),
            v = f.severity.as_str(),
        );
    }
    format!(
        "<section><h2>All findings</h2><div class=\"filters\">\
         <label>Status <select id=\"f-status\"><option value=\"\">any</option>{}</select></label>\
         <label>Severity <select id=\"f-severity\"><option value=\"\">any</option>{}</select></label>\
         <label>Search <input id=\"f-text\" type=\"search\"></label><span id=\"shown\"></span></div>\
         <table id=\"findings\"><thead><tr><th>Status</th><th>Severity</th><th>Check</th><th>Title</th><th>Resource</th><th>Region</th><th>Reason</th></tr></thead>\
         <tbody>{rows}</tbody></table></section>",
        options(["FAIL", "ERROR", "PASS", "NOT_APPLICABLE"].into_iter()),
        options(["critical", "high", "medium", "low", "informational"].into_iter()),
    )
}

/// Writes the report as one HTML page.
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let title = if report.accounts.is_empty() {
        format!(
            "lockdown report — AWS account {}",
            escape(&report.account.id)
        )
    } else {
        format!(
            "lockdown report — AWS Organization of {} ({} accounts)",
            escape(&report.account.id),
            report.accounts.len()
        )
    };
    let frameworks: String = report.compliance.iter().map(framework_section).collect();
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\
         <title>{title}</title><style>{STYLE}</style></head><body>\
         <header><h1>{title}</h1><div>Regions: {} · evaluated at {} · lockdown {}</div></header><main>{}{}{}{}{}{frameworks}{}</main>\
         <script>{SCRIPT}</script></body></html>\n",
        escape(&report.regions.join(", ")),
        super::readable::time(report.evaluated_at),
        report.lockdown_version,
        summary_section(report),
        rollup_section(&report.compliance),
        failing_section(report.findings()),
        parameters_section(report),
        accounts_section(report),
        findings_section(report.findings()),
    )
}

#[cfg(test)]
mod tests {
    use super::link;

    #[test]
    fn only_web_addresses_become_links() {
        assert!(
            link("https://docs.aws.amazon.com/x")
                .contains("<a href=\"https://docs.aws.amazon.com/x\"")
        );
        assert!(link("HTTP://example.com").contains("<a href"));
        for hostile in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "data:text/html,x",
            "vbscript:x",
        ] {
            let html = link(hostile);
            assert!(!html.contains("<a "), "{hostile}: {html}");
            assert!(html.contains("<code>"), "{html}");
        }
    }
}
