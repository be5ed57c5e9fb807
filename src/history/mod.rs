//! The scan history: an embedded SQLite database recording each run and each finding's status
//! as intervals (a finding id → status segments with first and last seen run), so that a year
//! of daily runs stays small and "was this control in place on that day?" has an answer.
//!
//! Writes are one transaction per run: a crash or kill mid-write leaves the database as it was.
//! Runs are recorded in the order they happened; recording a run already present changes
//! nothing (imports can be repeated).

pub mod evidence;
pub mod oscal;
pub mod period;
mod render;
pub mod s3;

use crate::evaluate::finding::FindingResource;
use crate::evaluate::{Finding, Status};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The schema this binary writes. Older databases are migrated forward on open; a newer one
/// is refused.
pub const SCHEMA_VERSION: i32 = 1;

const SCHEMA_V1: &str = "
CREATE TABLE runs (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    accounts TEXT NOT NULL,
    regions TEXT NOT NULL,
    lockdown_version TEXT NOT NULL,
    checks_digest TEXT NOT NULL,
    parameters TEXT NOT NULL,
    collection_errors INTEGER NOT NULL,
    findings INTEGER NOT NULL
);
CREATE TABLE findings (
    id TEXT PRIMARY KEY,
    check_id TEXT NOT NULL,
    resource_arn TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_name TEXT NOT NULL,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    severity TEXT NOT NULL,
    compliance TEXT NOT NULL
);
CREATE TABLE segments (
    finding_id TEXT NOT NULL,
    status TEXT NOT NULL,
    first_run INTEGER NOT NULL,
    last_run INTEGER NOT NULL,
    PRIMARY KEY (finding_id, first_run)
) WITHOUT ROWID;
CREATE INDEX segments_by_last_run ON segments (last_run);
CREATE TABLE suppressions (
    run INTEGER NOT NULL,
    finding_id TEXT NOT NULL,
    owner TEXT NOT NULL,
    reason TEXT NOT NULL,
    expires TEXT NOT NULL
);
CREATE INDEX suppressions_by_finding ON suppressions (finding_id);
";

/// A history database that cannot be used, or a run that cannot be recorded.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("history database {path}: {source}")]
    Sqlite {
        path: String,
        source: rusqlite::Error,
    },
    #[error(
        "history database {path} has schema version {found}; this lockdown knows up to {SCHEMA_VERSION}: upgrade lockdown"
    )]
    TooNew { path: String, found: i32 },
    #[error(
        "run {run} started {started} is older than the latest recorded run ({latest}): record runs in the order they happened (import into a new database to rebuild)"
    )]
    OutOfOrder {
        run: String,
        started: DateTime<Utc>,
        latest: DateTime<Utc>,
    },
    #[error("history database {path}: finding {finding}: {what}")]
    Corrupt {
        path: String,
        finding: String,
        what: String,
    },
    #[error("cannot read the run's findings back: {0}")]
    Findings(std::io::Error),
    #[error("cannot create {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// The accounts and checks of a run's findings, gathered as they come.
#[derive(Debug, Default)]
pub struct Scope {
    accounts: BTreeSet<String>,
    checks: BTreeSet<String>,
}

impl Scope {
    /// Adds the accounts and checks of `findings`.
    pub fn add(&mut self, findings: &[Finding]) {
        for finding in findings {
            if !self.accounts.contains(&finding.resource.account_id) {
                self.accounts.insert(finding.resource.account_id.clone());
            }
            if !self.checks.contains(&*finding.check_id) {
                self.checks.insert(finding.check_id.to_string());
            }
        }
    }

    /// The accounts (`primary_account` among them) and the checks, each sorted.
    pub fn parts(&self, primary_account: &str) -> (Vec<String>, Vec<String>) {
        let mut accounts = self.accounts.clone();
        accounts.insert(primary_account.to_owned());
        (
            accounts.into_iter().collect(),
            self.checks.iter().cloned().collect(),
        )
    }
}

/// What a run is: its identity and the settings it ran with.
#[derive(Debug, Clone)]
pub struct RunMeta {
    pub started_at: DateTime<Utc>,
    /// The clock the checks were evaluated against: with the accounts, the run's identity
    /// (the same in results files, the S3 sink's events and the live run).
    pub evaluated_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub lockdown_version: String,
    /// The ids of the checks run (their digest tells runs with different check sets apart).
    pub check_ids: Vec<String>,
    /// The effective parameters, as JSON.
    pub parameters: serde_json::Value,
    pub collection_errors: usize,
}

impl RunMeta {
    /// The accounts a run covered (the scanning account and every account with a finding) and
    /// the checks it ran, from its findings.
    pub fn scope_of(primary_account: &str, findings: &[Finding]) -> (Vec<String>, Vec<String>) {
        let mut scope = Scope::default();
        scope.add(findings);
        scope.parts(primary_account)
    }

    /// The run's id: the same accounts evaluated at the same moment are the same run, so that
    /// an import of a run already recorded (from any source) is recognised.
    pub fn id(&self) -> String {
        let mut accounts = self.accounts.clone();
        accounts.sort();
        let digest = Sha256::digest(format!(
            "{}|{}",
            accounts.join(","),
            self.evaluated_at.to_rfc3339()
        ));
        hex::encode(&digest[..12])
    }

    fn checks_digest(&self) -> String {
        let mut ids = self.check_ids.clone();
        ids.sort();
        ids.dedup();
        hex::encode(&Sha256::digest(ids.join("\n"))[..12])
    }
}

/// A recorded run as listed by queries.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunRow {
    pub seq: i64,
    pub id: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub accounts: Vec<String>,
    pub lockdown_version: String,
    pub checks_digest: String,
    pub collection_errors: i64,
    pub findings: i64,
}

/// One stretch of runs in which a finding had the same status.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Segment {
    pub status: String,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub first_run: i64,
    pub last_run: i64,
}

/// One finding of a recorded run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunFinding {
    pub id: String,
    pub check_id: String,
    pub resource_arn: String,
    pub account: String,
    pub region: String,
    pub severity: String,
    /// Framework requirements it evidences (as recorded).
    pub compliance: serde_json::Value,
    pub status: String,
}

/// A finding as the latest recorded run left it.
#[derive(Debug, Clone)]
pub struct PriorFinding {
    pub check_id: String,
    pub resource: FindingResource,
    pub status: Status,
    /// When that run started.
    pub evaluated_at: DateTime<Utc>,
}

/// What recording a run did.
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize)]
pub struct Recorded {
    pub run: String,
    /// False when the run was already in the database.
    pub inserted: bool,
    pub findings: usize,
    /// Segments opened (a finding first seen, or its status changed).
    pub segments_opened: usize,
}

/// Days of `[from, to]` on which no run started: the evidence gaps of a period.
pub fn evidence_gaps(runs: &[RunRow], from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let days: std::collections::BTreeSet<NaiveDate> =
        runs.iter().map(|r| r.started_at.date_naive()).collect();
    from.iter_days()
        .take_while(|day| *day <= to)
        .filter(|day| !days.contains(day))
        .collect()
}

/// The database.
pub struct Store {
    conn: Connection,
    path: String,
}

fn sqlite(path: &str) -> impl Fn(rusqlite::Error) -> HistoryError + '_ {
    move |source| HistoryError::Sqlite {
        path: path.to_owned(),
        source,
    }
}

fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).map_or(DateTime::UNIX_EPOCH, |t| t.with_timezone(&Utc))
}

impl Store {
    /// The default location: `$XDG_STATE_HOME/lockdown/history.db`, else
    /// `~/.local/state/lockdown/history.db`.
    pub fn default_path() -> PathBuf {
        let state = std::env::var_os("XDG_STATE_HOME")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/state"))
            })
            .unwrap_or_else(|| PathBuf::from("."));
        state.join("lockdown").join("history.db")
    }

    /// Opens (creating if needed) the database at `path` and migrates it forward.
    pub fn open(path: &Path) -> Result<Self, HistoryError> {
        let name = path.display().to_string();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| HistoryError::Io {
                path: parent.display().to_string(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(sqlite(&name))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .and_then(|_| conn.pragma_update(None, "synchronous", "NORMAL"))
            // A run touches every open segment: keep a large account's working set in memory.
            .and_then(|_| conn.pragma_update(None, "cache_size", -65_536))
            .and_then(|_| conn.busy_timeout(std::time::Duration::from_secs(10)))
            .map_err(sqlite(&name))?;
        let mut store = Self { conn, path: name };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<(), HistoryError> {
        let version: i32 = self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(sqlite(&self.path))?;
        if version > SCHEMA_VERSION {
            return Err(HistoryError::TooNew {
                path: self.path.clone(),
                found: version,
            });
        }
        if version < 1 {
            let tx = self.conn.transaction().map_err(sqlite(&self.path))?;
            tx.execute_batch(SCHEMA_V1)
                .and_then(|()| tx.pragma_update(None, "user_version", 1))
                .and_then(|()| tx.commit())
                .map_err(sqlite(&self.path))?;
        }
        Ok(())
    }

    /// Records a run and its findings in one transaction.
    pub fn record(
        &mut self,
        meta: &RunMeta,
        findings: &[Finding],
    ) -> Result<Recorded, HistoryError> {
        self.record_chunks(meta, findings.len(), [Ok(findings.into())].into_iter())
    }

    /// Records a run and its `count` findings, read a chunk at a time, in one transaction.
    pub fn record_chunks<'f>(
        &mut self,
        meta: &RunMeta,
        count: usize,
        chunks: impl Iterator<Item = std::io::Result<std::borrow::Cow<'f, [Finding]>>>,
    ) -> Result<Recorded, HistoryError> {
        let path = self.path.clone();
        let err = sqlite(&path);
        let id = meta.id();
        let tx = self.conn.transaction().map_err(&err)?;
        let mut outcome = Recorded {
            run: id.clone(),
            findings: count,
            ..Recorded::default()
        };
        if tx
            .query_row("SELECT 1 FROM runs WHERE id = ?1", [&id], |_| Ok(()))
            .optional()
            .map_err(&err)?
            .is_some()
        {
            return Ok(outcome);
        }
        let latest: Option<(i64, String)> = tx
            .query_row(
                "SELECT seq, started_at FROM runs ORDER BY seq DESC LIMIT 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(&err)?;
        if let Some((_, started)) = &latest
            && time(started) > meta.started_at
        {
            return Err(HistoryError::OutOfOrder {
                run: id,
                started: meta.started_at,
                latest: time(started),
            });
        }
        let previous = latest.as_ref().map_or(0, |(seq, _)| *seq);
        tx.execute(
            "INSERT INTO runs (id, started_at, finished_at, accounts, regions, lockdown_version,
                checks_digest, parameters, collection_errors, findings)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                id,
                meta.started_at.to_rfc3339(),
                meta.finished_at.to_rfc3339(),
                meta.accounts.join(","),
                meta.regions.join(","),
                meta.lockdown_version,
                meta.checks_digest(),
                meta.parameters.to_string(),
                meta.collection_errors as i64,
                count as i64,
            ],
        )
        .map_err(&err)?;
        let seq = tx.last_insert_rowid();
        {
            // The segments still open at the previous run: one lookup for the whole run.
            let mut open: HashMap<String, (i64, String)> = HashMap::new();
            let mut query = tx
                .prepare("SELECT finding_id, first_run, status FROM segments WHERE last_run = ?1")
                .map_err(&err)?;
            let rows = query
                .query_map([previous], |row| {
                    Ok((row.get::<_, String>(0)?, (row.get(1)?, row.get(2)?)))
                })
                .map_err(&err)?;
            for row in rows {
                let (finding, segment) = row.map_err(&err)?;
                open.insert(finding, segment);
            }
            let mut add_finding = tx
                .prepare(
                    "INSERT OR IGNORE INTO findings (id, check_id, resource_arn, resource_type,
                        resource_name, account, region, severity, compliance)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .map_err(&err)?;
            let mut extend = tx
                .prepare(
                    "UPDATE segments SET last_run = ?1 WHERE finding_id = ?2 AND first_run = ?3",
                )
                .map_err(&err)?;
            let mut open_segment = tx
                .prepare(
                    "INSERT INTO segments (finding_id, status, first_run, last_run)
                     VALUES (?1, ?2, ?3, ?3)",
                )
                .map_err(&err)?;
            let mut suppressed = tx
                .prepare(
                    "INSERT INTO suppressions (run, finding_id, owner, reason, expires)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(&err)?;
            for chunk in chunks {
                let chunk = chunk.map_err(HistoryError::Findings)?;
                for finding in chunk.iter() {
                    let finding_id = finding.id.to_string();
                    let status = finding.status.as_str();
                    // Findings of the previous run are known; only new or returning ones are added
                    // (the row keeps what the finding evidences when first seen).
                    if !open.contains_key(&finding_id) {
                        add_finding
                            .execute(params![
                                finding_id,
                                &*finding.check_id,
                                finding.resource.arn,
                                finding.resource.resource_type,
                                finding.resource.name,
                                finding.resource.account_id,
                                finding.resource.region,
                                finding.severity.as_str(),
                                serde_json::to_string(&*finding.compliance).unwrap_or_default(),
                            ])
                            .map_err(&err)?;
                    }
                    match open.get(&finding_id) {
                        Some((first_run, previous_status)) if previous_status == status => {
                            extend
                                .execute(params![seq, finding_id, first_run])
                                .map_err(&err)?;
                        }
                        _ => {
                            open_segment
                                .execute(params![finding_id, status, seq])
                                .map_err(&err)?;
                            outcome.segments_opened += 1;
                        }
                    }
                    if let Some(rule) = &finding.suppression {
                        suppressed
                            .execute(params![
                                seq,
                                finding_id,
                                rule.owner,
                                rule.reason,
                                rule.expires.to_string()
                            ])
                            .map_err(&err)?;
                    }
                }
            }
        }
        tx.commit().map_err(&err)?;
        outcome.inserted = true;
        Ok(outcome)
    }

    /// Every finding of the latest recorded run with its status there: what the next run's
    /// changes (new, changed, resolved) are judged against when no baseline file is given.
    pub fn latest_findings(&self) -> Result<Vec<PriorFinding>, HistoryError> {
        let err = sqlite(&self.path);
        let mut query = self
            .conn
            .prepare(
                "SELECT f.check_id, f.resource_arn, f.resource_type, f.resource_name, f.region,
                        f.account, s.status, r.started_at
                 FROM segments s JOIN findings f ON f.id = s.finding_id
                 JOIN runs r ON r.seq = s.last_run
                 WHERE s.last_run = (SELECT MAX(seq) FROM runs)",
            )
            .map_err(&err)?;
        let rows = query
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    FindingResource {
                        arn: row.get(1)?,
                        resource_type: row.get(2)?,
                        name: row.get(3)?,
                        region: row.get(4)?,
                        account_id: row.get(5)?,
                    },
                    row.get::<_, String>(6)?,
                    time(&row.get::<_, String>(7)?),
                ))
            })
            .map_err(&err)?;
        let mut prior = Vec::new();
        for row in rows {
            let (check_id, resource, status, evaluated_at) = row.map_err(&err)?;
            let status = Status::parse(&status).ok_or_else(|| HistoryError::Corrupt {
                path: self.path.clone(),
                finding: resource.arn.clone(),
                what: format!("unknown status `{status}`"),
            })?;
            prior.push(PriorFinding {
                check_id,
                resource,
                status,
                evaluated_at,
            });
        }
        Ok(prior)
    }

    /// Every finding's status in run `seq`, with what it is about: the run's results as the
    /// history keeps them.
    pub fn statuses_at(&self, seq: i64) -> Result<Vec<RunFinding>, HistoryError> {
        let err = sqlite(&self.path);
        let mut query = self
            .conn
            .prepare(
                "SELECT f.id, f.check_id, f.resource_arn, f.account, f.region, f.severity,
                        f.compliance, s.status
                 FROM segments s JOIN findings f ON f.id = s.finding_id
                 WHERE s.first_run <= ?1 AND s.last_run >= ?1
                 ORDER BY f.check_id, f.resource_arn",
            )
            .map_err(&err)?;
        let rows = query
            .query_map([seq], |row| {
                Ok(RunFinding {
                    id: row.get(0)?,
                    check_id: row.get(1)?,
                    resource_arn: row.get(2)?,
                    account: row.get(3)?,
                    region: row.get(4)?,
                    severity: row.get(5)?,
                    compliance: serde_json::from_str(&row.get::<_, String>(6)?)
                        .unwrap_or(serde_json::Value::Null),
                    status: row.get(7)?,
                })
            })
            .map_err(&err)?;
        rows.collect::<Result<_, _>>().map_err(&err)
    }

    /// Runs started within `[from, to]` (inclusive days), oldest first.
    pub fn runs(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<RunRow>, HistoryError> {
        let err = sqlite(&self.path);
        let mut query = self
            .conn
            .prepare(
                "SELECT seq, id, started_at, finished_at, accounts, lockdown_version, checks_digest,
                        collection_errors, findings
                 FROM runs WHERE substr(started_at, 1, 10) BETWEEN ?1 AND ?2 ORDER BY seq",
            )
            .map_err(&err)?;
        let rows = query
            .query_map([from.to_string(), to.to_string()], |row| {
                Ok(RunRow {
                    seq: row.get(0)?,
                    id: row.get(1)?,
                    started_at: time(&row.get::<_, String>(2)?),
                    finished_at: time(&row.get::<_, String>(3)?),
                    accounts: row
                        .get::<_, String>(4)?
                        .split(',')
                        .filter(|a| !a.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    lockdown_version: row.get(5)?,
                    checks_digest: row.get(6)?,
                    collection_errors: row.get(7)?,
                    findings: row.get(8)?,
                })
            })
            .map_err(&err)?;
        rows.collect::<Result<_, _>>().map_err(&err)
    }

    /// A finding's status timeline, oldest first.
    pub fn timeline(&self, finding_id: &str) -> Result<Vec<Segment>, HistoryError> {
        self.segments("s.finding_id = ?1", finding_id)
    }

    fn segments(&self, filter: &str, value: &str) -> Result<Vec<Segment>, HistoryError> {
        let err = sqlite(&self.path);
        let sql = format!(
            "SELECT s.status, a.started_at, b.started_at, s.first_run, s.last_run
             FROM segments s JOIN runs a ON a.seq = s.first_run JOIN runs b ON b.seq = s.last_run
             JOIN findings f ON f.id = s.finding_id
             WHERE {filter} ORDER BY s.first_run"
        );
        let mut query = self.conn.prepare(&sql).map_err(&err)?;
        let rows = query
            .query_map([value], |row| {
                Ok(Segment {
                    status: row.get(0)?,
                    first_seen: time(&row.get::<_, String>(1)?),
                    last_seen: time(&row.get::<_, String>(2)?),
                    first_run: row.get(3)?,
                    last_run: row.get(4)?,
                })
            })
            .map_err(&err)?;
        rows.collect::<Result<_, _>>().map_err(&err)
    }

    /// Finding ids of a resource or a check, with their check and resource.
    pub fn findings_where(
        &self,
        column: FindingColumn,
        value: &str,
    ) -> Result<Vec<(String, String, String)>, HistoryError> {
        let err = sqlite(&self.path);
        let sql = format!(
            "SELECT id, check_id, resource_arn FROM findings WHERE {} = ?1 ORDER BY check_id, resource_arn",
            column.as_str()
        );
        let mut query = self.conn.prepare(&sql).map_err(&err)?;
        let rows = query
            .query_map([value], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .map_err(&err)?;
        rows.collect::<Result<_, _>>().map_err(&err)
    }

    /// Deletes runs started before `before` and the segments that ended before them; segments
    /// spanning the cut keep their status from the first kept run on. Returns runs deleted.
    pub fn prune(&mut self, before: DateTime<Utc>) -> Result<usize, HistoryError> {
        let err = sqlite(&self.path);
        let tx = self.conn.transaction().map_err(&err)?;
        let first_kept: Option<i64> = tx
            .query_row(
                "SELECT MIN(seq) FROM runs WHERE started_at >= ?1",
                [before.to_rfc3339()],
                |row| row.get(0),
            )
            .map_err(&err)?;
        let cut = first_kept.unwrap_or(i64::MAX);
        tx.execute("DELETE FROM segments WHERE last_run < ?1", [cut])
            .and_then(|_| {
                tx.execute(
                    "UPDATE segments SET first_run = ?1 WHERE first_run < ?1",
                    [cut],
                )
            })
            .and_then(|_| tx.execute("DELETE FROM suppressions WHERE run < ?1", [cut]))
            .and_then(|_| {
                tx.execute(
                    "DELETE FROM findings WHERE id NOT IN (SELECT finding_id FROM segments)",
                    [],
                )
            })
            .map_err(&err)?;
        let deleted = tx
            .execute("DELETE FROM runs WHERE seq < ?1", [cut])
            .map_err(&err)?;
        tx.commit().map_err(&err)?;
        Ok(deleted)
    }

    /// The connection, for the period report's queries.
    fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The database file's name, for messages.
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// A finding column a query can select by.
#[derive(Debug, Clone, Copy)]
pub enum FindingColumn {
    Resource,
    Check,
}

impl FindingColumn {
    fn as_str(self) -> &'static str {
        match self {
            Self::Resource => "resource_arn",
            Self::Check => "check_id",
        }
    }
}

#[cfg(test)]
mod tests;
