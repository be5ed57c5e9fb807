//! RDS, once per region: DB instances from one paginated DescribeDBInstances listing, which
//! carries every attribute the checks read.

use super::{Collected, Scope, drain};
use crate::inventory::ResourceData;
use crate::inventory::rds::DbInstance;
use crate::or_unknown;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &["rds:DescribeDBInstances"];

const TYPE: &str = "aws.rds.db_instance";

/// Collects the region's DB instances.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_rds, &scope.config, scope.recorder);
    let mut out = Collected::default();
    let pages = match drain(
        client.describe_db_instances().into_paginator().send(),
        "rds:DescribeDBInstances",
    )
    .await
    {
        Ok(pages) => pages,
        Err(error) => {
            out.unlisted(&error, &scope.region, TYPE);
            return out;
        }
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
        };
        out.left_out(
            "rds:DescribeDBInstances",
            &scope.region,
            TYPE,
            &arn,
            &missing,
        );
        out.resources
            .push(scope.resource(arn, identifier, ResourceData::RdsDbInstance(data)));
    }
    out
}
