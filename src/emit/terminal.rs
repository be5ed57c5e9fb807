//! The human summary: counts by status and severity, then failing and erroring resources
//! grouped by check, with the fix. Resource names are escaped so that hostile names cannot
//! drive the terminal.

use super::report::Report;
use crate::evaluate::engine::order;
use crate::evaluate::{Finding, Status};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

/// Characters that reorder or hide text on a terminal without being control characters:
/// bidirectional embeddings, overrides and isolates, and the invisible direction marks.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Escapes control characters (newlines, ANSI escapes) and bidirectional overrides so text
/// prints on one inert line that reads as it is stored.
pub fn inert(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() || is_bidi_control(c) {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

/// What the summary lists of the FAIL and ERROR findings, gathered as findings come (in any
/// order, a chunk at a time): per check, how many and the first `limit` in the report's order;
/// per service, the resources involved. Its size follows the failing resources and checks,
/// not the findings.
#[derive(Debug, Clone, Default)]
pub struct Failing {
    limit: usize,
    /// By status and check.
    groups: BTreeMap<(Status, Arc<str>), Group>,
    /// The resources (ARNs) with a finding of this status, by status and service.
    resources: HashMap<(Status, String), HashSet<String>>,
}

/// One check's findings of one status.
#[derive(Debug, Clone)]
struct Group {
    count: usize,
    /// The first findings in the report's order, at most the summary's limit (and at least
    /// one, whose check text heads the group).
    first: Vec<Finding>,
}

impl Failing {
    /// Nothing yet; `limit` caps the resources listed per check.
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            ..Self::default()
        }
    }

    /// What the summary lists of `findings` (a whole report's).
    pub fn of(findings: &[Finding], limit: usize) -> Self {
        let mut failing = Self::new(limit);
        failing.add(findings);
        failing
    }

    /// Counts `findings`, keeping those the summary may list.
    pub fn add(&mut self, findings: &[Finding]) {
        let keep = self.limit.max(1);
        for finding in findings {
            if !matches!(finding.status, Status::Fail | Status::Error) {
                continue;
            }
            let key = (finding.status, finding.check_id.clone());
            let group = self.groups.entry(key).or_insert_with(|| Group {
                count: 0,
                first: Vec::new(),
            });
            group.count += 1;
            let at = group
                .first
                .partition_point(|kept| order(kept, finding).is_lt());
            if at < keep {
                group.first.insert(at, finding.clone());
                group.first.truncate(keep);
            }
            self.resources
                .entry((finding.status, finding.resource.service().to_owned()))
                .or_default()
                .insert(finding.resource.arn.clone());
        }
    }

    /// The groups of `status` by service.
    fn by_service(&self, status: Status) -> BTreeMap<&str, Vec<&Group>> {
        let mut by_service: BTreeMap<&str, Vec<&Group>> = BTreeMap::new();
        for group in self.groups.range((status, Arc::from(""))..).map(|(_, g)| g) {
            let first = &group.first[0];
            if first.status != status {
                break;
            }
            by_service
                .entry(first.resource.service())
                .or_default()
                .push(group);
        }
        by_service
    }
}

fn group_line(out: &mut String, group: &Group, limit: usize) {
    let first = &group.first[0];
    let count = group.count;
    let _ = writeln!(
        out,
        "\n{:<5} {:<13} {}  {}  ({} resource{})",
        first.status.as_str(),
        first.severity.as_str(),
        inert(&first.check_id),
        inert(&first.title),
        count,
        if count == 1 { "" } else { "s" }
    );
    for finding in group.first.iter().take(limit) {
        let _ = writeln!(
            out,
            "      - {}  {}",
            inert(&finding.resource.name),
            inert(&finding.resource.arn)
        );
        if let Some(reason) = &finding.reason {
            let _ = writeln!(out, "        {}", inert(reason));
        }
        if let Some(accepted) = &finding.suppression {
            let _ = writeln!(
                out,
                "        suppressed until {} by {}: {}",
                accepted.expires,
                inert(&accepted.owner),
                inert(&accepted.reason)
            );
        }
    }
    if count > limit {
        let _ = writeln!(
            out,
            "      ... and {} more (see the JSON output)",
            count - limit
        );
    }
    if first.status == Status::Fail {
        let _ = writeln!(out, "      fix: {}", inert(&first.remediation.text));
        if let Some(cli) = &first.remediation.cli {
            for line in cli.lines() {
                let _ = writeln!(out, "           {}", inert(line));
            }
        }
    }
}

/// The findings of one status grouped by service (the service with the most severe finding
/// first), each service under a header with its counts, then by check (most severe first).
fn service_sections(out: &mut String, failing: &Failing, status: Status) {
    let mut services: Vec<(&str, Vec<&Group>)> = failing.by_service(status).into_iter().collect();
    let worst = |groups: &[&Group]| groups.iter().map(|g| g.first[0].severity).max();
    services.sort_by(|(a, ga), (b, gb)| worst(gb).cmp(&worst(ga)).then(a.cmp(b)));
    for (name, mut groups) in services {
        groups.sort_by(|a, b| {
            let (a, b) = (&a.first[0], &b.first[0]);
            b.severity
                .cmp(&a.severity)
                .then(a.check_id.cmp(&b.check_id))
        });
        let checks = groups.len();
        let resources = failing
            .resources
            .get(&(status, name.to_owned()))
            .map_or(0, HashSet::len);
        let _ = writeln!(
            out,
            "\n── {} · {} {} check{} on {} resource{}",
            inert(name),
            checks,
            status.as_str(),
            if checks == 1 { "" } else { "s" },
            resources,
            if resources == 1 { "" } else { "s" },
        );
        for group in groups {
            group_line(out, group, failing.limit);
        }
    }
}

/// Renders the summary of a report, listing what `failing` gathered of its findings.
pub fn render(report: &Report<'_>, failing: &Failing, source: &str) -> String {
    let s = &report.summary;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "lockdown {} · account {} · {} · {} checks on {} resources · evaluated at {}",
        report.lockdown_version,
        inert(&report.account.id),
        source,
        s.checks,
        s.resources,
        super::readable::time(report.evaluated_at)
    );
    let _ = writeln!(
        out,
        "  {} FAIL · {} PASS · {} ERROR · {} NOT_APPLICABLE",
        s.count(Status::Fail),
        s.count(Status::Pass),
        s.count(Status::Error),
        s.count(Status::NotApplicable)
    );
    if s.suppressed > 0 {
        let _ = writeln!(
            out,
            "  {} suppressed (accepted risks; their FAILs do not count below or for --fail-on)",
            s.suppressed
        );
    }
    if !report.accounts.is_empty() {
        let _ = writeln!(out, "  accounts:");
        for section in &report.accounts {
            let account = section.account;
            let detail = match &account.reason {
                Some(reason) => inert(reason),
                None => format!(
                    "{} FAIL · {} PASS · {} ERROR on {} resources",
                    section.summary.count(Status::Fail),
                    section.summary.count(Status::Pass),
                    section.summary.count(Status::Error),
                    section.summary.resources
                ),
            };
            let _ = writeln!(
                out,
                "    {} {:<24} {:<8} {detail}",
                inert(&account.id),
                inert(&account.name),
                account.status.as_str(),
            );
        }
    }
    if !s.changes.is_empty() {
        let changes: Vec<String> = s
            .changes
            .iter()
            .map(|(change, n)| format!("{n} {}", change.as_str()))
            .collect();
        let _ = writeln!(out, "  since the baseline: {}", changes.join(" · "));
    }
    let changed: Vec<String> = report
        .parameters
        .iter()
        .filter(|p| p.changed())
        .map(|p| {
            format!(
                "{}.{} = {} (default {})",
                p.check, p.name, p.value, p.default
            )
        })
        .collect();
    if !changed.is_empty() {
        let _ = writeln!(
            out,
            "  parameters changed from their defaults: {}",
            inert(&changed.join("; "))
        );
    }
    for rule in &report.suppressions_expired {
        let _ = writeln!(
            out,
            "  expired suppression (no longer applied): check {} resource {} (owner {}, expired {})",
            inert(&rule.check),
            inert(&rule.resource),
            inert(&rule.owner),
            rule.expires
        );
    }
    if !s.failed_by_severity.is_empty() {
        let by_severity: Vec<String> = s
            .failed_by_severity
            .iter()
            .rev()
            .map(|(severity, n)| format!("{n} {}", severity.as_str()))
            .collect();
        let _ = writeln!(out, "  failing: {}", by_severity.join(" · "));
        let by_service = failing.by_service(Status::Fail);
        let mut by_service: Vec<(&str, usize)> = by_service
            .into_iter()
            .map(|(name, groups)| (name, groups.iter().map(|g| g.count).sum()))
            .collect();
        by_service.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let by_service: Vec<String> = by_service
            .iter()
            .map(|(name, n)| format!("{} {n}", inert(name)))
            .collect();
        let _ = writeln!(out, "  failing by service: {}", by_service.join(" · "));
    }

    for status in [Status::Fail, Status::Error] {
        service_sections(&mut out, failing, status);
    }

    if !report.regions_skipped.is_empty() {
        let skipped: Vec<String> = report
            .regions_skipped
            .iter()
            .map(|r| format!("{} ({})", inert(&r.region), inert(&r.reason)))
            .collect();
        let _ = writeln!(out, "\nregions not scanned: {}", skipped.join(", "));
    }
    let (left_out, failed): (Vec<_>, Vec<_>) = report
        .collection_errors
        .iter()
        .partition(|e| e.kind == crate::inventory::ErrorKind::NotCollected);
    if !left_out.is_empty() {
        let services: Vec<&str> = left_out
            .iter()
            .map(|e| e.action.trim_end_matches(":*"))
            .collect();
        let _ = writeln!(
            out,
            "\nnot collected (the selected checks do not read them): {}",
            inert(&services.join(", "))
        );
    }
    if !failed.is_empty() {
        let _ = writeln!(
            out,
            "\ncould not collect (checks that need this data report ERROR):"
        );
        for error in failed {
            let _ = writeln!(
                out,
                "  - {} in {}: {} ({:?}); needs {}",
                inert(&error.action),
                inert(&error.region),
                inert(&error.message),
                error.kind,
                inert(&error.permission)
            );
        }
    }
    let calls = &report.collection.api_calls;
    if !calls.is_empty() {
        let total: u64 = calls.values().sum();
        let _ = writeln!(out, "\n{total} API calls ({} actions)", calls.len());
    }
    if let Some(generated) = report.collection.credential_report_generated_at {
        let _ = writeln!(
            out,
            "IAM data from the credential report generated at {} (users created since are ERROR)",
            super::readable::time(generated)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::inert;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(inert("evil\n\u{1b}[31mred"), "evil\\n\\u{1b}[31mred");
        assert_eq!(inert("plain name"), "plain name");
        // "invoice_\u{202e}fdp.exe" displays as "invoice_exe.pdf" unless the override shows.
        assert_eq!(inert("invoice_\u{202e}fdp.exe"), "invoice_\\u{202e}fdp.exe");
        assert_eq!(inert("a\u{2067}b\u{200f}"), "a\\u{2067}b\\u{200f}");
        assert_eq!(inert("us-east-1\r"), "us-east-1\\r");
    }
}
