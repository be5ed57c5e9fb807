//! AWS Config as a source (`--source config`): the configuration items Config recorded for
//! resources, read in bulk (`BatchGetResourceConfig`, 100 resources a call, in each resource's
//! region) instead of one call per resource and attribute. Collectors take from an item what
//! it carries and is fresh enough, and read the rest directly; a Config call that fails makes
//! exactly what it would have provided unknown.

use super::{CallError, CallRecorder};
use aws_config::{Region, SdkConfig};
use aws_sdk_config::types::{
    AggregateResourceIdentifier, BaseConfigurationItem, ConfigurationItemStatus, ResourceKey,
};
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

/// What `--source config` reads: items at most `max_age` old, through `aggregator` when one
/// is named, else in each account.
#[derive(Debug, Clone)]
pub struct ConfigOptions {
    pub max_age: std::time::Duration,
    pub aggregator: Option<String>,
}

/// How the settings of a source are spelled where they are given (command line, Lambda
/// event), for error messages.
pub struct Spelling {
    pub aggregator: &'static str,
    pub config_source: &'static str,
}

impl SettingsSource {
    /// What this source reads, with items at most `max_age_hours` old read through
    /// `aggregator` if named; `None` for direct reads only. An aggregator needs a name and the
    /// config source: the error says so, spelled as `spelling`.
    pub fn config_options(
        self,
        max_age_hours: u64,
        aggregator: Option<String>,
        spelling: &Spelling,
    ) -> Result<Option<ConfigOptions>, String> {
        let named = spelling.aggregator;
        match (self, aggregator) {
            (_, Some(name)) if name.is_empty() => {
                Err(format!("{named} needs the aggregator's name"))
            }
            (Self::Direct, Some(_)) => Err(format!(
                "{named} reads AWS Config's items: add {}",
                spelling.config_source
            )),
            (Self::Direct, None) => Ok(None),
            (Self::Config, aggregator) => Ok(Some(ConfigOptions {
                max_age: std::time::Duration::from_secs(max_age_hours * 3600),
                aggregator,
            })),
        }
    }
}

/// The call reading an account's own items.
pub const ACTION: &str = "config:BatchGetResourceConfig";
/// The call reading items through an organization aggregator (`--config-aggregator`), made
/// with the credentials of the account that holds it.
pub const AGGREGATE_ACTION: &str = "config:BatchGetAggregateResourceConfig";
/// Resource keys per `BatchGetResourceConfig` or `BatchGetAggregateResourceConfig` call (the
/// APIs' limit).
const BATCH: usize = 100;

/// Where configuration items are read and how old one may be (`--source config`).
#[derive(Debug, Clone)]
pub struct ConfigSource {
    /// Items older than this are not used.
    pub max_age: std::time::Duration,
    /// Read every account's items through this aggregator; `None`: each account's own Config.
    pub aggregator: Option<Aggregator>,
}

impl ConfigSource {
    /// The source a scan with these options reads, reaching an aggregator with `caller`, the
    /// configuration of the credentials the scan runs with; `None` for direct reads only.
    pub fn of(options: &super::CollectOptions, caller: &SdkConfig) -> Option<Self> {
        let config = options.config_items.as_ref()?;
        Some(Self {
            max_age: config.max_age,
            aggregator: config.aggregator.as_ref().map(|name| Aggregator {
                name: name.clone(),
                // The home region, with the same default as the scan's.
                config: match caller.region() {
                    Some(_) => caller.clone(),
                    None => caller
                        .to_builder()
                        .region(Region::new(super::DEFAULT_HOME_REGION))
                        .build(),
                },
            }),
        })
    }
}

/// An AWS Config aggregator (organization or accounts) and the configuration that reaches it:
/// the credentials of the account holding it (often the delegated administrator), its region.
#[derive(Debug, Clone)]
pub struct Aggregator {
    pub name: String,
    pub config: SdkConfig,
}

/// One resource's configuration item (fresh enough to use): when Config captured it, its
/// configuration (for KMS keys: what DescribeKey says) and its supplementary configuration
/// (for S3 buckets: `BucketPolicy`, `AccessControlList`, ...), each a JSON text.
#[derive(Debug, Clone)]
pub struct ConfigItem {
    /// The call that returned it ([`ACTION`] or [`AGGREGATE_ACTION`]).
    pub action: &'static str,
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

/// The error of an item (returned by `action`) whose content is not of the shape AWS Config
/// records.
pub fn decode_error(action: &'static str, message: String) -> CallError {
    CallError::data(action, crate::inventory::ErrorKind::Decode, message)
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
    let Some(source) = scope.config_items else {
        return HashMap::new();
    };
    let by_region = BTreeMap::from([(scope.region.clone(), ids.into_iter().collect())]);
    let account = &scope.account.id;
    items(
        source,
        &scope.config,
        scope.recorder,
        account,
        resource_type,
        &by_region,
    )
    .await
}

/// The configuration items of the resources of `resource_type` (a Config type such as
/// `AWS::S3::Bucket`) of `account` named in `by_region`, keyed by resource id: read in each
/// region with the account's `config`, or through the source's aggregator (resources of every
/// region in one call). Items older than the source's `max_age`, of deleted or unrecorded
/// resources, or of another account, count as none.
pub async fn items(
    source: &ConfigSource,
    config: &SdkConfig,
    recorder: &CallRecorder,
    account: &str,
    resource_type: &str,
    by_region: &BTreeMap<String, Vec<String>>,
) -> HashMap<String, ItemOutcome> {
    let oldest =
        Utc::now() - chrono::Duration::from_std(source.max_age).unwrap_or(chrono::Duration::MAX);
    let usable_from =
        |action| move |item: &BaseConfigurationItem| usable(action, item, account, oldest);
    let mut outcomes = HashMap::new();
    let client = |config: &SdkConfig, region: Option<&String>| {
        let mut builder =
            aws_sdk_config::config::Builder::from(config).interceptor(recorder.clone());
        if let Some(region) = region {
            builder = builder.region(Region::new(region.clone()));
        }
        aws_sdk_config::Client::from_conf(builder.build())
    };
    let Some(aggregator) = &source.aggregator else {
        for (region, ids) in by_region {
            let client = client(config, Some(region));
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
                    .await
                    .map(|a| a.base_configuration_items.unwrap_or_default())
                    .map_err(|e| CallError::from_sdk(ACTION, &e));
                record(&mut outcomes, chunk.iter(), answer, usable_from(ACTION));
            }
        }
        return outcomes;
    };
    let client = client(&aggregator.config, None);
    let resources: Vec<(&String, &String)> = by_region
        .iter()
        .flat_map(|(region, ids)| ids.iter().map(move |id| (region, id)))
        .collect();
    for chunk in resources.chunks(BATCH) {
        let identifiers = chunk.iter().map(|(region, id)| {
            AggregateResourceIdentifier::builder()
                .source_account_id(account)
                .source_region(region.as_str())
                .resource_type(resource_type.into())
                .resource_id(id.as_str())
                .build()
                .expect("account, region, type and id are set")
        });
        let answer = client
            .batch_get_aggregate_resource_config()
            .configuration_aggregator_name(&aggregator.name)
            .set_resource_identifiers(Some(identifiers.collect()))
            .send()
            .await
            .map(|a| a.base_configuration_items.unwrap_or_default())
            .map_err(|e| CallError::from_sdk(AGGREGATE_ACTION, &e));
        let ids = chunk.iter().map(|(_, id)| *id);
        record(&mut outcomes, ids, answer, usable_from(AGGREGATE_ACTION));
    }
    outcomes
}

/// Records what one call answered for the resources `ids`: the failure for each, or each one's
/// usable item (none for those without one: they are read directly).
fn record<'a>(
    outcomes: &mut HashMap<String, ItemOutcome>,
    ids: impl Iterator<Item = &'a String>,
    answer: Result<Vec<BaseConfigurationItem>, CallError>,
    usable: impl Fn(&BaseConfigurationItem) -> Option<(String, ConfigItem)>,
) {
    match answer {
        Err(error) => outcomes.extend(ids.map(|id| (id.clone(), Err(error.clone())))),
        Ok(items) => {
            outcomes.extend(ids.map(|id| (id.clone(), Ok(None))));
            outcomes.extend(
                items
                    .iter()
                    .filter_map(usable)
                    .map(|(id, item)| (id, Ok(Some(item)))),
            );
        }
    }
}

/// The item as lockdown uses it, keyed by resource id, when it describes a current resource
/// of `account`, captured at `oldest` or later.
fn usable(
    action: &'static str,
    item: &BaseConfigurationItem,
    account: &str,
    oldest: DateTime<Utc>,
) -> Option<(String, ConfigItem)> {
    let id = item.resource_id()?;
    let captured = item
        .configuration_item_capture_time()
        .and_then(super::utc)?;
    // An old item, or one of a deleted or unrecorded resource, says nothing about the
    // resource listed now; nor does one of another account (an aggregator answering for
    // the wrong source): the resource is read directly.
    let current = matches!(
        item.configuration_item_status(),
        Some(ConfigurationItemStatus::Ok | ConfigurationItemStatus::ResourceDiscovered)
    );
    if captured < oldest || !current || item.account_id() != Some(account) {
        return None;
    }
    let supplementary = item
        .supplementary_configuration()
        .map(|map| map.clone().into_iter().collect())
        .unwrap_or_default();
    let item = ConfigItem {
        action,
        captured,
        configuration: item.configuration().map(str::to_owned),
        supplementary,
    };
    Some((id.to_owned(), item))
}

#[cfg(test)]
mod tests {
    use super::{ACTION, usable};
    use aws_sdk_config::types::{BaseConfigurationItem, ConfigurationItemStatus};
    use chrono::{Duration, Utc};

    fn item(
        account: &str,
        age: Duration,
        status: ConfigurationItemStatus,
    ) -> BaseConfigurationItem {
        let captured = Utc::now() - age;
        BaseConfigurationItem::builder()
            .resource_id("bucket")
            .account_id(account)
            .configuration_item_status(status)
            .configuration_item_capture_time(aws_smithy_types::DateTime::from_secs(
                captured.timestamp(),
            ))
            .configuration("{}")
            .build()
    }

    #[test]
    fn only_a_fresh_item_of_a_current_resource_of_the_account_asked_about_is_used() {
        let oldest = Utc::now() - Duration::hours(24);
        let ok = ConfigurationItemStatus::Ok;
        let fresh = item("111122223333", Duration::hours(1), ok.clone());
        let used = usable(ACTION, &fresh, "111122223333", oldest).expect("used");
        assert_eq!(used.0, "bucket");
        assert_eq!(used.1.action, ACTION);
        // An aggregator answering with another account's item says nothing about this one.
        assert!(usable(ACTION, &fresh, "444455556666", oldest).is_none());
        let old = item("111122223333", Duration::hours(25), ok);
        assert!(usable(ACTION, &old, "111122223333", oldest).is_none());
        let deleted = item(
            "111122223333",
            Duration::hours(1),
            ConfigurationItemStatus::ResourceDeleted,
        );
        assert!(usable(ACTION, &deleted, "111122223333", oldest).is_none());
    }
}
