//! Results of evaluating a check against a resource.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;

/// How bad a failing check is. Ordered from least to most severe.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// The lowercase name used in files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Informational => "informational",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// Outcome of one check on one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Pass,
    Fail,
    /// The data the check needs could not be collected or evaluated: never a PASS.
    Error,
    NotApplicable,
}

impl Status {
    /// The upper-case name used in files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Error => "ERROR",
            Status::NotApplicable => "NOT_APPLICABLE",
        }
    }

    /// The status named by [`Status::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Pass, Self::Fail, Self::Error, Self::NotApplicable]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// The resource a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingResource {
    pub arn: String,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub name: String,
    pub region: String,
    pub account_id: String,
}

impl FindingResource {
    /// The service the resource belongs to (see [`crate::inventory::service_of`]).
    pub fn service(&self) -> &str {
        crate::inventory::service_of(&self.resource_type)
    }
}

/// How to fix a failing resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Remediation {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cli: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One check evaluated on one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable across runs: derived from check, account, region and resource.
    pub id: FindingId,
    pub check_id: Arc<str>,
    pub title: Arc<str>,
    pub status: Status,
    pub severity: Severity,
    /// Why the status is what it is, for ERROR and NOT_APPLICABLE.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Arc<str>>,
    pub resource: Arc<FindingResource>,
    /// The resource attributes the check read, as collected.
    pub evidence: Evidence,
    /// The failed call, shared by every finding it leaves unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Arc<crate::inventory::Cause>>,
    pub remediation: Arc<Remediation>,
    /// Benchmark ids, e.g. `cis_aws_3_0 = ["1.10"]`.
    pub refs: Arc<BTreeMap<String, Vec<String>>>,
    /// Unified controls this finding is evidence for (filled in by the mapping stage).
    #[serde(default, skip_serializing_if = "is_empty_list")]
    pub controls: Arc<Vec<String>>,
    /// Framework requirements this finding is evidence for, by framework id.
    #[serde(default, skip_serializing_if = "is_empty_map")]
    pub compliance: Arc<BTreeMap<String, Vec<String>>>,
    /// The accepted risk this finding falls under (from the configuration's suppressions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Arc<super::suppress::Suppression>>,
    /// How the finding compares with the baseline run (only with `scan --baseline`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<super::baseline::Change>,
    pub evaluated_at: DateTime<Utc>,
}

/// The resource attributes a check read, as one compact JSON object. Kept as shared text:
/// findings are many (several per resource), their evidence is only ever written out, and most
/// checks read a few flags, so identical evidence is common and stored once (see
/// [`EvidenceInterner`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence(Arc<str>);

/// The JSON object of `attributes`: names with their values as JSON text, names in order.
fn object_text<'a>(attributes: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut text = String::from("{");
    for (name, value) in attributes {
        if text.len() > 1 {
            text.push(',');
        }
        text.push_str(&serde_json::Value::from(name).to_string());
        text.push(':');
        text.push_str(value);
    }
    text.push('}');
    text
}

impl Evidence {
    /// The object of `attributes`: names with their values as JSON text, names in order.
    pub fn from_json_values<'a>(attributes: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self(object_text(attributes).into())
    }
}

impl Default for Evidence {
    fn default() -> Self {
        Self("{}".into())
    }
}

impl Serialize for Evidence {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw: &RawValue = serde_json::from_str(&self.0).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Evidence {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        Ok(Self(raw.get().into()))
    }
}

/// Evidence already built during an evaluation, so that identical evidence is stored once.
#[derive(Debug, Default)]
pub struct EvidenceInterner(std::collections::HashSet<Arc<str>>);

impl EvidenceInterner {
    /// The evidence object of `attributes`, shared with identical evidence built before.
    pub fn object<'a>(
        &mut self,
        attributes: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Evidence {
        let text = object_text(attributes);
        if let Some(known) = self.0.get(text.as_str()) {
            return Evidence(known.clone());
        }
        let text: Arc<str> = text.into();
        self.0.insert(text.clone());
        Evidence(text)
    }
}

fn is_empty_list(list: &Arc<Vec<String>>) -> bool {
    list.is_empty()
}

fn is_empty_map(map: &Arc<BTreeMap<String, Vec<String>>>) -> bool {
    map.is_empty()
}

/// Check metadata every finding of a check shares (one allocation per check, not per finding).
#[derive(Debug, Clone)]
pub struct CheckShared {
    pub id: Arc<str>,
    pub title: Arc<str>,
    /// The reason of a NOT_APPLICABLE finding (when `applies` is false).
    pub not_applicable: Arc<str>,
    pub remediation: Arc<Remediation>,
    pub refs: Arc<BTreeMap<String, Vec<String>>>,
}

/// The deterministic id of a finding: the same check on the same resource gives the same id.
/// Written as 32 hex digits; kept as its 16 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FindingId([u8; 16]);

impl std::fmt::Display for FindingId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl Serialize for FindingId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut text = [0u8; 32];
        hex::encode_to_slice(self.0, &mut text).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(std::str::from_utf8(&text).map_err(serde::ser::Error::custom)?)
    }
}

impl<'de> Deserialize<'de> for FindingId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        let mut bytes = [0u8; 16];
        hex::decode_to_slice(text.as_bytes(), &mut bytes).map_err(|_| {
            serde::de::Error::custom(format!("finding id `{text}` is not 32 hex digits"))
        })?;
        Ok(Self(bytes))
    }
}

/// The id of the finding of `check_id` on the resource `arn` of `account_id` in `region`.
pub fn finding_id(check_id: &str, account_id: &str, region: &str, arn: &str) -> FindingId {
    let mut hasher = Sha256::new();
    for part in [check_id, account_id, region, arn] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    let mut id = [0u8; 16];
    id.copy_from_slice(&hasher.finalize()[..16]);
    FindingId(id)
}
