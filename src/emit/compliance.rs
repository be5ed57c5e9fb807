//! Compliance roll-ups for people: a terminal summary and Markdown, per framework (coverage,
//! then the failing and erroring requirements with the checks and resources behind them).

use super::terminal::inert;
use crate::map::report::{FrameworkReport, RequirementStatus};
use std::fmt::Write as _;

fn count(report: &FrameworkReport, status: RequirementStatus) -> usize {
    report.coverage.by_status.get(&status).copied().unwrap_or(0)
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// Terminal summary of framework reports: coverage, then failing and erroring requirements.
pub fn render_text(reports: &[FrameworkReport]) -> String {
    let mut out = String::new();
    for report in reports {
        let c = &report.coverage;
        let _ = writeln!(
            out,
            "\n{} ({}) — automated evidence for {} of {} requirements ({:.0}%): {} PASS · {} PASS (partial: manual evidence needed) · {} FAIL · {} ERROR · {} N/A · {} MANUAL",
            report.name,
            report.framework,
            c.with_automated_evidence,
            c.requirements,
            percent(c.with_automated_evidence, c.requirements),
            count(report, RequirementStatus::Pass),
            count(report, RequirementStatus::PassPartial),
            count(report, RequirementStatus::Fail),
            count(report, RequirementStatus::Error),
            count(report, RequirementStatus::NotApplicable),
            count(report, RequirementStatus::Manual),
        );
        for requirement in report
            .requirements
            .iter()
            .filter(|r| matches!(r.status, RequirementStatus::Fail | RequirementStatus::Error))
        {
            let checks: Vec<String> = requirement
                .checks
                .iter()
                .filter(|c| c.fail + c.error > 0)
                .map(|c| format!("{} ({} failing)", c.check_id, c.failing_resources.len()))
                .collect();
            let _ = writeln!(
                out,
                "  {:<5} {:<12} {} — {}",
                requirement.status.as_str(),
                requirement.id,
                inert(&requirement.title),
                checks.join(", ")
            );
        }
    }
    out
}

fn markdown_cell(text: &str) -> String {
    inert(text).replace('|', "\\|")
}

/// Markdown report for auditors: a coverage line and one table row per requirement.
pub fn render_markdown(reports: &[FrameworkReport]) -> String {
    let mut out = String::new();
    for report in reports {
        let c = &report.coverage;
        let _ = writeln!(
            out,
            "## {} ({})\n",
            markdown_cell(&report.name),
            report.version
        );
        let _ = writeln!(
            out,
            "Automated evidence for {} of {} requirements ({:.0}%).\n",
            c.with_automated_evidence,
            c.requirements,
            percent(c.with_automated_evidence, c.requirements)
        );
        let _ = writeln!(
            out,
            "| Requirement | Title | Automation | Status | Checks (pass/fail/error) | Failing resources |"
        );
        let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- |");
        for r in &report.requirements {
            let checks: Vec<String> = r
                .checks
                .iter()
                .map(|c| format!("`{}` {}/{}/{}", c.check_id, c.pass, c.fail, c.error))
                .collect();
            let failing: Vec<String> = r
                .checks
                .iter()
                .flat_map(|c| {
                    c.failing_resources
                        .iter()
                        .map(|a| format!("`{}`", markdown_cell(a)))
                })
                .collect();
            let _ = writeln!(
                out,
                "| {} | {} | {:?} | {} | {} | {} |",
                r.id,
                markdown_cell(&r.title),
                r.automation,
                r.status.as_str(),
                checks.join("<br>"),
                failing.join("<br>")
            );
        }
        out.push('\n');
    }
    out
}
