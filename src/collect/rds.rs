//! The RDS family, once per region, from bulk listings: DB instances, DB clusters (Aurora,
//! Multi-AZ DB clusters, Neptune and DocumentDB share the API and are told apart by engine),
//! DB and cluster snapshots, and event subscriptions. The only per-resource reads are the
//! restore permissions of manual snapshots (no listing says who may restore), made only when
//! a selected check reads them.

use super::{CallError, Collected, Scope, drain, per_resource};
use crate::inventory::ResourceData;
use crate::inventory::rds::{
    DbCluster, DbInstance, DbProxy, DbSnapshot, EventSubscription, EventSubscriptions,
};
use crate::{attributes, or_unknown};
use aws_sdk_rds::Client;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &[
    "rds:DescribeDBClusterSnapshotAttributes",
    "rds:DescribeDBClusterSnapshots",
    "rds:DescribeDBClusters",
    "rds:DescribeDBInstances",
    "rds:DescribeDBProxies",
    "rds:DescribeDBSnapshotAttributes",
    "rds:DescribeDBSnapshots",
    "rds:DescribeEventSubscriptions",
];

const INSTANCE: &str = "aws.rds.db_instance";
const DB_SNAPSHOT: &str = "aws.rds.db_snapshot";
const SUBSCRIPTIONS: &str = "aws.rds.event_subscriptions";
const PROXY: &str = "aws.rds.db_proxy";

/// Which service a cluster (or cluster snapshot) belongs to, by engine.
#[derive(Clone, Copy)]
enum Family {
    Rds,
    Neptune,
    DocumentDb,
}

impl Family {
    const ALL: [Family; 3] = [Family::Rds, Family::Neptune, Family::DocumentDb];

    fn of(engine: &str) -> Self {
        match engine {
            "neptune" => Family::Neptune,
            "docdb" => Family::DocumentDb,
            _ => Family::Rds,
        }
    }

    fn cluster_type(self) -> &'static str {
        match self {
            Family::Rds => "aws.rds.db_cluster",
            Family::Neptune => "aws.neptune.db_cluster",
            Family::DocumentDb => "aws.docdb.db_cluster",
        }
    }

    fn snapshot_type(self) -> &'static str {
        match self {
            Family::Rds => "aws.rds.db_cluster_snapshot",
            Family::Neptune => "aws.neptune.db_cluster_snapshot",
            Family::DocumentDb => "aws.docdb.db_cluster_snapshot",
        }
    }

    fn cluster(self, data: DbCluster) -> ResourceData {
        match self {
            Family::Rds => ResourceData::RdsDbCluster(data),
            Family::Neptune => ResourceData::NeptuneDbCluster(data),
            Family::DocumentDb => ResourceData::DocDbCluster(data),
        }
    }

    fn snapshot(self) -> fn(DbSnapshot) -> ResourceData {
        match self {
            Family::Rds => ResourceData::RdsDbClusterSnapshot,
            Family::Neptune => ResourceData::NeptuneDbClusterSnapshot,
            Family::DocumentDb => ResourceData::DocDbClusterSnapshot,
        }
    }
}

/// Collects the region's RDS-family resources.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_rds, &scope.config, scope.recorder);
    let mut parts: [Collected; 6] = Default::default();
    let [a, b, c, d, e, f] = &mut parts;
    tokio::join!(
        instances(scope, &client, a),
        clusters(scope, &client, b),
        db_snapshots(scope, &client, c),
        cluster_snapshots(scope, &client, d),
        event_subscriptions(scope, &client, e),
        proxies(scope, &client, f),
    );
    let mut out = Collected::default();
    for part in parts {
        out.merge(part);
    }
    out
}

async fn instances(scope: &Scope<'_>, client: &Client, out: &mut Collected) {
    const ACTION: &str = "rds:DescribeDBInstances";
    let pages = client.describe_db_instances().into_paginator().send();
    let pages = match drain(pages, ACTION).await {
        Ok(pages) => pages,
        Err(error) => return out.unlisted(&error, &scope.region, INSTANCE),
    };
    for db in pages.iter().flat_map(|page| page.db_instances()) {
        let identifier = db.db_instance_identifier().unwrap_or_default().to_owned();
        let arn = db
            .db_instance_arn()
            .map(str::to_owned)
            .unwrap_or_else(|| scope.arn("rds", &format!("db:{identifier}")));
        let mut missing = Vec::new();
        let data = DbInstance {
            identifier: identifier.clone(),
            engine: db.engine().unwrap_or_default().to_owned(),
            storage_encrypted: or_unknown!(missing, DbInstance: storage_encrypted = db.storage_encrypted()),
            kms_key_id: db.kms_key_id().map(str::to_owned),
            publicly_accessible: or_unknown!(missing, DbInstance: publicly_accessible = db.publicly_accessible()),
            backup_retention_days: or_unknown!(missing, DbInstance: backup_retention_days = db.backup_retention_period().map(i64::from)),
            auto_minor_version_upgrade: or_unknown!(missing, DbInstance: auto_minor_version_upgrade = db.auto_minor_version_upgrade()),
            deletion_protection: or_unknown!(missing, DbInstance: deletion_protection = db.deletion_protection()),
            multi_az: or_unknown!(missing, DbInstance: multi_az = db.multi_az()),
            cluster: db.db_cluster_identifier().map(str::to_owned),
            monitoring_interval: or_unknown!(missing, DbInstance: monitoring_interval = db.monitoring_interval().map(i64::from)),
            log_exports: db.enabled_cloudwatch_logs_exports().to_vec(),
            iam_auth: or_unknown!(missing, DbInstance: iam_auth = db.iam_database_authentication_enabled()),
            copy_tags_to_snapshot: or_unknown!(missing, DbInstance: copy_tags_to_snapshot = db.copy_tags_to_snapshot()),
            master_username: or_unknown!(missing, DbInstance: master_username = db.master_username().map(str::to_owned)),
            port: or_unknown!(missing, DbInstance: port = db.endpoint().and_then(|e| e.port()).or(db.db_instance_port()).map(i64::from)),
            vpc_id: db
                .db_subnet_group()
                .and_then(|g| g.vpc_id())
                .map(str::to_owned),
        };
        out.left_out(ACTION, &scope.region, INSTANCE, &arn, &missing);
        out.resources
            .push(scope.resource(arn, identifier, ResourceData::RdsDbInstance(data)));
    }
}

async fn clusters(scope: &Scope<'_>, client: &Client, out: &mut Collected) {
    const ACTION: &str = "rds:DescribeDBClusters";
    let pages = client.describe_db_clusters().into_paginator().send();
    let pages = match drain(pages, ACTION).await {
        Ok(pages) => pages,
        Err(error) => {
            for family in Family::ALL {
                out.unlisted(&error, &scope.region, family.cluster_type());
            }
            return;
        }
    };
    for cluster in pages.iter().flat_map(|page| page.db_clusters()) {
        let identifier = cluster
            .db_cluster_identifier()
            .unwrap_or_default()
            .to_owned();
        let engine = cluster.engine().map(str::to_owned);
        let family = Family::of(engine.as_deref().unwrap_or_default());
        let arn = cluster
            .db_cluster_arn()
            .map(str::to_owned)
            .unwrap_or_else(|| scope.arn("rds", &format!("cluster:{identifier}")));
        let mut missing = Vec::new();
        let data = DbCluster {
            identifier: identifier.clone(),
            engine: or_unknown!(missing, DbCluster: engine = engine),
            storage_encrypted: or_unknown!(missing, DbCluster: storage_encrypted = cluster.storage_encrypted()),
            deletion_protection: or_unknown!(missing, DbCluster: deletion_protection = cluster.deletion_protection()),
            multi_az: or_unknown!(missing, DbCluster: multi_az = cluster.multi_az()),
            availability_zones: cluster.availability_zones().len() as i64,
            iam_auth: or_unknown!(missing, DbCluster: iam_auth = cluster.iam_database_authentication_enabled()),
            copy_tags_to_snapshot: or_unknown!(missing, DbCluster: copy_tags_to_snapshot = cluster.copy_tags_to_snapshot()),
            // The API leaves BacktrackWindow out unless backtracking was configured: absent is
            // "never turned on", which is what 0 means.
            backtrack_window: cluster.backtrack_window().unwrap_or(0),
            log_exports: cluster.enabled_cloudwatch_logs_exports().to_vec(),
            master_username: or_unknown!(missing, DbCluster: master_username = cluster.master_username().map(str::to_owned)),
            port: or_unknown!(missing, DbCluster: port = cluster.port().map(i64::from)),
            auto_minor_version_upgrade: cluster.auto_minor_version_upgrade(),
            backup_retention_days: or_unknown!(missing, DbCluster: backup_retention_days = cluster.backup_retention_period().map(i64::from)),
        };
        out.left_out(ACTION, &scope.region, family.cluster_type(), &arn, &missing);
        out.resources
            .push(scope.resource(arn, identifier, family.cluster(data)));
    }
}

/// Who may restore a manual snapshot, from its `restore` attribute: `all` makes it public.
fn restore_permissions(data: &mut DbSnapshot, values: &[String]) {
    for value in values {
        if value == "all" {
            data.public = true;
        } else {
            data.shared_with.push(value.clone());
        }
    }
}

/// The values of a snapshot's `restore` attribute, from `(name, values)` pairs.
fn restore_values<'a>(
    attributes: impl Iterator<Item = (Option<&'a str>, &'a [String])>,
) -> Vec<String> {
    attributes
        .filter(|(name, _)| *name == Some("restore"))
        .flat_map(|(_, values)| values.iter().cloned())
        .collect()
}

/// A listed snapshot before its restore permissions are known.
struct Listed {
    arn: String,
    kind: &'static str,
    data: DbSnapshot,
    into: fn(DbSnapshot) -> ResourceData,
}

/// Reads the restore permissions of each manual snapshot (automated snapshots cannot be
/// shared) with `read`, unless no selected check needs them, and records the snapshots.
async fn with_permissions<F, Fut>(
    scope: &Scope<'_>,
    action: &'static str,
    listed: Vec<Listed>,
    read: F,
    out: &mut Collected,
) where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<String>, CallError>>,
{
    let kinds: std::collections::BTreeSet<&str> = listed.iter().map(|l| l.kind).collect();
    let kinds: Vec<&str> = kinds.into_iter().collect();
    let read = &read;
    let read = per_resource(scope, out, action, &kinds, listed, |listed| async move {
        let answer = if listed.data.snapshot_type == "manual" {
            read(listed.data.identifier.clone()).await
        } else {
            Ok(Vec::new())
        };
        (listed, answer)
    })
    .await;
    for (mut listed, answer) in read {
        match answer {
            None => {}
            Some(Ok(values)) => restore_permissions(&mut listed.data, &values),
            Some(Err(error)) => out.unknown(
                &error,
                &scope.region,
                listed.kind,
                &listed.arn,
                attributes!(DbSnapshot: public, shared_with),
            ),
        }
        let name = listed.data.identifier.clone();
        out.resources
            .push(scope.resource(listed.arn, name, (listed.into)(listed.data)));
    }
}

/// A snapshot's listed attributes; a missing encryption flag is unknown.
fn snapshot(
    identifier: Option<&str>,
    engine: Option<&str>,
    snapshot_type: Option<&str>,
    encrypted: Option<bool>,
    missing: &mut Vec<&'static str>,
) -> DbSnapshot {
    DbSnapshot {
        identifier: identifier.unwrap_or_default().to_owned(),
        engine: engine.unwrap_or_default().to_owned(),
        snapshot_type: snapshot_type.unwrap_or_default().to_owned(),
        encrypted: or_unknown!(missing, DbSnapshot: encrypted = encrypted),
        ..Default::default()
    }
}

async fn db_snapshots(scope: &Scope<'_>, client: &Client, out: &mut Collected) {
    const ACTION: &str = "rds:DescribeDBSnapshots";
    let pages = client.describe_db_snapshots().into_paginator().send();
    let pages = match drain(pages, ACTION).await {
        Ok(pages) => pages,
        Err(error) => return out.unlisted(&error, &scope.region, DB_SNAPSHOT),
    };
    let mut listed = Vec::new();
    for s in pages.iter().flat_map(|page| page.db_snapshots()) {
        let mut missing = Vec::new();
        let data = snapshot(
            s.db_snapshot_identifier(),
            s.engine(),
            s.snapshot_type(),
            s.encrypted(),
            &mut missing,
        );
        let arn = s
            .db_snapshot_arn()
            .map(str::to_owned)
            .unwrap_or_else(|| scope.arn("rds", &format!("snapshot:{}", data.identifier)));
        out.left_out(ACTION, &scope.region, DB_SNAPSHOT, &arn, &missing);
        listed.push(Listed {
            arn,
            kind: DB_SNAPSHOT,
            data,
            into: ResourceData::RdsDbSnapshot,
        });
    }
    const ATTRIBUTES: &str = "rds:DescribeDBSnapshotAttributes";
    let read = |id: String| async move {
        let answer = client
            .describe_db_snapshot_attributes()
            .db_snapshot_identifier(id)
            .send()
            .await
            .map_err(|e| CallError::from_sdk(ATTRIBUTES, &e))?;
        let attributes = answer
            .db_snapshot_attributes_result()
            .map(|r| r.db_snapshot_attributes())
            .unwrap_or_default();
        Ok(restore_values(
            attributes
                .iter()
                .map(|a| (a.attribute_name(), a.attribute_values())),
        ))
    };
    with_permissions(scope, ATTRIBUTES, listed, read, out).await;
}

async fn cluster_snapshots(scope: &Scope<'_>, client: &Client, out: &mut Collected) {
    const ACTION: &str = "rds:DescribeDBClusterSnapshots";
    let pages = client
        .describe_db_cluster_snapshots()
        .into_paginator()
        .send();
    let pages = match drain(pages, ACTION).await {
        Ok(pages) => pages,
        Err(error) => {
            for family in Family::ALL {
                out.unlisted(&error, &scope.region, family.snapshot_type());
            }
            return;
        }
    };
    let mut listed = Vec::new();
    for s in pages.iter().flat_map(|page| page.db_cluster_snapshots()) {
        let mut missing = Vec::new();
        let data = snapshot(
            s.db_cluster_snapshot_identifier(),
            s.engine(),
            s.snapshot_type(),
            s.storage_encrypted(),
            &mut missing,
        );
        let family = Family::of(&data.engine);
        let arn = s
            .db_cluster_snapshot_arn()
            .map(str::to_owned)
            .unwrap_or_else(|| scope.arn("rds", &format!("cluster-snapshot:{}", data.identifier)));
        out.left_out(
            ACTION,
            &scope.region,
            family.snapshot_type(),
            &arn,
            &missing,
        );
        listed.push(Listed {
            arn,
            kind: family.snapshot_type(),
            data,
            into: family.snapshot(),
        });
    }
    const ATTRIBUTES: &str = "rds:DescribeDBClusterSnapshotAttributes";
    let read = |id: String| async move {
        let answer = client
            .describe_db_cluster_snapshot_attributes()
            .db_cluster_snapshot_identifier(id)
            .send()
            .await
            .map_err(|e| CallError::from_sdk(ATTRIBUTES, &e))?;
        let attributes = answer
            .db_cluster_snapshot_attributes_result()
            .map(|r| r.db_cluster_snapshot_attributes())
            .unwrap_or_default();
        Ok(restore_values(
            attributes
                .iter()
                .map(|a| (a.attribute_name(), a.attribute_values())),
        ))
    };
    with_permissions(scope, ATTRIBUTES, listed, read, out).await;
}

async fn event_subscriptions(scope: &Scope<'_>, client: &Client, out: &mut Collected) {
    const ACTION: &str = "rds:DescribeEventSubscriptions";
    let pages = client
        .describe_event_subscriptions()
        .into_paginator()
        .send();
    let pages = match drain(pages, ACTION).await {
        Ok(pages) => pages,
        Err(error) => return out.unlisted(&error, &scope.region, SUBSCRIPTIONS),
    };
    let arn = scope.arn("rds", "event-subscriptions");
    let mut missing = Vec::new();
    let subscriptions: Option<Vec<EventSubscription>> = pages
        .iter()
        .flat_map(|page| page.event_subscriptions_list())
        .map(|s| {
            Some(EventSubscription {
                name: s.cust_subscription_id().unwrap_or_default().to_owned(),
                enabled: s.enabled()?,
                source_type: s.source_type().map(str::to_owned),
                categories: s.event_categories_list().to_vec(),
            })
        })
        .collect();
    let data = EventSubscriptions {
        subscriptions: or_unknown!(missing, EventSubscriptions: subscriptions = subscriptions),
    };
    out.left_out(ACTION, &scope.region, SUBSCRIPTIONS, &arn, &missing);
    let name = format!("RDS event subscriptions ({})", scope.region);
    out.resources
        .push(scope.resource(arn, name, ResourceData::RdsEventSubscriptions(data)));
}

/// The region's DB proxies, from one paginated listing.
async fn proxies(scope: &Scope<'_>, client: &Client, out: &mut Collected) {
    const ACTION: &str = "rds:DescribeDBProxies";
    let pages = client.describe_db_proxies().into_paginator().send();
    let pages = match drain(pages, ACTION).await {
        Ok(pages) => pages,
        Err(error) => return out.unlisted(&error, &scope.region, PROXY),
    };
    for proxy in pages.iter().flat_map(|page| page.db_proxies()) {
        let name = proxy.db_proxy_name().unwrap_or_default().to_owned();
        let arn = proxy
            .db_proxy_arn()
            .map(str::to_owned)
            .unwrap_or_else(|| scope.arn("rds", &format!("db-proxy:{name}")));
        let mut missing = Vec::new();
        let data = DbProxy {
            name: name.clone(),
            engine_family: proxy.engine_family().unwrap_or_default().to_owned(),
            require_tls: or_unknown!(missing, DbProxy: require_tls = proxy.require_tls()),
        };
        out.left_out(ACTION, &scope.region, PROXY, &arn, &missing);
        out.resources
            .push(scope.resource(arn, name, ResourceData::RdsDbProxy(data)));
    }
}
