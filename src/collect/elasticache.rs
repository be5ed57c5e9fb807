//! Amazon ElastiCache, once per region: one paginated DescribeCacheClusters and one paginated
//! DescribeReplicationGroups, which carry every setting the checks read; a replication group's
//! engine version comes from its member clusters. No per-resource call.

use super::{Collected, Scope, drain};
use crate::inventory::ResourceData;
use crate::inventory::elasticache::{CacheCluster, ReplicationGroup};
use crate::{attributes, or_unknown};
use std::collections::BTreeMap;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &[
    "elasticache:DescribeCacheClusters",
    "elasticache:DescribeReplicationGroups",
];

const CLUSTER: &str = "aws.elasticache.cluster";
const GROUP: &str = "aws.elasticache.replication_group";
const CLUSTERS: &str = "elasticache:DescribeCacheClusters";
const GROUPS: &str = "elasticache:DescribeReplicationGroups";

/// The major number of an engine version (`7` for `7.1.0`).
fn major_version(version: &str) -> Option<i64> {
    version.split('.').next()?.parse().ok()
}

/// Collects the region's cache clusters, then its replication groups.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_elasticache, &scope.config, scope.recorder);
    let mut out = Collected::default();
    let clusters = drain(
        client
            .describe_cache_clusters()
            .into_paginator()
            .items()
            .send(),
        CLUSTERS,
    )
    .await;
    // Engine versions of the clusters, by id, for their replication groups; unknown while
    // the clusters are.
    let mut versions = BTreeMap::new();
    let mut clusters_error = None;
    match clusters {
        Err(error) => {
            out.unlisted(&error, &scope.region, CLUSTER);
            clusters_error = Some(error);
        }
        Ok(clusters) => {
            for c in &clusters {
                let id = c.cache_cluster_id().unwrap_or_default().to_owned();
                let arn = c
                    .arn()
                    .map(str::to_owned)
                    .unwrap_or_else(|| scope.arn("elasticache", &format!("cluster:{id}")));
                let mut missing = Vec::new();
                let data = CacheCluster {
                    id: id.clone(),
                    engine: or_unknown!(missing, CacheCluster: engine = c.engine().map(str::to_owned)),
                    engine_version: or_unknown!(missing, CacheCluster: engine_version = c.engine_version().map(str::to_owned)),
                    replication_group: c.replication_group_id().map(str::to_owned),
                    auto_minor_version_upgrade: or_unknown!(missing, CacheCluster: auto_minor_version_upgrade = c.auto_minor_version_upgrade()),
                    snapshot_retention_limit: or_unknown!(missing, CacheCluster: snapshot_retention_limit = c.snapshot_retention_limit().map(i64::from)),
                    cache_subnet_group: or_unknown!(missing, CacheCluster: cache_subnet_group = c.cache_subnet_group_name().map(str::to_owned)),
                };
                out.left_out(CLUSTERS, &scope.region, CLUSTER, &arn, &missing);
                versions.insert(id.clone(), c.engine_version().and_then(major_version));
                out.resources
                    .push(scope.resource(arn, id, ResourceData::ElastiCacheCluster(data)));
            }
        }
    }
    let groups = drain(
        client
            .describe_replication_groups()
            .into_paginator()
            .items()
            .send(),
        GROUPS,
    )
    .await;
    let groups = match groups {
        Ok(groups) => groups,
        Err(error) => {
            out.unlisted(&error, &scope.region, GROUP);
            return out;
        }
    };
    for g in &groups {
        let id = g.replication_group_id().unwrap_or_default().to_owned();
        let arn = g
            .arn()
            .map(str::to_owned)
            .unwrap_or_else(|| scope.arn("elasticache", &format!("replicationgroup:{id}")));
        let version = g
            .member_clusters()
            .iter()
            .find_map(|m| versions.get(m).copied().flatten());
        let version_read = attributes!(ReplicationGroup: engine_major_version);
        match (&clusters_error, version) {
            (_, Some(_)) => {}
            (Some(error), None) => out.unknown(error, &scope.region, GROUP, &arn, version_read),
            (None, None) => out.left_out(CLUSTERS, &scope.region, GROUP, &arn, version_read),
        }
        let mut missing = Vec::new();
        let data = ReplicationGroup {
            id: id.clone(),
            engine_major_version: version.unwrap_or_default(),
            automatic_failover: or_unknown!(
                missing,
                ReplicationGroup: automatic_failover = g.automatic_failover().map(|f| {
                    matches!(f.as_str(), "enabled" | "enabling")
                })
            ),
            at_rest_encryption: or_unknown!(missing, ReplicationGroup: at_rest_encryption = g.at_rest_encryption_enabled()),
            transit_encryption: or_unknown!(missing, ReplicationGroup: transit_encryption = g.transit_encryption_enabled()),
            auth_token_enabled: or_unknown!(missing, ReplicationGroup: auth_token_enabled = g.auth_token_enabled()),
            user_group_ids: g.user_group_ids().to_vec(),
        };
        out.left_out(GROUPS, &scope.region, GROUP, &arn, &missing);
        out.resources.push(scope.resource(
            arn,
            id,
            ResourceData::ElastiCacheReplicationGroup(data),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::major_version;

    #[test]
    fn major_versions_are_the_first_number() {
        assert_eq!(major_version("7.1.0"), Some(7));
        assert_eq!(major_version("5.0.6"), Some(5));
        assert_eq!(major_version("6.x"), Some(6));
        assert_eq!(major_version("latest"), None);
    }
}
