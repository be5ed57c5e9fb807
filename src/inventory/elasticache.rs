//! Amazon ElastiCache attributes: cache clusters and (Redis OSS / Valkey) replication groups.

use serde::{Deserialize, Serialize};

/// A cache cluster (a Memcached cluster, or one node group member of Redis OSS / Valkey).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CacheCluster {
    pub id: String,
    /// `redis`, `valkey` or `memcached`.
    pub engine: String,
    pub engine_version: String,
    /// The replication group the cluster belongs to; null for a standalone cluster.
    pub replication_group: Option<String>,
    pub auto_minor_version_upgrade: bool,
    /// Days automatic snapshots are kept; 0 turns them off (Redis OSS and Valkey only).
    pub snapshot_retention_limit: i64,
    /// The cache subnet group; `default` is the one ElastiCache creates in the default VPC.
    pub cache_subnet_group: String,
}

/// A Redis OSS or Valkey replication group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ReplicationGroup {
    pub id: String,
    /// The major engine version of its member clusters (`7` for 7.1).
    pub engine_major_version: i64,
    /// Automatic failover is `enabled` (or being enabled).
    pub automatic_failover: bool,
    pub at_rest_encryption: bool,
    pub transit_encryption: bool,
    /// Clients must present the Redis AUTH token.
    pub auth_token_enabled: bool,
    /// Role-based access control: the user groups associated with it.
    pub user_group_ids: Vec<String>,
}
