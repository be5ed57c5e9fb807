//! AWS Config as a source (`--source config`): the configuration items Config recorded for
//! resources, read in bulk (`BatchGetResourceConfig`, 100 resources a call, in each resource's
//! region) instead of one call per resource and attribute. Collectors take from an item what
//! it carries and is fresh enough, and read the rest directly; a Config call that fails makes
//! exactly what it would have provided unknown.

use super::{CallError, CallRecorder};
use aws_config::{Region, SdkConfig};
use aws_sdk_config::types::{ConfigurationItemStatus, ResourceKey};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

/// Where resource settings come from: the services' own APIs, or AWS Config's items.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SettingsSource {
    #[default]
    Direct,
    Config,
}

/// How old a configuration item may be by default (`--config-max-age`), in hours.
pub const DEFAULT_MAX_AGE_HOURS: u64 = 24;

impl SettingsSource {
    /// How old an AWS Config item may be to be used (`max_age_hours`) with this source;
    /// `None` for direct reads only.
    pub fn config_max_age(self, max_age_hours: u64) -> Option<std::time::Duration> {
        match self {
            Self::Direct => None,
            Self::Config => Some(std::time::Duration::from_secs(max_age_hours * 3600)),
        }
    }
}

/// The call this module makes.
pub const ACTION: &str = "config:BatchGetResourceConfig";
/// Resource keys per `BatchGetResourceConfig` call (the API's limit).
const BATCH: usize = 100;

/// One resource's configuration item (fresh enough to use): when Config captured it, its
/// configuration (for KMS keys: what DescribeKey says) and its supplementary configuration
/// (for S3 buckets: `BucketPolicy`, `AccessControlList`, ...), each a JSON text.
#[derive(Debug, Clone)]
pub struct ConfigItem {
    pub captured: DateTime<Utc>,
    pub configuration: Option<String>,
    pub supplementary: HashMap<String, String>,
}

impl ConfigItem {
    /// The item's configuration, as JSON, when it carries one.
    pub fn configuration(&self) -> Option<Result<serde_json::Value, String>> {
        let text = self.configuration.as_deref()?;
        Some(serde_json::from_str(text).map_err(|e| format!("configuration: {e}")))
    }

    /// The supplementary configuration under `key`, as JSON, when the item carries it.
    /// Some values are JSON text inside a JSON string (S3's `AccessControlList`): unwrapped.
    pub fn supplementary(&self, key: &str) -> Option<Result<serde_json::Value, String>> {
        let text = self.supplementary.get(key)?;
        Some(match serde_json::from_str(text) {
            Ok(serde_json::Value::String(inner)) => {
                serde_json::from_str(&inner).map_err(|e| format!("{key}: {e}"))
            }
            Ok(value) => Ok(value),
            Err(e) => Err(format!("{key}: {e}")),
        })
    }

    /// How findings name this item as the source of an attribute.
    pub fn source(&self) -> String {
        format!(
            "AWS Config item captured {}",
            self.captured
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )
    }
}

/// The error of an item whose content is not of the shape AWS Config records.
pub fn decode_error(message: String) -> CallError {
    CallError::data(ACTION, crate::inventory::ErrorKind::Decode, message)
}

/// What Config answered for one resource: its item, none (Config does not record it: read
/// it directly), or the failure of the call that would have returned it.
pub type ItemOutcome = Result<Option<ConfigItem>, CallError>;

/// The configuration items of the resources of `resource_type` (a Config type) named in `ids`,
/// in the scope's region, keyed by resource id; none when Config is not a source.
pub async fn in_scope(
    scope: &super::Scope<'_>,
    resource_type: &str,
    ids: impl IntoIterator<Item = String>,
) -> HashMap<String, ItemOutcome> {
    let Some(max_age) = scope.config_max_age else {
        return HashMap::new();
    };
    let by_region = BTreeMap::from([(scope.region.clone(), ids.into_iter().collect())]);
    items(
        &scope.config,
        scope.recorder,
        resource_type,
        &by_region,
        max_age,
    )
    .await
}

/// The configuration items of the resources of `resource_type` (a Config type such as
/// `AWS::S3::Bucket`) named in `by_region`, read in each region, keyed by resource id.
/// Items older than `max_age` count as none.
pub async fn items(
    config: &SdkConfig,
    recorder: &CallRecorder,
    resource_type: &str,
    by_region: &BTreeMap<String, Vec<String>>,
    max_age: std::time::Duration,
) -> HashMap<String, ItemOutcome> {
    let oldest = Utc::now() - chrono::Duration::from_std(max_age).unwrap_or(chrono::Duration::MAX);
    let mut outcomes = HashMap::new();
    for (region, ids) in by_region {
        let client = aws_sdk_config::Client::from_conf(
            aws_sdk_config::config::Builder::from(config)
                .region(Region::new(region.clone()))
                .interceptor(recorder.clone())
                .build(),
        );
        for chunk in ids.chunks(BATCH) {
            let keys = chunk.iter().map(|id| {
                ResourceKey::builder()
                    .resource_type(resource_type.into())
                    .resource_id(id)
                    .build()
                    .expect("type and id are set")
            });
            let answer = client
                .batch_get_resource_config()
                .set_resource_keys(Some(keys.collect()))
                .send()
                .await;
            match answer {
                Err(e) => {
                    let error = CallError::from_sdk(ACTION, &e);
                    for id in chunk {
                        outcomes.insert(id.clone(), Err(error.clone()));
                    }
                }
                Ok(answer) => {
                    for id in chunk {
                        outcomes.insert(id.clone(), Ok(None));
                    }
                    for item in answer.base_configuration_items() {
                        let (Some(id), Some(captured)) = (
                            item.resource_id(),
                            item.configuration_item_capture_time().and_then(super::utc),
                        ) else {
                            continue;
                        };
                        // An old item, or one of a deleted or unrecorded resource, says
                        // nothing about the resource listed now: it is read directly.
                        let current = matches!(
                            item.configuration_item_status(),
                            Some(
                                ConfigurationItemStatus::Ok
                                    | ConfigurationItemStatus::ResourceDiscovered
                            )
                        );
                        if captured < oldest || !current {
                            continue;
                        }
                        let supplementary = item
                            .supplementary_configuration()
                            .map(|map| map.clone().into_iter().collect())
                            .unwrap_or_default();
                        outcomes.insert(
                            id.to_owned(),
                            Ok(Some(ConfigItem {
                                captured,
                                configuration: item.configuration().map(str::to_owned),
                                supplementary,
                            })),
                        );
                    }
                }
            }
        }
    }
    outcomes
}
