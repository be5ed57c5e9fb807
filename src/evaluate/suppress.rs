//! Suppressions (accepted risks) from the configuration file: a finding that matches one keeps
//! its status — a FAIL stays a FAIL for auditors — and is marked suppressed with the reason,
//! owner and expiry. Suppressions past their expiry stop applying and are reported.

use super::Finding;
use chrono::NaiveDate;
use globset::{Glob, GlobMatcher};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// One suppression as written in `lockdown.toml` (`[[suppressions]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuppressionRule {
    /// Check id, or a glob over check ids (`s3_bucket_*`).
    pub check: String,
    /// Glob over resource ARNs (`arn:aws:s3:::tmp-*`); every resource when absent.
    #[serde(default = "any")]
    pub resource: String,
    /// Only in this account.
    #[serde(default)]
    pub account: Option<String>,
    /// Why the risk is accepted.
    pub reason: String,
    /// Who accepted it.
    pub owner: String,
    /// The last day the suppression applies (inclusive).
    pub expires: NaiveDate,
}

fn any() -> String {
    "*".to_owned()
}

/// What a suppressed finding carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    pub reason: String,
    pub owner: String,
    pub expires: NaiveDate,
}

/// Suppressions ready to match findings.
#[derive(Debug, Default)]
pub struct Suppressions {
    rules: Vec<(SuppressionRule, GlobMatcher, GlobMatcher, Arc<Suppression>)>,
}

impl Suppressions {
    /// Compiles the rules' globs; an error names the rule (1-based) and field.
    pub fn new(rules: Vec<SuppressionRule>) -> Result<Self, String> {
        let compile = |index: usize, field: &str, pattern: &str| {
            Glob::new(pattern)
                .map(|g| g.compile_matcher())
                .map_err(|e| format!("suppressions[{index}].{field}: {e}"))
        };
        let mut compiled = Vec::new();
        for (index, rule) in rules.into_iter().enumerate() {
            let index = index + 1;
            if rule.reason.trim().is_empty() || rule.owner.trim().is_empty() {
                return Err(format!(
                    "suppressions[{index}]: a suppression needs a reason and an owner"
                ));
            }
            let check = compile(index, "check", &rule.check)?;
            let resource = compile(index, "resource", &rule.resource)?;
            let suppression = Arc::new(Suppression {
                reason: rule.reason.clone(),
                owner: rule.owner.clone(),
                expires: rule.expires,
            });
            compiled.push((rule, check, resource, suppression));
        }
        Ok(Self { rules: compiled })
    }

    /// Marks the findings that an unexpired rule matches; returns the rules that have expired
    /// as of `today` (they applied to nothing).
    pub fn apply(&self, findings: &mut [Finding], today: NaiveDate) -> Vec<SuppressionRule> {
        let active: Vec<_> = self.rules.iter().filter(|r| r.0.expires >= today).collect();
        for finding in findings.iter_mut() {
            let matched = active.iter().find(|(rule, check, resource, _)| {
                check.is_match(&*finding.check_id)
                    && resource.is_match(&finding.resource.arn)
                    && rule
                        .account
                        .as_ref()
                        .is_none_or(|a| *a == finding.resource.account_id)
            });
            if let Some((.., suppression)) = matched {
                finding.suppression = Some(suppression.clone());
            }
        }
        self.rules
            .iter()
            .filter(|r| r.0.expires < today)
            .map(|r| r.0.clone())
            .collect()
    }
}
