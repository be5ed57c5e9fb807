//! Amazon DynamoDB attributes: tables.

use serde::{Deserialize, Serialize};

/// A DynamoDB table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Table {
    pub name: String,
    /// The table cannot be deleted until deletion protection is turned off.
    pub deletion_protection: bool,
    /// Point-in-time recovery (continuous backups, 35 days by default) is on.
    pub point_in_time_recovery: bool,
}
