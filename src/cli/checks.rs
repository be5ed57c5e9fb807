//! `lockdown checks list|show|test`.

use super::{CheckArgs, Failure, exit};
use crate::evaluate::{self, Catalog, Check, Selection};
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
    /// Evaluate every check's pass/fail examples (use it on your own --checks-dir).
    Test {
        #[command(flatten)]
        checks: CheckArgs,
    },
}

fn selected<'c>(catalog: &'c Catalog, args: &CheckArgs) -> Result<Vec<&'c Check>, Failure> {
    catalog
        .select(&Selection {
            patterns: args.checks.clone(),
            min_severity: args.severity,
        })
        .map_err(Failure::usage)
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
                println!(
                    "{}",
                    serde_json::to_string_pretty(&rows).map_err(Failure::runtime)?
                );
            } else {
                for c in &list {
                    println!(
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
            print!("{}", show(check));
            Ok(exit::OK)
        }
        ChecksCommand::Test { checks } => {
            let catalog = super::scan::load_catalog(&checks)?;
            let list = selected(&catalog, &checks)?;
            let failures = evaluate::self_test(&catalog, &list);
            let examples: usize = list.iter().map(|c| c.examples.len()).sum();
            for failure in &failures {
                println!("FAIL {failure}");
            }
            println!(
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
