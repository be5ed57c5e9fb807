//! `lockdown.toml`: defaults for scans, check parameters, and suppressions (accepted risks).
//! Its path comes from `--config` or `LOCKDOWN_CONFIG`; flags on the command line win.

use super::Failure;
use crate::evaluate::Severity;
use crate::evaluate::suppress::SuppressionRule;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

pub use crate::pipeline::ParamValue;

/// The configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub scan: ScanDefaults,
    /// Check parameters (thresholds), e.g. `"iam_access_key_rotated.max_age_days" = 60`, or a
    /// `[params.CHECK]` table.
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
    /// The least severity a `pagerduty` sink pages for.
    pub alert_severity: Option<Severity>,
    /// Record runs in the scan history: `true` (the default path) or a path.
    pub history: Option<HistorySetting>,
    /// Where resource settings come from: `direct` or `config` (`--source`).
    pub source: Option<crate::collect::config_items::SettingsSource>,
    /// The AWS Config aggregator items are read through (`--config-aggregator`).
    pub config_aggregator: Option<String>,
}

/// `history = true` or `history = "/var/lib/lockdown/history.db"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum HistorySetting {
    On(bool),
    At(std::path::PathBuf),
}

impl ConfigFile {
    /// Reads the file at `path`; errors name the file, line and field.
    pub fn load(path: &Path) -> Result<Self, Failure> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::usage(format!("cannot read config {}: {e}", path.display())))?;
        toml::from_str(&text).map_err(|e| Failure::usage(format!("config {}: {e}", path.display())))
    }

    /// The `params` table as typed `(check, parameter, value)` settings. Both forms are read:
    /// `"iam_access_key_rotated.max_age_days" = 60` and
    /// `[params.s3_bucket_sse_kms_where_required] required_patterns = ['^prod-']`.
    pub fn param_values(&self, path: &Path) -> Result<Vec<ParamValue>, Failure> {
        let mut values = Vec::new();
        for (key, value) in &self.params {
            match (key.split_once('.'), value) {
                (Some((check, param)), value) => {
                    values.push((check.to_owned(), param.to_owned(), value.clone()));
                }
                (None, toml::Value::Table(table)) => {
                    for (param, value) in table {
                        values.push((key.clone(), param.clone(), value.clone()));
                    }
                }
                (None, _) => {
                    return Err(Failure::usage(format!(
                        "config {}: params.{key}: write `\"CHECK.PARAM\" = VALUE` or a [params.CHECK] table",
                        path.display()
                    )));
                }
            }
        }
        Ok(values)
    }
}
