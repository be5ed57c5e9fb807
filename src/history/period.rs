//! The period report an auditor tests a SOC 2 Type II (or ISO surveillance, SOX ITGC) period
//! with: per requirement, the runs in the period (the population), the share in which its
//! automated evidence passed, every exception with when it started and was resolved, time to
//! remediate by severity, and the days with no run (evidence gaps).

use super::{HistoryError, Store, sqlite, time};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One exception: a finding that failed during the period.
#[derive(Debug, Clone, Serialize)]
pub struct Exception {
    pub finding_id: String,
    pub check_id: String,
    pub resource_arn: String,
    pub severity: String,
    pub first_seen_fail: DateTime<Utc>,
    /// When a run first saw it pass again (none while still failing at the period's end).
    pub resolved_at: Option<DateTime<Utc>>,
    pub duration_hours: Option<i64>,
    /// Who accepted the risk, where a suppression covered it.
    pub suppressed_by: Option<String>,
}

/// One requirement over the period.
#[derive(Debug, Clone, Serialize)]
pub struct RequirementPeriod {
    pub id: String,
    pub title: String,
    /// Runs in the period in which some check evidencing the requirement had a result.
    pub population: usize,
    /// Of those, runs in which every evidencing result passed or was not applicable.
    pub passed: usize,
    pub pass_rate: Option<f64>,
    pub exceptions: Vec<Exception>,
}

/// Median and 90th percentile of time to remediate, in hours.
#[derive(Debug, Clone, Serialize)]
pub struct Remediation {
    pub resolved: usize,
    pub median_hours: i64,
    pub p90_hours: i64,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodReport {
    pub framework: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Runs in the period (the population an auditor samples from).
    pub runs: usize,
    /// Days in the period with no recorded run.
    pub evidence_gaps: Vec<NaiveDate>,
    pub requirements: Vec<RequirementPeriod>,
    /// Time to remediate by severity, over exceptions resolved in the period.
    pub time_to_remediate: BTreeMap<String, Remediation>,
    /// The framework over the whole period.
    pub summary: Summary,
    /// Per run of the period: how many requirements had evidence, and how many of those passed.
    pub per_run: Vec<RunPoint>,
    /// Per week (Monday) of the period: exceptions open at some time in that week.
    pub open_exceptions_by_week: BTreeMap<NaiveDate, usize>,
}

/// A framework's standing over the period.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Requirements with automated evidence in some run of the period.
    pub requirements_evidenced: usize,
    /// Of those, requirements whose evidence passed in every run that had it.
    pub requirements_always_passed: usize,
    /// Exceptions in the period (a finding failing from one run to its resolution).
    pub exceptions: usize,
    /// Exceptions still open at the end of the period.
    pub open_at_end: usize,
}

/// One run's standing in the period.
#[derive(Debug, Clone, Serialize)]
pub struct RunPoint {
    pub started_at: DateTime<Utc>,
    pub evidenced: usize,
    pub passed: usize,
}

struct SegmentRow {
    finding_id: String,
    status: String,
    first_run: i64,
    last_run: i64,
}

/// Builds the report of `framework` (its requirement ids and titles) over `[from, to]`.
pub fn report(
    store: &Store,
    framework: &crate::map::Framework,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<PeriodReport, HistoryError> {
    let err = sqlite(store.path());
    let runs = store.runs(from, to)?;
    let evidence_gaps = super::evidence_gaps(&runs, from, to);
    let index: HashMap<i64, usize> = runs.iter().enumerate().map(|(i, r)| (r.seq, i)).collect();
    let (first, last) = match (runs.first(), runs.last()) {
        (Some(a), Some(b)) => (a.seq, b.seq),
        _ => (0, -1),
    };

    // The findings evidencing each requirement of this framework.
    let conn = store.conn();
    let mut by_requirement: HashMap<String, Vec<String>> = HashMap::new();
    let mut meta: HashMap<String, (String, String, String)> = HashMap::new();
    {
        let mut query = conn
            .prepare("SELECT id, check_id, resource_arn, severity, compliance FROM findings")
            .map_err(&err)?;
        let rows = query
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                ))
            })
            .map_err(&err)?;
        // Findings of one check share their requirement list: parse each distinct list once.
        let mut parsed: HashMap<String, Option<Vec<String>>> = HashMap::new();
        for row in rows {
            let (id, check, arn, severity, compliance) = row.map_err(&err)?;
            if !parsed.contains_key(&compliance) {
                let mut lists: BTreeMap<String, Vec<String>> = serde_json::from_str(&compliance)
                    .map_err(|e| HistoryError::Corrupt {
                        path: store.path().to_owned(),
                        finding: id.clone(),
                        what: format!("unreadable requirement list: {e}"),
                    })?;
                let mine = lists.remove(&framework.id);
                parsed.insert(compliance.clone(), mine);
            }
            let Some(requirements) = &parsed[&compliance] else {
                continue;
            };
            for requirement in requirements {
                by_requirement
                    .entry(requirement.clone())
                    .or_default()
                    .push(id.clone());
            }
            meta.insert(id, (check, arn, severity));
        }
    }
    // Their segments overlapping the period, and every later segment (to find resolutions).
    let mut segments: HashMap<String, Vec<SegmentRow>> = HashMap::new();
    {
        let mut query = conn
            .prepare(
                "SELECT finding_id, status, first_run, last_run FROM segments
                 WHERE last_run >= ?1 ORDER BY first_run",
            )
            .map_err(&err)?;
        let rows = query
            .query_map([first], |row| {
                Ok(SegmentRow {
                    finding_id: row.get(0)?,
                    status: row.get(1)?,
                    first_run: row.get(2)?,
                    last_run: row.get(3)?,
                })
            })
            .map_err(&err)?;
        for row in rows {
            let row = row.map_err(&err)?;
            if meta.contains_key(&row.finding_id) {
                segments
                    .entry(row.finding_id.clone())
                    .or_default()
                    .push(row);
            }
        }
    }
    // Start times of every run from the period on (resolutions may come after it).
    let mut started: HashMap<i64, DateTime<Utc>> = HashMap::new();
    {
        let mut query = conn
            .prepare("SELECT seq, started_at FROM runs WHERE seq >= ?1")
            .map_err(&err)?;
        let rows = query
            .query_map([first], |row| Ok((row.get(0)?, row.get::<_, String>(1)?)))
            .map_err(&err)?;
        for row in rows {
            let (seq, at) = row.map_err(&err)?;
            started.insert(seq, time(&at));
        }
    }
    let run_time = |seq: i64| started.get(&seq).copied().unwrap_or(DateTime::UNIX_EPOCH);
    // Who suppressed each finding in the period (the latest owner), read once.
    let mut suppressed_by: HashMap<String, String> = HashMap::new();
    {
        let mut query = conn
            .prepare(
                "SELECT finding_id, owner FROM suppressions WHERE run BETWEEN ?1 AND ?2
                 ORDER BY run",
            )
            .map_err(&err)?;
        let rows = query
            .query_map([first, last], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(&err)?;
        for row in rows {
            let (finding, owner) = row.map_err(&err)?;
            suppressed_by.insert(finding, owner);
        }
    }

    let mut requirements = Vec::new();
    let mut durations: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut per_run: Vec<RunPoint> = runs
        .iter()
        .map(|r| RunPoint {
            started_at: r.started_at,
            evidenced: 0,
            passed: 0,
        })
        .collect();
    let mut open_by_week: BTreeMap<NaiveDate, BTreeSet<(String, i64)>> = BTreeMap::new();
    let week_of = |day: NaiveDate| {
        day - chrono::Duration::days(i64::from(day.weekday().num_days_from_monday()))
    };
    let mut counted = BTreeSet::new();
    for requirement in &framework.requirements {
        let findings = by_requirement
            .get(&requirement.id)
            .map_or(&[][..], |f| &f[..]);
        // Per run of the period: how many evidencing findings failed, and how many had a result.
        let mut failing = vec![0i64; runs.len() + 1];
        let mut present = vec![0i64; runs.len() + 1];
        let mut exceptions = Vec::new();
        for finding in findings {
            let Some(rows) = segments.get(finding) else {
                continue;
            };
            for (i, segment) in rows.iter().enumerate() {
                let (lo, hi) = (segment.first_run.max(first), segment.last_run.min(last));
                if lo > hi {
                    continue;
                }
                let (Some(&a), Some(&b)) = (index.get(&lo), index.get(&hi)) else {
                    continue;
                };
                present[a] += 1;
                present[b + 1] -= 1;
                if segment.status == "FAIL" || segment.status == "ERROR" {
                    failing[a] += 1;
                    failing[b + 1] -= 1;
                }
                if segment.status != "FAIL" {
                    continue;
                }
                let (check, arn, severity) = &meta[finding];
                let first_seen = run_time(segment.first_run);
                let resolved_at = match rows.get(i + 1) {
                    Some(next) if next.status != "FAIL" => Some(run_time(next.first_run)),
                    _ => None,
                };
                let duration_hours = resolved_at.map(|r| (r - first_seen).num_hours());
                if let Some(hours) = duration_hours
                    && counted.insert((finding.clone(), segment.first_run))
                {
                    durations.entry(severity.clone()).or_default().push(hours);
                }
                exceptions.push(Exception {
                    finding_id: finding.clone(),
                    check_id: check.clone(),
                    resource_arn: arn.clone(),
                    severity: severity.clone(),
                    first_seen_fail: first_seen,
                    resolved_at,
                    duration_hours,
                    suppressed_by: suppressed_by.get(finding).cloned(),
                });
            }
        }
        let (mut population, mut passed, mut fail_now, mut present_now) = (0, 0, 0, 0);
        for (run, point) in per_run.iter_mut().enumerate() {
            fail_now += failing[run];
            present_now += present[run];
            if present_now > 0 {
                population += 1;
                point.evidenced += 1;
                if fail_now == 0 {
                    passed += 1;
                    point.passed += 1;
                }
            }
        }
        for exception in &exceptions {
            let first = exception.first_seen_fail.date_naive().max(from);
            let last = exception.resolved_at.map_or(to, |r| r.date_naive()).min(to);
            let mut week = week_of(first);
            while week <= last {
                open_by_week.entry(week).or_default().insert((
                    exception.finding_id.clone(),
                    exception.first_seen_fail.timestamp(),
                ));
                week += chrono::Duration::days(7);
            }
        }
        exceptions.sort_by_key(|e| e.first_seen_fail);
        requirements.push(RequirementPeriod {
            id: requirement.id.clone(),
            title: requirement.title.clone(),
            population,
            passed,
            pass_rate: (population > 0).then(|| passed as f64 / population as f64),
            exceptions,
        });
    }
    let mut distinct = BTreeSet::new();
    let mut open_at_end = BTreeSet::new();
    for exception in requirements
        .iter()
        .flat_map(|r: &RequirementPeriod| &r.exceptions)
    {
        let key = (exception.finding_id.clone(), exception.first_seen_fail);
        if exception.resolved_at.is_none_or(|r| r.date_naive() > to) {
            open_at_end.insert(key.clone());
        }
        distinct.insert(key);
    }
    let summary = Summary {
        requirements_evidenced: requirements.iter().filter(|r| r.population > 0).count(),
        requirements_always_passed: requirements
            .iter()
            .filter(|r| r.population > 0 && r.passed == r.population)
            .count(),
        exceptions: distinct.len(),
        open_at_end: open_at_end.len(),
    };
    let time_to_remediate = durations
        .into_iter()
        .map(|(severity, mut hours)| {
            hours.sort_unstable();
            let at = |q: f64| hours[((hours.len() - 1) as f64 * q).round() as usize];
            let summary = Remediation {
                resolved: hours.len(),
                median_hours: at(0.5),
                p90_hours: at(0.9),
            };
            (severity, summary)
        })
        .collect();
    Ok(PeriodReport {
        framework: framework.id.clone(),
        from,
        to,
        runs: runs.len(),
        evidence_gaps,
        requirements,
        time_to_remediate,
        summary,
        per_run,
        open_exceptions_by_week: open_by_week
            .into_iter()
            .map(|(week, open)| (week, open.len()))
            .collect(),
    })
}
