//! `lockdown.toml`: defaults for scans, check parameters, and suppressions (accepted risks).
//! Its path comes from `--config` or `LOCKDOWN_CONFIG`; flags on the command line win.

use super::Failure;
use crate::evaluate::Severity;
use crate::evaluate::suppress::SuppressionRule;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub scan: ScanDefaults,
    /// Check parameters (thresholds), e.g. `"iam_access_key_rotated.max_age_days" = 60`.
    #[serde(default)]
    pub params: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub suppressions: Vec<SuppressionRule>,
}

/// Defaults for `lockdown scan` flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanDefaults {
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub checks: Vec<String>,
    pub severity: Option<Severity>,
    #[serde(default)]
    pub frameworks: Vec<String>,
    pub fail_on: Option<Severity>,
    #[serde(default)]
    pub send_to: Vec<String>,
}

impl ConfigFile {
    /// Reads the file at `path`; errors name the file, line and field.
    pub fn load(path: &Path) -> Result<Self, Failure> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::usage(format!("cannot read config {}: {e}", path.display())))?;
        toml::from_str(&text).map_err(|e| Failure::usage(format!("config {}: {e}", path.display())))
    }

    /// The `params` table as `CHECK.PARAM=VALUE` assignments (what `--set` takes).
    pub fn param_assignments(&self, path: &Path) -> Result<Vec<String>, Failure> {
        self.params
            .iter()
            .map(|(key, value)| {
                let text = match value {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Integer(_) | toml::Value::Float(_) | toml::Value::Boolean(_) => {
                        value.to_string()
                    }
                    _ => {
                        return Err(Failure::usage(format!(
                            "config {}: params.{key}: only strings, numbers and booleans",
                            path.display()
                        )));
                    }
                };
                Ok(format!("{key}={text}"))
            })
            .collect()
    }
}
