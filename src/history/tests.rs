use super::*;
use crate::evaluate::Catalog;
use crate::evaluate::baseline::{Baseline, Change, Coverage};
use chrono::TimeZone;

fn findings() -> Vec<Finding> {
    crate::map::tests::annotated_findings(3)
}

fn meta(day: u32) -> RunMeta {
    let at = Utc.with_ymd_and_hms(2026, 1, day, 6, 0, 0).unwrap();
    RunMeta {
        started_at: at,
        evaluated_at: at,
        finished_at: at + chrono::Duration::minutes(3),
        accounts: vec!["123456789012".into()],
        regions: vec!["us-east-1".into()],
        lockdown_version: "test".into(),
        check_ids: vec!["c".into()],
        parameters: serde_json::json!({}),
        collection_errors: 0,
    }
}

/// A directory of this test process for a history database, removed when the test ends.
struct TempDb(PathBuf);

impl TempDb {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("lockdown-history-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Self(dir)
    }

    fn path(&self) -> PathBuf {
        self.0.join("history.db")
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn statuses_are_kept_as_intervals_and_drift_comes_from_the_store() {
    let db = TempDb::new("intervals");
    let path = db.path();
    let mut store = Store::open(&path).unwrap();
    let mut run = findings();
    let watched = run
        .iter()
        .position(|f| f.status == Status::Pass)
        .expect("some finding passes");
    let id = run[watched].id.to_string();

    // What the next run is judged against: the latest recorded run, rebuilt as findings.
    let change_since_last = |store: &Store, run: &[Finding]| {
        let catalog = Catalog::load(&[]).unwrap();
        let baseline = Baseline::from_history(store.latest_findings().unwrap(), &catalog);
        let mut judged = run.to_vec();
        baseline.apply(&mut judged, &[], &Coverage::default());
        judged[watched].change
    };
    assert_eq!(
        change_since_last(&store, &run),
        Some(Change::New),
        "empty history"
    );

    let first = store.record(&meta(1), &run).unwrap();
    assert!(first.inserted);
    assert_eq!(first.segments_opened, run.len());
    // Day 2: one finding fails. Day 3: it passes again. Day 4: unchanged.
    run[watched].status = Status::Fail;
    assert_eq!(change_since_last(&store, &run), Some(Change::New));
    let second = store.record(&meta(2), &run).unwrap();
    assert_eq!(second.segments_opened, 1);
    run[watched].status = Status::Pass;
    assert_eq!(change_since_last(&store, &run), Some(Change::Resolved));
    store.record(&meta(3), &run).unwrap();
    assert_eq!(change_since_last(&store, &run), Some(Change::Unchanged));
    let fourth = store.record(&meta(4), &run).unwrap();
    assert_eq!(fourth.segments_opened, 0);

    let timeline = store.timeline(&id).unwrap();
    let shape: Vec<(&str, i64, i64)> = timeline
        .iter()
        .map(|s| (s.status.as_str(), s.first_run, s.last_run))
        .collect();
    assert_eq!(shape, [("PASS", 1, 1), ("FAIL", 2, 2), ("PASS", 3, 4)]);
    let latest = store.latest_findings().unwrap();
    assert_eq!(latest.len(), run.len());
    let prior = latest
        .iter()
        .find(|p| p.resource == *run[watched].resource && *p.check_id == *run[watched].check_id)
        .unwrap();
    assert_eq!(prior.status, Status::Pass);
    assert_eq!(prior.evaluated_at, meta(4).started_at);

    // Recording the same run again changes nothing; an older run is refused.
    let again = store.record(&meta(4), &run).unwrap();
    assert!(!again.inserted);
    let from = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let to = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    assert_eq!(store.runs(from, to).unwrap().len(), 4);
    let err = store.record(&meta(3).clone_at(12), &run).unwrap_err();
    assert!(
        err.to_string()
            .contains("older than the latest recorded run"),
        "{err}"
    );

    // The period report: the failing day is an exception resolved a day later, day 5 a gap.
    let catalog = Catalog::load(&[]).unwrap();
    let mappings = crate::map::Mappings::load(&catalog.checks, &[]).unwrap();
    let framework_id = run[watched]
        .compliance
        .keys()
        .next()
        .expect("the finding evidences some framework")
        .clone();
    let requirement = run[watched].compliance[&framework_id][0].clone();
    let framework = mappings.framework(&framework_id).unwrap();
    let report = period::report(&store, framework, from, to).unwrap();
    assert_eq!(report.runs, 4);
    assert_eq!(report.evidence_gaps, [to]);
    let row = report
        .requirements
        .iter()
        .find(|r| r.id == requirement)
        .unwrap();
    assert_eq!(row.population, 4);
    let exception = row.exceptions.iter().find(|e| e.finding_id == id).unwrap();
    assert_eq!(exception.duration_hours, Some(24));
    assert!(report.markdown().contains(&requirement));
    assert!(report.summary.requirements_evidenced >= 1);
    assert!(report.summary.exceptions >= 1);
    assert!(report.summary.exceptions >= report.summary.open_at_end);
}

#[test]
fn a_newer_schema_is_a_clear_error_and_prune_keeps_recent_runs() {
    let db = TempDb::new("schema");
    let path = db.path();
    let mut store = Store::open(&path).unwrap();
    let run = findings();
    for day in 1..=3 {
        store.record(&meta(day), &run).unwrap();
    }
    let cut = Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap();
    assert_eq!(store.prune(cut).unwrap(), 1);
    let all = store
        .runs(NaiveDate::MIN, NaiveDate::from_ymd_opt(2030, 1, 1).unwrap())
        .unwrap();
    assert_eq!(all.len(), 2);
    let id = run[0].id.to_string();
    assert_eq!(store.timeline(&id).unwrap()[0].first_run, all[0].seq);
    store
        .conn
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(store);
    let err = Store::open(&path).err().unwrap().to_string();
    assert!(err.contains("schema version 2"), "{err}");
}

impl RunMeta {
    fn clone_at(&self, hour: u32) -> Self {
        let mut meta = self.clone();
        meta.started_at = meta
            .started_at
            .date_naive()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
            .and_utc()
            - chrono::Duration::days(1);
        meta.evaluated_at = meta.started_at;
        meta
    }
}
