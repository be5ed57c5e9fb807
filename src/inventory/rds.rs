//! RDS attributes.

use serde::{Deserialize, Serialize};

/// An RDS DB instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DbInstance {
    pub identifier: String,
    pub engine: String,
    pub storage_encrypted: bool,
    pub kms_key_id: Option<String>,
    pub publicly_accessible: bool,
    /// Days automated backups are kept; 0 means automated backups are off.
    pub backup_retention_days: i64,
    pub auto_minor_version_upgrade: bool,
    pub deletion_protection: bool,
    pub multi_az: bool,
}
