//! The spool: events a sink could not take, kept on disk until `lockdown send --spool DIR`
//! delivers them. One file per failed delivery: a header line naming the sink, then one event
//! per line. Files are written under a temporary name and renamed, so a crash leaves no
//! half-written spool file behind. The spool is its owner's alone: the directory is created
//! 0700 and files 0600, and a directory or file that others can write, or that another user
//! owns, is refused (it could be used to redirect findings). `lockdown send` delivers only to
//! sinks its operator names, whatever a file's header says.

use super::Sink;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

const SPOOL_VERSION: u32 = 1;
const EXTENSION: &str = "spool.jsonl";

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    lockdown_spool: u32,
    sink: String,
    events: usize,
    created_at: DateTime<Utc>,
}

const STAGING_VERSION: u32 = 1;
const STAGING_EXTENSION: &str = "spool.staging";

/// The first line of a staging file: the sink its events are for.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StagingHeader {
    lockdown_staging: u32,
    sink: String,
    created_at: DateTime<Utc>,
}

/// Undelivered events of one sink, read back from the spool.
#[derive(Debug)]
pub struct SpoolFile {
    pub path: PathBuf,
    pub sink: Sink,
    pub events: Vec<Value>,
}

/// Where undelivered events go unless `--spool-dir` says otherwise: `$LOCKDOWN_SPOOL_DIR`,
/// else `$XDG_STATE_HOME/lockdown/spool`, else `~/.local/state/lockdown/spool`; `None` when
/// none of these is set (never a shared temporary directory).
pub fn default_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("LOCKDOWN_SPOOL_DIR") {
        return Some(dir.into());
    }
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".local/state")))?;
    Some(state.join("lockdown/spool"))
}

/// Refuses a spool path that someone else could have planted or could change.
#[cfg(unix)]
fn check_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let metadata = std::fs::symlink_metadata(path)?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let problem = if metadata.file_type().is_symlink() {
        Some("is a symbolic link".to_owned())
    } else if metadata.uid() != me {
        Some(format!(
            "is owned by user {}, not by this user ({me})",
            metadata.uid()
        ))
    } else if metadata.mode() & 0o022 != 0 {
        Some(format!(
            "can be written by other users (mode {:o})",
            metadata.mode() & 0o777
        ))
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(problem) => Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "spool {} {problem}; a spool must be private to its owner (chmod go-w, or use another --spool-dir)",
                path.display()
            ),
        )),
    }
}

#[cfg(not(unix))]
fn check_private(_: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Creates the spool directory (0700) if needed and checks that it is private.
pub fn prepare(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    check_private(dir)
}

/// A new file, readable and writable by its owner only.
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn write_file(path: &Path, sink: &Sink, events: &[Value]) -> std::io::Result<()> {
    write_lines(path, sink, events.len(), |out| {
        events.iter().try_for_each(|event| {
            serde_json::to_writer(&mut *out, event)?;
            out.write_all(b"\n")
        })
    })
}

/// Writes a spool file at `path`: its header, then the `events` lines `write_events` writes.
fn write_lines(
    path: &Path,
    sink: &Sink,
    events: usize,
    write_events: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let header = Header {
        lockdown_spool: SPOOL_VERSION,
        sink: sink.to_string(),
        events,
        created_at: Utc::now(),
    };
    let partial = path.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let written = (|| {
        let mut out = std::io::BufWriter::new(create_private(&partial)?);
        serde_json::to_writer(&mut out, &header)?;
        out.write_all(b"\n")?;
        write_events(&mut out)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&partial, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

/// Saves `events` that `sink` did not take; returns the file written.
pub fn save(dir: &Path, sink: &Sink, events: &[Value]) -> std::io::Result<PathBuf> {
    let path = new_path(dir, sink)?;
    write_file(&path, sink, events)?;
    Ok(path)
}

/// Saves the `events` lines of the staging file `staged` that `sink` did not take; returns
/// the file written.
pub fn save_staged(
    dir: &Path,
    sink: &Sink,
    events: usize,
    staged: &Staging,
) -> std::io::Result<PathBuf> {
    let path = new_path(dir, sink)?;
    copy_events(&path, sink, events, &staged.path, staged.header_len, None)?;
    Ok(path)
}

/// Writes a spool file at `path` holding the `events` lines of the file at `from` that start
/// at byte `start` (and end at byte `end`, when given).
fn copy_events(
    path: &Path,
    sink: &Sink,
    events: usize,
    from: &Path,
    start: u64,
    end: Option<u64>,
) -> std::io::Result<()> {
    use std::io::{Read, Seek};
    write_lines(path, sink, events, |out| {
        let mut file = std::fs::File::open(from)?;
        file.seek(std::io::SeekFrom::Start(start))?;
        match end {
            Some(end) => std::io::copy(&mut file.take(end - start), out),
            None => std::io::copy(&mut file, out),
        }
        .map(drop)
    })
}

/// A new file name for `sink` in the spool `dir` (created, private, if needed).
fn new_path(dir: &Path, sink: &Sink) -> std::io::Result<PathBuf> {
    prepare(dir)?;
    let kind = sink.to_string();
    let kind: String = kind
        .split([':', '/'])
        .next()
        .unwrap_or("sink")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let name = format!(
        "{}-{kind}-{:08x}.{EXTENSION}",
        Utc::now().format("%Y%m%dT%H%M%S%.3fZ"),
        fastrand::u32(..)
    );
    Ok(dir.join(name))
}

/// A private file in the spool directory where a sink that takes a run in one piece stages its
/// events: a header line naming the sink, then one event per line. It is not a spool file, and
/// is locked while its owner writes it; one whose owner is gone (a run killed before its upload
/// ended) becomes a spool file in [`read_dir`], so that `lockdown send` delivers what it held.
/// Its owner removes it.
#[derive(Debug)]
pub struct Staging {
    pub path: PathBuf,
    /// Open for writing, and locked.
    pub file: std::fs::File,
    /// Where the events begin.
    pub header_len: u64,
}

/// A new staging file for `sink` in the spool `dir`.
pub fn staging(dir: &Path, sink: &Sink) -> std::io::Result<Staging> {
    let path = new_path(dir, sink)?.with_extension("staging");
    // Locked and given its header under another name, so that `lockdown send` never sees it
    // unlocked: the lock stays with the open file across the rename.
    let creating = path.with_extension("staging-new");
    let mut file = create_private(&creating)?;
    if !lock(&file)? {
        let _ = std::fs::remove_file(&creating);
        return Err(std::io::Error::other(
            "a new staging file is locked by another process",
        ));
    }
    let header = StagingHeader {
        lockdown_staging: STAGING_VERSION,
        sink: sink.to_string(),
        created_at: Utc::now(),
    };
    let mut line = serde_json::to_vec(&header)?;
    line.push(b'\n');
    let named = file
        .write_all(&line)
        .and_then(|()| std::fs::rename(&creating, &path));
    if let Err(e) = named {
        let _ = std::fs::remove_file(&creating);
        return Err(e);
    }
    Ok(Staging {
        path,
        file,
        header_len: line.len() as u64,
    })
}

/// Takes the exclusive advisory lock of `file`: `false` when another process holds it.
fn lock(file: &std::fs::File) -> std::io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd;
        // SAFETY: flock on a file descriptor the caller owns.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            let error = std::io::Error::last_os_error();
            return match error.kind() {
                std::io::ErrorKind::WouldBlock => Ok(false),
                _ => Err(error),
            };
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(true)
}

/// An exclusive claim on a spool file while it is delivered: an advisory lock, released when
/// the claim is dropped or the process ends, so concurrent `lockdown send` runs never deliver
/// the same events twice.
#[derive(Debug)]
pub struct Claim {
    _locked: std::fs::File,
}

/// Claims the spool file at `path`; `None` when another run holds it, or when it was
/// delivered (removed or replaced) since it was listed.
pub fn claim(path: &Path) -> std::io::Result<Option<Claim>> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if !lock(&file)? {
        return Ok(None);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // Still the file at `path`? Another run may have settled it before we locked.
        let current = match std::fs::metadata(path) {
            Ok(current) => current,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let locked = file.metadata()?;
        if (current.dev(), current.ino()) != (locked.dev(), locked.ino()) {
            return Ok(None);
        }
    }
    Ok(Some(Claim { _locked: file }))
}

/// Reads a spool file again (after [`claim`]: its events are then the ones to deliver).
pub fn reread(file: &SpoolFile) -> Result<SpoolFile, String> {
    read_file(&file.path)
}

fn read_file(path: &Path) -> Result<SpoolFile, String> {
    let at = |line: usize, message: String| format!("{}:{line}: {message}", path.display());
    check_private(path).map_err(|e| e.to_string())?;
    let file = std::fs::File::open(path).map_err(|e| at(0, e.to_string()))?;
    let mut lines = BufReader::new(file).lines();
    let header_line = lines
        .next()
        .ok_or_else(|| at(1, "empty spool file".into()))?
        .map_err(|e| at(1, e.to_string()))?;
    let header: Header = serde_json::from_str(&header_line)
        .map_err(|e| at(1, format!("not a lockdown spool header: {e}")))?;
    if header.lockdown_spool != SPOOL_VERSION {
        return Err(at(
            1,
            format!("spool version {} is not supported", header.lockdown_spool),
        ));
    }
    let sink: Sink = header.sink.parse().map_err(|e: String| at(1, e))?;
    let mut events = Vec::with_capacity(header.events);
    for (number, line) in lines.enumerate() {
        let line = line.map_err(|e| at(number + 2, e.to_string()))?;
        events.push(serde_json::from_str(&line).map_err(|e| at(number + 2, e.to_string()))?);
    }
    if events.len() != header.events {
        return Err(at(
            0,
            format!(
                "holds {} events, its header says {}",
                events.len(),
                header.events
            ),
        ));
    }
    Ok(SpoolFile {
        path: path.to_owned(),
        sink,
        events,
    })
}

/// What a spool directory holds: the readable files, oldest first, and why each other file
/// was skipped (corrupt, or not private).
#[derive(Debug, Default)]
pub struct SpoolContents {
    pub files: Vec<SpoolFile>,
    pub skipped: Vec<String>,
}

/// Every spool file in `dir`, after turning staging files whose owner is gone into spool
/// files; an unusable file is skipped with the reason, the directory itself must be private.
pub fn read_dir(dir: &Path) -> Result<SpoolContents, String> {
    check_private(dir).map_err(|e| format!("cannot use spool {}: {e}", dir.display()))?;
    let mut contents = SpoolContents::default();
    // Only where a live run's lock can be seen (flock): elsewhere a staging file is left to
    // its owner.
    #[cfg(unix)]
    for staged in paths_ending(dir, STAGING_EXTENSION)? {
        if let Err(problem) = recover(dir, &staged) {
            contents.skipped.push(problem);
        }
    }
    for path in paths_ending(dir, EXTENSION)? {
        match read_file(&path) {
            Ok(file) => contents.files.push(file),
            Err(problem) => contents.skipped.push(problem),
        }
    }
    Ok(contents)
}

/// The paths in `dir` whose names end with `suffix`, sorted (oldest first for lockdown's names).
fn paths_ending(dir: &Path, suffix: &str) -> Result<Vec<PathBuf>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read spool {}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.to_string_lossy().ends_with(suffix))
        .collect();
    paths.sort();
    Ok(paths)
}

/// Turns the staging file at `path` into a spool file of its complete events, and removes it,
/// unless its owner still holds it (or it is empty). What follows the last complete event (an
/// event cut short by the end of its owner) is lost, and said so in the log.
#[cfg(unix)]
fn recover(dir: &Path, path: &Path) -> Result<(), String> {
    let at = |line: usize, message: String| format!("{}:{line}: {message}", path.display());
    check_private(path).map_err(|e| e.to_string())?;
    let Some(claimed) = claim(path).map_err(|e| at(0, e.to_string()))? else {
        return Ok(());
    };
    let mut reader = BufReader::new(std::fs::File::open(path).map_err(|e| at(0, e.to_string()))?);
    let mut header_line = String::new();
    reader
        .read_line(&mut header_line)
        .map_err(|e| at(1, e.to_string()))?;
    if header_line.is_empty() {
        return Ok(());
    }
    let header: StagingHeader = serde_json::from_str(&header_line)
        .map_err(|e| at(1, format!("not a lockdown staging header: {e}")))?;
    if header.lockdown_staging != STAGING_VERSION {
        let message = format!(
            "staging version {} is not supported",
            header.lockdown_staging
        );
        return Err(at(1, message));
    }
    let sink: Sink = header.sink.parse().map_err(|e: String| at(1, e))?;
    let start = header_line.len() as u64;
    let (mut events, mut end, mut line) = (0, start, Vec::new());
    loop {
        line.clear();
        let read = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| at(events + 2, e.to_string()))?;
        let complete =
            line.ends_with(b"\n") && serde_json::from_slice::<serde::de::IgnoredAny>(&line).is_ok();
        if read == 0 || !complete {
            break;
        }
        events += 1;
        end += read as u64;
    }
    let length = std::fs::metadata(path)
        .map_err(|e| at(0, e.to_string()))?
        .len();
    let lost_bytes = length.saturating_sub(end);
    if events > 0 {
        new_path(dir, &sink)
            .and_then(|spooled| copy_events(&spooled, &sink, events, path, start, Some(end)))
            .map_err(|e| at(0, format!("cannot spool its events: {e}")))?;
    }
    std::fs::remove_file(path).map_err(|e| at(0, e.to_string()))?;
    drop(claimed);
    tracing::warn!(
        staged = %path.display(),
        events,
        lost_bytes,
        "events staged for {sink} by a run that ended before sending them are spooled{}",
        if lost_bytes > 0 {
            "; what followed the last complete event (cut short or unreadable) is lost"
        } else {
            ""
        }
    );
    Ok(())
}

/// Replaces a spool file's events with those still undelivered, or removes it when none are.
pub fn settle(file: &SpoolFile, undelivered: &[Value]) -> std::io::Result<()> {
    if undelivered.is_empty() {
        std::fs::remove_file(&file.path)
    } else {
        write_file(&file.path, &file.sink, undelivered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn spooled_events_read_back_and_settle() {
        let dir = std::env::temp_dir().join(format!("lockdown-spool-test-{}", std::process::id()));
        let sink: Sink = "elastic:http://127.0.0.1:9/findings".parse().unwrap();
        let events = vec![json!({"n": 1}), json!({"n": 2})];
        let path = save(&dir, &sink, &events).unwrap();
        let files = read_dir(&dir).unwrap().files;
        assert_eq!(files.len(), 1);
        assert_eq!((&files[0].sink, &files[0].events), (&sink, &events));
        settle(&files[0], &events[1..]).unwrap();
        assert_eq!(read_dir(&dir).unwrap().files[0].events, [json!({"n": 2})]);
        settle(&files[0], &[]).unwrap();
        assert!(!path.exists());

        let bad = dir.join(format!("bad.{EXTENSION}"));
        create_private(&bad)
            .and_then(|mut f| f.write_all(b"{\"lockdown_spool\":1}\n"))
            .unwrap();
        save(&dir, &sink, &events).unwrap();
        let contents = read_dir(&dir).unwrap();
        assert_eq!(contents.files.len(), 1, "the good file is still read");
        assert_eq!(contents.skipped.len(), 1);
        assert!(
            contents.skipped[0].contains("bad.spool.jsonl:1"),
            "{contents:?}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_claimed_file_cannot_be_claimed_again_until_released() {
        let dir = std::env::temp_dir().join(format!("lockdown-spool-claim-{}", std::process::id()));
        let sink: Sink = "stdout".parse().unwrap();
        let path = save(&dir, &sink, &[json!({"n": 1})]).unwrap();
        let first = claim(&path).unwrap().expect("a free file is claimed");
        assert!(claim(&path).unwrap().is_none(), "held by the first claim");
        drop(first);
        let again = claim(&path).unwrap().expect("released with the claim");
        std::fs::remove_file(&path).unwrap();
        drop(again);
        assert!(claim(&path).unwrap().is_none(), "a delivered file is gone");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_staging_file_left_by_a_run_that_ended_becomes_a_spool_file() {
        let dir =
            std::env::temp_dir().join(format!("lockdown-spool-staged-{}", std::process::id()));
        let sink: Sink = "s3://findings/lockdown".parse().unwrap();
        let mut live = staging(&dir, &sink).unwrap();
        // Two whole events, and a third cut short by the end of the run.
        live.file
            .write_all(b"{\"n\":1}\n{\"n\":2}\n{\"n\":")
            .unwrap();
        let contents = read_dir(&dir).unwrap();
        assert!(contents.files.is_empty(), "held by its owner: {contents:?}");
        assert!(contents.skipped.is_empty(), "{contents:?}");
        assert!(live.path.exists());

        // Its owner gone without removing it (killed): its lock goes with it.
        let path = live.path.clone();
        drop(live);
        let contents = read_dir(&dir).unwrap();
        assert!(contents.skipped.is_empty(), "{contents:?}");
        assert_eq!(contents.files.len(), 1);
        assert_eq!(contents.files[0].sink, sink);
        assert_eq!(contents.files[0].events, [json!({"n": 1}), json!({"n": 2})]);
        assert!(!path.exists());

        // A staging file being created (still empty) is left alone; one of another shape is
        // reported and kept.
        let empty = dir.join(format!("empty.{STAGING_EXTENSION}"));
        create_private(&empty).unwrap();
        let odd = dir.join(format!("odd.{STAGING_EXTENSION}"));
        create_private(&odd)
            .and_then(|mut f| f.write_all(b"{\"sink\":\"stdout\"}\n{}\n"))
            .unwrap();
        let contents = read_dir(&dir).unwrap();
        assert_eq!(contents.files.len(), 1);
        assert_eq!(contents.skipped.len(), 1, "{contents:?}");
        assert!(
            contents.skipped[0].contains("odd.spool.staging:1"),
            "{contents:?}"
        );
        assert!(empty.exists() && odd.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn spools_are_private_and_shared_ones_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("lockdown-spool-perm-{}", std::process::id()));
        let sink: Sink = "stdout".parse().unwrap();
        let path = save(&dir, &sink, &[json!({"n": 1})]).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&path), 0o600);

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        let contents = read_dir(&dir).unwrap();
        assert!(contents.files.is_empty());
        assert!(
            contents.skipped[0].contains("can be written by other users"),
            "{contents:?}"
        );

        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let error = read_dir(&dir).unwrap_err();
        assert!(error.contains("can be written by other users"), "{error}");
        assert!(
            save(&dir, &sink, &[json!({"n": 2})]).is_err(),
            "nothing is spooled there"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
