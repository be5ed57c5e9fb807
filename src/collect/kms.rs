//! KMS: keys, their rotation status and key policies. Rotation is asked only of keys that can
//! rotate (customer managed, symmetric, AWS_KMS origin, not pending deletion), policies only of
//! customer managed keys, and each only when a selected check reads what it provides.

use super::{CallError, Collected, Scope, drain};
use crate::inventory::kms::{Key, POLICY_ATTRIBUTES, ROTATION_ATTRIBUTES};
use crate::inventory::policy::PolicyDocument;
use crate::inventory::{ErrorKind, ResourceData};
use crate::or_unknown;
use aws_sdk_kms::Client;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &[
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListKeys",
];

const TYPE: &str = "aws.kms.key";
const FAN_OUT: usize = 8;

fn can_rotate(key: &Key) -> bool {
    key.manager == "CUSTOMER"
        && key.spec == "SYMMETRIC_DEFAULT"
        && key.origin == "AWS_KMS"
        && !key.state.starts_with("Pending")
}

/// Describes one key and asks what its kind allows; failures are recorded against the key.
async fn key(scope: &Scope<'_>, client: &Client, key_id: String, arn: String) -> Collected {
    let mut out = Collected::default();
    let region = scope.region.as_str();
    let mut key = Key {
        key_id: key_id.clone(),
        ..Default::default()
    };
    match client.describe_key().key_id(&key_id).send().await {
        Ok(answer) => {
            if let Some(meta) = answer.key_metadata() {
                let mut missing = Vec::new();
                let text = |value: Option<&str>| value.map(str::to_owned);
                key.manager = or_unknown!(missing, Key: manager = text(meta.key_manager().map(|m| m.as_str())));
                key.spec =
                    or_unknown!(missing, Key: spec = text(meta.key_spec().map(|s| s.as_str())));
                key.usage =
                    or_unknown!(missing, Key: usage = text(meta.key_usage().map(|u| u.as_str())));
                key.state =
                    or_unknown!(missing, Key: state = text(meta.key_state().map(|s| s.as_str())));
                key.origin =
                    or_unknown!(missing, Key: origin = text(meta.origin().map(|o| o.as_str())));
                out.left_out("kms:DescribeKey", region, TYPE, &arn, &missing);
                key.multi_region = meta.multi_region();
            }
        }
        Err(e) => {
            out.unknown(
                &CallError::from_sdk("kms:DescribeKey", &e),
                region,
                TYPE,
                &arn,
                &[],
            );
            out.resources
                .push(scope.resource(arn, key_id, ResourceData::KmsKey(key)));
            return out;
        }
    }
    if can_rotate(&key) && scope.plan.wants("kms:GetKeyRotationStatus") {
        match client
            .get_key_rotation_status()
            .key_id(&key_id)
            .send()
            .await
        {
            Ok(answer) => {
                key.rotation_enabled = Some(answer.key_rotation_enabled());
                key.rotation_period_days = answer.rotation_period_in_days().map(i64::from);
            }
            Err(e) => out.unknown(
                &CallError::from_sdk("kms:GetKeyRotationStatus", &e),
                region,
                TYPE,
                &arn,
                ROTATION_ATTRIBUTES,
            ),
        }
    }
    if key.manager == "CUSTOMER" && scope.plan.wants("kms:GetKeyPolicy") {
        match client
            .get_key_policy()
            .key_id(&key_id)
            .policy_name("default")
            .send()
            .await
        {
            Ok(answer) => match PolicyDocument::parse(answer.policy().unwrap_or_default()) {
                Ok(policy) => {
                    key.policy_public = Some(policy.allows_public());
                    key.policy = Some(policy);
                }
                Err(e) => out.unknown(
                    &CallError::data("kms:GetKeyPolicy", ErrorKind::Decode, e.to_string()),
                    region,
                    TYPE,
                    &arn,
                    POLICY_ATTRIBUTES,
                ),
            },
            Err(e) => out.unknown(
                &CallError::from_sdk("kms:GetKeyPolicy", &e),
                region,
                TYPE,
                &arn,
                POLICY_ATTRIBUTES,
            ),
        }
    }
    out.resources
        .push(scope.resource(arn, key_id, ResourceData::KmsKey(key)));
    out
}

/// Collects KMS keys in one region.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_kms, &scope.config, scope.recorder);
    let mut out = Collected::default();
    let pages = client.list_keys().into_paginator().items().send();
    let keys = match drain(pages, "kms:ListKeys").await {
        Ok(entries) => entries.into_iter().map(|entry| {
            (
                entry.key_id().unwrap_or_default().to_owned(),
                entry.key_arn().unwrap_or_default().to_owned(),
            )
        }),
        Err(e) => {
            out.unlisted(&e, &scope.region, TYPE);
            return out;
        }
    };
    for action in ["kms:GetKeyRotationStatus", "kms:GetKeyPolicy"] {
        if !scope.plan.wants(action) {
            out.skipped(action, &scope.region, TYPE);
        }
    }
    let tasks = keys
        .into_iter()
        .map(|(id, arn)| key(scope, &client, id, arn));
    out.merge_all(tasks, FAN_OUT).await;
    out
}
