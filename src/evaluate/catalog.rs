//! The set of checks: those embedded in the binary plus any from `--checks-dir`.

use super::check::{Check, CheckError, environment};
use super::finding::Severity;
use crate::builtin::{CHECKS_DIR, CONTROLS_FILE, FRAMEWORKS_DIR};
use include_dir::Dir;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// All loaded checks, compiled, with unique ids.
pub struct Catalog {
    pub env: Arc<cel::Env>,
    pub checks: Vec<Check>,
}

/// True for a path (relative to a checks directory) that holds a check, not a catalog.
fn is_check_file(relative: &Path) -> bool {
    relative.extension().is_some_and(|e| e == "toml")
        && relative != Path::new(CONTROLS_FILE)
        && !relative.starts_with(FRAMEWORKS_DIR)
}

fn embedded_files<'a>(dir: &'a Dir<'a>, out: &mut Vec<(&'a Path, &'a str)>) {
    for file in dir.files() {
        if is_check_file(file.path())
            && let Some(text) = file.contents_utf8()
        {
            out.push((file.path(), text));
        }
    }
    for sub in dir.dirs() {
        embedded_files(sub, out);
    }
}

fn disk_files(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), CheckError> {
    let unreadable = |e: std::io::Error| CheckError {
        file: dir.display().to_string(),
        message: format!("cannot read directory: {e}"),
    };
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        if path.is_dir() {
            disk_files(root, &path, out)?;
        } else if is_check_file(path.strip_prefix(root).unwrap_or(&path)) {
            out.push(path);
        }
    }
    Ok(())
}

/// What to run: check ids, prefixes (`iam_root_*`) or globs (`s3_*_public*`), less the
/// excluded ones; the checks of some services (`s3`, `guardduty`: a check's service is that of
/// its resource type), less excluded services; and a minimum severity.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub patterns: Vec<String>,
    pub exclude: Vec<String>,
    pub services: Vec<String>,
    pub exclude_services: Vec<String>,
    pub min_severity: Option<Severity>,
}

/// Whether check id `id` matches `pattern`: the id itself, or a glob (`*`, `?`, `[...]`).
fn id_matches(pattern: &str, id: &str) -> bool {
    if pattern.contains(['*', '?', '[']) {
        globset::Glob::new(pattern).is_ok_and(|glob| glob.compile_matcher().is_match(id))
    } else {
        pattern == id
    }
}

/// The service a check belongs to (`aws.s3.bucket` → `s3`, `okta.user` → `okta`).
pub fn service_of(check: &Check) -> &str {
    crate::inventory::service_of(&check.def.resource)
}

/// Up to three known names closest to `unknown`, for "did you mean" hints.
fn close_matches<'a>(unknown: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    // A typo or two: at most one edit per three characters (one for short names).
    let limit = (unknown.chars().count() / 3).max(1);
    let mut scored: Vec<(usize, &str)> = known
        .into_iter()
        .map(|k| (strsim::damerau_levenshtein(unknown, k), k))
        .filter(|(distance, _)| *distance <= limit)
        .collect();
    scored.sort();
    scored.dedup_by_key(|(_, k)| *k);
    scored.into_iter().take(3).map(|(_, k)| k).collect()
}

fn hint(matches: &[&str]) -> String {
    if matches.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", matches.join(", "))
    }
}

impl Selection {
    fn matches(&self, check: &Check) -> bool {
        let id = check.id();
        let service = service_of(check);
        (self.patterns.is_empty() || self.patterns.iter().any(|p| id_matches(p, id)))
            && !self.exclude.iter().any(|p| id_matches(p, id))
            && (self.services.is_empty() || self.services.iter().any(|s| s == service))
            && !self.exclude_services.iter().any(|s| s == service)
            && self
                .min_severity
                .is_none_or(|min| check.def.severity >= min)
    }
}

impl Catalog {
    /// Loads the embedded checks and those under `extra_dirs` (in that order).
    pub fn load(extra_dirs: &[PathBuf]) -> Result<Self, CheckError> {
        let env = environment();
        let mut checks = Vec::new();
        let mut embedded = Vec::new();
        embedded_files(&CHECKS_DIR, &mut embedded);
        for (path, text) in embedded {
            let source = Path::new("checks").join(path);
            checks.push(Check::from_toml(text, &source, &env)?);
        }
        for dir in extra_dirs {
            let mut files = Vec::new();
            disk_files(dir, dir, &mut files)?;
            files.sort();
            for path in files {
                let text = std::fs::read_to_string(&path).map_err(|e| CheckError {
                    file: path.display().to_string(),
                    message: e.to_string(),
                })?;
                checks.push(Check::from_toml(&text, &path, &env)?);
            }
        }
        let mut seen: HashMap<&str, &str> = HashMap::new();
        for check in &checks {
            if let Some(first) = seen.insert(check.id(), &check.source) {
                return Err(CheckError {
                    file: check.source.clone(),
                    message: format!("duplicate check id `{}` (also in {first})", check.id()),
                });
            }
        }
        checks.sort_by(|a, b| a.id().cmp(b.id()));
        Ok(Self { env, checks })
    }

    /// The checks a selection picks; a pattern or service that matches nothing is an error
    /// naming the closest known ones.
    pub fn select(&self, selection: &Selection) -> Result<Vec<&Check>, String> {
        let ids = || self.checks.iter().map(Check::id);
        for pattern in selection.patterns.iter().chain(&selection.exclude) {
            if !ids().any(|id| id_matches(pattern, id)) {
                return Err(format!(
                    "no check matches `{pattern}`{}; `lockdown checks list` shows them all",
                    hint(&close_matches(pattern, ids()))
                ));
            }
        }
        let services: std::collections::BTreeSet<&str> =
            self.checks.iter().map(service_of).collect();
        for service in selection.services.iter().chain(&selection.exclude_services) {
            if !services.contains(service.as_str()) {
                return Err(format!(
                    "no check is about service `{service}`{}; services with checks: {}",
                    hint(&close_matches(service, services.iter().copied())),
                    services.iter().copied().collect::<Vec<_>>().join(", ")
                ));
            }
        }
        Ok(self
            .checks
            .iter()
            .filter(|c| selection.matches(c))
            .collect())
    }

    /// Finds a check by id.
    pub fn get(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.id() == id)
    }

    /// Overrides a check parameter from `--set CHECK_ID.PARAM=VALUE`. The value is read as a
    /// TOML value (`60`, `true`, `['^prod-', '-pii$']`); a bare word is a string.
    pub fn set_param(&mut self, assignment: &str) -> Result<(), String> {
        let (key, value) = assignment
            .split_once('=')
            .ok_or_else(|| format!("`{assignment}`: expected CHECK_ID.PARAM=VALUE"))?;
        let (check_id, param) = key
            .split_once('.')
            .ok_or_else(|| format!("`{assignment}`: expected CHECK_ID.PARAM=VALUE"))?;
        let parsed = toml::from_str::<toml::Table>(&format!("value = {value}"))
            .ok()
            .and_then(|mut table| table.remove("value"))
            .unwrap_or_else(|| toml::Value::String(value.to_owned()));
        self.set_param_value(check_id, param, parsed)
            .map_err(|e| format!("--set {assignment}: {e}"))
    }

    /// Overrides a check parameter with a typed value, which must have the parameter's declared
    /// type (that of its default; an integer is accepted for a float, and a bare word given for
    /// a string parameter is that string).
    pub fn set_param_value(
        &mut self,
        check_id: &str,
        param: &str,
        value: toml::Value,
    ) -> Result<(), String> {
        let check = self
            .checks
            .iter_mut()
            .find(|c| c.id() == check_id)
            .ok_or_else(|| format!("no check `{check_id}`"))?;
        let current = check.param_defaults.get(param).ok_or_else(|| {
            let known: Vec<_> = check.param_defaults.keys().cloned().collect();
            format!(
                "check `{check_id}` has no parameter `{param}` (it has: {})",
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                }
            )
        })?;
        let value = conform(current, value).map_err(|got| {
            format!(
                "{check_id}.{param} must be {}, not {got}",
                type_name(current)
            )
        })?;
        check.def.params.insert(param.to_owned(), value);
        check.params = cel::to_value(&check.def.params).map_err(|e| e.to_string())?;
        Ok(())
    }
}

/// `value` in the type of `declared`, or the description of what it is instead.
fn conform(declared: &toml::Value, value: toml::Value) -> Result<toml::Value, String> {
    use toml::Value::{Array, Float, Integer, String};
    match (declared, value) {
        (Integer(_), v @ Integer(_)) | (String(_), v @ String(_)) => Ok(v),
        (toml::Value::Boolean(_), v @ toml::Value::Boolean(_)) => Ok(v),
        (Float(_), v @ Float(_)) => Ok(v),
        (Float(_), Integer(i)) => Ok(Float(i as f64)),
        (Array(defaults), Array(items)) => {
            let Some(sample) = defaults.first() else {
                return Ok(Array(items));
            };
            items
                .into_iter()
                .map(|item| conform(sample, item).map_err(|got| format!("a list holding {got}")))
                .collect::<Result<Vec<_>, _>>()
                .map(Array)
        }
        (String(_), other) => Ok(String(match other {
            String(s) => s,
            other => other.to_string(),
        })),
        (_, other) => Err(format!("{} `{other}`", type_name(&other))),
    }
}

/// A TOML value's type, as a parameter error names it.
fn type_name(value: &toml::Value) -> &'static str {
    match value {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a number",
        toml::Value::Boolean(_) => "true or false",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "a list",
        toml::Value::Table(_) => "a table",
    }
}

/// A check parameter as it was in effect for a run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ParameterSetting {
    pub check: String,
    pub name: String,
    pub value: toml::Value,
    pub default: toml::Value,
}

impl ParameterSetting {
    /// Whether the value differs from the check file's default.
    pub fn changed(&self) -> bool {
        self.value != self.default
    }
}

/// Every parameter of `checks` with its value and default.
pub fn parameters(checks: &[&Check]) -> Vec<ParameterSetting> {
    checks
        .iter()
        .flat_map(|check| {
            check
                .param_defaults
                .iter()
                .map(|(name, default)| ParameterSetting {
                    check: check.id().to_owned(),
                    name: name.clone(),
                    value: check
                        .def
                        .params
                        .get(name)
                        .cloned()
                        .unwrap_or_else(|| default.clone()),
                    default: default.clone(),
                })
        })
        .collect()
}
