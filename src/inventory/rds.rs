//! RDS-family attributes: DB instances, DB clusters (Aurora, Multi-AZ DB clusters, Neptune
//! and DocumentDB, which share the RDS API), their snapshots, and event subscriptions.

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
    /// The cluster the instance belongs to (Aurora, Neptune, DocumentDB); null when standalone.
    pub cluster: Option<String>,
    /// Seconds between enhanced-monitoring samples; 0 means enhanced monitoring is off.
    pub monitoring_interval: i64,
    /// Log types exported to CloudWatch Logs.
    pub log_exports: Vec<String>,
    pub iam_auth: bool,
    pub copy_tags_to_snapshot: bool,
    pub master_username: String,
    /// The port the database listens on.
    pub port: i64,
    /// The VPC of the instance's subnet group; null for an instance outside a VPC.
    pub vpc_id: Option<String>,
}

/// A DB cluster: Aurora, a Multi-AZ DB cluster, Neptune or DocumentDB.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DbCluster {
    pub identifier: String,
    /// `aurora-mysql`, `aurora-postgresql`, `mysql`, `postgres` (Multi-AZ DB clusters),
    /// `neptune`, `docdb`.
    pub engine: String,
    pub storage_encrypted: bool,
    pub deletion_protection: bool,
    pub multi_az: bool,
    /// Availability Zones the cluster's storage and instances can use.
    pub availability_zones: i64,
    pub iam_auth: bool,
    pub copy_tags_to_snapshot: bool,
    /// Seconds Aurora MySQL can rewind; 0 means backtracking is off.
    pub backtrack_window: i64,
    /// Log types exported to CloudWatch Logs.
    pub log_exports: Vec<String>,
    pub master_username: String,
    pub port: i64,
    /// Only Multi-AZ DB clusters carry this setting (Aurora sets it per instance): null there.
    pub auto_minor_version_upgrade: Option<bool>,
    /// Days automated backups are kept.
    pub backup_retention_days: i64,
}

/// A DB snapshot or DB cluster snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DbSnapshot {
    pub identifier: String,
    pub engine: String,
    /// `manual`, `automated`, `awsbackup`, ...
    pub snapshot_type: String,
    pub encrypted: bool,
    /// Anyone may restore it (`restore` attribute holds `all`).
    pub public: bool,
    /// Other accounts allowed to restore it.
    pub shared_with: Vec<String>,
}

/// One event subscription of a region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EventSubscription {
    pub name: String,
    pub enabled: bool,
    /// `db-instance`, `db-cluster`, `db-parameter-group`, `db-security-group`, ...; null for
    /// every source type.
    pub source_type: Option<String>,
    /// Event categories; empty means every category.
    pub categories: Vec<String>,
}

/// A region's RDS event subscriptions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EventSubscriptions {
    pub subscriptions: Vec<EventSubscription>,
}

/// An RDS Proxy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DbProxy {
    pub name: String,
    /// `MYSQL`, `POSTGRESQL` or `SQLSERVER`.
    pub engine_family: String,
    /// Clients must connect with TLS.
    pub require_tls: bool,
}
