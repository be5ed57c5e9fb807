//! KMS: keys, their rotation status and key policies. Rotation is asked only of keys that can
//! rotate (customer managed, symmetric, AWS_KMS origin, not pending deletion), policies only of
//! customer managed keys, and each only when a selected check reads what it provides.
//!
//! With AWS Config as a source, a key's item stands in for DescribeKey (its configuration) and
//! for GetKeyRotationStatus (its supplementary `KeyRotationStatus`, which records whether
//! rotation is on but not its period: the call is still made when a check reads the period).
//! Config does not record key policies.

use super::config_items::{self, ConfigItem, ItemOutcome};
use super::{CallError, Collected, Scope, drain};
use crate::inventory::kms::{Key, POLICY_ATTRIBUTES, ROTATION_ATTRIBUTES};
use crate::inventory::policy::PolicyDocument;
use crate::inventory::{ErrorKind, ResourceData};
use crate::or_unknown;
use aws_sdk_kms::Client;
use std::collections::BTreeMap;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &[
    config_items::ACTION,
    config_items::AGGREGATE_ACTION,
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListKeys",
];

const TYPE: &str = "aws.kms.key";
const ROTATION_STATUS: &str = "kms:GetKeyRotationStatus";
/// The attribute AWS Config's items do not record (only whether the key rotates).
const ROTATION_PERIOD: &str = "rotation_period_days";
const FAN_OUT: usize = 8;

fn can_rotate(key: &Key) -> bool {
    key.manager == "CUSTOMER"
        && key.spec == "SYMMETRIC_DEFAULT"
        && key.origin == "AWS_KMS"
        && !key.state.starts_with("Pending")
}

/// A key as its Config item's configuration describes it, with DescribeKey's fields
/// (`keySpec` replaced `customerMasterKeySpec`; older items may carry only the latter);
/// `None` when the item lacks one of them.
fn described(configuration: &serde_json::Value) -> Result<Option<Key>, String> {
    let text = |names: &[&str]| -> Result<Option<String>, String> {
        match names.iter().find_map(|name| configuration.get(*name)) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(value)) => Ok(Some(value.clone())),
            Some(other) => Err(format!(
                "configuration.{}: {other} is not a string",
                names[0]
            )),
        }
    };
    let multi_region = match configuration.get("multiRegion") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Bool(value)) => Some(*value),
        Some(other) => {
            return Err(format!(
                "configuration.multiRegion: {other} is not a boolean"
            ));
        }
    };
    let fields = [
        text(&["keyManager"])?,
        text(&["keySpec", "customerMasterKeySpec"])?,
        text(&["keyUsage"])?,
        text(&["keyState"])?,
        text(&["origin"])?,
    ];
    // An item that lacks one of them is read directly instead: none is guessed.
    let [
        Some(manager),
        Some(spec),
        Some(usage),
        Some(state),
        Some(origin),
    ] = fields
    else {
        return Ok(None);
    };
    Ok(Some(Key {
        manager,
        spec,
        usage,
        state,
        origin,
        multi_region,
        ..Default::default()
    }))
}

/// Whether automatic rotation is on, from a key's Config item, when it records it.
fn rotation_recorded(item: &ConfigItem) -> Option<Result<bool, String>> {
    Some(match item.supplementary("KeyRotationStatus")? {
        Ok(serde_json::Value::Bool(enabled)) => Ok(enabled),
        Ok(other) => Err(format!("KeyRotationStatus: {other} is not a boolean")),
        Err(e) => Err(e),
    })
}

/// Asks whether a key rotates automatically, and how often.
async fn rotation(client: &Client, out: &mut Collected, key: &mut Key, region: &str, arn: &str) {
    match client
        .get_key_rotation_status()
        .key_id(&key.key_id)
        .send()
        .await
    {
        Ok(answer) => {
            key.rotation_enabled = Some(answer.key_rotation_enabled());
            key.rotation_period_days = answer.rotation_period_in_days().map(i64::from);
        }
        Err(e) => {
            let error = CallError::from_sdk(ROTATION_STATUS, &e);
            out.unknown(&error, region, TYPE, arn, ROTATION_ATTRIBUTES)
        }
    }
}

/// A key's description from DescribeKey, or `None` when the call failed (recorded in `out`).
async fn describe(
    client: &Client,
    out: &mut Collected,
    region: &str,
    key_id: &str,
    arn: &str,
) -> Option<Key> {
    match client.describe_key().key_id(key_id).send().await {
        Ok(answer) => {
            let mut key = Key::default();
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
                out.left_out("kms:DescribeKey", region, TYPE, arn, &missing);
                key.multi_region = meta.multi_region();
            }
            Some(key)
        }
        Err(e) => {
            let error = CallError::from_sdk("kms:DescribeKey", &e);
            out.unknown(&error, region, TYPE, arn, &[]);
            None
        }
    }
}

/// A key's description: from its Config item (`config`, when Config is a source) when the
/// item carries it, its source then noted in `sources`, else from DescribeKey; with the item.
/// `None`: nothing about the key is known (the cause is recorded in `out`).
async fn description(
    client: &Client,
    out: &mut Collected,
    (region, key_id, arn): (&str, &str, &str),
    config: Option<ItemOutcome>,
    sources: &mut BTreeMap<String, String>,
) -> Option<(Key, Option<ConfigItem>)> {
    let item = match config {
        Some(Err(error)) => {
            out.unknown(&error, region, TYPE, arn, &[]);
            return None;
        }
        Some(Ok(item)) => item,
        None => None,
    };
    let configuration = item
        .as_ref()
        .and_then(|i| Some((i.source(), i.action, i.configuration()?)));
    let described =
        configuration.map(|(source, action, c)| (source, action, c.and_then(|c| described(&c))));
    match described {
        Some((_, action, Err(message))) => {
            let error = config_items::decode_error(action, message);
            out.unknown(&error, region, TYPE, arn, &[]);
            None
        }
        Some((source, _, Ok(Some(key)))) => {
            let attributes = crate::inventory::sources::attributes_from(TYPE, "kms:DescribeKey");
            sources.extend(attributes.iter().map(|a| (a.to_string(), source.clone())));
            Some((key, item))
        }
        Some((_, _, Ok(None))) | None => describe(client, out, region, key_id, arn)
            .await
            .map(|key| (key, item)),
    }
}

/// Describes one key and asks what its kind allows; failures are recorded against the key.
/// `config`: what AWS Config answered for the key, when it is a source.
async fn key(
    scope: &Scope<'_>,
    client: &Client,
    key_id: String,
    arn: String,
    config: Option<ItemOutcome>,
) -> Collected {
    let mut out = Collected::default();
    let region = scope.region.as_str();
    let mut sources = BTreeMap::new();
    let at = (region, key_id.as_str(), arn.as_str());
    let Some((mut key, item)) = description(client, &mut out, at, config, &mut sources).await
    else {
        let key = Key {
            key_id: key_id.clone(),
            ..Default::default()
        };
        out.resources
            .push(scope.resource(arn, key_id, ResourceData::KmsKey(key)));
        return out;
    };
    key.key_id = key_id.clone();
    let recorded = item
        .as_ref()
        .filter(|_| !scope.plan.reads(TYPE, ROTATION_PERIOD))
        .and_then(|item| Some((item, rotation_recorded(item)?)));
    if can_rotate(&key) && scope.plan.wants(ROTATION_STATUS) {
        match recorded {
            Some((item, Ok(enabled))) => {
                key.rotation_enabled = Some(enabled);
                sources.insert("rotation_enabled".to_owned(), item.source());
            }
            Some((item, Err(message))) => {
                let error = config_items::decode_error(item.action, message);
                out.unknown(&error, region, TYPE, &arn, ROTATION_ATTRIBUTES)
            }
            None => rotation(client, &mut out, &mut key, region, &arn).await,
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
    let mut resource = scope.resource(arn, key_id, ResourceData::KmsKey(key));
    resource.sources = sources;
    out.resources.push(resource);
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
    for action in [ROTATION_STATUS, "kms:GetKeyPolicy"] {
        if !scope.plan.wants(action) {
            out.skipped(action, &scope.region, TYPE);
        }
    }
    let keys: Vec<(String, String)> = keys.collect();
    let ids = keys.iter().map(|(id, _)| id.clone());
    let mut items = config_items::in_scope(scope, "AWS::KMS::Key", ids).await;
    if scope.config_items.is_some()
        && scope.plan.wants(ROTATION_STATUS)
        && !scope.plan.reads(TYPE, ROTATION_PERIOD)
    {
        let why = "AWS Config's items record whether a key rotates, not how often; no check \
                   of this scan reads the period";
        out.not_collected(
            ROTATION_STATUS,
            &scope.region,
            TYPE,
            &[ROTATION_PERIOD],
            why.into(),
        );
    }
    let tasks = keys.into_iter().map(|(id, arn)| {
        let item = items.remove(&id);
        key(scope, &client, id, arn, item)
    });
    out.merge_all(tasks, FAN_OUT).await;
    out
}

#[cfg(test)]
mod tests {
    use super::{ConfigItem, described, rotation_recorded};

    /// A key's configuration as AWS's resource schema for `AWS::KMS::Key` names its fields.
    fn configuration() -> serde_json::Value {
        serde_json::json!({
            "keyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "keyManager": "CUSTOMER", "keySpec": "SYMMETRIC_DEFAULT", "keyUsage": "ENCRYPT_DECRYPT",
            "keyState": "PendingDeletion", "origin": "AWS_KMS", "multiRegion": false,
            "enabled": false, "creationDate": "2026-01-05T10:00:00.000Z"
        })
    }

    #[test]
    fn a_keys_config_item_describes_it_as_describe_key_does() {
        let key = described(&configuration()).unwrap().unwrap();
        assert_eq!(
            (key.manager.as_str(), key.spec.as_str(), key.usage.as_str()),
            ("CUSTOMER", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT")
        );
        assert_eq!(
            (key.state.as_str(), key.origin.as_str()),
            ("PendingDeletion", "AWS_KMS")
        );
        assert_eq!(key.multi_region, Some(false));
        // Items written before `keySpec` existed name it `customerMasterKeySpec`.
        let mut older = configuration();
        let spec = older.as_object_mut().unwrap().remove("keySpec").unwrap();
        older["customerMasterKeySpec"] = spec;
        assert_eq!(
            described(&older).unwrap().unwrap().spec,
            "SYMMETRIC_DEFAULT"
        );
        // A field the item lacks is read directly (None), one of another type is an error.
        let mut lacking = configuration();
        lacking.as_object_mut().unwrap().remove("keyState");
        assert_eq!(described(&lacking), Ok(None));
        let mut odd = configuration();
        odd["keyManager"] = serde_json::json!(1);
        assert!(described(&odd).is_err());
        odd = configuration();
        odd["multiRegion"] = serde_json::json!("no");
        assert!(described(&odd).is_err());
    }

    #[test]
    fn rotation_comes_from_the_items_key_rotation_status() {
        let item = |status: Option<&str>| ConfigItem {
            action: super::config_items::ACTION,
            captured: chrono::Utc::now(),
            configuration: None,
            supplementary: status
                .map(|s| [("KeyRotationStatus".to_owned(), s.to_owned())].into())
                .unwrap_or_default(),
        };
        assert_eq!(rotation_recorded(&item(Some("true"))), Some(Ok(true)));
        assert_eq!(rotation_recorded(&item(Some("false"))), Some(Ok(false)));
        assert_eq!(rotation_recorded(&item(None)), None);
        assert!(matches!(
            rotation_recorded(&item(Some("\"on\""))),
            Some(Err(_))
        ));
    }
}
