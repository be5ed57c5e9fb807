//! `lockdown checks list|show|test`.

use super::{CheckArgs, Failure, exit};
use crate::evaluate::{self, Catalog, Check};
use crate::inventory::ResourceData;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum ChecksCommand {
    /// List checks: id, severity, resource type, title.
    List {
        #[command(flatten)]
        checks: CheckArgs,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one check: description, risk, expression, remediation, references.
    Show {
        /// The check id.
        id: String,
        #[command(flatten)]
        checks: CheckArgs,
    },
    /// List the attributes a resource type offers to check expressions (`resource.<name>`),
    /// with their JSON type, the API call they come from and the built-in checks that read
    /// them. Without a type, list the types.
    Attributes {
        /// A resource type, e.g. `aws.s3.bucket`.
        resource_type: Option<String>,
    },
    /// Evaluate every check's pass/fail examples (use it on your own --checks-dir).
    Test {
        #[command(flatten)]
        checks: CheckArgs,
    },
}

fn selected<'c>(catalog: &'c Catalog, args: &CheckArgs) -> Result<Vec<&'c Check>, Failure> {
    catalog.select(&args.selection()).map_err(Failure::usage)
}

fn show(check: &Check) -> String {
    let d = &check.def;
    let mut text = format!(
        "{id}  [{severity}]  {resource}\n{title}\n\n{description}\n\nRisk: {risk}\n\nCondition (PASS when true):\n  {condition}\n",
        id = d.id,
        severity = d.severity.as_str(),
        resource = d.resource,
        title = d.title,
        description = d.description.trim(),
        risk = d.risk.trim(),
        condition = d.condition.trim(),
    );
    if let Some(applies) = &d.applies {
        text += &format!("Applies when:\n  {}\n", applies.trim());
    }
    if !d.params.is_empty() {
        let params: Vec<String> = d.params.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        text += &format!(
            "Parameters (override with --set {}.NAME=VALUE): {}\n",
            d.id,
            params.join(", ")
        );
    }
    text += &format!("\nRemediation: {}\n", d.remediation.text.trim());
    if let Some(cli) = &d.remediation.cli {
        text += &format!("  {cli}\n");
    }
    if let Some(url) = &d.remediation.url {
        text += &format!("  {url}\n");
    }
    for (framework, ids) in &d.refs {
        text += &format!("{framework}: {}\n", ids.join(", "));
    }
    if let Some(notes) = &d.notes {
        text += &format!("\nNotes: {}\n", notes.trim());
    }
    text + &format!("\nSource: {}\n", check.source)
}

/// The JSON type of an attribute, as its default value shows it.
fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "optional (null when absent)",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "list",
        serde_json::Value::Object(_) => "map",
    }
}

/// The attribute table of `resource_type`, or the list of types.
fn attributes(catalog: &Catalog, resource_type: Option<&str>) -> Result<String, Failure> {
    let Some(resource_type) = resource_type else {
        return Ok(ResourceData::TYPES.join("\n") + "\n");
    };
    let Some(serde_json::Value::Object(defaults)) = ResourceData::default_json(resource_type)
    else {
        return Err(Failure::usage(format!(
            "unknown resource type `{resource_type}`; `lockdown checks attributes` lists them"
        )));
    };
    let mut text = format!(
        "{resource_type}: a check reads these as resource.<name>; one lockdown could not collect is unknown, and a check that reads it reports ERROR\n"
    );
    for (name, default) in &defaults {
        let readers: Vec<&str> = catalog
            .checks
            .iter()
            .filter(|c| c.def.resource == resource_type && c.reads.contains(name))
            .map(Check::id)
            .collect();
        let source = crate::inventory::sources::source(resource_type, name).unwrap_or("?");
        text += &format!("  {name:<32} {:<28} from {source}\n", json_type(default));
        if !readers.is_empty() {
            text += &format!("  {:<32} read by {}\n", "", readers.join(", "));
        }
    }
    Ok(text)
}

/// Runs a `checks` subcommand.
pub fn run(command: ChecksCommand) -> Result<u8, Failure> {
    match command {
        ChecksCommand::List { checks, json } => {
            let catalog = super::scan::load_catalog(&checks)?;
            let list = selected(&catalog, &checks)?;
            if json {
                let rows: Vec<_> = list
                    .iter()
                    .map(|c| {
                        serde_json::json!({
                            "id": c.def.id, "title": c.def.title, "severity": c.def.severity,
                            "resource": c.def.resource, "refs": c.def.refs,
                        })
                    })
                    .collect();
                out!(
                    "{}",
                    serde_json::to_string_pretty(&rows).map_err(Failure::runtime)?
                );
            } else {
                for c in &list {
                    out!(
                        "{:<44} {:<13} {:<28} {}",
                        c.def.id,
                        c.def.severity.as_str(),
                        c.def.resource,
                        c.def.title
                    );
                }
                eprintln!("{} checks", list.len());
            }
            Ok(exit::OK)
        }
        ChecksCommand::Show { id, checks } => {
            let catalog = super::scan::load_catalog(&checks)?;
            let check = catalog.get(&id).ok_or_else(|| {
                Failure::usage(format!(
                    "no check `{id}`; `lockdown checks list` shows them all"
                ))
            })?;
            out_raw!("{}", show(check));
            Ok(exit::OK)
        }
        ChecksCommand::Attributes { resource_type } => {
            let catalog = Catalog::load(&[]).map_err(Failure::usage)?;
            out_raw!("{}", attributes(&catalog, resource_type.as_deref())?);
            Ok(exit::OK)
        }
        ChecksCommand::Test { checks } => {
            let catalog = super::scan::load_catalog(&checks)?;
            let list = selected(&catalog, &checks)?;
            let failures = evaluate::self_test(&catalog, &list);
            let examples: usize = list.iter().map(|c| c.examples.len()).sum();
            for failure in &failures {
                out!("FAIL {failure}");
            }
            out!(
                "{} checks, {examples} examples, {} failed",
                list.len(),
                failures.len()
            );
            Ok(if failures.is_empty() {
                exit::OK
            } else {
                exit::FAILED_CHECKS
            })
        }
    }
}
