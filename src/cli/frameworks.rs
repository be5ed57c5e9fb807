//! `lockdown frameworks list|show|controls|coverage` and `lockdown report`.

use super::{Failure, FrameworkArgs, exit};
use crate::emit::compliance::{render_markdown, render_text};
use crate::evaluate::Catalog;
use crate::evaluate::baseline::read_findings;
use crate::map::report::{FrameworkReport, framework_report};
use crate::map::{Mappings, Strength};
use clap::{Args, Subcommand, ValueEnum};
use std::collections::BTreeSet;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum FrameworksCommand {
    /// List frameworks: id, requirements, how many the checks evidence.
    List {
        #[command(flatten)]
        frameworks: FrameworkArgs,
    },
    /// Show a framework's requirements and the checks that evidence each; with a requirement
    /// id, each link's strength and reason.
    Show {
        /// Framework id, e.g. `soc2` (`cis` is the latest CIS AWS version).
        id: String,
        /// One requirement, e.g. `CC6.1`: print why each check evidences it.
        requirement: Option<String>,
        #[command(flatten)]
        frameworks: FrameworkArgs,
    },
    /// List the unified controls and the framework requirements each satisfies.
    Controls,
    /// Matrix of checks × frameworks: how many requirements of each framework a check evidences.
    Coverage {
        #[command(flatten)]
        frameworks: FrameworkArgs,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A results file written by `lockdown scan --format json --output FILE`.
    #[arg(long, value_name = "FILE")]
    results: PathBuf,
    #[command(flatten)]
    frameworks: FrameworkArgs,
    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    /// Write the report here instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Check files of your own that the results came from.
    #[arg(long, value_name = "DIR")]
    checks_dir: Vec<PathBuf>,
}

/// Loads the check catalog's mappings plus any custom frameworks.
pub(super) fn load_mappings(
    catalog: &Catalog,
    frameworks: &FrameworkArgs,
) -> Result<Mappings, Failure> {
    Mappings::load(&catalog.checks, &frameworks.framework_file).map_err(Failure::usage)
}

fn catalog_and_mappings(
    frameworks: &FrameworkArgs,
    checks_dir: &[PathBuf],
) -> Result<(Catalog, Mappings), Failure> {
    let catalog = crate::pipeline::load_catalog(checks_dir, &[], &[])
        .map_err(|e| Failure::usage(e.to_string()))?;
    let mappings = load_mappings(&catalog, frameworks)?;
    Ok((catalog, mappings))
}

/// The checks of the catalog linked to `requirement` of `framework`.
fn evidencing_checks<'m>(
    mappings: &'m Mappings,
    catalog: &'m Catalog,
    framework: &'m str,
    requirement: &'m str,
) -> impl Iterator<Item = &'m str> + 'm {
    catalog
        .checks
        .iter()
        .map(|c| c.id())
        .filter(move |c| !mappings.claims(c, framework, requirement).is_empty())
}

/// The requirements of `fw` that some check evidences.
fn evidenced_requirements<'m>(
    mappings: &'m Mappings,
    catalog: &'m Catalog,
    fw: &'m crate::map::Framework,
) -> impl Iterator<Item = &'m crate::map::Requirement> + 'm {
    fw.requirements.iter().filter(move |r| {
        evidencing_checks(mappings, catalog, &fw.id, &r.id)
            .next()
            .is_some()
    })
}

/// Whether `requirement` has a child (`8.4` → `8.4.2`, `AC-6` → `AC-6(1)`) evidenced by every
/// check that evidences it: counting both would count the same checks twice.
fn covered_by_child(
    mappings: &Mappings,
    catalog: &Catalog,
    fw: &crate::map::Framework,
    requirement: &str,
) -> bool {
    let own: BTreeSet<&str> = evidencing_checks(mappings, catalog, &fw.id, requirement).collect();
    fw.requirements
        .iter()
        .filter(|r| {
            r.id.len() > requirement.len()
                && r.id.starts_with(requirement)
                && matches!(r.id.as_bytes()[requirement.len()], b'.' | b'(')
        })
        .any(|child| {
            let theirs: BTreeSet<&str> =
                evidencing_checks(mappings, catalog, &fw.id, &child.id).collect();
            own.is_subset(&theirs)
        })
}

/// Whether some check links to `requirement` with a `full` claim.
fn has_full_link(
    mappings: &Mappings,
    catalog: &Catalog,
    framework: &str,
    requirement: &str,
) -> bool {
    catalog.checks.iter().any(|c| {
        mappings
            .claims(c.id(), framework, requirement)
            .iter()
            .any(|claim| claim.strength == Strength::Full)
    })
}

fn evidenced(mappings: &Mappings, catalog: &Catalog, framework: &str) -> usize {
    mappings.framework(framework).map_or(0, |fw| {
        evidenced_requirements(mappings, catalog, fw).count()
    })
}

/// Runs a `frameworks` subcommand.
pub fn run(command: FrameworksCommand) -> Result<u8, Failure> {
    match command {
        FrameworksCommand::List { frameworks } => {
            let (catalog, mappings) = catalog_and_mappings(&frameworks, &[])?;
            for fw in &mappings.frameworks {
                let covered = evidenced(&mappings, &catalog, &fw.id);
                out!(
                    "{:<16} {:>4} requirements  {:>3} with automated evidence  {}",
                    fw.id,
                    fw.requirements.len(),
                    covered,
                    fw.name
                );
            }
        }
        FrameworksCommand::Show {
            id,
            requirement,
            frameworks,
        } => {
            let (catalog, mappings) = catalog_and_mappings(&frameworks, &[])?;
            let fw = mappings
                .resolve(std::slice::from_ref(&id))
                .map_err(Failure::usage)?[0];
            out!("{} — {}\nsource: {}", fw.name, fw.version, fw.source);
            if let Some(scope) = &fw.scope {
                out!("scope: {scope}");
            }
            if let Some(wanted) = &requirement {
                let r = fw
                    .requirements
                    .iter()
                    .find(|r| &r.id == wanted)
                    .ok_or_else(|| {
                        Failure::usage(format!("`{wanted}` is not a requirement of `{}`", fw.id))
                    })?;
                out!(
                    "\n{}  {} ({})",
                    r.id,
                    r.title,
                    format!("{:?}", r.automation).to_lowercase()
                );
                for check in evidencing_checks(&mappings, &catalog, &fw.id, &r.id) {
                    for claim in mappings.claims(check, &fw.id, &r.id) {
                        out!(
                            "  ← {check}  [{}, {}]\n      {}",
                            claim.strength.as_str(),
                            claim.via,
                            claim.why
                        );
                    }
                }
                return Ok(exit::OK);
            }
            for r in &fw.requirements {
                let checks: Vec<&str> =
                    evidencing_checks(&mappings, &catalog, &fw.id, &r.id).collect();
                out!(
                    "{:<14} {:<9} {}",
                    r.id,
                    format!("{:?}", r.automation).to_lowercase(),
                    r.title
                );
                for check in checks {
                    out!("{:<24} ← {check}", "");
                }
            }
        }
        FrameworksCommand::Controls => {
            let (catalog, mappings) = catalog_and_mappings(
                &FrameworkArgs {
                    framework: vec![],
                    framework_file: vec![],
                },
                &[],
            )?;
            for control in &mappings.controls {
                let checks: Vec<&str> = catalog
                    .checks
                    .iter()
                    .filter(|c| c.def.controls.contains(&control.id))
                    .map(|c| c.id())
                    .collect();
                out!(
                    "{}  {}\n    checks: {}",
                    control.id,
                    control.title,
                    checks.join(", ")
                );
                for (fw, links) in &control.links {
                    for (id, link) in links {
                        out!("    {fw} {id} [{}]: {}", link.strength.as_str(), link.why);
                    }
                }
            }
        }
        FrameworksCommand::Coverage { frameworks } => {
            let (catalog, mappings) = catalog_and_mappings(&frameworks, &[])?;
            let ids: Vec<&str> = mappings.frameworks.iter().map(|f| f.id.as_str()).collect();
            let width = catalog
                .checks
                .iter()
                .map(|c| c.id().len())
                .max()
                .unwrap_or(0)
                .max(22);
            out!(
                "{:<width$} {}",
                "check",
                ids.iter().map(|id| format!("{id:>15}")).collect::<String>()
            );
            for check in &catalog.checks {
                let cells: String = ids
                    .iter()
                    .map(|fw| {
                        format!(
                            "{:>15}",
                            mappings
                                .requirements_of(check.id(), fw)
                                .map_or(0, |r| r.len())
                        )
                    })
                    .collect();
                out!("{:<width$} {cells}", check.id());
            }
            let totals: String = ids
                .iter()
                .map(|fw| format!("{:>15}", evidenced(&mappings, &catalog, fw)))
                .collect();
            out!("{:<width$} {totals}", "requirements evidenced");
            // Per framework: what the checks can evidence fully, what only in part, and the
            // catalog's scope, so that coverage is not read as more than it is. A parent whose
            // checks all evidence one of its children is counted once, as the child.
            out!("");
            for fw in &mappings.frameworks {
                let counted: Vec<&crate::map::Requirement> =
                    evidenced_requirements(&mappings, &catalog, fw)
                        .filter(|r| !covered_by_child(&mappings, &catalog, fw, &r.id))
                        .collect();
                let full = counted
                    .iter()
                    .filter(|r| {
                        r.automation == crate::map::Automation::Automated
                            && has_full_link(&mappings, &catalog, &fw.id, &r.id)
                    })
                    .count();
                let partial = counted.len() - full;
                let folded = evidenced(&mappings, &catalog, &fw.id) - counted.len();
                out!(
                    "{}: {} requirements; evidenced fully {full} (catalogued automated, a `full` link), in part {partial} (partial links, or catalogued partial/manual: manual evidence still needed), not at all {}; {folded} parents counted through their children",
                    fw.id,
                    fw.requirements.len(),
                    fw.requirements.len() - full - partial - folded
                );
                if let Some(scope) = &fw.scope {
                    out!("  scope: {scope}");
                }
            }
        }
    }
    Ok(exit::OK)
}

/// `lockdown report`: compliance of saved results against frameworks.
pub fn report(args: ReportArgs) -> Result<u8, Failure> {
    let (_, mappings) = catalog_and_mappings(&args.frameworks, &args.checks_dir)?;
    if args.frameworks.framework.is_empty() {
        return Err(Failure::usage(
            "name the frameworks to report on with --framework (see `lockdown frameworks list`)",
        ));
    }
    let frameworks = mappings
        .resolve(&args.frameworks.framework)
        .map_err(Failure::usage)?;
    let findings = read_findings(&args.results).map_err(Failure::usage)?;
    let reports: Vec<FrameworkReport> = frameworks
        .iter()
        .map(|f| framework_report(&mappings, f, &findings, &[]))
        .collect();
    let rendered = match args.format {
        ReportFormat::Text => render_text(&reports),
        ReportFormat::Markdown => render_markdown(&reports),
        ReportFormat::Json => {
            serde_json::to_string_pretty(&reports).map_err(Failure::runtime)? + "\n"
        }
    };
    match &args.output {
        Some(path) => std::fs::write(path, rendered)
            .map_err(|e| Failure::runtime(format!("cannot write {}: {e}", path.display())))?,
        None => out_raw!("{rendered}"),
    }
    Ok(exit::OK)
}
