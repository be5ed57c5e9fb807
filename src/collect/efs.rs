//! Amazon EFS, once per region: file systems from one paginated DescribeFileSystems listing,
//! and each file system's access points (one paginated DescribeAccessPoints per file system,
//! only when a selected check reads access points).

use super::{CallError, Collected, Scope, drain};
use crate::inventory::ErrorKind;
use crate::inventory::ResourceData;
use crate::inventory::efs::{AccessPoint, FileSystem};
use crate::or_unknown;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &[
    "elasticfilesystem:DescribeFileSystems",
    "elasticfilesystem:DescribeAccessPoints",
];

const TYPE: &str = "aws.efs.file_system";
const ACCESS_POINT: &str = "aws.efs.access_point";

/// Collects the region's file systems and their access points.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_efs, &scope.config, scope.recorder);
    let mut out = Collected::default();
    let pages = client.describe_file_systems().into_paginator().send();
    let pages = match drain(pages, ACTIONS[0]).await {
        Ok(pages) => pages,
        Err(error) => {
            out.unlisted(&error, &scope.region, TYPE);
            out.unlisted(&error, &scope.region, ACCESS_POINT);
            return out;
        }
    };
    let mut ids = Vec::new();
    for fs in pages.iter().flat_map(|page| page.file_systems()) {
        let id = fs.file_system_id().to_owned();
        let arn = fs
            .file_system_arn()
            .map(str::to_owned)
            .unwrap_or_else(|| scope.arn("elasticfilesystem", &format!("file-system/{id}")));
        let mut missing = Vec::new();
        let data = FileSystem {
            file_system_id: id.clone(),
            name: fs.name().map(str::to_owned),
            encrypted: or_unknown!(missing, FileSystem: encrypted = fs.encrypted()),
            kms_key_id: fs.kms_key_id().map(str::to_owned),
            life_cycle_state: fs.life_cycle_state().as_str().to_owned(),
        };
        out.left_out(ACTIONS[0], &scope.region, TYPE, &arn, &missing);
        let name = data.name.clone().unwrap_or_else(|| id.clone());
        out.resources
            .push(scope.resource(arn, name, ResourceData::EfsFileSystem(data)));
        ids.push(id);
    }
    access_points(scope, &client, &ids, &mut out).await;
    out
}

/// The access points of each file system, unless no selected check reads them.
async fn access_points(
    scope: &Scope<'_>,
    client: &aws_sdk_efs::Client,
    file_systems: &[String],
    out: &mut Collected,
) {
    const ACTION: &str = "elasticfilesystem:DescribeAccessPoints";
    if !scope.plan.wants(ACTION) {
        let skipped = CallError::data(
            ACTION,
            ErrorKind::NotCollected,
            format!("{ACTION} was not called: the checks this scan ran do not read access points"),
        );
        return out.unlisted(&skipped, &scope.region, ACCESS_POINT);
    }
    for id in file_systems {
        let pages = client
            .describe_access_points()
            .file_system_id(id)
            .into_paginator()
            .send();
        let pages = match drain(pages, ACTION).await {
            Ok(pages) => pages,
            Err(error) => return out.unlisted(&error, &scope.region, ACCESS_POINT),
        };
        for point in pages.iter().flat_map(|page| page.access_points()) {
            let point_id = point.access_point_id().unwrap_or_default().to_owned();
            let arn = point
                .access_point_arn()
                .map(str::to_owned)
                .unwrap_or_else(|| {
                    scope.arn("elasticfilesystem", &format!("access-point/{point_id}"))
                });
            let data = AccessPoint {
                access_point_id: point_id.clone(),
                file_system_id: id.clone(),
                root_directory: point
                    .root_directory()
                    .and_then(|r| r.path())
                    .map(str::to_owned),
                posix_user: point.posix_user().is_some(),
            };
            let name = point.name().map(str::to_owned).unwrap_or(point_id);
            out.resources
                .push(scope.resource(arn, name, ResourceData::EfsAccessPoint(data)));
        }
    }
}
