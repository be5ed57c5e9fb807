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
    #[error("cannot write snapshot {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Deserialize)]
struct VersionOnly {
    schema_version: u32,
}

impl Snapshot {
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
        let mut snapshot: Self =
            serde_json::from_str(text).map_err(|source| SnapshotError::Invalid {
                path: origin.to_owned(),
                source,
            })?;
        snapshot.check_unknowns(origin)?;
        snapshot.attach_unknowns();
        Ok(snapshot)
    }

    /// Records every attribute-level collection error on the resources it is about (see
    /// [`super::unknown::attach`]); snapshots written before unknown values were stored on
    /// resources get them this way.
    pub fn attach_unknowns(&mut self) {
        super::unknown::attach(&mut self.resources, &mut self.errors);
    }

    /// Refuses unknown values recorded under a name that is not an attribute of the resource's
    /// type: a check could never see them, and would run on a default instead.
    fn check_unknowns(&self, origin: &Path) -> Result<(), SnapshotError> {
        for (index, resource) in self.resources.iter().enumerate() {
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
