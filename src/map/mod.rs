//! Mapping: each check evidences unified controls (`checks/controls.toml`); each control
//! satisfies requirements of frameworks (`checks/frameworks/*.toml`); a check may also name
//! framework requirements directly in its `[links]`, and benchmark recommendations it audits
//! in its `refs`. Every link carries a strength and a reason (a [`Claim`]). Everything is
//! validated on load, so an id that does not exist in its framework is an error, never a
//! silent gap.

pub mod custom;
pub mod report;
pub mod securityhub;

use crate::builtin::{CHECKS_DIR, CONTROLS_FILE, FRAMEWORKS_DIR};
use crate::evaluate::{Check, Finding};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

/// Aliases people type for a framework: the newest version lockdown ships of each.
const ALIASES: &[(&str, &str)] = &[
    ("cis", "cis_aws_7_0"),
    ("cis_aws", "cis_aws_7_0"),
    ("pci", "pci_dss_4_0_1"),
    ("pci_dss", "pci_dss_4_0_1"),
    ("iso", "iso27001_2022"),
    ("iso27001", "iso27001_2022"),
    ("nist", "nist_800_53_r5"),
    ("nist_800_53", "nist_800_53_r5"),
    ("csf", "nist_csf_2_0"),
    ("nist_csf", "nist_csf_2_0"),
    ("hipaa", "hipaa_security"),
    ("fsbp", "aws_fsbp"),
    ("sox", "sox_itgc"),
];

/// How far cloud configuration can evidence a requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Automation {
    /// Cloud configuration can show the requirement is met.
    Automated,
    /// Configuration evidences part of it; the rest needs documents or interviews.
    Partial,
    /// Needs manual evidence (policies, training, physical security, ...).
    Manual,
}

/// One requirement of a framework.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub id: String,
    /// Short official title (no copyrighted prose).
    pub title: String,
    pub automation: Automation,
    /// For custom frameworks: unified controls or check ids that evidence this requirement.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maps_to: Vec<String>,
    /// For custom frameworks: standard requirements this one corresponds to (`soc2:CC6.1`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
}

/// A framework catalog: every requirement with its id and title.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    pub id: String,
    pub name: String,
    pub version: String,
    /// Where the ids and titles come from.
    pub source: String,
    /// What the catalog covers when it is not the whole standard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub requirements: Vec<Requirement>,
}

/// How much of a requirement a link evidences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strength {
    /// The check (or the control's checks together) evidences the automated part of the
    /// requirement: passing it can pass the requirement outright.
    Full,
    /// One piece of the requirement: passing it leaves the requirement PASS_PARTIAL.
    Partial,
}

impl Strength {
    /// The lower-case name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Partial => "partial",
        }
    }
}

/// One check/control → requirement link as written in a file: a claim with its reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub strength: Strength,
    /// One line an auditor can test: why this evidences the requirement.
    pub why: String,
}

/// Links by framework id, then requirement id.
pub type Links = BTreeMap<String, BTreeMap<String, Link>>;

/// A unified control: one thing a company does, satisfying requirements of several frameworks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    pub id: String,
    pub title: String,
    pub description: String,
    /// The requirements this control satisfies, with strength and reason.
    pub links: Links,
}

/// Where a check's link to a requirement comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Via {
    /// Through a unified control: the control's checks together make the claim.
    Control(String),
    /// A link in the check file itself.
    Check,
    /// The check audits this benchmark recommendation (`refs`).
    Benchmark,
    /// A custom framework's own mapping (its file).
    Custom(String),
}

impl std::fmt::Display for Via {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Control(id) => write!(f, "via {id}"),
            Self::Check => f.write_str("direct"),
            Self::Benchmark => f.write_str("benchmark audit"),
            Self::Custom(file) => write!(f, "mapped in {file}"),
        }
    }
}

/// A resolved check → requirement link.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Claim {
    pub via: Via,
    pub strength: Strength,
    pub why: Arc<str>,
}

/// Requirement id → the claims linking one check to it, within one framework.
pub type Claims = BTreeMap<String, Vec<Claim>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlsFile {
    controls: Vec<Control>,
}

/// A catalog or mapping that is inconsistent.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct MapError {
    pub file: String,
    pub message: String,
}

impl MapError {
    fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            message: message.into(),
        }
    }
}

/// Frameworks, controls and the resolved check → requirement mapping.
#[derive(Debug, Clone)]
pub struct Mappings {
    pub frameworks: Vec<Framework>,
    pub controls: Vec<Control>,
    /// check id → framework id → requirement id → claims.
    by_check: HashMap<String, BTreeMap<String, Claims>>,
    /// check id → unified control ids.
    check_controls: HashMap<String, Arc<Vec<String>>>,
    /// check id → the `compliance` field of its findings, built once.
    check_compliance: HashMap<String, Arc<BTreeMap<String, Vec<String>>>>,
}

fn parse_toml<T: serde::de::DeserializeOwned>(text: &str, file: &str) -> Result<T, MapError> {
    toml::from_str(text).map_err(|e| MapError::new(file, e.to_string()))
}

fn builtin_frameworks() -> Result<Vec<Framework>, MapError> {
    let dir = CHECKS_DIR
        .get_dir(FRAMEWORKS_DIR)
        .ok_or_else(|| MapError::new("checks/frameworks", "missing from the build"))?;
    let mut frameworks = Vec::new();
    for file in dir
        .files()
        .filter(|f| f.path().extension().is_some_and(|e| e == "toml"))
    {
        let name = format!("checks/{}", file.path().display());
        frameworks.push(parse_toml(file.contents_utf8().unwrap_or_default(), &name)?);
    }
    Ok(frameworks)
}

fn builtin_controls() -> Result<Vec<Control>, MapError> {
    let file = CHECKS_DIR
        .get_file(CONTROLS_FILE)
        .ok_or_else(|| MapError::new("checks/controls.toml", "missing from the build"))?;
    let parsed: ControlsFile = parse_toml(
        file.contents_utf8().unwrap_or_default(),
        "checks/controls.toml",
    )?;
    Ok(parsed.controls)
}

/// Normalizes a framework id as typed by a user: `ISO27001-2022` → `iso27001_2022`, `cis` →
/// the latest CIS AWS catalog.
pub fn normalize_id(id: &str) -> String {
    let id = id.trim().to_ascii_lowercase().replace(['-', '.'], "_");
    ALIASES
        .iter()
        .find(|(alias, _)| *alias == id)
        .map_or(id, |(_, target)| (*target).to_owned())
}

/// Text written into every benchmark-audit claim.
const BENCHMARK_WHY: &str = "The check performs this recommendation's automated audit.";

fn add_claim(claims: &mut Claims, requirement: &str, claim: Claim) {
    let entry = claims.entry(requirement.to_owned()).or_default();
    if !entry.contains(&claim) {
        entry.push(claim);
    }
}

fn claims_from(links: &BTreeMap<String, Link>, via: &Via, claims: &mut Claims) {
    for (requirement, link) in links {
        add_claim(
            claims,
            requirement,
            Claim {
                via: via.clone(),
                strength: link.strength,
                why: Arc::from(link.why.as_str()),
            },
        );
    }
}

impl Mappings {
    /// Loads the built-in catalogs plus custom frameworks, and resolves the mapping of `checks`.
    pub fn load(checks: &[Check], custom_files: &[PathBuf]) -> Result<Self, MapError> {
        let mut frameworks = builtin_frameworks()?;
        let securityhub = securityhub::Catalog::builtin()?;
        frameworks.push(securityhub.fsbp_framework());
        let controls = builtin_controls()?;
        validate_frameworks(&frameworks)?;
        let index = RequirementIndex::new(&frameworks);
        validate_controls(&controls, &index)?;

        let control_by_id: HashMap<&str, &Control> =
            controls.iter().map(|c| (c.id.as_str(), c)).collect();
        let mut by_check: HashMap<String, BTreeMap<String, Claims>> = HashMap::new();
        let mut check_controls = HashMap::new();
        for check in checks {
            let mapped = by_check.entry(check.id().to_owned()).or_default();
            for control_id in &check.def.controls {
                let control = control_by_id.get(control_id.as_str()).ok_or_else(|| {
                    MapError::new(
                        &check.source,
                        format!(
                            "unknown unified control `{control_id}` (see checks/controls.toml)"
                        ),
                    )
                })?;
                let via = Via::Control(control.id.clone());
                for (framework, links) in &control.links {
                    claims_from(links, &via, mapped.entry(framework.clone()).or_default());
                }
            }
            for framework in check.def.framework_params.keys() {
                index.known(framework, &check.source, "framework_params")?;
            }
            for (framework, links) in &check.def.links {
                for (id, link) in links {
                    index.require(framework, id, &check.source, "links")?;
                    require_reason(link, &check.source, &format!("links.{framework}.{id}"))?;
                }
                claims_from(
                    links,
                    &Via::Check,
                    mapped.entry(framework.clone()).or_default(),
                );
            }
            for (key, ids) in &check.def.refs {
                let (framework, ids) = if key == securityhub::REFS_KEY {
                    securityhub.require_all(ids, &check.source)?;
                    (securityhub::FSBP_ID, securityhub.in_fsbp(ids))
                } else {
                    for id in ids {
                        index.require(key, id, &check.source, "refs")?;
                    }
                    (key.as_str(), ids.iter().map(String::as_str).collect())
                };
                let claims = mapped.entry(framework.to_owned()).or_default();
                for id in ids {
                    add_claim(
                        claims,
                        id,
                        Claim {
                            via: Via::Benchmark,
                            strength: Strength::Full,
                            why: Arc::from(BENCHMARK_WHY),
                        },
                    );
                }
            }
            check_controls.insert(check.id().to_owned(), Arc::new(check.def.controls.clone()));
        }
        let mut mappings = Self {
            frameworks: Vec::new(),
            controls,
            by_check,
            check_controls,
            check_compliance: HashMap::new(),
        };
        for path in custom_files {
            let framework = custom::load(path)?;
            if frameworks.iter().any(|f| f.id == framework.id) {
                return Err(MapError::new(
                    path.display().to_string(),
                    format!("framework id `{}` is already taken", framework.id),
                ));
            }
            mappings.add_custom(&framework, checks, &index, &path.display().to_string())?;
            frameworks.push(framework);
        }
        frameworks.sort_by(|a, b| a.id.cmp(&b.id));
        mappings.frameworks = frameworks;
        mappings.check_compliance = mappings
            .by_check
            .iter()
            .map(|(check, mapped)| {
                let compliance = mapped
                    .iter()
                    .filter(|(_, claims)| !claims.is_empty())
                    .map(|(fw, claims)| (fw.clone(), claims.keys().cloned().collect()))
                    .collect();
                (check.clone(), Arc::new(compliance))
            })
            .collect();
        Ok(mappings)
    }

    /// Maps a custom framework's requirements to checks through controls, check ids and
    /// references to standard requirements.
    fn add_custom(
        &mut self,
        framework: &Framework,
        checks: &[Check],
        index: &RequirementIndex,
        file: &str,
    ) -> Result<(), MapError> {
        for requirement in &framework.requirements {
            let mut evidencing: BTreeSet<&str> = BTreeSet::new();
            let via = Via::Custom(file.to_owned());
            for target in &requirement.maps_to {
                let by_control: Vec<&str> = checks
                    .iter()
                    .filter(|c| c.def.controls.contains(target))
                    .map(Check::id)
                    .collect();
                if self.controls.iter().any(|c| &c.id == target) {
                    evidencing.extend(by_control);
                } else if checks.iter().any(|c| c.id() == target) {
                    evidencing.insert(target);
                } else {
                    return Err(MapError::new(
                        file,
                        format!(
                            "requirement `{}`: `{target}` is neither a unified control nor a check id",
                            requirement.id
                        ),
                    ));
                }
            }
            for reference in &requirement.references {
                let (fw, id) = reference.split_once(':').ok_or_else(|| {
                    MapError::new(file, format!("requirement `{}`: reference `{reference}` must be FRAMEWORK:REQUIREMENT", requirement.id))
                })?;
                let fw = normalize_id(fw);
                index.require(
                    &fw,
                    id,
                    file,
                    &format!("requirement `{}` references", requirement.id),
                )?;
                for (check, mapped) in &self.by_check {
                    if mapped.get(&fw).is_some_and(|ids| ids.contains_key(id))
                        && let Some(check) = checks.iter().find(|c| c.id() == check)
                    {
                        evidencing.insert(check.id());
                    }
                }
            }
            for check in evidencing {
                let claims = self
                    .by_check
                    .entry(check.to_owned())
                    .or_default()
                    .entry(framework.id.clone())
                    .or_default();
                add_claim(
                    claims,
                    &requirement.id,
                    Claim {
                        via: via.clone(),
                        strength: Strength::Full,
                        why: Arc::from("The company's own mapping (maps_to / references)."),
                    },
                );
            }
        }
        Ok(())
    }

    /// Framework by id (normalized).
    pub fn framework(&self, id: &str) -> Option<&Framework> {
        let id = normalize_id(id);
        self.frameworks.iter().find(|f| f.id == id)
    }

    /// Resolves user-typed framework ids, naming the known ones on a miss.
    pub fn resolve(&self, ids: &[String]) -> Result<Vec<&Framework>, String> {
        ids.iter()
            .map(|id| {
                self.framework(id).ok_or_else(|| {
                    let known: Vec<&str> = self.frameworks.iter().map(|f| f.id.as_str()).collect();
                    let aliases: Vec<String> = ALIASES
                        .iter()
                        .map(|(alias, target)| format!("{alias} = {target}"))
                        .collect();
                    format!(
                        "unknown framework `{id}`; known frameworks: {} (aliases: {})",
                        known.join(", "),
                        aliases.join(", ")
                    )
                })
            })
            .collect()
    }

    /// The requirements of `framework` that `check_id` evidences, with the claims behind each.
    pub fn requirements_of(&self, check_id: &str, framework: &str) -> Option<&Claims> {
        self.by_check.get(check_id)?.get(framework)
    }

    /// The claims linking `check_id` to one requirement (empty when it is not linked).
    pub fn claims(&self, check_id: &str, framework: &str, requirement: &str) -> &[Claim] {
        self.requirements_of(check_id, framework)
            .and_then(|claims| claims.get(requirement))
            .map_or(&[], Vec::as_slice)
    }

    /// Checks that make a `full` claim on `requirement` through `via`: all of them must pass
    /// for that claim to evidence the requirement.
    pub fn full_claimants<'m>(
        &'m self,
        framework: &'m str,
        requirement: &'m str,
        via: &'m Via,
    ) -> impl Iterator<Item = &'m str> + 'm {
        self.by_check.iter().filter_map(move |(check, mapped)| {
            mapped
                .get(framework)?
                .get(requirement)?
                .iter()
                .any(|c| &c.via == via && c.strength == Strength::Full)
                .then_some(check.as_str())
        })
    }

    /// Fills in each finding's unified controls and framework requirements.
    pub fn annotate(&self, findings: &mut [Finding]) {
        for finding in findings {
            if let Some(controls) = self.check_controls.get(&*finding.check_id) {
                finding.controls = controls.clone();
            }
            if let Some(compliance) = self.check_compliance.get(&*finding.check_id) {
                finding.compliance = compliance.clone();
            }
        }
    }
}

/// Every requirement id of every framework, for validation.
struct RequirementIndex {
    ids: HashMap<String, BTreeSet<String>>,
}

impl RequirementIndex {
    fn new(frameworks: &[Framework]) -> Self {
        Self {
            ids: frameworks
                .iter()
                .map(|f| {
                    (
                        f.id.clone(),
                        f.requirements.iter().map(|r| r.id.clone()).collect(),
                    )
                })
                .collect(),
        }
    }

    /// Fails unless `framework` is a known framework.
    fn known(&self, framework: &str, file: &str, context: &str) -> Result<(), MapError> {
        self.requirements(framework, file, context).map(drop)
    }

    fn requirements(
        &self,
        framework: &str,
        file: &str,
        context: &str,
    ) -> Result<&BTreeSet<String>, MapError> {
        self.ids.get(framework).ok_or_else(|| {
            let known: BTreeSet<&str> = self.ids.keys().map(String::as_str).collect();
            MapError::new(
                file,
                format!(
                    "{context}: unknown framework `{framework}` (known: {})",
                    known.into_iter().collect::<Vec<_>>().join(", ")
                ),
            )
        })
    }

    fn require(
        &self,
        framework: &str,
        id: &str,
        file: &str,
        context: &str,
    ) -> Result<(), MapError> {
        let ids = self.requirements(framework, file, context)?;
        if ids.contains(id) {
            Ok(())
        } else {
            Err(MapError::new(
                file,
                format!("{context}: `{id}` is not a requirement of `{framework}`"),
            ))
        }
    }
}

fn validate_frameworks(frameworks: &[Framework]) -> Result<(), MapError> {
    let mut seen = BTreeSet::new();
    for framework in frameworks {
        let file = format!("checks/frameworks/{}.toml", framework.id);
        if !seen.insert(&framework.id) {
            return Err(MapError::new(
                file,
                format!("duplicate framework id `{}`", framework.id),
            ));
        }
        let mut ids = BTreeSet::new();
        for requirement in &framework.requirements {
            if !ids.insert(&requirement.id) {
                return Err(MapError::new(
                    file,
                    format!("duplicate requirement id `{}`", requirement.id),
                ));
            }
        }
    }
    Ok(())
}

/// A link without a reason is a claim nobody can test.
fn require_reason(link: &Link, file: &str, context: &str) -> Result<(), MapError> {
    if link.why.trim().len() < 20 {
        return Err(MapError::new(
            file,
            format!("{context}: `why` must give the reason for the link in a sentence"),
        ));
    }
    Ok(())
}

fn validate_controls(controls: &[Control], index: &RequirementIndex) -> Result<(), MapError> {
    let mut seen = BTreeSet::new();
    for control in controls {
        if !seen.insert(&control.id) {
            return Err(MapError::new(
                "checks/controls.toml",
                format!("duplicate control id `{}`", control.id),
            ));
        }
        for (framework, links) in &control.links {
            for (id, link) in links {
                let context = format!("control `{}`", control.id);
                index.require(framework, id, "checks/controls.toml", &context)?;
                require_reason(
                    link,
                    "checks/controls.toml",
                    &format!("{context} → {framework} {id}"),
                )?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::evaluate::Catalog;

    fn builtin() -> (Catalog, Mappings) {
        let catalog = Catalog::load(&[]).expect("built-in checks load");
        let mappings =
            Mappings::load(&catalog.checks, &[]).expect("built-in catalogs are consistent");
        (catalog, mappings)
    }

    /// CIS 6.0.0 is 5.0.0 renumbered (two sources agree); 7.0.0 has one public
    /// transcription, so its invariants are what can be tested.
    #[test]
    fn cis_6_renumbers_5_and_7_keeps_its_published_shape() {
        let (_, mappings) = builtin();
        let requirements = |id: &str| &mappings.framework(id).unwrap().requirements;
        let plain = |title: &str| title.replace(['"', '\''], "").to_lowercase();
        let (v5, v6, v7) = (
            requirements("cis_aws_5_0"),
            requirements("cis_aws_6_0"),
            requirements("cis_aws_7_0"),
        );
        for (old, new) in v5.iter().zip(v6) {
            let (section, rest) = old.id.split_once('.').unwrap();
            let section: u32 = section.parse().unwrap();
            assert_eq!(new.id, format!("{}.{rest}", section + 1));
            assert_eq!(plain(&old.title), plain(&new.title), "{}", new.id);
        }
        let manual = |r: &[Requirement]| {
            r.iter()
                .filter(|r| r.automation == Automation::Manual)
                .count()
        };
        assert_eq!((v7.len(), manual(v7)), (70, 36));
        let titles7: BTreeSet<String> = v7.iter().map(|r| plain(&r.title)).collect();
        let dropped: Vec<&str> = v6
            .iter()
            .filter(|r| !titles7.contains(&plain(&r.title)))
            .map(|r| r.id.as_str())
            .collect();
        // 2.1 was retitled "Maintain current AWS account contact details" (7.0's 2.2).
        assert_eq!(dropped, ["2.1", "2.10", "2.12"]);
        for added in ["2.1.1", "2.1.6", "2.21", "4.10", "6.8"] {
            assert!(v7.iter().any(|r| r.id == added), "{added}");
        }
    }

    #[test]
    fn catalogs_are_complete() {
        let (_, mappings) = builtin();
        for (id, count) in [
            ("soc2", 61),
            ("iso27001_2022", 93),
            ("iso27001_2013", 114),
            ("cis_aws_3_0", 62),
            ("cis_aws_5_0", 63),
            ("cis_aws_6_0", 63),
            ("cis_aws_7_0", 70),
            ("nist_csf_2_0", 106),
            ("hipaa_security", 41),
            ("sox_itgc", 17),
        ] {
            assert_eq!(
                mappings.framework(id).map(|f| f.requirements.len()),
                Some(count),
                "{id}"
            );
        }
        let cis = mappings.framework("cis_aws_3_0").unwrap();
        let manual = cis
            .requirements
            .iter()
            .filter(|r| r.automation == Automation::Manual)
            .count();
        assert_eq!(manual, 8, "CIS AWS 3.0 has 8 manual recommendations");
        for (alias, id) in [
            ("pci", "pci_dss_4_0_1"),
            ("ISO", "iso27001_2022"),
            ("iso27001", "iso27001_2022"),
            ("nist", "nist_800_53_r5"),
            ("csf", "nist_csf_2_0"),
            ("hipaa", "hipaa_security"),
            ("fsbp", "aws_fsbp"),
        ] {
            assert_eq!(mappings.framework(alias).map(|f| f.id.as_str()), Some(id));
        }
        assert_eq!(
            mappings.framework("cis").unwrap().id,
            "cis_aws_7_0",
            "`cis` is the latest CIS AWS version"
        );
        let cis5 = mappings.framework("cis_aws_5_0").unwrap();
        let manual = cis5
            .requirements
            .iter()
            .filter(|r| r.automation == Automation::Manual)
            .count();
        // 25 manual in the benchmark, plus 3.1, 3.4, 4.1 and 5.1.2 where the sources disagree.
        assert_eq!(manual, 29);
        assert!(cis5.requirements.iter().any(|r| r.id == "1.10"));
        assert!(!cis5.requirements.iter().any(|r| r.id == "1.22"));
        let pci = mappings.framework("pci_dss_4_0_1").unwrap();
        let sections = pci
            .requirements
            .iter()
            .filter(|r| r.id.matches('.').count() == 1)
            .count();
        assert_eq!(sections, 63, "all x.y sections of PCI DSS 4.0.1");
        // CSF 2.0 ids only: no CSF 1.1 categories.
        let csf = mappings.framework("nist_csf_2_0").unwrap();
        assert!(csf.requirements.iter().all(|r| {
            !["PR.AC", "PR.IP", "PR.PT", "DE.DP", "ID.BE", "RS.RP"]
                .iter()
                .any(|old| r.id.starts_with(old))
        }));
    }

    /// A link is a claim an auditor will test: each one carries its reason, and no check is
    /// forced into a framework it does not evidence.
    #[test]
    fn every_link_has_a_reason() {
        let (catalog, mappings) = builtin();
        let mut links = 0;
        for check in &catalog.checks {
            for framework in &mappings.frameworks {
                for (requirement, claims) in mappings
                    .requirements_of(check.id(), &framework.id)
                    .into_iter()
                    .flatten()
                {
                    assert!(!claims.is_empty());
                    for claim in claims {
                        links += 1;
                        assert!(
                            claim.why.len() >= 20 && claim.why.ends_with('.'),
                            "{} → {} {requirement}: {:?}",
                            check.id(),
                            framework.id,
                            claim.why
                        );
                    }
                }
            }
        }
        assert!(links > 500, "{links}");
        let mut control = mappings.controls[0].clone();
        control
            .links
            .values_mut()
            .next()
            .unwrap()
            .values_mut()
            .next()
            .unwrap()
            .why = "".into();
        let index = RequirementIndex::new(&mappings.frameworks);
        let err = validate_controls(&[control], &index)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`why` must give the reason"), "{err}");
    }

    /// PCI 8.3.6 passes outright only when every check of its `full` link passed; without one
    /// of them (excluded from the run), the passing rest is only part of the evidence.
    #[test]
    fn a_full_link_needs_all_its_checks() {
        let (catalog, mappings) = builtin();
        let pci = mappings.framework("pci_dss_4_0_1").unwrap();
        let snapshot = crate::inventory::synthetic::snapshot(5, 1);
        let password_checks: Vec<&Check> = catalog
            .checks
            .iter()
            .filter(|c| c.def.controls.iter().any(|id| id == "UC-IAM-11"))
            .collect();
        assert_eq!(password_checks.len(), 3);
        let status = |checks: &[&Check]| {
            let mut findings = crate::evaluate::evaluate(
                &snapshot,
                checks,
                &catalog.env,
                snapshot.collection.finished_at,
            );
            for finding in &mut findings {
                finding.status = crate::evaluate::Status::Pass;
            }
            let report = report::framework_report(&mappings, pci, &findings, &[]);
            report
                .requirements
                .iter()
                .find(|r| r.id == "8.3.6")
                .unwrap()
                .status
        };
        assert_eq!(status(&password_checks), report::RequirementStatus::Pass);
        assert_eq!(
            status(&password_checks[..2]),
            report::RequirementStatus::PassPartial
        );
    }

    #[test]
    fn every_check_names_a_unified_control() {
        let (catalog, _) = builtin();
        for check in &catalog.checks {
            assert!(
                !check.def.controls.is_empty(),
                "{} has no unified control",
                check.id()
            );
        }
    }

    /// Links an audit of 30 found wrong (false) or missing (true), by class: each stays fixed.
    /// An honest gap beats a stretch link, so no check is forced into every framework.
    #[test]
    fn audited_links_stay_fixed() {
        let (_, mappings) = builtin();
        let cases: &[(&str, &str, &str, bool)] = &[
            // A scheduled deletion is not a key change at the end of a cryptoperiod.
            (
                "kms_key_not_pending_deletion",
                "pci_dss_4_0_1",
                "3.7.4",
                false,
            ),
            ("kms_cmk_rotation_enabled", "pci_dss_4_0_1", "3.7.4", true),
            // 1.3.2 is outbound traffic; these are about inbound.
            (
                "ec2_sg_no_unrestricted_ingress",
                "pci_dss_4_0_1",
                "1.3.2",
                false,
            ),
            (
                "rds_not_publicly_accessible",
                "pci_dss_4_0_1",
                "1.3.2",
                false,
            ),
            (
                "rds_not_publicly_accessible",
                "pci_dss_4_0_1",
                "1.4.4",
                true,
            ),
            (
                "s3_account_public_access_block",
                "pci_dss_4_0_1",
                "1.4.4",
                true,
            ),
            ("ec2_snapshot_not_public", "pci_dss_4_0_1", "1.4.4", true),
            // Access keys are not passwords.
            ("iam_access_key_rotated", "nist_800_53_r5", "IA-5(1)", false),
            ("iam_access_key_rotated", "nist_800_53_r5", "IA-5", true),
            // PCI asks for numeric and alphabetic characters only.
            (
                "iam_password_policy_symbol",
                "pci_dss_4_0_1",
                "8.3.6",
                false,
            ),
            (
                "iam_password_policy_uppercase",
                "pci_dss_4_0_1",
                "8.3.6",
                false,
            ),
            ("iam_password_policy_number", "pci_dss_4_0_1", "8.3.6", true),
            // An aggregator is not intrusion detection; GuardDuty is.
            ("securityhub_enabled", "pci_dss_4_0_1", "11.5.1", false),
            ("guardduty_enabled", "pci_dss_4_0_1", "11.5.1", true),
            ("guardduty_enabled", "iso27001_2022", "A.5.25", false),
            ("guardduty_enabled", "iso27001_2013", "A.16.1.4", false),
            // A support role does not show an incident response plan.
            ("iam_support_role_exists", "pci_dss_4_0_1", "12.10.1", false),
            ("iam_support_role_exists", "iso27001_2022", "A.5.24", false),
            ("iam_support_role_exists", "iso27001_2022", "A.5.26", false),
            ("iam_support_role_exists", "nist_csf_2_0", "RS.MA-01", false),
            (
                "iam_support_role_exists",
                "hipaa_security",
                "164.308(a)(6)(ii)",
                false,
            ),
            ("iam_support_role_exists", "soc2", "CC7.4", false),
            // 10.5 is audit-log retention.
            ("rds_automated_backups", "pci_dss_4_0_1", "10.5", false),
            ("s3_bucket_versioning", "pci_dss_4_0_1", "10.5", false),
            ("logs_log_group_retention", "pci_dss_4_0_1", "10.5.1", true),
            // Not inactive accounts.
            (
                "iam_user_single_active_key",
                "pci_dss_4_0_1",
                "8.2.6",
                false,
            ),
            (
                "iam_user_no_key_at_setup",
                "nist_800_53_r5",
                "AC-2(3)",
                false,
            ),
            (
                "iam_user_no_key_at_setup",
                "hipaa_security",
                "164.308(a)(3)(ii)(C)",
                false,
            ),
            (
                "iam_user_unused_credentials",
                "pci_dss_4_0_1",
                "8.2.6",
                true,
            ),
            // A public log bucket is about read access, not file-integrity monitoring.
            (
                "cloudtrail_bucket_not_public",
                "pci_dss_4_0_1",
                "10.3.4",
                false,
            ),
            (
                "cloudtrail_bucket_not_public",
                "nist_800_53_r5",
                "SI-7",
                false,
            ),
            (
                "cloudtrail_bucket_not_public",
                "pci_dss_4_0_1",
                "10.3.1",
                true,
            ),
            (
                "cloudtrail_log_file_validation",
                "pci_dss_4_0_1",
                "10.3.4",
                true,
            ),
            // IMDSv2 is not malware protection or secure engineering.
            ("ec2_instance_imdsv2_required", "soc2", "CC6.8", false),
            (
                "ec2_instance_imdsv2_required",
                "iso27001_2013",
                "A.14.2.5",
                false,
            ),
            // The access-control policy document is catalogued manual.
            (
                "iam_aws_admin_policy_not_attached",
                "iso27001_2013",
                "A.9.1.1",
                false,
            ),
            // Flow logs are logging (10.2.1), not daily review (10.4.1).
            (
                "ec2_vpc_flow_logs_enabled",
                "pci_dss_4_0_1",
                "10.4.1",
                false,
            ),
            ("ec2_vpc_flow_logs_enabled", "pci_dss_4_0_1", "10.2.1", true),
            (
                "rds_auto_minor_version_upgrade",
                "nist_csf_2_0",
                "ID.RA-01",
                false,
            ),
            // Missing links, now made.
            (
                "cloudwatch_alarm_console_auth_failures",
                "hipaa_security",
                "164.308(a)(5)(ii)(C)",
                true,
            ),
            (
                "cloudwatch_alarm_console_signin_without_mfa",
                "hipaa_security",
                "164.308(a)(5)(ii)(C)",
                true,
            ),
            (
                "cloudwatch_alarm_cloudtrail_changes",
                "pci_dss_4_0_1",
                "10.7.2",
                true,
            ),
            (
                "cloudwatch_alarm_config_changes",
                "pci_dss_4_0_1",
                "10.7.2",
                true,
            ),
            (
                "cloudwatch_alarm_root_usage",
                "nist_800_53_r5",
                "AC-6(9)",
                true,
            ),
            ("config_recorder_enabled", "nist_csf_2_0", "ID.AM-01", true),
            ("config_recorder_enabled", "nist_csf_2_0", "ID.AM-02", true),
        ];
        for &(check, framework, requirement, linked) in cases {
            let requirements: Vec<&String> = mappings
                .requirements_of(check, framework)
                .into_iter()
                .flat_map(|claims| claims.keys())
                .collect();
            assert_eq!(
                requirements.iter().any(|r| *r == requirement),
                linked,
                "{check} → {framework} {requirement}: {requirements:?}"
            );
        }
    }

    #[test]
    fn cis_references_point_at_automated_recommendations() {
        let (catalog, mappings) = builtin();
        let cis = mappings.framework("cis_aws_3_0").unwrap();
        for check in &catalog.checks {
            for id in check.def.refs.get("cis_aws_3_0").into_iter().flatten() {
                let requirement = cis.requirements.iter().find(|r| &r.id == id).unwrap();
                assert_eq!(
                    requirement.automation,
                    Automation::Automated,
                    "{} → CIS {id}",
                    check.id()
                );
            }
        }
    }

    #[test]
    fn unknown_requirement_ids_are_rejected() {
        let (_, mappings) = builtin();
        let index = RequirementIndex::new(&mappings.frameworks);
        let link = Link {
            strength: Strength::Partial,
            why: "A reason long enough to be one.".into(),
        };
        let mut control = mappings.controls[0].clone();
        control.links.insert(
            "iso27001_2013".into(),
            BTreeMap::from([("A.9.2.K".into(), link.clone())]),
        );
        let err = validate_controls(&[control.clone()], &index)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`A.9.2.K` is not a requirement of `iso27001_2013`"),
            "{err}"
        );
        control.links.clear();
        control.links.insert(
            "nist_csf_1_1".into(),
            BTreeMap::from([("PR.AC-1".into(), link)]),
        );
        let err = validate_controls(&[control], &index)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown framework `nist_csf_1_1`"), "{err}");
    }

    /// Every built-in check evaluated on a synthetic account of `resources` resources, the
    /// findings annotated with their controls and requirements.
    pub(crate) fn annotated_findings(resources: usize) -> Vec<Finding> {
        let (catalog, mappings) = builtin();
        let snapshot = crate::inventory::synthetic::snapshot(resources, 1);
        let checks: Vec<&Check> = catalog.checks.iter().collect();
        let mut findings = crate::evaluate::evaluate(
            &snapshot,
            &checks,
            &catalog.env,
            snapshot.collection.finished_at,
        );
        mappings.annotate(&mut findings);
        findings
    }

    #[test]
    fn findings_are_annotated_with_controls_and_requirements() {
        let findings = annotated_findings(50);
        let mfa = findings
            .iter()
            .find(|f| &*f.check_id == "iam_user_console_mfa")
            .unwrap();
        assert_eq!(*mfa.controls, vec!["UC-IAM-02"]);
        assert_eq!(mfa.compliance["soc2"], vec!["CC6.1"]);
        assert_eq!(mfa.compliance["cis_aws_3_0"], vec!["1.10"]);
        assert_eq!(mfa.compliance["cis_aws_5_0"], vec!["1.9"]);
        assert_eq!(mfa.compliance["aws_fsbp"], vec!["IAM.5"]);
        assert!(mfa.compliance["pci_dss_4_0_1"].contains(&"8.4.2".to_owned()));
    }
}
