//! Amazon ECR attributes.

use serde::{Deserialize, Serialize};

/// An ECR private repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Repository {
    pub name: String,
    /// The repository's own scan-on-push setting (basic scanning).
    pub scan_on_push: bool,
    /// The scanning in effect for the repository once registry rules are applied:
    /// `SCAN_ON_PUSH`, `CONTINUOUS_SCAN` or `MANUAL`.
    pub scan_frequency: String,
    /// `MUTABLE`, `IMMUTABLE`, `MUTABLE_WITH_EXCLUSION` or `IMMUTABLE_WITH_EXCLUSION`.
    pub tag_mutability: String,
    /// The repository has a lifecycle policy.
    pub lifecycle_policy: bool,
}
