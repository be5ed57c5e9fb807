//! Compliance roll-up: per framework requirement, the status of the automated evidence, the
//! checks and failing resources behind it, and coverage figures.

use super::{Automation, Claim, Framework, Mappings, Strength};
use crate::evaluate::{Finding, Status};
use serde::Serialize;
use std::collections::BTreeMap;

/// Status of a requirement from its automated evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RequirementStatus {
    /// Some evidencing check failed.
    Fail,
    /// No failure, but some evidence could not be collected.
    Error,
    /// Every evidencing result passed, but the checks cover only part of the requirement
    /// (catalogued `partial` or `manual`, or linked only `partial`ly): manual evidence is still
    /// needed. Never a bare PASS.
    PassPartial,
    /// Every evidencing result passed, the requirement is one the checks can evidence fully
    /// (catalogued `automated`), and a `full` link's checks all passed.
    Pass,
    /// The evidencing checks did not apply to any resource.
    NotApplicable,
    /// No automated evidence in this run: needs manual evidence.
    Manual,
}

impl RequirementStatus {
    /// The upper-case name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fail => "FAIL",
            Self::Error => "ERROR",
            Self::PassPartial => "PASS_PARTIAL",
            Self::Pass => "PASS",
            Self::NotApplicable => "NOT_APPLICABLE",
            Self::Manual => "MANUAL",
        }
    }
}

/// Results of one check, as evidence for one requirement.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CheckEvidence {
    pub check_id: String,
    pub pass: usize,
    pub fail: usize,
    pub error: usize,
    pub not_applicable: usize,
    /// ARNs of resources failing (or in error for) this check.
    pub failing_resources: Vec<String>,
    /// Why this check evidences the requirement, and how much of it.
    pub links: Vec<Claim>,
}

/// One requirement's status and evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequirementResult {
    pub id: String,
    pub title: String,
    pub automation: Automation,
    pub status: RequirementStatus,
    pub checks: Vec<CheckEvidence>,
}

/// Coverage and status counts of a framework.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Coverage {
    pub requirements: usize,
    /// Requirements with at least one evidencing check in this run.
    pub with_automated_evidence: usize,
    pub by_status: BTreeMap<RequirementStatus, usize>,
}

/// A framework's compliance report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrameworkReport {
    pub framework: String,
    pub name: String,
    pub version: String,
    pub coverage: Coverage,
    pub requirements: Vec<RequirementResult>,
}

/// One check's findings, counted: what a compliance roll-up needs of them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckResults {
    pub pass: usize,
    pub fail: usize,
    pub error: usize,
    pub not_applicable: usize,
    /// ARNs of resources failing (or in error for) the check, in the order they were counted.
    pub failing_resources: Vec<String>,
}

/// Findings counted per check.
pub type ResultsByCheck = BTreeMap<std::sync::Arc<str>, CheckResults>;

/// Counts `findings` into `results`.
pub fn count_results(results: &mut ResultsByCheck, findings: &[Finding]) {
    for finding in findings {
        let counted = match results.get_mut(&finding.check_id) {
            Some(counted) => counted,
            None => results.entry(finding.check_id.clone()).or_default(),
        };
        match finding.status {
            Status::Pass => counted.pass += 1,
            Status::Fail => counted.fail += 1,
            Status::Error => counted.error += 1,
            Status::NotApplicable => counted.not_applicable += 1,
        }
        if matches!(finding.status, Status::Fail | Status::Error) {
            counted.failing_resources.push(finding.resource.arn.clone());
        }
    }
}

fn evidence_for(check_id: &str, results: &CheckResults, links: &[Claim]) -> CheckEvidence {
    let mut failing_resources = results.failing_resources.clone();
    // In the order of the findings (by ARN), however they were counted.
    failing_resources.sort_unstable();
    CheckEvidence {
        check_id: check_id.to_owned(),
        pass: results.pass,
        fail: results.fail,
        error: results.error,
        not_applicable: results.not_applicable,
        failing_resources,
        links: links.to_vec(),
    }
}

/// Whether some `full` claim is evidenced: every check making it through the same path ran and
/// none failed (failures are judged before this matters).
fn fully_evidenced(
    mappings: &Mappings,
    framework: &str,
    requirement: &str,
    checks: &[CheckEvidence],
) -> bool {
    let ran = |check: &str| checks.iter().any(|c| c.check_id == check);
    checks
        .iter()
        .flat_map(|c| &c.links)
        .filter(|claim| claim.strength == Strength::Full)
        .any(|claim| {
            mappings
                .full_claimants(framework, requirement, &claim.via)
                .all(ran)
        })
}

fn status_of(checks: &[CheckEvidence], automation: Automation, full: bool) -> RequirementStatus {
    let total = |f: fn(&CheckEvidence) -> usize| checks.iter().map(f).sum::<usize>();
    if total(|c| c.fail) > 0 {
        RequirementStatus::Fail
    } else if total(|c| c.error) > 0 {
        RequirementStatus::Error
    } else if total(|c| c.pass) > 0 && (automation != Automation::Automated || !full) {
        RequirementStatus::PassPartial
    } else if total(|c| c.pass) > 0 {
        RequirementStatus::Pass
    } else if total(|c| c.not_applicable) > 0 {
        RequirementStatus::NotApplicable
    } else {
        RequirementStatus::Manual
    }
}

/// Rolls findings up into a report for `framework`. `judged` holds the findings of checks
/// evaluated with the framework's own parameters (see `framework_params` in check files); they
/// replace those checks' findings in `findings`.
pub fn framework_report(
    mappings: &Mappings,
    framework: &Framework,
    findings: &[Finding],
    judged: &[Finding],
) -> FrameworkReport {
    let (mut results, mut rejudged) = (ResultsByCheck::new(), ResultsByCheck::new());
    count_results(&mut results, findings);
    count_results(&mut rejudged, judged);
    framework_report_of(mappings, framework, &results, &rejudged)
}

/// [`framework_report`] from findings already counted.
pub fn framework_report_of(
    mappings: &Mappings,
    framework: &Framework,
    results: &ResultsByCheck,
    judged: &ResultsByCheck,
) -> FrameworkReport {
    let by_check: BTreeMap<&str, &CheckResults> = results
        .iter()
        .filter(|(check, _)| !judged.contains_key(*check))
        .chain(judged)
        .map(|(check, results)| (&**check, results))
        .collect();
    let requirements: Vec<RequirementResult> = framework
        .requirements
        .iter()
        .map(|requirement| {
            let checks: Vec<CheckEvidence> = by_check
                .iter()
                .filter_map(|(check_id, results)| {
                    let links = mappings.claims(check_id, &framework.id, &requirement.id);
                    (!links.is_empty()).then(|| evidence_for(check_id, results, links))
                })
                .collect();
            let full = fully_evidenced(mappings, &framework.id, &requirement.id, &checks);
            RequirementResult {
                id: requirement.id.clone(),
                title: requirement.title.clone(),
                automation: requirement.automation,
                status: status_of(&checks, requirement.automation, full),
                checks,
            }
        })
        .collect();
    let mut coverage = Coverage {
        requirements: requirements.len(),
        ..Default::default()
    };
    for requirement in &requirements {
        *coverage.by_status.entry(requirement.status).or_default() += 1;
        if !requirement.checks.is_empty() {
            coverage.with_automated_evidence += 1;
        }
    }
    FrameworkReport {
        framework: framework.id.clone(),
        name: framework.name.clone(),
        version: framework.version.clone(),
        coverage,
        requirements,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(pass: usize, fail: usize, error: usize) -> CheckEvidence {
        CheckEvidence {
            check_id: "c".into(),
            pass,
            fail,
            error,
            ..Default::default()
        }
    }

    #[test]
    fn a_requirement_passes_outright_only_where_the_checks_can_evidence_all_of_it() {
        let passing = [evidence(3, 0, 0)];
        assert_eq!(
            status_of(&passing, Automation::Automated, true),
            RequirementStatus::Pass
        );
        // Only partial links passed: one piece of the requirement is not all of it.
        assert_eq!(
            status_of(&passing, Automation::Automated, false),
            RequirementStatus::PassPartial
        );
        assert_eq!(
            status_of(&passing, Automation::Partial, true),
            RequirementStatus::PassPartial
        );
        assert_eq!(
            status_of(&passing, Automation::Manual, true),
            RequirementStatus::PassPartial
        );
        assert_eq!(
            status_of(&[evidence(3, 1, 0)], Automation::Partial, true),
            RequirementStatus::Fail
        );
        assert_eq!(
            status_of(&[evidence(3, 0, 1)], Automation::Automated, true),
            RequirementStatus::Error
        );
        assert_eq!(
            status_of(&[], Automation::Partial, false),
            RequirementStatus::Manual
        );
        assert_eq!(RequirementStatus::PassPartial.as_str(), "PASS_PARTIAL");
        assert!(RequirementStatus::Error < RequirementStatus::PassPartial);
        assert!(RequirementStatus::PassPartial < RequirementStatus::Pass);
    }
}
