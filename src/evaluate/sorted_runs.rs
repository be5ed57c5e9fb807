//! Findings in their output order (see [`super::engine::sort`]) without holding them all: each
//! evaluated chunk is sorted into a run; runs are held in memory until they reach a limit, then
//! merged into one sorted file in a temporary directory, and every run is merged again, in
//! order, when the findings are written. Memory is the limit, not the number of findings.

use super::Finding;
use super::engine::{order, sort};
use super::finding::{Evidence, FindingId, FindingResource, Severity, Status};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::Arc;

/// Findings parsed together when a file run is read: enough to keep every core busy.
const READ_BATCH: usize = 4096;

/// A finding as a file run holds it: only what is its own. What every finding of a check
/// shares (title, remediation, references, controls, compliance) is taken back from the
/// check's first finding when it is read: most of a finding's text, written once instead of
/// once per finding.
#[derive(Serialize, Deserialize)]
struct Spilled {
    id: FindingId,
    check_id: Arc<str>,
    status: Status,
    severity: Severity,
    reason: Option<Arc<str>>,
    resource: Arc<FindingResource>,
    evidence: Evidence,
    error: Option<Arc<crate::inventory::Cause>>,
    suppression: Option<Arc<super::suppress::Suppression>>,
    change: Option<super::baseline::Change>,
    evaluated_at: chrono::DateTime<chrono::Utc>,
}

impl Spilled {
    fn of(finding: &Finding) -> Self {
        Self {
            id: finding.id,
            check_id: finding.check_id.clone(),
            status: finding.status,
            severity: finding.severity,
            reason: finding.reason.clone(),
            resource: finding.resource.clone(),
            evidence: finding.evidence.clone(),
            error: finding.error.clone(),
            suppression: finding.suppression.clone(),
            change: finding.change,
            evaluated_at: finding.evaluated_at,
        }
    }

    /// The finding, its shared parts from `shared` (a finding of the same check).
    fn finding(self, shared: &Finding) -> Finding {
        Finding {
            id: self.id,
            check_id: self.check_id,
            status: self.status,
            severity: self.severity,
            reason: self.reason,
            resource: self.resource,
            evidence: self.evidence,
            error: self.error,
            suppression: self.suppression,
            change: self.change,
            evaluated_at: self.evaluated_at,
            ..shared.clone()
        }
    }
}

/// Sorted runs of findings, in memory and in files.
#[derive(Debug)]
pub struct SortedRuns {
    held: Vec<Vec<Finding>>,
    held_count: usize,
    limit: usize,
    files: Vec<PathBuf>,
    /// Created with the first file; removed with the runs.
    dir: Option<PathBuf>,
    total: usize,
    /// A finding of each check, for what its findings share.
    shared: HashMap<Arc<str>, Finding>,
    /// Findings that come after every run, in the order given.
    tail: Vec<Finding>,
}

impl SortedRuns {
    /// Runs that go to files once more than `limit` findings are held.
    pub fn new(limit: usize) -> Self {
        Self {
            held: Vec::new(),
            held_count: 0,
            limit,
            files: Vec::new(),
            dir: None,
            total: 0,
            shared: HashMap::new(),
            tail: Vec::new(),
        }
    }

    /// How many findings the runs hold.
    pub fn len(&self) -> usize {
        self.total
    }

    /// Whether the runs hold no finding.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Adds `findings` (in any order) as a run.
    pub fn push(&mut self, mut findings: Vec<Finding>) -> std::io::Result<()> {
        if findings.is_empty() {
            return Ok(());
        }
        sort(&mut findings);
        self.total += findings.len();
        self.held_count += findings.len();
        self.held.push(findings);
        if self.held_count > self.limit {
            self.spill()?;
        }
        Ok(())
    }

    /// Adds `findings` after every run, in this order (held in memory).
    pub fn push_tail(&mut self, findings: Vec<Finding>) {
        self.total += findings.len();
        self.tail.extend(findings);
    }

    /// Writes the runs held as one sorted file.
    fn spill(&mut self) -> std::io::Result<()> {
        let dir = match &self.dir {
            Some(dir) => dir.clone(),
            None => {
                let dir = std::env::temp_dir().join(format!(
                    "lockdown-findings-{}-{}",
                    std::process::id(),
                    chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
                ));
                std::fs::create_dir_all(&dir)?;
                self.dir = Some(dir.clone());
                dir
            }
        };
        let mut findings: Vec<Finding> = std::mem::take(&mut self.held).concat();
        self.held_count = 0;
        sort(&mut findings);
        for finding in &findings {
            if !self.shared.contains_key(&finding.check_id) {
                self.shared
                    .insert(finding.check_id.clone(), finding.clone());
            }
        }
        let path = dir.join(format!("run-{}.ndjson", self.files.len()));
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
        crate::emit::write_lines(&findings, &mut file, |finding, lines| {
            lines.push(&Spilled::of(finding))
        })?;
        file.flush()?;
        self.files.push(path);
        Ok(())
    }

    /// Every finding, in order, `size` at a time: the runs merged as they are read.
    pub fn chunks(&self, size: usize) -> std::io::Result<Merged<'_>> {
        let mut sources: Vec<Source<'_>> = Vec::new();
        for run in &self.held {
            sources.push(Box::new(run.iter().cloned().map(Ok)));
        }
        for path in &self.files {
            sources.push(Box::new(FileRun::open(path, &self.shared)?));
        }
        let mut heads = BinaryHeap::new();
        for (source, run) in sources.iter_mut().enumerate() {
            if let Some(finding) = run.next() {
                heads.push(Head(finding?, source));
            }
        }
        Ok(Merged {
            sources,
            heads,
            tail: self.tail.iter(),
            size,
        })
    }
}

/// One run's findings, in order.
type Source<'s> = Box<dyn Iterator<Item = std::io::Result<Finding>> + Send + 's>;

/// The findings of every run merged in order, a chunk at a time (see [`SortedRuns::chunks`]).
pub struct Merged<'s> {
    sources: Vec<Source<'s>>,
    /// The next finding of each run not yet exhausted.
    heads: BinaryHeap<Head>,
    /// What comes after the runs.
    tail: std::slice::Iter<'s, Finding>,
    size: usize,
}

impl Iterator for Merged<'_> {
    type Item = std::io::Result<Vec<Finding>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.heads.is_empty() && self.tail.len() == 0 {
            return None;
        }
        let mut chunk = Vec::with_capacity(self.size);
        while chunk.len() < self.size {
            let Some(Head(finding, source)) = self.heads.pop() else {
                chunk.extend(self.tail.by_ref().take(self.size - chunk.len()).cloned());
                break;
            };
            chunk.push(finding);
            match self.sources[source].next() {
                Some(Ok(next)) => self.heads.push(Head(next, source)),
                Some(Err(error)) => return Some(Err(error)),
                None => {}
            }
        }
        Some(Ok(chunk))
    }
}

impl Drop for SortedRuns {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A run in a file, read a batch of findings at a time, each batch parsed in parallel.
struct FileRun<'s> {
    lines: std::io::Lines<std::io::BufReader<std::fs::File>>,
    parsed: VecDeque<Finding>,
    shared: &'s HashMap<Arc<str>, Finding>,
}

impl<'s> FileRun<'s> {
    fn open(
        path: &std::path::Path,
        shared: &'s HashMap<Arc<str>, Finding>,
    ) -> std::io::Result<Self> {
        let file = std::io::BufReader::with_capacity(1 << 17, std::fs::File::open(path)?);
        Ok(Self {
            lines: file.lines(),
            parsed: VecDeque::new(),
            shared,
        })
    }

    /// Parses the next batch of lines.
    fn refill(&mut self) -> std::io::Result<()> {
        let lines = self
            .lines
            .by_ref()
            .take(READ_BATCH)
            .collect::<std::io::Result<Vec<String>>>()?;
        let parsed = lines
            .par_iter()
            .map(|line| {
                let spilled: Spilled = serde_json::from_str(line).map_err(std::io::Error::other)?;
                let shared = self.shared.get(&spilled.check_id).ok_or_else(|| {
                    std::io::Error::other(format!("no finding of {} was kept", spilled.check_id))
                })?;
                Ok(spilled.finding(shared))
            })
            .collect::<std::io::Result<Vec<Finding>>>()?;
        self.parsed.extend(parsed);
        Ok(())
    }
}

impl Iterator for FileRun<'_> {
    type Item = std::io::Result<Finding>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.parsed.is_empty()
            && let Err(error) = self.refill()
        {
            return Some(Err(error));
        }
        self.parsed.pop_front().map(Ok)
    }
}

/// The next finding of a run; the heap pops the first in order.
struct Head(Finding, usize);

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Head {}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Head {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Reversed: BinaryHeap pops its greatest.
        order(&other.0, &self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(resources: usize, seed: u64) -> Vec<Finding> {
        let catalog = crate::evaluate::Catalog::load(&[]).expect("built-in checks load");
        let checks: Vec<&crate::evaluate::Check> = catalog.checks.iter().collect();
        let snapshot = crate::inventory::synthetic::snapshot(resources, seed);
        let now = snapshot.collection.finished_at;
        crate::evaluate::evaluate(&snapshot, &checks, &catalog.env, now)
    }

    #[test]
    fn runs_in_memory_and_in_files_merge_into_the_sorted_findings_then_the_tail() {
        let sorted = findings(120, 9);
        let mut shuffled = sorted.clone();
        shuffled.reverse();
        // A limit of 100 findings: most runs go to files, the last stays in memory.
        let mut runs = SortedRuns::new(100);
        for part in shuffled.chunks(37) {
            runs.push(part.to_vec()).unwrap();
        }
        assert!(runs.files.len() > 1, "{} files", runs.files.len());
        assert!(!runs.held.is_empty());
        // A tail comes after the runs, in its own order.
        let tail: Vec<Finding> = sorted[..5].iter().rev().cloned().collect();
        runs.push_tail(tail.clone());
        let expected: Vec<Finding> = sorted.iter().chain(&tail).cloned().collect();
        assert_eq!(runs.len(), expected.len());
        let mut merged = Vec::new();
        let mut sizes = Vec::new();
        for chunk in runs.chunks(64).unwrap() {
            let chunk = chunk.unwrap();
            sizes.push(chunk.len());
            merged.extend(chunk);
        }
        assert!(sizes.iter().rev().skip(1).all(|&n| n == 64), "{sizes:?}");
        assert_eq!(merged, expected);
        let dir = runs.dir.clone().expect("files were written");
        drop(runs);
        assert!(!dir.exists(), "the files go with the runs");
    }
}
