//! Check files (TOML) and their compiled form.

use super::finding::{CheckShared, Remediation, Severity, Status};
use crate::inventory::{ResourceData, unknown};
use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue, operators};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

/// A check as written in its TOML file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckFile {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    /// Resource type the check evaluates, e.g. `aws.iam.user`.
    pub resource: String,
    pub description: String,
    pub risk: String,
    /// CEL expression: true means PASS.
    pub condition: String,
    /// CEL expression: when false, the result is NOT_APPLICABLE.
    #[serde(default)]
    pub applies: Option<String>,
    #[serde(default)]
    pub not_applicable_reason: Option<String>,
    pub remediation: Remediation,
    /// Unified controls (see `checks/controls.toml`) this check evidences.
    #[serde(default)]
    pub controls: Vec<String>,
    /// Tunable values, readable as `params.<name>`, overridable with `--set`.
    #[serde(default)]
    pub params: BTreeMap<String, toml::Value>,
    /// Parameters a framework judges this check by, where they differ from `params` (e.g. PCI
    /// DSS 8.3.6 asks for 12 characters where CIS asks for 14): `[framework_params.<framework>]`.
    /// That framework's compliance roll-up uses the check evaluated with these values.
    #[serde(default)]
    pub framework_params: BTreeMap<String, BTreeMap<String, toml::Value>>,
    /// Benchmark recommendations this check audits (`cis_aws_5_0 = ["1.9"]`) and the AWS
    /// Security Hub controls testing the same configuration (`aws_securityhub = ["IAM.5"]`).
    #[serde(default)]
    pub refs: BTreeMap<String, Vec<String>>,
    /// Direct links to framework requirements, each with a strength and a reason:
    /// `[links.pci_dss_4_0_1]` `"8.3.7" = { strength = "full", why = "..." }`.
    #[serde(default)]
    pub links: crate::map::Links,
    /// Where data for this check cannot come from the emulator used in tests.
    #[serde(default)]
    pub notes: Option<String>,
    pub examples: Vec<Example>,
}

/// A resource and the status the check must give it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub expect: Status,
    /// Attributes laid over the resource type's defaults.
    pub resource: toml::Value,
    #[serde(default)]
    pub description: Option<String>,
    /// Evaluate with this framework's `[framework_params]` instead of the check's own.
    #[serde(default)]
    pub framework: Option<String>,
}

/// An example ready to evaluate: the status expected, the resource, and the framework whose
/// parameters it is judged by (`None`: the check's own).
#[derive(Debug, Clone)]
pub struct ExampleCase {
    pub expect: Status,
    pub data: ResourceData,
    pub framework: Option<String>,
}

/// A check file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("invalid check file {file}: {message}")]
pub struct CheckError {
    pub file: String,
    pub message: String,
}

/// A check ready to run: expressions compiled once, the attributes it reads known.
pub struct Check {
    pub def: CheckFile,
    /// Where the check came from (embedded path or file on disk).
    pub source: String,
    pub condition: cel::Program,
    pub applies: Option<cel::Program>,
    /// `params` as a CEL map.
    pub params: cel::Value,
    /// The parameters as the check file declares them (their types and defaults).
    pub param_defaults: BTreeMap<String, toml::Value>,
    pub uses_params: bool,
    /// Resource attributes the expressions read; the evidence of each finding.
    pub reads: BTreeSet<String>,
    pub examples: Vec<ExampleCase>,
    /// Metadata shared by this check's findings.
    pub shared: CheckShared,
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check")
            .field("id", &self.def.id)
            .field("source", &self.source)
            .finish()
    }
}

/// What expressions read of `resource`.
#[derive(Default)]
struct Reads {
    /// Attributes named in a field selection, `has()`, or an index with a constant string.
    names: BTreeSet<String>,
    /// Uses that read attributes no one can name before evaluation (`resource[key]`, or
    /// `resource` passed whole to a function or macro).
    opaque: Vec<&'static str>,
}

fn is_resource(expr: &IdedExpr) -> bool {
    matches!(&expr.expr, Expr::Ident(name) if name == "resource")
}

/// Collects what an expression reads of `resource`.
fn collect_reads(expr: &IdedExpr, reads: &mut Reads) {
    match &expr.expr {
        Expr::Select(select) => {
            if is_resource(&select.operand) {
                reads.names.insert(select.field.clone());
            } else {
                collect_reads(&select.operand, reads);
            }
        }
        Expr::Call(call)
            if [
                operators::INDEX,
                operators::OPT_INDEX,
                operators::OPT_SELECT,
            ]
            .contains(&call.func_name.as_str())
                && call.args.len() == 2
                && is_resource(&call.args[0]) =>
        {
            match &call.args[1].expr {
                Expr::Literal(LiteralValue::String(name)) => {
                    reads.names.insert(name.inner().to_owned());
                }
                _ => {
                    reads
                        .opaque
                        .push("`resource[...]` with a key computed at run time");
                    collect_reads(&call.args[1], reads);
                }
            }
        }
        Expr::Call(call) => {
            if let Some(target) = &call.target {
                collect_reads(target, reads);
            }
            call.args.iter().for_each(|a| collect_reads(a, reads));
        }
        Expr::Comprehension(c) => {
            for e in [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ] {
                collect_reads(e, reads);
            }
        }
        Expr::List(list) => list.elements.iter().for_each(|e| collect_reads(e, reads)),
        Expr::Map(map) => map.entries.iter().for_each(|e| match &e.expr {
            EntryExpr::MapEntry(entry) => {
                collect_reads(&entry.key, reads);
                collect_reads(&entry.value, reads);
            }
            EntryExpr::StructField(field) => collect_reads(&field.value, reads),
        }),
        Expr::Struct(s) => s.entries.iter().for_each(|e| {
            if let EntryExpr::StructField(field) = &e.expr {
                collect_reads(&field.value, reads);
            }
        }),
        Expr::Ident(name) if name == "resource" => {
            reads
                .opaque
                .push("`resource` used whole rather than by attribute");
        }
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}

fn toml_to_json(value: toml::Value) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

impl Check {
    /// Validates and compiles a parsed check file.
    pub fn compile(def: CheckFile, source: &str, env: &cel::Env) -> Result<Self, CheckError> {
        let fail = |message: String| CheckError {
            file: source.to_owned(),
            message,
        };
        if def.id.is_empty()
            || !def
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(fail(format!(
                "id `{}` must be lowercase letters, digits and underscores",
                def.id
            )));
        }
        if !ResourceData::TYPES.contains(&def.resource.as_str()) {
            return Err(fail(format!(
                "unknown resource type `{}`; known types: {}",
                def.resource,
                ResourceData::TYPES.join(", ")
            )));
        }
        let compile = |field: &str, source: &str| {
            env.compile(source)
                .map_err(|e| fail(format!("`{field}` is not a valid CEL expression: {e}")))
        };
        let condition = compile("condition", &def.condition)?;
        let applies = def
            .applies
            .as_deref()
            .map(|a| compile("applies", a))
            .transpose()?;
        let mut reads = Reads::default();
        collect_reads(condition.expression(), &mut reads);
        if let Some(applies) = &applies {
            collect_reads(applies.expression(), &mut reads);
        }
        if let Some(use_) = reads.opaque.first() {
            return Err(fail(format!(
                "{use_}: name each attribute (`resource.<attribute>` or `resource['<attribute>']`), so that a value lockdown could not collect gives ERROR"
            )));
        }
        if let Some(name) = reads
            .names
            .iter()
            .find(|name| !unknown::is_attribute(&def.resource, name))
        {
            let known = unknown::schema(&def.resource)
                .unwrap_or_default()
                .join(", ");
            return Err(fail(format!(
                "reads `resource.{name}`, which {} does not have; its attributes are: {known} (`lockdown checks attributes {}` describes them)",
                def.resource, def.resource
            )));
        }
        let reads = reads.names;
        let uses_params = std::iter::once(&condition)
            .chain(&applies)
            .any(|p| p.references().has_variable("params"));
        let params = cel::to_value(&def.params)
            .map_err(|e| fail(format!("`params` cannot be used in expressions: {e}")))?;
        for (framework, overrides) in &def.framework_params {
            for (name, value) in overrides {
                let Some(default) = def.params.get(name) else {
                    return Err(fail(format!(
                        "framework_params.{framework}.{name}: the check has no parameter `{name}`"
                    )));
                };
                if std::mem::discriminant(default) != std::mem::discriminant(value) {
                    return Err(fail(format!(
                        "framework_params.{framework}.{name}: `{value}` is not of the type of the default `{default}`"
                    )));
                }
            }
        }

        let mut examples = Vec::with_capacity(def.examples.len());
        for (index, example) in def.examples.iter().enumerate() {
            let data =
                ResourceData::from_partial(&def.resource, toml_to_json(example.resource.clone()))
                    .map_err(|e| fail(format!("examples[{index}].resource: {e}")))?;
            if let Some(framework) = &example.framework
                && !def.framework_params.contains_key(framework)
            {
                return Err(fail(format!(
                    "examples[{index}].framework: the check has no [framework_params.{framework}]"
                )));
            }
            examples.push(ExampleCase {
                expect: example.expect,
                data,
                framework: example.framework.clone(),
            });
        }
        for needed in [Status::Pass, Status::Fail] {
            if !examples
                .iter()
                .any(|e| e.expect == needed && e.framework.is_none())
            {
                return Err(fail(format!(
                    "needs at least one example with expect = \"{}\"",
                    needed.as_str()
                )));
            }
        }
        let shared = CheckShared {
            id: def.id.as_str().into(),
            title: def.title.as_str().into(),
            not_applicable: match &def.not_applicable_reason {
                Some(reason) => reason.as_str().into(),
                None => format!(
                    "`{}` is false for this resource",
                    def.applies.as_deref().unwrap_or_default()
                )
                .into(),
            },
            remediation: Arc::new(def.remediation.clone()),
            refs: Arc::new(def.refs.clone()),
        };
        Ok(Self {
            shared,
            param_defaults: def.params.clone(),
            def,
            source: source.to_owned(),
            condition,
            applies,
            params,
            uses_params,
            reads,
            examples,
        })
    }

    /// Parses and compiles the TOML text of a check file.
    pub fn from_toml(text: &str, source: &Path, env: &cel::Env) -> Result<Self, CheckError> {
        let source = source.display().to_string();
        let def: CheckFile = toml::from_str(text).map_err(|e| CheckError {
            file: source.clone(),
            message: e.to_string(),
        })?;
        Self::compile(def, &source, env)
    }

    /// The check id.
    pub fn id(&self) -> &str {
        &self.def.id
    }

    /// This check as `framework` judges it: compiled again with that framework's parameters,
    /// or `None` when the framework uses the check's own.
    pub fn for_framework(
        &self,
        framework: &str,
        env: &cel::Env,
    ) -> Option<Result<Check, CheckError>> {
        let overrides = self.def.framework_params.get(framework)?;
        let mut def = self.def.clone();
        def.params.extend(overrides.clone());
        Some(Check::compile(def, &self.source, env))
    }
}

/// The CEL environment checks are compiled against (standard library plus string extensions).
pub fn environment() -> Arc<cel::Env> {
    let mut env = cel::Env::stdlib();
    env.add_extension(cel::extensions::strings)
        .expect("the strings extension registers once");
    Arc::new(env)
}
