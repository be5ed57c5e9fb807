//! OSCAL assessment results (JSON, OSCAL 1.2.1): one `result` per run, with an inventory item
//! per resource, an `observation` per finding (check × resource), a `finding` per framework
//! requirement the run evidenced, and a `risk` per FAIL, which a suppression turns into an
//! approved deviation. UUIDs are name-based (v5) from the run id and the finding and
//! requirement ids, and every time comes from the run: the same run gives the same document.
//! The mapping and its conventions are in `docs/outputs.md`.

use super::readable::time;
use super::report::Report;
use crate::evaluate::suppress::Suppression;
use crate::evaluate::{Finding, Status};
use crate::history::RunMeta;
use crate::map::report::{FrameworkReport, RequirementResult, RequirementStatus};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::LazyLock;
use uuid::Uuid;

/// The OSCAL version documents follow: the one compliance-trestle reads.
pub const OSCAL_VERSION: &str = "1.2.1";
/// The namespace (`ns`) of lockdown's own properties; its UUIDs derive from it too.
pub const NAMESPACE: &str = "urn:lockdown:oscal";
/// NIST's naming system: the `severity` facet is defined there.
const NIST_NAMESPACE: &str = "http://csrc.nist.gov/ns/oscal";
/// The framework whose requirement ids become the ids of NIST's own OSCAL catalog.
const NIST_800_53: &str = "nist_800_53_r5";

/// The root of every UUID lockdown derives.
static ROOT: LazyLock<Uuid> =
    LazyLock::new(|| Uuid::new_v5(&Uuid::NAMESPACE_URL, NAMESPACE.as_bytes()));

/// Where a document's runs come from, which decides what their observations can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A scan: each finding carries the attributes its check read.
    Scan,
    /// The scan history: each finding's status in the run, without the attributes.
    History,
}

/// One run, as one OSCAL `result`.
pub struct Run<'a> {
    /// The run id (the history's: the same run has the same id in a scan and in the history).
    pub id: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// The lockdown version that ran it.
    pub lockdown_version: &'a str,
    pub accounts: Vec<String>,
    pub findings: &'a [Finding],
    /// The roll-ups of the frameworks the run is assessed against.
    pub compliance: &'a [FrameworkReport],
}

/// A document: its title, what it says about itself, and its runs.
pub struct Assessment<'a> {
    pub title: String,
    pub source: Source,
    /// Document properties in lockdown's namespace, e.g. the audit period.
    pub props: Vec<(&'static str, String)>,
    pub runs: Vec<Run<'a>>,
}

/// Writes `report` as an assessment-results document with one result.
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let (accounts, check_ids) = RunMeta::scope_of(&report.account.id, report.findings());
    let meta = RunMeta {
        started_at: report.collection.started_at,
        evaluated_at: report.evaluated_at,
        finished_at: report.collection.finished_at,
        accounts,
        regions: report.regions.to_vec(),
        lockdown_version: report.collection.lockdown_version.clone(),
        check_ids,
        parameters: serde_json::Value::Null,
        collection_errors: report.summary.collection_errors,
    };
    let assessment = Assessment {
        title: format!(
            "lockdown assessment results: account {}, {}",
            report.account.id,
            time(report.evaluated_at)
        ),
        source: Source::Scan,
        props: Vec::new(),
        runs: vec![Run {
            id: meta.id(),
            started_at: meta.started_at,
            finished_at: meta.finished_at,
            lockdown_version: &report.collection.lockdown_version,
            accounts: meta.accounts,
            findings: report.findings(),
            compliance: &report.compliance,
        }],
    };
    write_assessment(&assessment, out)
}

/// Writes `assessment` as one OSCAL assessment-results JSON document.
pub fn write_assessment(assessment: &Assessment<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(assessment))?;
    out.write_all(b"\n")
}

/// The UUID named by `parts` under `namespace`.
fn uuid_in(namespace: &Uuid, parts: &[&str]) -> Uuid {
    Uuid::new_v5(namespace, parts.join("/").as_bytes())
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `text` on one line with no surrounding blanks (OSCAL strings and markup lines).
fn line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The longest run of backticks in `text`.
fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// Collected text as a Markdown code span: shown as written, never as markup.
fn code(text: &str) -> String {
    let text = line(text);
    let fence = "`".repeat(longest_backtick_run(&text) + 1);
    format!("{fence} {text} {fence}")
}

/// Collected text as a fenced Markdown code block.
fn code_block(text: &str, info: &str) -> String {
    let fence = "`".repeat(longest_backtick_run(text).max(2) + 1);
    format!("{fence}{info}\n{text}\n{fence}")
}

/// The OSCAL control id of a framework requirement: NIST SP 800-53's own catalog ids for its
/// controls (`AC-2(1)` → `ac-2.1`), otherwise `<framework>-<requirement>` with a parenthesized
/// part written as a dotted one and any other character outside OSCAL's token alphabet as `_`
/// (`1.10` → `cis_aws_5_0-1.10`, `164.308(a)(1)(i)` → `hipaa_security-164.308.a.1.i`).
pub fn control_id(framework: &str, requirement: &str) -> String {
    let token: String = requirement
        .chars()
        .filter(|&c| c != ')')
        .map(|c| match c {
            '(' => '.',
            c if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') => c,
            _ => '_',
        })
        .collect();
    if framework == NIST_800_53 {
        token.to_lowercase()
    } else {
        format!("{framework}-{token}")
    }
}

/// The finding target status of a requirement: satisfied only on a PASS. PASS_PARTIAL is not
/// satisfied (manual evidence is still needed), and neither is anything without a result.
fn target_status(status: RequirementStatus) -> TargetStatus {
    let (state, reason, remarks) = match status {
        RequirementStatus::Pass => ("satisfied", "pass", None),
        RequirementStatus::Fail => ("not-satisfied", "fail", None),
        RequirementStatus::PassPartial => (
            "not-satisfied",
            "other",
            Some(
                "The automated evidence passed but covers only part of the requirement: \
                 manual evidence is needed before it is satisfied.",
            ),
        ),
        RequirementStatus::Error => (
            "not-satisfied",
            "other",
            Some("Some evidence could not be collected: the requirement is not shown to hold."),
        ),
        RequirementStatus::NotApplicable => (
            "not-satisfied",
            "other",
            Some("The evidencing checks applied to no resource in this run."),
        ),
        RequirementStatus::Manual => (
            "not-satisfied",
            "other",
            Some("No automated evidence: the requirement needs manual evidence."),
        ),
    };
    TargetStatus {
        state,
        reason,
        remarks: remarks.map(str::to_owned),
    }
}

#[derive(Serialize)]
struct Document {
    #[serde(rename = "assessment-results")]
    assessment_results: AssessmentResults,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct AssessmentResults {
    uuid: Uuid,
    metadata: Metadata,
    import_ap: ImportAp,
    results: Vec<OscalResult>,
    back_matter: BackMatter,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Metadata {
    title: String,
    last_modified: String,
    version: &'static str,
    oscal_version: &'static str,
    props: Vec<Property>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    parties: Vec<Party>,
}

#[derive(Serialize)]
struct Party {
    uuid: Uuid,
    #[serde(rename = "type")]
    kind: &'static str,
    name: String,
}

#[derive(Serialize)]
struct ImportAp {
    href: String,
    remarks: &'static str,
}

#[derive(Serialize)]
struct BackMatter {
    resources: Vec<BackMatterResource>,
}

#[derive(Serialize)]
struct BackMatterResource {
    uuid: Uuid,
    title: &'static str,
    description: &'static str,
}

/// A property: lockdown's (with its namespace) or one NIST defines (no namespace).
#[derive(Serialize)]
struct Property {
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ns: Option<&'static str>,
    value: String,
}

/// lockdown's property `name`, unless `value` is blank.
fn prop(name: &'static str, value: &str) -> Option<Property> {
    let value = line(value);
    (!value.is_empty()).then_some(Property {
        name,
        ns: Some(NAMESPACE),
        value,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct OscalResult {
    uuid: Uuid,
    title: String,
    description: String,
    start: String,
    end: String,
    props: Vec<Property>,
    local_definitions: LocalDefinitions,
    reviewed_controls: ReviewedControls,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    observations: Vec<Observation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    risks: Vec<Risk>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    findings: Vec<OscalFinding>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct LocalDefinitions {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    inventory_items: Vec<InventoryItem>,
    assessment_assets: AssessmentAssets,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct AssessmentAssets {
    components: Vec<Component>,
    assessment_platforms: Vec<Platform>,
}

#[derive(Serialize)]
struct Component {
    uuid: Uuid,
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    description: String,
    props: Vec<Property>,
    status: ComponentStatus,
}

#[derive(Serialize)]
struct ComponentStatus {
    state: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Platform {
    uuid: Uuid,
    title: &'static str,
    uses_components: Vec<ComponentRef>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ComponentRef {
    component_uuid: Uuid,
}

#[derive(Serialize)]
struct InventoryItem {
    uuid: Uuid,
    description: String,
    props: Vec<Property>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ReviewedControls {
    control_selections: Vec<ControlSelection>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ControlSelection {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Property>,
    #[serde(skip_serializing_if = "Option::is_none")]
    include_all: Option<IncludeAll>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    include_controls: Vec<ControlRef>,
    remarks: String,
}

#[derive(Serialize)]
struct IncludeAll {}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ControlRef {
    control_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Observation {
    uuid: Uuid,
    title: String,
    description: String,
    props: Vec<Property>,
    methods: [&'static str; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    types: Vec<&'static str>,
    origins: [Origin; 1],
    subjects: [Subject; 1],
    relevant_evidence: [RelevantEvidence; 1],
    collected: String,
}

#[derive(Serialize, Clone, Copy)]
struct Origin {
    actors: [Actor; 1],
}

#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
struct Actor {
    #[serde(rename = "type")]
    kind: &'static str,
    actor_uuid: Uuid,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Subject {
    subject_uuid: Uuid,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct RelevantEvidence {
    description: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Risk {
    uuid: Uuid,
    title: String,
    description: String,
    statement: String,
    props: Vec<Property>,
    status: &'static str,
    characterizations: [Characterization; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    deadline: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    remediations: Vec<Response>,
    #[serde(skip_serializing_if = "Option::is_none")]
    risk_log: Option<RiskLog>,
    related_observations: [RelatedObservation; 1],
}

#[derive(Serialize)]
struct Characterization {
    origin: Origin,
    facets: [Facet; 1],
}

#[derive(Serialize)]
struct Facet {
    name: &'static str,
    system: &'static str,
    value: &'static str,
}

#[derive(Serialize)]
struct Response {
    uuid: Uuid,
    lifecycle: &'static str,
    title: &'static str,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    remarks: Option<String>,
}

#[derive(Serialize)]
struct RiskLog {
    entries: [RiskLogEntry; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct RiskLogEntry {
    uuid: Uuid,
    title: &'static str,
    description: String,
    start: String,
    logged_by: [LoggedBy; 1],
    status_change: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct LoggedBy {
    party_uuid: Uuid,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct RelatedObservation {
    observation_uuid: Uuid,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct RelatedRisk {
    risk_uuid: Uuid,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct OscalFinding {
    uuid: Uuid,
    title: String,
    description: String,
    props: Vec<Property>,
    target: Target,
    related_observations: Vec<RelatedObservation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_risks: Vec<RelatedRisk>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Target {
    #[serde(rename = "type")]
    kind: &'static str,
    target_id: String,
    status: TargetStatus,
}

#[derive(Serialize)]
struct TargetStatus {
    state: &'static str,
    reason: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    remarks: Option<String>,
}

const IMPORT_AP_REMARKS: &str = "lockdown writes no separate assessment plan: the plan is \
    implicit, and the back-matter resource this points to describes it.";
const PLAN_DESCRIPTION: &str = "The implicit assessment plan: the checks of the lockdown \
    version each result names (its assessment platform), run read-only against the AWS \
    accounts and regions the result lists, and mapped to the framework requirements of its \
    reviewed controls. Every check is an automated test of resource configuration read \
    through the AWS APIs.";
const HISTORY_EVIDENCE: &str = "The status lockdown's scan history recorded for this check \
    and resource in this run. The history keeps statuses, not the attributes the check read: \
    those are in the run's results file.";

/// The party of each suppression owner in the document, by owner.
fn parties(runs: &[Run<'_>]) -> BTreeMap<String, Uuid> {
    runs.iter()
        .flat_map(|run| run.findings)
        .filter_map(|f| f.suppression.as_deref())
        .map(|s| (s.owner.clone(), uuid_in(&ROOT, &["party", &s.owner])))
        .collect()
}

fn document(assessment: &Assessment<'_>) -> Document {
    let run_ids: Vec<&str> = assessment.runs.iter().map(|r| r.id.as_str()).collect();
    let run_ids = run_ids.join(",");
    let mut name = vec!["assessment-results", &run_ids];
    name.extend(assessment.props.iter().map(|(_, value)| value.as_str()));
    let owners = parties(&assessment.runs);
    let plan = uuid_in(&ROOT, &["assessment-plan"]);
    let last_modified = assessment
        .runs
        .iter()
        .map(|r| r.finished_at.max(r.started_at))
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH);
    let props = std::iter::once(prop(
        "generator",
        &format!("lockdown {}", env!("CARGO_PKG_VERSION")),
    ))
    .chain(
        assessment
            .props
            .iter()
            .map(|(name, value)| prop(name, value)),
    )
    .flatten()
    .collect();
    Document {
        assessment_results: AssessmentResults {
            uuid: uuid_in(&ROOT, &name),
            metadata: Metadata {
                title: line(&assessment.title),
                last_modified: timestamp(last_modified),
                version: "1.0",
                oscal_version: OSCAL_VERSION,
                props,
                parties: owners
                    .iter()
                    .map(|(owner, &uuid)| Party {
                        uuid,
                        kind: "person",
                        name: line(owner),
                    })
                    .collect(),
            },
            import_ap: ImportAp {
                href: format!("#{plan}"),
                remarks: IMPORT_AP_REMARKS,
            },
            results: assessment
                .runs
                .iter()
                .map(|run| result(run, assessment.source, &owners))
                .collect(),
            back_matter: BackMatter {
                resources: vec![BackMatterResource {
                    uuid: plan,
                    title: "lockdown assessment plan (implicit)",
                    description: PLAN_DESCRIPTION,
                }],
            },
        },
    }
}

/// What every part of one result shares: its UUID namespace and the tool that ran it.
struct RunContext<'r> {
    run: &'r Run<'r>,
    namespace: Uuid,
    tool: Origin,
    source: Source,
}

impl RunContext<'_> {
    fn uuid(&self, parts: &[&str]) -> Uuid {
        uuid_in(&self.namespace, parts)
    }

    fn observation_uuid(&self, finding: &Finding) -> Uuid {
        self.uuid(&["observation", &finding.id.to_string()])
    }

    fn risk_uuid(&self, finding: &Finding) -> Uuid {
        self.uuid(&["risk", &finding.id.to_string()])
    }

    fn inventory_uuid(&self, arn: &str) -> Uuid {
        self.uuid(&["inventory-item", arn])
    }
}

fn result(run: &Run<'_>, source: Source, owners: &BTreeMap<String, Uuid>) -> OscalResult {
    let namespace = uuid_in(&ROOT, &["result", &run.id]);
    let component = uuid_in(&namespace, &["component", "lockdown"]);
    let context = RunContext {
        run,
        namespace,
        tool: Origin {
            actors: [Actor {
                kind: "tool",
                actor_uuid: component,
            }],
        },
        source,
    };
    let mut counts: BTreeMap<Status, usize> = BTreeMap::new();
    for finding in run.findings {
        *counts.entry(finding.status).or_default() += 1;
    }
    let counted: Vec<String> = counts
        .iter()
        .map(|(status, n)| format!("{n} {}", status.as_str()))
        .collect();
    let resources = inventory(&context);
    let origin = match source {
        Source::Scan => "lockdown evaluated its checks against the configuration it read.",
        Source::History => "Statuses as lockdown's scan history recorded them.",
    };
    let description = format!(
        "{} findings ({}) about {} resources in accounts {}. {origin}",
        run.findings.len(),
        if counted.is_empty() {
            "none".to_owned()
        } else {
            counted.join(", ")
        },
        resources.len(),
        run.accounts.join(", "),
    );
    OscalResult {
        uuid: namespace,
        title: format!("lockdown run of {}", time(run.started_at)),
        description,
        start: timestamp(run.started_at),
        end: timestamp(run.finished_at.max(run.started_at)),
        props: std::iter::once(prop("run-id", &run.id))
            .chain(run.accounts.iter().map(|a| prop("account", a)))
            .flatten()
            .collect(),
        local_definitions: LocalDefinitions {
            inventory_items: resources,
            assessment_assets: AssessmentAssets {
                components: vec![Component {
                    uuid: component,
                    kind: "software",
                    title: "lockdown",
                    description: format!(
                        "lockdown {}: a read-only cloud configuration scanner.",
                        line(run.lockdown_version)
                    ),
                    props: prop("version", run.lockdown_version).into_iter().collect(),
                    status: ComponentStatus {
                        state: "operational",
                    },
                }],
                assessment_platforms: vec![Platform {
                    uuid: uuid_in(&namespace, &["platform", "lockdown"]),
                    title: "lockdown",
                    uses_components: vec![ComponentRef {
                        component_uuid: component,
                    }],
                }],
            },
        },
        reviewed_controls: reviewed_controls(run.compliance),
        observations: run
            .findings
            .iter()
            .map(|f| observation(&context, f))
            .collect(),
        risks: run
            .findings
            .iter()
            .filter(|f| f.status == Status::Fail)
            .map(|f| risk(&context, f, owners))
            .collect(),
        findings: run
            .compliance
            .iter()
            .flat_map(|framework| requirement_findings(&context, framework))
            .collect(),
    }
}

/// An inventory item per resource of the run's findings, in ARN order.
fn inventory(context: &RunContext<'_>) -> Vec<InventoryItem> {
    let resources: BTreeMap<&str, &Finding> = context
        .run
        .findings
        .iter()
        .map(|f| (f.resource.arn.as_str(), f))
        .collect();
    resources
        .into_iter()
        .map(|(arn, finding)| {
            let resource = &finding.resource;
            let nist_asset_id = (!line(arn).is_empty()).then(|| Property {
                name: "asset-id",
                ns: None,
                value: line(arn),
            });
            InventoryItem {
                uuid: context.inventory_uuid(arn),
                description: format!(
                    "{} {} in account {}, region {}.",
                    resource.resource_type,
                    code(&resource.name),
                    resource.account_id,
                    resource.region
                ),
                props: [
                    nist_asset_id,
                    prop("resource-type", &resource.resource_type),
                    prop("account", &resource.account_id),
                    prop("region", &resource.region),
                ]
                .into_iter()
                .flatten()
                .collect(),
            }
        })
        .collect()
}

/// Per framework, the requirements the run has automated evidence for.
fn reviewed_controls(compliance: &[FrameworkReport]) -> ReviewedControls {
    let mut control_selections: Vec<ControlSelection> = compliance
        .iter()
        .filter_map(|framework| {
            let include_controls: Vec<ControlRef> = evidenced(framework)
                .map(|r| ControlRef {
                    control_id: control_id(&framework.framework, &r.id),
                })
                .collect();
            (!include_controls.is_empty()).then(|| ControlSelection {
                props: prop("framework", &framework.framework)
                    .into_iter()
                    .collect(),
                include_all: None,
                include_controls,
                remarks: format!(
                    "{} {}: the requirements this run has automated evidence for.",
                    line(&framework.name),
                    line(&framework.version)
                ),
            })
        })
        .collect();
    if control_selections.is_empty() {
        control_selections.push(ControlSelection {
            props: Vec::new(),
            include_all: Some(IncludeAll {}),
            include_controls: Vec::new(),
            remarks: "No framework requirement has automated evidence in this run (name the \
                frameworks with --framework): its observations and risks stand without \
                requirement findings."
                .to_owned(),
        });
    }
    ReviewedControls { control_selections }
}

/// The requirements of `framework` some check of the run evidences.
fn evidenced(framework: &FrameworkReport) -> impl Iterator<Item = &RequirementResult> {
    framework
        .requirements
        .iter()
        .filter(|r| !r.checks.is_empty())
}

fn observation(context: &RunContext<'_>, finding: &Finding) -> Observation {
    let resource = &finding.resource;
    let status = finding.status.as_str();
    let reason = finding
        .reason
        .as_deref()
        .map(|r| format!("\n\n{}", code(r)))
        .unwrap_or_default();
    let evidence = match context.source {
        Source::Scan => format!(
            "The attributes the check read, as collected through the AWS APIs:\n\n{}",
            code_block(
                &serde_json::to_string(&finding.evidence).unwrap_or_default(),
                "json"
            )
        ),
        Source::History => HISTORY_EVIDENCE.to_owned(),
    };
    Observation {
        uuid: context.observation_uuid(finding),
        title: format!("{status} {} on {}", finding.check_id, code(&resource.name)),
        description: format!(
            "{}: **{status}** for {}.{reason}",
            line(&finding.title),
            code(&resource.arn)
        ),
        props: [
            prop("check-id", &finding.check_id),
            prop("finding-id", &finding.id.to_string()),
            prop("status", status),
            prop("severity", finding.severity.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect(),
        methods: ["TEST"],
        types: if finding.status == Status::Fail {
            vec!["finding"]
        } else {
            Vec::new()
        },
        origins: [context.tool],
        subjects: [Subject {
            subject_uuid: context.inventory_uuid(&resource.arn),
            kind: "inventory-item",
        }],
        relevant_evidence: [RelevantEvidence {
            description: evidence,
        }],
        collected: timestamp(finding.evaluated_at),
    }
}

/// The risk of a FAIL finding; under a suppression, an approved deviation until its expiry.
fn risk(context: &RunContext<'_>, finding: &Finding, owners: &BTreeMap<String, Uuid>) -> Risk {
    let resource = &finding.resource;
    let remediation = &finding.remediation;
    let remarks: Vec<String> = remediation
        .cli
        .iter()
        .map(|cli| code_block(cli, "sh"))
        .chain(
            remediation
                .url
                .iter()
                .map(|url| format!("See {}", code(url))),
        )
        .collect();
    let suppression = finding.suppression.as_deref();
    Risk {
        uuid: context.risk_uuid(finding),
        title: line(&finding.title),
        description: format!(
            "{} fails check `{}`: {}.",
            code(&resource.arn),
            finding.check_id,
            line(&finding.title)
        ),
        statement: format!(
            "A {}-severity configuration weakness of {} {} in account {}, region {}.",
            finding.severity.as_str(),
            resource.resource_type,
            code(&resource.name),
            resource.account_id,
            resource.region
        ),
        props: [
            prop("check-id", &finding.check_id),
            prop("finding-id", &finding.id.to_string()),
        ]
        .into_iter()
        .flatten()
        .collect(),
        status: if suppression.is_some() {
            "deviation-approved"
        } else {
            "open"
        },
        characterizations: [Characterization {
            origin: context.tool,
            facets: [Facet {
                name: "severity",
                system: NIST_NAMESPACE,
                value: finding.severity.as_str(),
            }],
        }],
        deadline: suppression.map(expiry),
        remediations: (!remediation.text.trim().is_empty())
            .then(|| Response {
                uuid: context.uuid(&["remediation", &finding.id.to_string()]),
                lifecycle: "recommendation",
                title: "Remediation",
                description: remediation.text.clone(),
                remarks: (!remarks.is_empty()).then(|| remarks.join("\n\n")),
            })
            .into_iter()
            .collect(),
        risk_log: suppression.map(|s| accepted(context, finding, s, owners)),
        related_observations: [RelatedObservation {
            observation_uuid: context.observation_uuid(finding),
        }],
    }
}

/// The last moment a suppression applies: the end of its expiry day, UTC.
fn expiry(suppression: &Suppression) -> String {
    let end = suppression
        .expires
        .and_hms_milli_opt(23, 59, 59, 999)
        .expect("a valid time of day")
        .and_utc();
    timestamp(end)
}

/// The risk log of an accepted risk: who accepted it, why, and until when.
fn accepted(
    context: &RunContext<'_>,
    finding: &Finding,
    suppression: &Suppression,
    owners: &BTreeMap<String, Uuid>,
) -> RiskLog {
    RiskLog {
        entries: [RiskLogEntry {
            uuid: context.uuid(&["risk-accepted", &finding.id.to_string()]),
            title: "Risk accepted (suppression)",
            description: format!(
                "Accepted by {} until {} (inclusive): {}",
                code(&suppression.owner),
                suppression.expires,
                suppression.reason
            ),
            start: timestamp(context.run.started_at),
            logged_by: [LoggedBy {
                party_uuid: owners[&suppression.owner],
            }],
            status_change: "deviation-approved",
        }],
    }
}

/// A finding per requirement of `framework` the run evidences: its status as the target's,
/// the observations of the findings mapped to it, and the risks of those that failed.
fn requirement_findings<'c>(
    context: &'c RunContext<'c>,
    framework: &'c FrameworkReport,
) -> impl Iterator<Item = OscalFinding> + 'c {
    let mut mapped: HashMap<&str, Vec<&Finding>> = HashMap::new();
    for finding in context.run.findings {
        for requirement in finding
            .compliance
            .get(&framework.framework)
            .into_iter()
            .flatten()
        {
            mapped
                .entry(requirement.as_str())
                .or_default()
                .push(finding);
        }
    }
    evidenced(framework).map(move |requirement| {
        let findings = mapped
            .get(requirement.id.as_str())
            .map_or(&[][..], Vec::as_slice);
        let total = |count: fn(&crate::map::report::CheckEvidence) -> usize| {
            requirement.checks.iter().map(count).sum::<usize>()
        };
        let control = control_id(&framework.framework, &requirement.id);
        OscalFinding {
            uuid: context.uuid(&["finding", &framework.framework, &requirement.id]),
            title: line(&format!(
                "{} {} {}: {}",
                framework.name, framework.version, requirement.id, requirement.title
            )),
            description: format!(
                "**{}** from {} checks: {} PASS, {} FAIL, {} ERROR, {} NOT_APPLICABLE.",
                requirement.status.as_str(),
                requirement.checks.len(),
                total(|c| c.pass),
                total(|c| c.fail),
                total(|c| c.error),
                total(|c| c.not_applicable),
            ),
            props: [
                prop("framework", &framework.framework),
                prop("requirement", &requirement.id),
                prop("status", requirement.status.as_str()),
            ]
            .into_iter()
            .flatten()
            .collect(),
            target: Target {
                kind: "objective-id",
                target_id: control,
                status: target_status(requirement.status),
            },
            related_observations: findings
                .iter()
                .map(|f| RelatedObservation {
                    observation_uuid: context.observation_uuid(f),
                })
                .collect(),
            related_risks: findings
                .iter()
                .filter(|f| f.status == Status::Fail)
                .map(|f| RelatedRisk {
                    risk_uuid: context.risk_uuid(f),
                })
                .collect(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirement_ids_become_oscal_tokens() {
        assert_eq!(control_id("nist_800_53_r5", "AC-2(1)"), "ac-2.1");
        assert_eq!(control_id("nist_800_53_r5", "AU-11"), "au-11");
        assert_eq!(control_id("cis_aws_5_0", "1.10"), "cis_aws_5_0-1.10");
        assert_eq!(
            control_id("hipaa_security", "164.308(a)(1)(ii)(A)"),
            "hipaa_security-164.308.a.1.ii.A"
        );
        assert_eq!(control_id("soc2", "CC6.1"), "soc2-CC6.1");
        assert_eq!(control_id("x", "a b/c"), "x-a_b_c");
    }

    #[test]
    fn collected_text_stays_literal_and_on_one_line() {
        assert_eq!(line(" a\nb\u{2028}c\t"), "a b c");
        assert_eq!(code("x`y"), "`` x`y ``");
        assert_eq!(code("<img src=x>"), "` <img src=x> `");
        assert_eq!(
            code_block("{\"a\":\"```\"}", "json"),
            "````json\n{\"a\":\"```\"}\n````"
        );
    }

    #[test]
    fn only_a_pass_satisfies_a_requirement() {
        assert_eq!(target_status(RequirementStatus::Pass).state, "satisfied");
        for status in [
            RequirementStatus::Fail,
            RequirementStatus::PassPartial,
            RequirementStatus::Error,
            RequirementStatus::NotApplicable,
            RequirementStatus::Manual,
        ] {
            assert_eq!(target_status(status).state, "not-satisfied", "{status:?}");
        }
        assert_eq!(target_status(RequirementStatus::Fail).reason, "fail");
    }

    #[test]
    fn uuids_are_name_based_version_5() {
        let id = uuid_in(&ROOT, &["result", "abc"]);
        assert_eq!(id, uuid_in(&ROOT, &["result", "abc"]));
        assert_ne!(id, uuid_in(&ROOT, &["result", "abd"]));
        assert_eq!(id.get_version_num(), 5);
    }
}
