//! Compliance roll-up: per framework requirement, the status of the automated evidence, the
//! checks and failing resources behind it, and coverage figures.

use super::{Automation, Framework, Mappings};
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
    /// (catalogued `partial` or `manual`): manual evidence is still needed. Never a bare PASS.
    PassPartial,
    /// Every evidencing result passed, and the requirement is one the checks can evidence
    /// fully (catalogued `automated`).
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

fn evidence_for(check_id: &str, findings: &[&Finding]) -> CheckEvidence {
    let mut evidence = CheckEvidence {
        check_id: check_id.to_owned(),
        ..Default::default()
    };
    for finding in findings {
        match finding.status {
            Status::Pass => evidence.pass += 1,
            Status::Fail => evidence.fail += 1,
            Status::Error => evidence.error += 1,
            Status::NotApplicable => evidence.not_applicable += 1,
        }
        if matches!(finding.status, Status::Fail | Status::Error) {
            evidence
                .failing_resources
                .push(finding.resource.arn.clone());
        }
    }
    evidence
}

fn status_of(checks: &[CheckEvidence], automation: Automation) -> RequirementStatus {
    let total = |f: fn(&CheckEvidence) -> usize| checks.iter().map(f).sum::<usize>();
    if total(|c| c.fail) > 0 {
        RequirementStatus::Fail
    } else if total(|c| c.error) > 0 {
        RequirementStatus::Error
    } else if total(|c| c.pass) > 0 && automation != Automation::Automated {
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
    let rejudged: std::collections::BTreeSet<&str> = judged.iter().map(|f| &*f.check_id).collect();
    let mut by_check: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for finding in findings
        .iter()
        .filter(|f| !rejudged.contains(&*f.check_id))
        .chain(judged)
    {
        by_check
            .entry(&*finding.check_id)
            .or_default()
            .push(finding);
    }
    let requirements: Vec<RequirementResult> = framework
        .requirements
        .iter()
        .map(|requirement| {
            let checks: Vec<CheckEvidence> = by_check
                .iter()
                .filter(|(check_id, _)| {
                    mappings
                        .requirements_of(check_id, &framework.id)
                        .is_some_and(|ids| ids.contains(&requirement.id))
                })
                .map(|(check_id, findings)| evidence_for(check_id, findings))
                .collect();
            RequirementResult {
                id: requirement.id.clone(),
                title: requirement.title.clone(),
                automation: requirement.automation,
                status: status_of(&checks, requirement.automation),
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
            status_of(&passing, Automation::Automated),
            RequirementStatus::Pass
        );
        assert_eq!(
            status_of(&passing, Automation::Partial),
            RequirementStatus::PassPartial
        );
        assert_eq!(
            status_of(&passing, Automation::Manual),
            RequirementStatus::PassPartial
        );
        assert_eq!(
            status_of(&[evidence(3, 1, 0)], Automation::Partial),
            RequirementStatus::Fail
        );
        assert_eq!(
            status_of(&[evidence(3, 0, 1)], Automation::Automated),
            RequirementStatus::Error
        );
        assert_eq!(
            status_of(&[], Automation::Partial),
            RequirementStatus::Manual
        );
        assert_eq!(RequirementStatus::PassPartial.as_str(), "PASS_PARTIAL");
        assert!(RequirementStatus::Error < RequirementStatus::PassPartial);
        assert!(RequirementStatus::PassPartial < RequirementStatus::Pass);
    }
}
