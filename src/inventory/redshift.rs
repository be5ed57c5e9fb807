//! Amazon Redshift attributes: provisioned clusters.

use serde::{Deserialize, Serialize};

/// A Redshift provisioned cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    pub identifier: String,
    pub publicly_accessible: bool,
    pub encrypted: bool,
    /// Days automated snapshots are kept; 0 turns them off.
    pub automated_snapshot_retention_days: i64,
    /// Major version upgrades are applied in the maintenance window.
    pub allow_version_upgrade: bool,
    /// COPY and UNLOAD traffic goes through the VPC.
    pub enhanced_vpc_routing: bool,
    pub master_username: String,
    /// The cluster is deployed in several Availability Zones (`MultiAZ` is `Enabled`).
    pub multi_az: bool,
    /// Audit logging (connection and user logs) is on.
    pub audit_logging: bool,
}
