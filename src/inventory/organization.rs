//! An organization scan: which member accounts were scanned, skipped or could not be entered.
//! A snapshot of an organization holds the resources and errors of every scanned account.

use serde::{Deserialize, Serialize};

/// The organization a snapshot covers (absent for a single-account snapshot).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// The account whose credentials listed the organization (management or delegated admin).
    pub management_account: String,
    /// The role assumed in each member account.
    pub role_name: String,
    pub accounts: Vec<MemberAccount>,
}

/// One account of the organization and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberAccount {
    pub id: String,
    pub name: String,
    pub status: MemberStatus,
    /// Why the account was skipped or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What became of a member account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    /// Collected (possibly with some collection errors of its own).
    Scanned,
    /// Not scanned on purpose: suspended or closed, or left out by `--exclude-accounts`.
    Skipped,
    /// The role could not be assumed: every check reports ERROR for this account.
    Failed,
}

impl MemberStatus {
    /// The lowercase name used in files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            MemberStatus::Scanned => "scanned",
            MemberStatus::Skipped => "skipped",
            MemberStatus::Failed => "failed",
        }
    }
}
