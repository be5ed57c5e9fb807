//! Amazon DynamoDB, once per region: one paginated ListTables (names only), then per table one
//! DescribeTable (deletion protection) and one DescribeContinuousBackups (point-in-time
//! recovery), each only when a selected check reads what it provides.

use super::{CallError, Collected, Scope, drain, per_resource};
use crate::attributes;
use crate::inventory::ResourceData;
use crate::inventory::dynamodb::Table;
use aws_sdk_dynamodb::types::PointInTimeRecoveryStatus;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &[
    "dynamodb:DescribeContinuousBackups",
    "dynamodb:DescribeTable",
    "dynamodb:ListTables",
];

const TYPE: &str = "aws.dynamodb.table";
const LISTING: &str = "dynamodb:ListTables";
const DESCRIBE: &str = "dynamodb:DescribeTable";
const BACKUPS: &str = "dynamodb:DescribeContinuousBackups";

/// Collects the region's tables.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_dynamodb, &scope.config, scope.recorder);
    let mut out = Collected::default();
    let pages = client.list_tables().into_paginator().items().send();
    let Some(names) = out.listed(&scope.region, TYPE, drain(pages, LISTING).await) else {
        return out;
    };
    let client = &client;
    let described = per_resource(
        scope,
        &mut out,
        DESCRIBE,
        &[TYPE],
        names,
        |name| async move {
            let answer = client
                .describe_table()
                .table_name(&name)
                .send()
                .await
                .map(|a| a.table().and_then(|t| t.deletion_protection_enabled()))
                .map_err(|e| CallError::from_sdk(DESCRIBE, &e));
            (name, answer)
        },
    )
    .await;
    let backups = per_resource(
        scope,
        &mut out,
        BACKUPS,
        &[TYPE],
        described,
        |(name, protection)| async move {
            let answer = client
                .describe_continuous_backups()
                .table_name(&name)
                .send()
                .await
                .map(|a| {
                    a.continuous_backups_description()
                        .and_then(|d| d.point_in_time_recovery_description())
                        .and_then(|p| p.point_in_time_recovery_status())
                        .map(|s| *s == PointInTimeRecoveryStatus::Enabled)
                })
                .map_err(|e| CallError::from_sdk(BACKUPS, &e));
            ((name, protection), answer)
        },
    )
    .await;
    for ((name, protection), recovery) in backups {
        let arn = scope.arn("dynamodb", &format!("table/{name}"));
        let mut data = Table {
            name: name.clone(),
            ..Default::default()
        };
        let region = scope.region.as_str();
        if let Some(value) = out.read_value(
            (DESCRIBE, region, TYPE),
            &arn,
            attributes!(Table: deletion_protection),
            protection,
        ) {
            data.deletion_protection = value;
        }
        if let Some(value) = out.read_value(
            (BACKUPS, region, TYPE),
            &arn,
            attributes!(Table: point_in_time_recovery),
            recovery,
        ) {
            data.point_in_time_recovery = value;
        }
        out.resources
            .push(scope.resource(arn, name, ResourceData::DynamoDbTable(data)));
    }
    out
}
