//! One scan in process: collect with the library, then evaluate the selected checks.

use lockdown::collect::{self, CallRecorder, CollectOptions};
use lockdown::evaluate::{self, Catalog, Check};
use lockdown::inventory::Snapshot;

/// Collects with `options` and evaluates `checks`: the snapshot and how many findings.
pub fn collect_and_evaluate(
    runtime: &tokio::runtime::Runtime,
    options: &CollectOptions,
    catalog: &Catalog,
    checks: &[&Check],
) -> (Snapshot, usize) {
    let snapshot = runtime
        .block_on(collect::collect(options, CallRecorder::default()))
        .unwrap();
    let findings = evaluate::evaluate(
        &snapshot,
        checks,
        &catalog.env,
        snapshot.collection.finished_at,
    );
    (snapshot, findings.len())
}
