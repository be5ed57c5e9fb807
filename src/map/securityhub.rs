//! The AWS Security Hub control catalog (`checks/frameworks/securityhub/controls.toml`): every
//! control id a check may name under `[refs] aws_securityhub`, validated on load. Its FSBP
//! members form the `aws_fsbp` framework, so `lockdown frameworks show aws_fsbp` shows which
//! Foundational Security Best Practices controls lockdown covers.

use super::{Automation, Framework, MapError, Requirement};
use crate::builtin::{CHECKS_DIR, SECURITYHUB_FILE};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The `refs` key naming Security Hub control ids.
pub const REFS_KEY: &str = "aws_securityhub";
/// Framework id of the FSBP catalog built from the controls marked `fsbp`.
pub const FSBP_ID: &str = "aws_fsbp";

/// One Security Hub control.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    pub id: String,
    pub title: String,
    pub severity: String,
    /// Part of the Foundational Security Best Practices v1.0.0 standard.
    pub fsbp: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    controls: Vec<Control>,
}

/// The controls by id.
#[derive(Debug, Clone)]
pub struct Catalog {
    controls: BTreeMap<String, Control>,
}

impl Catalog {
    /// The catalog compiled into the binary.
    pub fn builtin() -> Result<Self, MapError> {
        let name = format!("checks/{SECURITYHUB_FILE}");
        let text = CHECKS_DIR
            .get_file(SECURITYHUB_FILE)
            .and_then(|f| f.contents_utf8())
            .ok_or_else(|| MapError::new(&name, "missing from the build"))?;
        Self::parse(text, &name)
    }

    fn parse(text: &str, file: &str) -> Result<Self, MapError> {
        let parsed: File = super::parse_toml(text, file)?;
        let mut controls = BTreeMap::new();
        for control in parsed.controls {
            if let Some(previous) = controls.insert(control.id.clone(), control) {
                return Err(MapError::new(
                    file,
                    format!("duplicate control id `{}`", previous.id),
                ));
            }
        }
        Ok(Self { controls })
    }

    /// Fails unless every id is a Security Hub control in the catalog.
    pub fn require_all(&self, ids: &[String], file: &str) -> Result<(), MapError> {
        match ids.iter().find(|id| !self.controls.contains_key(*id)) {
            Some(id) => Err(MapError::new(
                file,
                format!(
                    "refs.{REFS_KEY}: `{id}` is not an AWS Security Hub control (see checks/{SECURITYHUB_FILE})"
                ),
            )),
            None => Ok(()),
        }
    }

    /// The ids among `ids` that belong to FSBP.
    pub fn in_fsbp<'a>(&self, ids: &'a [String]) -> Vec<&'a str> {
        ids.iter()
            .filter(|id| self.controls.get(*id).is_some_and(|c| c.fsbp))
            .map(String::as_str)
            .collect()
    }

    /// The FSBP standard as a framework catalog: every control is a configuration check, so
    /// each is catalogued `automated`.
    pub fn fsbp_framework(&self) -> Framework {
        Framework {
            id: FSBP_ID.to_owned(),
            name: "AWS Foundational Security Best Practices".to_owned(),
            version: "1.0.0".to_owned(),
            source: format!("AWS Security Hub control ids, titles and severities (checks/{SECURITYHUB_FILE})"),
            scope: Some("Every control of the FSBP standard; a check links to one when it tests the configuration the control tests".to_owned()),
            requirements: self
                .controls
                .values()
                .filter(|c| c.fsbp)
                .map(|c| Requirement {
                    id: c.id.clone(),
                    title: format!("{} ({})", c.title, c.severity),
                    automation: Automation::Automated,
                    maps_to: Vec::new(),
                    references: Vec::new(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_outside_fsbp_are_not_fsbp_requirements() {
        let catalog = Catalog::builtin().expect("the Security Hub catalog loads");
        let fsbp = catalog.fsbp_framework();
        let ids: Vec<&str> = fsbp.requirements.iter().map(|r| r.id.as_str()).collect();
        for outside in [
            "IAM.9",
            "IAM.15",
            "KMS.4",
            "S3.14",
            "EC2.13",
            "CloudWatch.16",
        ] {
            assert!(
                catalog.controls.contains_key(outside),
                "{outside} is a Security Hub control"
            );
            assert!(!ids.contains(&outside), "{outside} is not an FSBP control");
        }
        for inside in ["IAM.1", "S3.1", "RDS.3", "EC2.7"] {
            assert!(ids.contains(&inside), "{inside} is an FSBP control");
        }
        assert!(!catalog.controls.contains_key("S3.4"), "S3.4 is retired");
        assert_eq!(ids.len(), 337);
    }

    #[test]
    fn unknown_and_duplicate_ids_are_rejected() {
        let catalog = Catalog::builtin().unwrap();
        let err = catalog
            .require_all(&["IAM.1".into(), "IAM.999".into()], "checks/x.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`IAM.999` is not an AWS Security Hub control"),
            "{err}"
        );
        let twice = "[[controls]]\nid = \"A.1\"\ntitle = \"t\"\nseverity = \"low\"\nfsbp = true\n";
        let err = Catalog::parse(&twice.repeat(2), "f.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("duplicate control id `A.1`"), "{err}");
    }
}
