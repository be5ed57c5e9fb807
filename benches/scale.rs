//! Whole-scan cost against inventory size: `lockdown scan --snapshot` (load, evaluate the full
//! check set, write NDJSON) of synthetic snapshots of 10k, 100k and 1M resources, as a separate
//! process so its wall time and peak RSS are the user's. Prints one row per size and the
//! scaling exponents (slope of log cost against log size: 1.0 is linear).
//!
//! A scan writing NDJSON keeps its findings in sorted runs (memory does not grow with them);
//! `LOCKDOWN_BENCH_FORMAT=json` measures a scan that holds every finding. With
//! `LOCKDOWN_BENCH_COMPARE=PATH`, another lockdown build scans the same snapshots too, and the
//! two outputs must be identical byte for byte.
//!
//! ```sh
//! cargo bench --bench scale
//! LOCKDOWN_BENCH_SIZES=10000,100000 LOCKDOWN_BENCH_RUNS=5 cargo bench --bench scale
//! LOCKDOWN_BENCH_COMPARE=/usr/local/bin/lockdown cargo bench --bench scale
//! ```

use lockdown::inventory::synthetic;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn env_list(name: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(name)
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec())
}

#[path = "support/process.rs"]
mod process;
#[path = "support/scaling.rs"]
mod scaling;

/// One run of `lockdown` writing `format`: wall time and peak resident memory in bytes.
fn scan(lockdown: &Path, format: &str, snapshot: &Path, output: &Path) -> (Duration, u64) {
    process::measure(
        Command::new(lockdown)
            .args(["--quiet", "scan", "--snapshot"])
            .arg(snapshot)
            .args(["--format", format, "--output"])
            .arg(output),
    )
}

/// The median wall time and the peak memory of `runs` scans.
fn measured(runs: usize, mut scan: impl FnMut() -> (Duration, u64)) -> (Duration, u64) {
    let mut measured: Vec<(Duration, u64)> = (0..runs).map(|_| scan()).collect();
    measured.sort();
    let peak = measured.iter().map(|(_, rss)| *rss).max().unwrap_or(0);
    (measured[runs / 2].0, peak)
}

/// Writes the synthetic snapshot of `size` resources to `path` in a process of its own: Linux
/// counts the peak memory of the process that starts lockdown in lockdown's own peak (it is
/// carried over at exec), so the measuring process must never hold a snapshot.
fn write_snapshot(size: usize, path: &Path) {
    let status = Command::new(std::env::current_exe().expect("this benchmark's path"))
        .env(GENERATE, format!("{size}:{}", path.display()))
        .status()
        .expect("start the snapshot writer");
    assert!(status.success(), "writing the snapshot failed");
}

/// Set in the process that only writes a snapshot: `SIZE:PATH`.
const GENERATE: &str = "LOCKDOWN_BENCH_WRITE_SNAPSHOT";

/// Lines in `path`, read a block at a time (outputs reach gigabytes).
fn count_lines(path: &Path) -> usize {
    use std::io::BufRead;
    let mut reader = std::io::BufReader::new(std::fs::File::open(path).expect("open findings"));
    let mut lines = 0;
    loop {
        let block = reader.fill_buf().expect("read findings");
        if block.is_empty() {
            return lines;
        }
        lines += block.iter().filter(|&&b| b == b'\n').count();
        let consumed = block.len();
        reader.consume(consumed);
    }
}

fn main() {
    if let Ok(job) = std::env::var(GENERATE) {
        let (size, path) = job.split_once(':').expect("SIZE:PATH");
        synthetic::snapshot(size.parse().expect("a size"), 42)
            .save(Path::new(path))
            .expect("save snapshot");
        return;
    }
    // `cargo bench` passes `--bench`; a filter or `--list` from the test harness means "not me".
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let sizes = env_list("LOCKDOWN_BENCH_SIZES", &[10_000, 100_000, 1_000_000]);
    let runs = env_list("LOCKDOWN_BENCH_RUNS", &[3])[0].max(1);
    let dir = std::env::temp_dir().join(format!("lockdown-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let format = std::env::var("LOCKDOWN_BENCH_FORMAT").unwrap_or_else(|_| "ndjson".into());
    let compare = std::env::var_os("LOCKDOWN_BENCH_COMPARE").map(std::path::PathBuf::from);
    let lockdown = Path::new(env!("CARGO_BIN_EXE_lockdown"));
    let snapshot = dir.join("snapshot.json");
    let (output, compared) = (dir.join("findings"), dir.join("compared"));

    println!(
        "--format {format}\nresources  snapshot MB  findings   wall s (median of {runs})  findings/s  peak RSS MB"
    );
    let megabytes = |bytes: u64| bytes as f64 / 1e6;
    let mut walls = Vec::new();
    let mut memory = Vec::new();
    for &size in &sizes {
        write_snapshot(size, &snapshot);
        let (wall, peak) = measured(runs, || scan(lockdown, &format, &snapshot, &output));
        let findings = count_lines(&output);
        println!(
            "{size:>9}  {:>11.1}  {findings:>8}  {:>24.2}  {:>10.0}  {:>11.0}",
            megabytes(std::fs::metadata(&snapshot).map(|m| m.len()).unwrap_or(0)),
            wall.as_secs_f64(),
            findings as f64 / wall.as_secs_f64(),
            megabytes(peak),
        );
        if let Some(other) = &compare {
            let (wall, peak) = measured(runs, || scan(other, &format, &snapshot, &compared));
            let same = process::same_file_contents(&output, &compared);
            println!(
                "{:>9}  compared build: {:.2} s, peak RSS {:.0} MB, output {}",
                "",
                wall.as_secs_f64(),
                megabytes(peak),
                if same { "identical" } else { "DIFFERENT" }
            );
            assert!(
                same,
                "the two builds wrote different {format} for {size} resources"
            );
        }
        walls.push((size as f64, wall.as_secs_f64()));
        memory.push((size as f64, peak as f64));
    }
    if sizes.len() > 1 {
        println!(
            "scaling exponent (1.0 = linear): wall time {:.2}, peak RSS {:.2}",
            scaling::exponent(&walls),
            scaling::exponent(&memory)
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}
