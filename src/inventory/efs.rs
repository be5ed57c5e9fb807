//! Amazon EFS attributes.

use serde::{Deserialize, Serialize};

/// An EFS file system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FileSystem {
    pub file_system_id: String,
    /// The `Name` tag; null when the file system has none.
    pub name: Option<String>,
    /// Encrypted at rest (set at creation, cannot be changed afterwards).
    pub encrypted: bool,
    pub kms_key_id: Option<String>,
    /// `available`, `creating`, `deleting`, ...
    pub life_cycle_state: String,
}

/// An EFS access point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AccessPoint {
    pub access_point_id: String,
    pub file_system_id: String,
    /// The directory clients are confined to; null (or `/`) means the file system's root.
    pub root_directory: Option<String>,
    /// The access point enforces a POSIX user and group for every request.
    pub posix_user: bool,
}
