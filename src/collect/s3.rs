//! S3: buckets (listed once, globally) and their settings, each read in the bucket's own
//! region. One region lookup per bucket at most (none when ListBuckets says the region), and
//! no ACL read when ownership controls have disabled ACLs. Plus the account-level Block Public
//! Access (S3 Control), one call.

use super::config_items::ItemOutcome;
use super::plan::Plan;
use super::{CallError, CallRecorder, Collected, drain};
use crate::attributes;
use crate::inventory::policy::PolicyDocument;
use crate::inventory::s3::{AccountPublicAccessBlock, Bucket, PublicAccessBlock};
use crate::inventory::{Account, ErrorKind, GLOBAL_REGION, Resource, ResourceData};
use aws_config::{Region, SdkConfig};
use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata;
use std::collections::HashMap;

/// The API actions this module calls (see [`super::permission`] for their IAM permissions).
pub const ACTIONS: &[&str] = &[
    super::config_items::ACTION,
    super::config_items::AGGREGATE_ACTION,
    "s3:GetBucketAcl",
    "s3:GetBucketEncryption",
    "s3:GetBucketLifecycleConfiguration",
    "s3:GetBucketLocation",
    "s3:GetBucketLogging",
    "s3:GetBucketNotificationConfiguration",
    "s3:GetBucketOwnershipControls",
    "s3:GetBucketPolicy",
    "s3:GetBucketReplication",
    "s3:GetBucketVersioning",
    "s3:GetObjectLockConfiguration",
    "s3:GetPublicAccessBlock",
    "s3:ListBuckets",
    "s3control:GetPublicAccessBlock",
];

/// The bucket-policy actions Security Hub S3.6 says other accounts must not be allowed.
const CROSS_ACCOUNT_DENIED: [&str; 5] = [
    "s3:DeleteBucketPolicy",
    "s3:PutBucketAcl",
    "s3:PutBucketPolicy",
    "s3:PutEncryptionConfiguration",
    "s3:PutObjectAcl",
];

/// The resource type of buckets.
pub const TYPE: &str = "aws.s3.bucket";
const FAN_OUT: usize = 8;
const PUBLIC_GRANTEES: [&str; 2] = [
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
];

/// True when the error says "this setting is not configured", which is an answer, not a failure.
fn not_configured<E: ProvideErrorMetadata, R>(
    err: &aws_sdk_s3::error::SdkError<E, R>,
    codes: &[&str],
) -> bool {
    err.as_service_error()
        .and_then(ProvideErrorMetadata::code)
        .is_some_and(|code| codes.contains(&code))
}

/// The four Block Public Access settings; one the answer leaves out is unknown, not off.
/// Both S3 and S3 Control answer with the four settings, in this order.
macro_rules! block_settings {
    ($c:expr) => {
        settings([
            $c.block_public_acls(),
            $c.ignore_public_acls(),
            $c.block_public_policy(),
            $c.restrict_public_buckets(),
        ])
    };
}

fn settings(values: [Option<bool>; 4]) -> Result<PublicAccessBlock, CallError> {
    match values {
        [Some(a), Some(b), Some(c), Some(d)] => Ok(PublicAccessBlock {
            block_public_acls: a,
            ignore_public_acls: b,
            block_public_policy: c,
            restrict_public_buckets: d,
        }),
        _ => Err(CallError::data(
            "s3:GetPublicAccessBlock",
            ErrorKind::MissingData,
            "the Block Public Access answer leaves some of its four settings out",
        )),
    }
}

/// S3 clients per region (path-style addressing when an endpoint override is set, as
/// emulators need).
struct Clients<'a> {
    config: &'a SdkConfig,
    recorder: &'a CallRecorder,
    by_region: std::sync::Mutex<HashMap<String, Client>>,
}

impl Clients<'_> {
    fn get(&self, region: &str) -> Client {
        let mut clients = self.by_region.lock().expect("client cache lock");
        clients
            .entry(region.to_owned())
            .or_insert_with(|| {
                let config = aws_sdk_s3::config::Builder::from(self.config)
                    .region(Region::new(region.to_owned()))
                    .force_path_style(self.config.endpoint_url().is_some())
                    .interceptor(self.recorder.clone())
                    .build();
                Client::from_conf(config)
            })
            .clone()
    }
}

/// `call`'s answer when `wanted`, without calling otherwise.
async fn optional<T>(wanted: bool, call: impl std::future::Future<Output = T>) -> Option<T> {
    if wanted { Some(call.await) } else { None }
}

/// The per-bucket reads, each skipped when no selected check reads what it provides.
const BUCKET_READS: [&str; 11] = [
    "s3:GetBucketEncryption",
    "s3:GetPublicAccessBlock",
    "s3:GetBucketPolicy",
    "s3:GetBucketVersioning",
    "s3:GetBucketLogging",
    "s3:GetBucketOwnershipControls",
    "s3:GetBucketAcl",
    "s3:GetBucketReplication",
    "s3:GetBucketLifecycleConfiguration",
    "s3:GetBucketNotificationConfiguration",
    "s3:GetObjectLockConfiguration",
];

/// The settings AWS Config records in a bucket's configuration item (its supplementary
/// configuration, shapes as AWS's resource schema for `AWS::S3::Bucket` names them), by the
/// direct read they replace. Ownership controls and replication are always read directly:
/// Config's schema has no ownership controls, and of replication only the role.
const CONFIG_KEYS: [(&str, &str); 9] = [
    ("s3:GetBucketPolicy", "BucketPolicy"),
    ("s3:GetPublicAccessBlock", "PublicAccessBlockConfiguration"),
    ("s3:GetBucketLogging", "BucketLoggingConfiguration"),
    ("s3:GetBucketAcl", "AccessControlList"),
    (
        "s3:GetBucketLifecycleConfiguration",
        "BucketLifecycleConfiguration",
    ),
    (
        "s3:GetBucketEncryption",
        "ServerSideEncryptionConfiguration",
    ),
    ("s3:GetBucketVersioning", "BucketVersioningConfiguration"),
    ("s3:GetObjectLockConfiguration", "ObjectLockConfiguration"),
    (
        "s3:GetBucketNotificationConfiguration",
        "BucketNotificationConfiguration",
    ),
];

/// Sets the policy attributes of `data` from a policy document's text.
fn apply_policy(data: &mut Bucket, text: &str, account: &Account, arn: &str) -> Result<(), String> {
    let doc = PolicyDocument::parse(text).map_err(|e| e.to_string())?;
    data.denies_insecure_transport = doc.denies_insecure_transport(arn);
    data.policy_public = doc.allows_public();
    data.cross_account_actions =
        doc.actions_granted_to_other_accounts(&account.id, &CROSS_ACCOUNT_DENIED);
    data.policy = Some(doc);
    Ok(())
}

/// Sets what one supplementary configuration of a bucket's Config item gives (`key` of
/// [`CONFIG_KEYS`]): `Ok(true)` when it settles what the direct read would say, `Ok(false)`
/// when it lacks a part (the direct read is made instead). An answer of another shape is an
/// error, never a default.
fn apply_config(
    data: &mut Bucket,
    key: &str,
    value: &serde_json::Value,
    account: &Account,
    arn: &str,
) -> Result<bool, String> {
    use serde_json::Value;
    let shape = || format!("{key}: not the shape AWS Config records");
    match key {
        "BucketPolicy" => match value.get("policyText").ok_or_else(shape)? {
            Value::Null => {}
            Value::String(text) => apply_policy(data, text, account, arn)?,
            _ => return Err(shape()),
        },
        "PublicAccessBlockConfiguration" => {
            let flag = |name: &str| value.get(name).and_then(Value::as_bool);
            let block = settings([
                flag("blockPublicAcls"),
                flag("ignorePublicAcls"),
                flag("blockPublicPolicy"),
                flag("restrictPublicBuckets"),
            ])
            .map_err(|_| shape())?;
            data.public_access_block = Some(block);
        }
        "BucketLoggingConfiguration" => {
            data.logging_target = match value.get("destinationBucketName").ok_or_else(shape)? {
                Value::Null => None,
                Value::String(target) => Some(target.clone()),
                _ => return Err(shape()),
            }
        }
        "AccessControlList" => {
            // Group grantees are named (`AllUsers`), people by canonical id.
            let grants = match value.get("grantList") {
                None | Some(Value::Null) => Vec::new(),
                Some(list) => list.as_array().ok_or_else(shape)?.clone(),
            };
            data.acl_public = grants.iter().any(|grant| {
                grant["grantee"].as_str().is_some_and(|group| {
                    PUBLIC_GRANTEES
                        .iter()
                        .any(|uri| uri.rsplit('/').next() == Some(group))
                })
            });
        }
        "BucketLifecycleConfiguration" => {
            let rules = value.get("rules").and_then(|r| r.as_array());
            data.lifecycle_rules = rules
                .ok_or_else(shape)?
                .iter()
                .filter(|rule| rule["status"] == "Enabled")
                .count() as i64;
        }
        "ServerSideEncryptionConfiguration" => {
            let Some(rules) = value.get("rules") else {
                return Ok(false);
            };
            let default = match rules.as_array().ok_or_else(shape)?.first() {
                None => None,
                Some(rule) => match rule.get("applyServerSideEncryptionByDefault") {
                    None => return Ok(false),
                    Some(Value::Null) => None,
                    Some(default) => Some(default),
                },
            };
            let text = |value: Option<&Value>| match value {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(text)) => Ok(Some(text.clone())),
                Some(_) => Err(shape()),
            };
            data.encryption = match default {
                None => None,
                Some(d) => Some(text(d.get("sseAlgorithm"))?.ok_or_else(shape)?),
            };
            data.kms_key_id = text(default.and_then(|d| d.get("kmsMasterKeyID")))?;
        }
        "BucketVersioningConfiguration" => {
            // Config says `Off` for a bucket never versioned.
            data.versioning = match value.get("status").ok_or_else(shape)?.as_str() {
                Some("Off") => "Disabled".to_owned(),
                Some(status @ ("Enabled" | "Suspended")) => status.to_owned(),
                _ => return Err(shape()),
            };
            // Null, as GetBucketVersioning's absent MFADelete, when never configured.
            data.mfa_delete = match value.get("isMfaDeleteEnabled") {
                None => return Ok(false),
                Some(Value::Null) => false,
                Some(flag) => flag.as_bool().ok_or_else(shape)?,
            };
        }
        "ObjectLockConfiguration" => match value.get("objectLockEnabled") {
            None => return Ok(false),
            Some(Value::Null) => data.object_lock = false,
            Some(Value::String(enabled)) => data.object_lock = enabled == "Enabled",
            Some(_) => return Err(shape()),
        },
        "BucketNotificationConfiguration" => {
            // Items list SNS, SQS and Lambda destinations; EventBridge delivery is not among
            // them, so only a destination settles it, and an empty list is read directly.
            let configurations = value.get("configurations").and_then(Value::as_object);
            if configurations.ok_or_else(shape)?.is_empty() {
                return Ok(false);
            }
            data.event_notifications = true;
        }
        _ => return Err(format!("{key}: not read from AWS Config")),
    }
    Ok(true)
}

/// Reads one bucket's settings; each failed read leaves exactly its attributes unknown.
/// With AWS Config as a source, the settings its item carries come from it (`config`).
async fn bucket(
    clients: &Clients<'_>,
    account: &Account,
    plan: &Plan,
    name: String,
    listed_region: Option<String>,
    config: Option<ItemOutcome>,
) -> Collected {
    let mut out = Collected::default();
    let arn = format!("arn:{}:s3:::{name}", account.partition);
    let home = clients.get("us-east-1");
    let region = match listed_region {
        Some(region) => region,
        None => match home.get_bucket_location().bucket(&name).send().await {
            // An empty constraint means us-east-1; `EU` is the legacy name of eu-west-1.
            Ok(answer) => match answer.location_constraint().map(|c| c.as_str()) {
                None | Some("") => "us-east-1".to_owned(),
                Some("EU") => "eu-west-1".to_owned(),
                Some(other) => other.to_owned(),
            },
            Err(e) => {
                out.unknown(
                    &CallError::from_sdk("s3:GetBucketLocation", &e),
                    GLOBAL_REGION,
                    TYPE,
                    &arn,
                    &[],
                );
                GLOBAL_REGION.to_owned()
            }
        },
    };
    let client = clients.get(if region == GLOBAL_REGION {
        "us-east-1"
    } else {
        &region
    });
    let mut data = Bucket {
        name: name.clone(),
        versioning: "Disabled".into(),
        ..Default::default()
    };
    // Each settings read only when a selected check reads what it provides, and AWS Config
    // (when it is a source) does not settle it: from its item, or unknown when its call failed.
    let wanted = |action: &str| plan.wants(action);
    let mut sources = std::collections::BTreeMap::new();
    let mut settled = std::collections::BTreeSet::new();
    for (action, key) in CONFIG_KEYS.into_iter().filter(|(a, _)| wanted(a)) {
        let attributes = crate::inventory::sources::attributes_from(TYPE, action);
        match &config {
            Some(Err(error)) => {
                out.unknown(error, &region, TYPE, &arn, &attributes);
                settled.insert(action);
            }
            Some(Ok(Some(item))) => {
                let applied = item.supplementary(key).map(|value| {
                    value.and_then(|v| apply_config(&mut data, key, &v, account, &arn))
                });
                match applied {
                    Some(Ok(true)) => {
                        let source = item.source();
                        sources.extend(attributes.iter().map(|a| (a.to_string(), source.clone())));
                        settled.insert(action);
                    }
                    Some(Err(message)) => {
                        let error = super::config_items::decode_error(item.action, message);
                        out.unknown(&error, &region, TYPE, &arn, &attributes);
                        settled.insert(action);
                    }
                    Some(Ok(false)) | None => {}
                }
            }
            _ => {}
        }
    }
    let direct = |action: &str| wanted(action) && !settled.contains(action);
    let (encryption, block, policy, versioning, logging, ownership) = tokio::join!(
        optional(
            direct("s3:GetBucketEncryption"),
            client.get_bucket_encryption().bucket(&name).send()
        ),
        optional(
            direct("s3:GetPublicAccessBlock"),
            client.get_public_access_block().bucket(&name).send()
        ),
        optional(
            direct("s3:GetBucketPolicy"),
            client.get_bucket_policy().bucket(&name).send()
        ),
        optional(
            direct("s3:GetBucketVersioning"),
            client.get_bucket_versioning().bucket(&name).send()
        ),
        optional(
            direct("s3:GetBucketLogging"),
            client.get_bucket_logging().bucket(&name).send()
        ),
        optional(
            direct("s3:GetBucketOwnershipControls"),
            client.get_bucket_ownership_controls().bucket(&name).send()
        ),
    );
    match encryption {
        None => {}
        Some(Ok(answer)) => {
            let rule = answer
                .server_side_encryption_configuration()
                .and_then(|c| c.rules().first())
                .and_then(|r| r.apply_server_side_encryption_by_default());
            data.encryption = rule.map(|r| r.sse_algorithm().as_str().to_owned());
            data.kms_key_id = rule.and_then(|r| r.kms_master_key_id().map(str::to_owned));
        }
        Some(Err(e)) if not_configured(&e, &["ServerSideEncryptionConfigurationNotFoundError"]) => {
        }
        Some(Err(e)) => out.unknown(
            &CallError::from_sdk("s3:GetBucketEncryption", &e),
            &region,
            TYPE,
            &arn,
            attributes!(Bucket: encryption, kms_key_id),
        ),
    }
    match block {
        None => {}
        Some(Ok(answer)) => {
            match answer
                .public_access_block_configuration()
                .map(|c| block_settings!(c))
            {
                Some(Ok(block)) => data.public_access_block = Some(block),
                None => {}
                Some(Err(missing)) => out.unknown(
                    &missing,
                    &region,
                    TYPE,
                    &arn,
                    attributes!(Bucket: public_access_block),
                ),
            }
        }
        Some(Err(e)) if not_configured(&e, &["NoSuchPublicAccessBlockConfiguration"]) => {}
        Some(Err(e)) => out.unknown(
            &CallError::from_sdk("s3:GetPublicAccessBlock", &e),
            &region,
            TYPE,
            &arn,
            attributes!(Bucket: public_access_block),
        ),
    }
    let policy_attributes = attributes!(
        Bucket: policy,
        denies_insecure_transport,
        policy_public,
        cross_account_actions
    );
    match policy {
        None => {}
        Some(Ok(answer)) => match apply_policy(
            &mut data,
            answer.policy().unwrap_or_default(),
            account,
            &arn,
        ) {
            Ok(()) => {}
            Err(e) => out.unknown(
                &CallError::data("s3:GetBucketPolicy", ErrorKind::Decode, e),
                &region,
                TYPE,
                &arn,
                policy_attributes,
            ),
        },
        Some(Err(e)) if not_configured(&e, &["NoSuchBucketPolicy"]) => {}
        Some(Err(e)) => out.unknown(
            &CallError::from_sdk("s3:GetBucketPolicy", &e),
            &region,
            TYPE,
            &arn,
            policy_attributes,
        ),
    }
    let versioning_read = matches!(versioning, Some(Ok(_)))
        || sources.contains_key(attributes!(Bucket: versioning)[0]);
    match versioning {
        None => {}
        Some(Ok(answer)) => {
            if let Some(status) = answer.status() {
                data.versioning = status.as_str().to_owned();
            }
            data.mfa_delete = answer.mfa_delete().is_some_and(|m| m.as_str() == "Enabled");
        }
        Some(Err(e)) => out.unknown(
            &CallError::from_sdk("s3:GetBucketVersioning", &e),
            &region,
            TYPE,
            &arn,
            attributes!(Bucket: versioning, mfa_delete),
        ),
    }
    match logging {
        None => {}
        Some(Ok(answer)) => {
            data.logging_target = answer
                .logging_enabled()
                .map(|l| l.target_bucket().to_owned())
        }
        Some(Err(e)) => out.unknown(
            &CallError::from_sdk("s3:GetBucketLogging", &e),
            &region,
            TYPE,
            &arn,
            attributes!(Bucket: logging_target),
        ),
    }
    match ownership {
        None => {}
        Some(Ok(answer)) => {
            data.object_ownership = answer
                .ownership_controls()
                .and_then(|c| c.rules().first())
                .map(|r| r.object_ownership().as_str().to_owned())
        }
        Some(Err(e)) if not_configured(&e, &["OwnershipControlsNotFoundError"]) => {}
        Some(Err(e)) => out.unknown(
            &CallError::from_sdk("s3:GetBucketOwnershipControls", &e),
            &region,
            TYPE,
            &arn,
            attributes!(Bucket: object_ownership, acl_public),
        ),
    }
    // Object Lock and replication both need versioning Enabled and keep it from being
    // suspended (S3 refuses to change the versioning state of a bucket with either): a bucket
    // read as not versioned has neither, without asking.
    let unversioned = versioning_read && data.versioning != "Enabled";
    let needs_versioning = ["s3:GetBucketReplication", "s3:GetObjectLockConfiguration"];
    if unversioned {
        for action in needs_versioning.into_iter().filter(|a| direct(a)) {
            for attribute in crate::inventory::sources::attributes_from(TYPE, action) {
                let why = format!(
                    "derived from versioning ({}): {action} needs it Enabled",
                    data.versioning
                );
                sources.insert(attribute.to_owned(), why);
            }
        }
    }
    let (replication, lifecycle, notification, object_lock) = tokio::join!(
        optional(
            direct("s3:GetBucketReplication") && !unversioned,
            client.get_bucket_replication().bucket(&name).send()
        ),
        optional(
            direct("s3:GetBucketLifecycleConfiguration"),
            client
                .get_bucket_lifecycle_configuration()
                .bucket(&name)
                .send()
        ),
        optional(
            direct("s3:GetBucketNotificationConfiguration"),
            client
                .get_bucket_notification_configuration()
                .bucket(&name)
                .send()
        ),
        optional(
            direct("s3:GetObjectLockConfiguration") && !unversioned,
            client.get_object_lock_configuration().bucket(&name).send()
        ),
    );
    let mut failed = |action: &str, error: CallError| {
        let attributes = crate::inventory::sources::attributes_from(TYPE, action);
        out.unknown(&error, &region, TYPE, &arn, &attributes);
    };
    match replication {
        None => {}
        Some(Ok(answer)) => {
            data.replication_enabled = answer
                .replication_configuration()
                .is_some_and(|c| c.rules().iter().any(|r| r.status().as_str() == "Enabled"))
        }
        Some(Err(e)) if not_configured(&e, &["ReplicationConfigurationNotFoundError"]) => {}
        Some(Err(e)) => failed(
            "s3:GetBucketReplication",
            CallError::from_sdk("s3:GetBucketReplication", &e),
        ),
    }
    match lifecycle {
        None => {}
        Some(Ok(answer)) => {
            data.lifecycle_rules = answer
                .rules()
                .iter()
                .filter(|r| r.status().as_str() == "Enabled")
                .count() as i64
        }
        Some(Err(e)) if not_configured(&e, &["NoSuchLifecycleConfiguration"]) => {}
        Some(Err(e)) => failed(
            "s3:GetBucketLifecycleConfiguration",
            CallError::from_sdk("s3:GetBucketLifecycleConfiguration", &e),
        ),
    }
    match notification {
        None => {}
        Some(Ok(answer)) => {
            data.event_notifications = !answer.topic_configurations().is_empty()
                || !answer.queue_configurations().is_empty()
                || !answer.lambda_function_configurations().is_empty()
                || answer.event_bridge_configuration().is_some()
        }
        Some(Err(e)) => failed(
            "s3:GetBucketNotificationConfiguration",
            CallError::from_sdk("s3:GetBucketNotificationConfiguration", &e),
        ),
    }
    match object_lock {
        None => {}
        Some(Ok(answer)) => {
            data.object_lock = answer
                .object_lock_configuration()
                .and_then(|c| c.object_lock_enabled())
                .is_some_and(|e| e.as_str() == "Enabled")
        }
        Some(Err(e)) if not_configured(&e, &["ObjectLockConfigurationNotFoundError"]) => {}
        Some(Err(e)) => failed(
            "s3:GetObjectLockConfiguration",
            CallError::from_sdk("s3:GetObjectLockConfiguration", &e),
        ),
    }
    // With ACLs disabled (BucketOwnerEnforced) no ACL can grant access: skip the call.
    if direct("s3:GetBucketAcl") && data.object_ownership.as_deref() != Some("BucketOwnerEnforced")
    {
        match client.get_bucket_acl().bucket(&name).send().await {
            Ok(answer) => {
                data.acl_public = answer.grants().iter().any(|g| {
                    g.grantee()
                        .and_then(|g| g.uri())
                        .is_some_and(|uri| PUBLIC_GRANTEES.contains(&uri))
                })
            }
            Err(e) => out.unknown(
                &CallError::from_sdk("s3:GetBucketAcl", &e),
                &region,
                TYPE,
                &arn,
                attributes!(Bucket: acl_public),
            ),
        }
    }
    out.resources.push(Resource {
        arn,
        name,
        region,
        account_id: account.id.clone(),
        data: ResourceData::S3Bucket(data),
        unknown: Default::default(),
        sources,
    });
    out
}

/// Collects every bucket of the account.
/// The account's Block Public Access settings (S3 Control); "not configured" is an answer.
async fn account_public_access_block(
    config: &SdkConfig,
    recorder: &CallRecorder,
    account: &Account,
    plan: &Plan,
    out: &mut Collected,
) {
    const ACCOUNT_TYPE: &str = "aws.s3.account_public_access_block";
    const ACTION: &str = "s3control:GetPublicAccessBlock";
    if !plan.wants(ACTION) {
        let error = CallError::data(
            ACTION,
            ErrorKind::NotCollected,
            format!("{ACTION} was not called: the checks this scan ran do not read it"),
        );
        return out.unlisted(&error, GLOBAL_REGION, ACCOUNT_TYPE);
    }
    let client = aws_sdk_s3control::Client::from_conf(
        aws_sdk_s3control::config::Builder::from(config)
            .region(Region::new("us-east-1"))
            .interceptor(recorder.clone())
            .build(),
    );
    let answer = client
        .get_public_access_block()
        .account_id(&account.id)
        .send()
        .await;
    let settings = match answer {
        Ok(answer) => match answer
            .public_access_block_configuration()
            .map(|c| block_settings!(c))
        {
            None => None,
            Some(Ok(block)) => Some(block),
            Some(Err(missing)) => return out.unlisted(&missing, GLOBAL_REGION, ACCOUNT_TYPE),
        },
        Err(e) if not_configured(&e, &["NoSuchPublicAccessBlockConfiguration"]) => None,
        Err(e) => {
            let error = CallError::from_sdk("s3control:GetPublicAccessBlock", &e);
            return out.unlisted(&error, GLOBAL_REGION, ACCOUNT_TYPE);
        }
    };
    out.resources.push(Resource {
        arn: format!("arn:{}:s3::{}:account", account.partition, account.id),
        name: format!("S3 Block Public Access of account {}", account.id),
        region: GLOBAL_REGION.to_owned(),
        account_id: account.id.clone(),
        data: ResourceData::S3AccountPublicAccessBlock(AccountPublicAccessBlock { settings }),
        unknown: Default::default(),
        sources: Default::default(),
    });
}

/// Collects the account's buckets with their settings, and the account-level Block Public
/// Access.
pub async fn collect(scope: &super::Scope<'_>) -> Collected {
    let (config, recorder, account) = (&scope.config, scope.recorder, scope.account);
    let mut account_level = Collected::default();
    let (mut out, ()) = tokio::join!(
        buckets(scope),
        account_public_access_block(config, recorder, account, scope.plan, &mut account_level),
    );
    out.merge(account_level);
    out
}

/// Every bucket with its settings.
async fn buckets(scope: &super::Scope<'_>) -> Collected {
    let (config, recorder, account, plan) =
        (&scope.config, scope.recorder, scope.account, scope.plan);
    let clients = Clients {
        config,
        recorder,
        by_region: Default::default(),
    };
    let mut out = Collected::default();
    let pages = clients
        .get("us-east-1")
        .list_buckets()
        .into_paginator()
        .items()
        .send();
    let buckets = match drain(pages, "s3:ListBuckets").await {
        Ok(listed) => listed.into_iter().map(|b| {
            (
                b.name().unwrap_or_default().to_owned(),
                b.bucket_region().map(str::to_owned),
            )
        }),
        Err(e) => {
            out.unlisted(&e, crate::inventory::ALL_REGIONS, TYPE);
            return out;
        }
    };
    for action in BUCKET_READS {
        if !plan.wants(action) {
            out.skipped(action, crate::inventory::ALL_REGIONS, TYPE);
        }
    }
    let buckets: Vec<(String, Option<String>)> = buckets.collect();
    let mut items = match scope.config_items {
        None => Default::default(),
        Some(source) => {
            let mut by_region: std::collections::BTreeMap<String, Vec<String>> = Default::default();
            for (name, region) in &buckets {
                if let Some(region) = region {
                    by_region
                        .entry(region.clone())
                        .or_default()
                        .push(name.clone());
                }
            }
            let bucket_type = "AWS::S3::Bucket";
            super::config_items::items(
                source,
                config,
                recorder,
                &account.id,
                bucket_type,
                &by_region,
            )
            .await
        }
    };
    let tasks = buckets.into_iter().map(|(name, region)| {
        let item = items.remove(&name);
        bucket(&clients, account, plan, name, region, item)
    });
    out.merge_all(tasks, FAN_OUT).await;
    out
}

#[cfg(test)]
mod tests {
    use super::{Bucket, apply_config};
    use crate::inventory::Account;

    #[test]
    fn a_config_item_of_another_shape_is_an_error_never_a_default() {
        let account = Account {
            id: "111122223333".into(),
            partition: "aws".into(),
        };
        let apply = |key: &str, value: serde_json::Value| {
            let mut data = Bucket::default();
            apply_config(&mut data, key, &value, &account, "arn:aws:s3:::b").map(|_| data)
        };
        let settled = |key: &str, value: serde_json::Value| {
            let mut data = Bucket::default();
            let applied = apply_config(&mut data, key, &value, &account, "arn:aws:s3:::b");
            assert_eq!(applied, Ok(true), "{key}");
            data
        };
        let logged = settled(
            "BucketLoggingConfiguration",
            serde_json::json!({ "destinationBucketName": "logs" }),
        );
        assert_eq!(logged.logging_target.as_deref(), Some("logs"));
        // Shapes as AWS's resource schema for AWS::S3::Bucket names them.
        let encrypted = settled(
            "ServerSideEncryptionConfiguration",
            serde_json::json!({ "rules": [{ "applyServerSideEncryptionByDefault":
                { "sseAlgorithm": "aws:kms", "kmsMasterKeyID": "arn:aws:kms:us-east-1:111122223333:key/k" },
                "bucketKeyEnabled": true }] }),
        );
        assert_eq!(encrypted.encryption.as_deref(), Some("aws:kms"));
        assert!(encrypted.kms_key_id.unwrap().ends_with(":key/k"));
        let never = settled(
            "BucketVersioningConfiguration",
            serde_json::json!({ "status": "Off", "isMfaDeleteEnabled": null }),
        );
        assert_eq!(
            (never.versioning.as_str(), never.mfa_delete),
            ("Disabled", false)
        );
        let guarded = settled(
            "BucketVersioningConfiguration",
            serde_json::json!({ "status": "Enabled", "isMfaDeleteEnabled": true }),
        );
        assert_eq!(
            (guarded.versioning.as_str(), guarded.mfa_delete),
            ("Enabled", true)
        );
        let locked = settled(
            "ObjectLockConfiguration",
            serde_json::json!({ "objectLockEnabled": "Enabled" }),
        );
        assert!(locked.object_lock);
        let notified = settled(
            "BucketNotificationConfiguration",
            serde_json::json!({ "configurations": { "new": { "type": "QueueConfiguration" } } }),
        );
        assert!(notified.event_notifications);
        // What an item lacks is read directly: never taken as "off".
        for (key, value) in [
            (
                "BucketNotificationConfiguration",
                serde_json::json!({ "configurations": {} }),
            ),
            (
                "BucketVersioningConfiguration",
                serde_json::json!({ "status": "Enabled" }),
            ),
            ("ServerSideEncryptionConfiguration", serde_json::json!({})),
            (
                "ObjectLockConfiguration",
                serde_json::json!({ "rule": null }),
            ),
        ] {
            let mut data = Bucket::default();
            let applied = apply_config(&mut data, key, &value, &account, "arn:aws:s3:::b");
            assert_eq!(applied, Ok(false), "{key}");
        }
        let public = apply(
            "AccessControlList",
            serde_json::json!({ "grantList": [{ "grantee": "AllUsers", "permission": "Read" }] }),
        );
        assert!(public.unwrap().acl_public);
        for (key, value) in [
            ("BucketPolicy", serde_json::json!({ "policyText": 5 })),
            ("BucketLoggingConfiguration", serde_json::json!({})),
            (
                "PublicAccessBlockConfiguration",
                serde_json::json!({ "blockPublicAcls": true }),
            ),
            (
                "BucketLifecycleConfiguration",
                serde_json::json!({ "rules": {} }),
            ),
            (
                "BucketVersioningConfiguration",
                serde_json::json!({ "status": "On", "isMfaDeleteEnabled": null }),
            ),
            (
                "ServerSideEncryptionConfiguration",
                serde_json::json!({ "rules": [{ "applyServerSideEncryptionByDefault": {} }] }),
            ),
            (
                "ObjectLockConfiguration",
                serde_json::json!({ "objectLockEnabled": true }),
            ),
            (
                "BucketNotificationConfiguration",
                serde_json::json!({ "configurations": [] }),
            ),
        ] {
            assert!(apply(key, value).is_err(), "{key}");
        }
    }
}
