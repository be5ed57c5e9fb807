//! Snapshot files: versioned JSON, read with errors that say where the file is wrong.

use super::{Account, CollectionError, CollectionInfo, Resource};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Version of the snapshot format this build writes and reads.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything collected from one account, ready to be evaluated now or later.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub schema_version: u32,
    pub account: Account,
    /// Regions collected (global services are recorded under `global`).
    pub regions: Vec<String>,
    /// Regions not collected, and why (e.g. opt-in regions that are not enabled).
    #[serde(default)]
    pub regions_skipped: Vec<SkippedRegion>,
    pub collection: CollectionInfo,
    pub resources: Vec<Resource>,
    pub errors: Vec<CollectionError>,
    /// The member accounts, when this snapshot covers an AWS Organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<super::organization::Organization>,
}

/// A region left out of collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkippedRegion {
    pub region: String,
    pub reason: String,
}

/// A snapshot that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read snapshot {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The message carries the line and column (serde_json's own wording).
    #[error("snapshot {path} is not valid: {source}")]
    Invalid {
        path: PathBuf,
        source: serde_json::Error,
    },
    /// One resource of a snapshot read a chunk at a time.
    #[error("snapshot {path}: resources[{index}] is not valid: {message}")]
    InvalidResource {
        path: PathBuf,
        index: usize,
        /// serde_json's wording, without its position (which is in the resource, not the file).
        message: String,
    },
    #[error(
        "snapshot {path} has schema version {found}, this lockdown reads version {SCHEMA_VERSION}; use a newer lockdown"
    )]
    UnsupportedVersion { path: PathBuf, found: u32 },
    #[error(
        "snapshot {path}: resources[{index}] ({resource_type}) records `{attribute}` as unknown, but {resource_type} has no such attribute"
    )]
    UnknownAttribute {
        path: PathBuf,
        index: usize,
        resource_type: &'static str,
        attribute: String,
    },
    #[error("snapshot {path}: {field} is \"{value}\", not {expected}")]
    InvalidIdentifier {
        path: PathBuf,
        field: String,
        value: String,
        expected: &'static str,
    },
    #[error("cannot write snapshot {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Twelve digits: an AWS account id.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// A host name standing for a non-AWS provider's account (an Okta org: `acme.okta.com`):
/// letters, digits, `-` and single dots, nothing that could leave a file name or a terminal.
pub fn is_host_name(text: &str) -> bool {
    (1..=253).contains(&text.len())
        && text.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// An AWS region name (`us-east-1`, `us-gov-west-1`, `cn-north-1`), or `global`.
pub fn is_region(text: &str) -> bool {
    if text == super::GLOBAL_REGION {
        return true;
    }
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].len() <= 2
        && !parts[parts.len() - 1].is_empty()
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
}

/// Gives every resource the attributes its type has but the snapshot lacks (it was written by
/// a lockdown that did not collect them yet): the type's default value, recorded as unknown
/// (`not_collected`), so checks that read them report ERROR, never a default's PASS.
fn mark_absent_attributes(snapshot: &mut serde_json::Value) {
    if let Some(resources) = snapshot
        .get_mut("resources")
        .and_then(serde_json::Value::as_array_mut)
    {
        resources.iter_mut().for_each(mark_absent);
    }
}

/// [`mark_absent_attributes`] for one resource.
pub(super) fn mark_absent(resource: &mut serde_json::Value) {
    let Some(kind) = resource
        .get("type")
        .and_then(|t| t.as_str())
        .map(str::to_owned)
    else {
        return;
    };
    let Some(serde_json::Value::Object(defaults)) = super::ResourceData::default_json(&kind) else {
        return;
    };
    let Some(attributes) = resource
        .get_mut("attributes")
        .and_then(serde_json::Value::as_object_mut)
    else {
        return;
    };
    let absent: Vec<String> = defaults
        .keys()
        .filter(|name| !attributes.contains_key(*name))
        .cloned()
        .collect();
    for name in &absent {
        attributes.insert(name.clone(), defaults[name].clone());
    }
    if absent.is_empty() {
        return;
    }
    let cause = serde_json::to_value(super::Cause {
        action: "lockdown:snapshot".into(),
        permission: "lockdown:snapshot".into(),
        region: String::new(),
        kind: super::ErrorKind::NotCollected,
        code: None,
        message: format!(
            "the snapshot was written by a lockdown that did not collect {}",
            absent.join(", ")
        ),
    })
    .expect("a cause serializes");
    let unknown = resource
        .as_object_mut()
        .expect("a resource with attributes is an object")
        .entry("unknown")
        .or_insert_with(|| serde_json::json!({}));
    if let Some(unknown) = unknown.as_object_mut() {
        for name in absent {
            unknown.entry(name).or_insert_with(|| cause.clone());
        }
    }
}

const ACCOUNT: &str = "an AWS account id (12 digits) or an identity provider's host name";
const REGION: &str = "an AWS region such as us-east-1 (or `global`)";

/// An account id or, for a non-AWS provider, its host name.
fn is_account(id: &str) -> bool {
    is_account_id(id) || is_host_name(id)
}

/// Refuses a resource whose account id or region is not AWS's (see
/// [`Snapshot::check_identifiers`]), or that records unknown values under a name that is not an
/// attribute of its type: a check could never see them, and would run on a default instead.
pub(super) fn check_resource(
    index: usize,
    resource: &Resource,
    origin: &Path,
) -> Result<(), SnapshotError> {
    let invalid = |field: &str, value: &str, expected: &'static str| {
        Err(SnapshotError::InvalidIdentifier {
            path: origin.to_owned(),
            field: format!("resources[{index}].{field}"),
            value: value.escape_default().to_string(),
            expected,
        })
    };
    for name in resource.unknown.keys() {
        if name != super::unknown::WHOLE_RESOURCE
            && !super::unknown::is_attribute(resource.resource_type(), name)
        {
            return Err(SnapshotError::UnknownAttribute {
                path: origin.to_owned(),
                index,
                resource_type: resource.resource_type(),
                attribute: name.clone(),
            });
        }
    }
    if !is_account(&resource.account_id) {
        return invalid("account_id", &resource.account_id, ACCOUNT);
    }
    if !is_region(&resource.region) {
        return invalid("region", &resource.region, REGION);
    }
    Ok(())
}

#[derive(Deserialize)]
struct VersionOnly {
    schema_version: u32,
}

impl Snapshot {
    /// A snapshot of `account` with nothing collected yet, started at `started_at`.
    pub fn empty(account: super::Account, started_at: chrono::DateTime<chrono::Utc>) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            account,
            regions: Vec::new(),
            regions_skipped: Vec::new(),
            collection: super::CollectionInfo {
                started_at,
                finished_at: started_at,
                lockdown_version: env!("CARGO_PKG_VERSION").to_owned(),
                api_calls: Default::default(),
                credential_report_generated_at: None,
            },
            resources: Vec::new(),
            errors: Vec::new(),
            organization: None,
        }
    }

    /// Parses a snapshot; `origin` names the source in error messages.
    pub fn from_json(text: &str, origin: &Path) -> Result<Self, SnapshotError> {
        // Look at the version first: a newer format deserves that message, not a field error.
        if let Ok(VersionOnly { schema_version }) = serde_json::from_str::<VersionOnly>(text)
            && schema_version != SCHEMA_VERSION
        {
            return Err(SnapshotError::UnsupportedVersion {
                path: origin.to_owned(),
                found: schema_version,
            });
        }
        let invalid = |source| SnapshotError::Invalid {
            path: origin.to_owned(),
            source,
        };
        let mut snapshot: Self = match serde_json::from_str(text) {
            Ok(snapshot) => snapshot,
            // Written before some attribute existed: those attributes are unknown, not default.
            Err(error) if error.to_string().starts_with("missing field") => {
                let mut value: serde_json::Value = serde_json::from_str(text).map_err(invalid)?;
                mark_absent_attributes(&mut value);
                serde_json::from_value(value).map_err(invalid)?
            }
            Err(error) => return Err(invalid(error)),
        };
        for (index, resource) in snapshot.resources.iter().enumerate() {
            check_resource(index, resource, origin)?;
        }
        snapshot.check_identifiers(origin)?;
        snapshot.attach_unknowns();
        Ok(snapshot)
    }

    /// Records every attribute-level collection error on the resources it is about (see
    /// [`super::unknown::attach`]); snapshots written before unknown values were stored on
    /// resources get them this way.
    pub fn attach_unknowns(&mut self) {
        super::unknown::attach(&mut self.resources, &mut self.errors);
    }

    /// Refuses account ids and regions that are not AWS's (see [`check_resource`] for the
    /// resources'): they end up in file names, object keys and terminal output, so `../../x` or
    /// escape sequences must not get that far.
    pub(super) fn check_identifiers(&self, origin: &Path) -> Result<(), SnapshotError> {
        let invalid = |field: String, value: &str, expected: &'static str| {
            Err(SnapshotError::InvalidIdentifier {
                path: origin.to_owned(),
                field,
                value: value.escape_default().to_string(),
                expected,
            })
        };
        if !is_account(&self.account.id) {
            return invalid("account.id".into(), &self.account.id, ACCOUNT);
        }
        for (index, region) in self.regions.iter().enumerate() {
            if !is_region(region) {
                return invalid(format!("regions[{index}]"), region, REGION);
            }
        }
        for (index, error) in self.errors.iter().enumerate() {
            if error.region != super::ALL_REGIONS && !is_region(&error.region) {
                return invalid(format!("errors[{index}].region"), &error.region, REGION);
            }
            if let Some(account) = error.account_id.as_deref().filter(|a| !is_account(a)) {
                return invalid(format!("errors[{index}].account_id"), account, ACCOUNT);
            }
        }
        if let Some(organization) = &self.organization {
            for (index, member) in organization.accounts.iter().enumerate() {
                if !is_account(&member.id) {
                    return invalid(
                        format!("organization.accounts[{index}].id"),
                        &member.id,
                        ACCOUNT,
                    );
                }
            }
        }
        Ok(())
    }

    /// Reads a snapshot file.
    pub fn load(path: &Path) -> Result<Self, SnapshotError> {
        let text = std::fs::read_to_string(path).map_err(|source| SnapshotError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_json(&text, path)
    }

    /// Writes the snapshot as JSON.
    pub fn save(&self, path: &Path) -> Result<(), SnapshotError> {
        let write_error = |source| SnapshotError::Write {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::create(path).map_err(write_error)?;
        let mut writer = std::io::BufWriter::new(file);
        serde_json::to_writer(&mut writer, self).map_err(|e| write_error(e.into()))?;
        std::io::Write::flush(&mut writer).map_err(write_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_follow_aws_syntax() {
        for good in [
            "us-east-1",
            "us-gov-west-1",
            "cn-north-1",
            "ap-southeast-4",
            "global",
        ] {
            assert!(is_region(good), "{good}");
        }
        for bad in [
            "../../x",
            "us-east-1/..",
            "US-EAST-1",
            "us-east",
            "us-east-1\u{1b}[0m",
            "",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
        assert!(is_account_id("123456789012"));
        for bad in [
            "../../../../x",
            "12345678901",
            "1234567890123",
            "12345678901a",
        ] {
            assert!(!is_account_id(bad), "{bad}");
        }
    }

    #[test]
    fn attributes_an_older_lockdown_did_not_write_are_unknown() {
        let mut value: serde_json::Value =
            serde_json::from_str(include_str!("../../fixtures/demo-account.json")).unwrap();
        let bucket = value["resources"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|r| r["type"] == "aws.s3.bucket")
            .unwrap();
        bucket["attributes"]
            .as_object_mut()
            .unwrap()
            .remove("versioning");
        let name = bucket["name"].as_str().unwrap().to_owned();
        let snapshot =
            Snapshot::from_json(&value.to_string(), Path::new("old.json")).expect("loads");
        let bucket = snapshot.resources.iter().find(|r| r.name == name).unwrap();
        let cause = &bucket.unknown["versioning"];
        assert_eq!(cause.kind, super::super::ErrorKind::NotCollected);
        assert!(cause.message.contains("versioning"), "{cause:?}");
        assert!(!bucket.unknown.contains_key("mfa_delete"));
    }

    #[test]
    fn a_snapshot_with_a_path_in_its_account_id_is_refused() {
        let mut snapshot = crate::inventory::synthetic::snapshot(3, 1);
        snapshot.account.id = "../../../../x".into();
        let text = serde_json::to_string(&snapshot).unwrap();
        let error = Snapshot::from_json(&text, Path::new("evil.json")).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("account.id"), "{message}");
        assert!(message.contains("12 digits"), "{message}");
        let mut snapshot = crate::inventory::synthetic::snapshot(3, 1);
        snapshot.resources[0].region = "us-east-1\u{1b}]0;pwned\u{7}".into();
        let text = serde_json::to_string(&snapshot).unwrap();
        let message = Snapshot::from_json(&text, Path::new("evil.json"))
            .unwrap_err()
            .to_string();
        assert!(message.contains("resources[0].region"), "{message}");
        assert!(
            !message.contains('\u{1b}'),
            "the value is shown escaped: {message}"
        );
    }
}
