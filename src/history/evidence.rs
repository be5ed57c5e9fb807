//! The evidence package of an audit period: the period report, the population of runs, and
//! the full results of a reproducible random sample of them (the auditor's sample of days),
//! in one flat directory that `--sign` covers with a manifest `lockdown verify` checks.

use super::{HistoryError, RunRow, Store, period};
use chrono::NaiveDate;
use serde_json::json;
use std::path::{Path, PathBuf};

/// What to package.
pub struct Request<'a> {
    pub framework: &'a crate::map::Framework,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Runs to sample (all of them when the period has fewer).
    pub sample: usize,
    /// The seed that makes the sample reproducible.
    pub seed: u64,
    /// With the check definitions and mappings: also the period's runs as OSCAL assessment
    /// results (`assessment-results.oscal.json`).
    pub oscal: Option<(&'a [crate::evaluate::Check], &'a crate::map::Mappings)>,
}

/// The runs the auditor's sample picks: `count` of `runs`, chosen by `seed`, oldest first.
pub fn sample(runs: &[RunRow], count: usize, seed: u64) -> Vec<RunRow> {
    let mut order: Vec<usize> = (0..runs.len()).collect();
    fastrand::Rng::with_seed(seed).shuffle(&mut order);
    order.truncate(count);
    order.sort_unstable();
    order.into_iter().map(|i| runs[i].clone()).collect()
}

/// JSON text of values built here (plain data: serializing cannot fail).
fn pretty(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).expect("plain data serializes") + "\n"
}

fn write(dir: &Path, name: &str, text: &str, files: &mut Vec<PathBuf>) -> Result<(), HistoryError> {
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|source| HistoryError::Io {
        path: path.display().to_string(),
        source,
    })?;
    files.push(path);
    Ok(())
}

/// Writes the package into `dir` (created if needed); returns the files written.
pub fn package(
    store: &Store,
    request: &Request<'_>,
    dir: &Path,
) -> Result<Vec<PathBuf>, HistoryError> {
    std::fs::create_dir_all(dir).map_err(|source| HistoryError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let report = period::report(store, request.framework, request.from, request.to)?;
    let runs = store.runs(request.from, request.to)?;
    let chosen = sample(&runs, request.sample, request.seed);
    let mut files = Vec::new();
    write(dir, "period-report.html", &report.html(), &mut files)?;
    write(dir, "period-report.md", &report.markdown(), &mut files)?;
    write(dir, "period-report.json", &pretty(&report), &mut files)?;
    let mut population = String::from(
        "seq,run,started_at,finished_at,accounts,findings,collection_errors,checks_digest\n",
    );
    for run in &runs {
        population.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            run.seq,
            run.id,
            run.started_at.to_rfc3339(),
            run.finished_at.to_rfc3339(),
            run.accounts.join(" "),
            run.findings,
            run.collection_errors,
            run.checks_digest
        ));
    }
    write(dir, "population.csv", &population, &mut files)?;
    let sample_index = json!({
        "framework": request.framework.id,
        "from": request.from,
        "to": request.to,
        "population": runs.len(),
        "seed": request.seed,
        "sample": chosen.iter().map(|r| json!({"seq": r.seq, "run": r.id, "started_at": r.started_at})).collect::<Vec<_>>(),
    });
    write(dir, "sample.json", &pretty(&sample_index), &mut files)?;
    if let Some((checks, mappings)) = request.oscal {
        let period = super::oscal::Period {
            checks,
            mappings,
            framework: request.framework,
            from: request.from,
            to: request.to,
        };
        let mut document = Vec::new();
        super::oscal::write(store, &period, &mut document)?;
        let text = String::from_utf8(document).expect("serde_json writes UTF-8");
        write(dir, "assessment-results.oscal.json", &text, &mut files)?;
    }
    for run in &chosen {
        let results = json!({
            "run": run,
            "findings": store.statuses_at(run.seq)?,
        });
        write(
            dir,
            &format!(
                "run-{}-{}.json",
                run.started_at.format("%Y%m%dT%H%M%SZ"),
                run.seq
            ),
            &pretty(&results),
            &mut files,
        )?;
    }
    Ok(files)
}
