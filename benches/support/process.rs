//! Measuring the scanner as a user runs it: a child process's wall time and peak memory.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `command` to completion: its wall time and peak resident memory in bytes. Panics when
/// it fails. Linux carries the calling process's own peak into the child's at exec: keep the
/// caller small (never build a large input in it), or the figure is the caller's.
#[expect(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4, which also reports its peak memory"
)]
pub fn measure(command: &mut Command) -> (Duration, u64) {
    let started = Instant::now();
    let child = command
        .stdin(Stdio::null())
        .spawn()
        .expect("start lockdown");
    let mut status = 0;
    // SAFETY: `usage` is a plain C struct that wait4 fills in; the pid is our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = libc::pid_t::try_from(child.id()).expect("pid fits");
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = started.elapsed();
    assert_eq!(waited, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "lockdown failed: {status}"
    );
    // Linux reports ru_maxrss in KiB.
    (elapsed, u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024)
}

/// Whether two files hold the same bytes (read a block at a time: they may be gigabytes).
#[allow(
    dead_code,
    reason = "not every benchmark including this module compares outputs"
)]
pub fn same_file_contents(a: &std::path::Path, b: &std::path::Path) -> bool {
    let open = |path| std::io::BufReader::new(std::fs::File::open(path).expect("open output"));
    let (mut a, mut b) = (open(a), open(b));
    let (mut block_a, mut block_b) = (vec![0; 1 << 20], vec![0; 1 << 20]);
    loop {
        let n = read_full(&mut a, &mut block_a);
        if n != read_full(&mut b, &mut block_b) || block_a[..n] != block_b[..n] {
            return false;
        }
        if n == 0 {
            return true;
        }
    }
}

/// Fills `block` as far as `reader` allows: the number of bytes read.
fn read_full(reader: &mut impl std::io::Read, block: &mut [u8]) -> usize {
    let mut filled = 0;
    while filled < block.len() {
        match reader.read(&mut block[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) => panic!("read output: {error}"),
        }
    }
    filled
}
