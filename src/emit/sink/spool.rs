//! The spool: events a sink could not take, kept on disk until `lockdown send --spool DIR`
//! delivers them. One file per failed delivery: a header line naming the sink, then one event
//! per line. Files are written under a temporary name and renamed, so a crash leaves no
//! half-written spool file behind.

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

/// Undelivered events of one sink, read back from the spool.
#[derive(Debug)]
pub struct SpoolFile {
    pub path: PathBuf,
    pub sink: Sink,
    pub events: Vec<Value>,
}

/// Where undelivered events go unless `--spool-dir` says otherwise: `$LOCKDOWN_SPOOL_DIR`,
/// else `$XDG_STATE_HOME/lockdown/spool`, else `~/.local/state/lockdown/spool`.
pub fn default_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("LOCKDOWN_SPOOL_DIR") {
        return dir.into();
    }
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir);
    state.join("lockdown/spool")
}

fn write_file(path: &Path, sink: &Sink, events: &[Value]) -> std::io::Result<()> {
    let header = Header {
        lockdown_spool: SPOOL_VERSION,
        sink: sink.to_string(),
        events: events.len(),
        created_at: Utc::now(),
    };
    let partial = path.with_extension("partial");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&partial)?);
    serde_json::to_writer(&mut out, &header)?;
    out.write_all(b"\n")?;
    for event in events {
        serde_json::to_writer(&mut out, event)?;
        out.write_all(b"\n")?;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&partial, path)
}

/// Saves `events` that `sink` did not take; returns the file written.
pub fn save(dir: &Path, sink: &Sink, events: &[Value]) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
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
    let path = dir.join(name);
    write_file(&path, sink, events)?;
    Ok(path)
}

fn read_file(path: &Path) -> Result<SpoolFile, String> {
    let at = |line: usize, message: String| format!("{}:{line}: {message}", path.display());
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

/// Every spool file in `dir`, oldest first.
pub fn read_dir(dir: &Path) -> Result<Vec<SpoolFile>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read spool {}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.to_string_lossy().ends_with(EXTENSION))
        .collect();
    paths.sort();
    paths.iter().map(|path| read_file(path)).collect()
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
        let files = read_dir(&dir).unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!((&files[0].sink, &files[0].events), (&sink, &events));
        settle(&files[0], &events[1..]).unwrap();
        assert_eq!(read_dir(&dir).unwrap()[0].events, [json!({"n": 2})]);
        settle(&files[0], &[]).unwrap();
        assert!(!path.exists());

        std::fs::write(
            dir.join(format!("bad.{EXTENSION}")),
            "{\"lockdown_spool\":1}\n",
        )
        .unwrap();
        let error = read_dir(&dir).unwrap_err();
        assert!(error.contains("bad.spool.jsonl:1"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
