//! Amazon Redshift, once per region: one paginated DescribeClusters, which carries every
//! setting but audit logging, then one DescribeLoggingStatus per cluster when a selected check
//! reads it.

use super::{CallError, Collected, Scope, drain, per_resource};
use crate::attributes;
use crate::inventory::ResourceData;
use crate::inventory::redshift::Cluster;
use crate::or_unknown;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &[
    "redshift:DescribeClusters",
    "redshift:DescribeLoggingStatus",
];

const TYPE: &str = "aws.redshift.cluster";
const LISTING: &str = "redshift:DescribeClusters";
const LOGGING: &str = "redshift:DescribeLoggingStatus";

/// Collects the region's clusters.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_redshift, &scope.config, scope.recorder);
    let mut out = Collected::default();
    let pages = client.describe_clusters().into_paginator().send();
    let Some(pages) = out.listed(&scope.region, TYPE, drain(pages, LISTING).await) else {
        return out;
    };
    let mut listed = Vec::new();
    for c in pages.iter().flat_map(|p| p.clusters()) {
        let identifier = c.cluster_identifier().unwrap_or_default().to_owned();
        let arn = scope.arn("redshift", &format!("cluster:{identifier}"));
        let mut missing = Vec::new();
        let data = Cluster {
            identifier,
            publicly_accessible: or_unknown!(missing, Cluster: publicly_accessible = c.publicly_accessible()),
            encrypted: or_unknown!(missing, Cluster: encrypted = c.encrypted()),
            automated_snapshot_retention_days: or_unknown!(missing, Cluster: automated_snapshot_retention_days = c.automated_snapshot_retention_period().map(i64::from)),
            allow_version_upgrade: or_unknown!(missing, Cluster: allow_version_upgrade = c.allow_version_upgrade()),
            enhanced_vpc_routing: or_unknown!(missing, Cluster: enhanced_vpc_routing = c.enhanced_vpc_routing()),
            master_username: or_unknown!(missing, Cluster: master_username = c.master_username().map(str::to_owned)),
            multi_az: or_unknown!(missing, Cluster: multi_az = c.multi_az().map(|m| m.eq_ignore_ascii_case("enabled"))),
            audit_logging: false,
        };
        out.left_out(LISTING, &scope.region, TYPE, &arn, &missing);
        listed.push((arn, data));
    }
    let client = &client;
    let read = per_resource(
        scope,
        &mut out,
        LOGGING,
        &[TYPE],
        listed,
        |(arn, data)| async move {
            let answer = client
                .describe_logging_status()
                .cluster_identifier(&data.identifier)
                .send()
                .await
                .map(|a| a.logging_enabled())
                .map_err(|e| CallError::from_sdk(LOGGING, &e));
            ((arn, data), answer)
        },
    )
    .await;
    for ((arn, mut data), answer) in read {
        let source = (LOGGING, scope.region.as_str(), TYPE);
        if let Some(value) =
            out.read_value(source, &arn, attributes!(Cluster: audit_logging), answer)
        {
            data.audit_logging = value;
        }
        let name = data.identifier.clone();
        out.resources
            .push(scope.resource(arn, name, ResourceData::RedshiftCluster(data)));
    }
    out
}
