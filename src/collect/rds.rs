//! RDS, once per region: DB instances from one paginated DescribeDBInstances listing, which
//! carries every attribute the checks read.

use super::{Collected, Scope, drain};
use crate::inventory::ResourceData;
use crate::inventory::rds::DbInstance;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &["rds:DescribeDBInstances"];

const TYPE: &str = "aws.rds.db_instance";

/// Collects the region's DB instances.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = aws_sdk_rds::Client::from_conf(
        aws_sdk_rds::config::Builder::from(&scope.config)
            .interceptor(scope.recorder.clone())
            .build(),
    );
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
        out.resources.push(scope.resource(
            arn,
            identifier.clone(),
            ResourceData::RdsDbInstance(DbInstance {
                identifier,
                engine: db.engine().unwrap_or_default().to_owned(),
                storage_encrypted: db.storage_encrypted().unwrap_or(false),
                kms_key_id: db.kms_key_id().map(str::to_owned),
                publicly_accessible: db.publicly_accessible().unwrap_or(false),
                backup_retention_days: db.backup_retention_period().unwrap_or(0).into(),
                auto_minor_version_upgrade: db.auto_minor_version_upgrade().unwrap_or(false),
                deletion_protection: db.deletion_protection().unwrap_or(false),
                multi_az: db.multi_az().unwrap_or(false),
            }),
        ));
    }
    out
}
