//! Amazon EFS, once per region: file systems from one paginated DescribeFileSystems listing.

use super::{Collected, Scope, drain};
use crate::inventory::ResourceData;
use crate::inventory::efs::FileSystem;
use crate::or_unknown;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &["elasticfilesystem:DescribeFileSystems"];

const TYPE: &str = "aws.efs.file_system";

/// Collects the region's file systems.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_efs, &scope.config, scope.recorder);
    let mut out = Collected::default();
    let pages = client.describe_file_systems().into_paginator().send();
    let pages = match drain(pages, ACTIONS[0]).await {
        Ok(pages) => pages,
        Err(error) => {
            out.unlisted(&error, &scope.region, TYPE);
            return out;
        }
    };
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
    }
    out
}
