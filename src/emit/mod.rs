//! Emission: output formats and where they are written.

pub mod asff;
pub mod compliance;
pub mod csv;
pub mod html;
pub mod ocsf;
pub mod oscal;
pub mod readable;
pub mod report;
pub mod signing;
pub mod sink;
pub mod terminal;

pub use report::{Report, ResourceCounts, Summary};

use std::io::Write;
use std::path::{Path, PathBuf};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON document: scan metadata, summary, findings, collection errors, compliance.
    Json,
    /// One finding per line (native schema).
    Ndjson,
    /// OCSF 1.8 events, one per line: Detection Findings (2004), and Compliance Findings (2003)
    /// for the frameworks chosen with --framework.
    Ocsf,
    /// AWS Security Finding Format (Security Hub), a JSON array.
    Asff,
    /// OSCAL 1.2.1 assessment results (JSON): observations, risks, and a finding per
    /// requirement of the frameworks chosen with --framework.
    Oscal,
    /// One row per finding.
    Csv,
    /// A self-contained HTML report for people.
    Html,
}

impl Format {
    /// Writes `report` in this format.
    pub fn write(self, report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
        if report.runs().is_some() && !self.writes_from_runs() {
            return Err(std::io::Error::other(format!(
                "{self:?} output needs every finding in memory; this run kept them in sorted runs"
            )));
        }
        match self {
            Format::Json => report.write_json(out),
            Format::Ndjson => report.write_ndjson(out),
            Format::Ocsf => ocsf::write(report, out),
            Format::Asff => asff::write(report, &report.home_region, out),
            Format::Oscal => oscal::write(report, out),
            Format::Csv => csv::write(report, out),
            Format::Html => html::write(report, out),
        }
    }

    /// Whether this format is written in finding order, a finding at a time (and so can be
    /// written from sorted runs without holding every finding).
    pub fn writes_from_runs(self) -> bool {
        matches!(
            self,
            Format::Json | Format::Ndjson | Format::Ocsf | Format::Csv | Format::Asff
        )
    }

    /// The file name extension of this format.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Ocsf => "ocsf.jsonl",
            Format::Asff => "asff.json",
            Format::Oscal => "oscal.json",
            Format::Csv => "csv",
            Format::Html => "html",
        }
    }
}

/// `dir/<stem>.<extension>` for each format.
pub fn paths_in(dir: &Path, stem: &str, formats: &[Format]) -> Vec<(Format, PathBuf)> {
    formats
        .iter()
        .map(|&f| (f, dir.join(format!("{stem}.{}", f.extension()))))
        .collect()
}

/// Items encoded together before their lines are written: enough to keep every core busy, few
/// enough that the encoded text in flight stays small.
pub const LINE_CHUNK: usize = 8192;

/// JSON lines being encoded, one value per line.
#[derive(Default)]
pub struct Lines(Vec<u8>);

impl Lines {
    /// Appends `value` as one line.
    pub fn push<S: serde::Serialize>(&mut self, value: &S) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.0, value)?;
        self.0.push(b'\n');
        Ok(())
    }
}

/// Writes the JSON lines `encode` gives for each of `items`, in order; items are encoded in
/// parallel, a chunk at a time.
pub fn write_lines<T: Sync>(
    items: &[T],
    out: &mut dyn Write,
    encode: impl Fn(&T, &mut Lines) -> std::io::Result<()> + Sync,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    for chunk in items.chunks(LINE_CHUNK) {
        let parts: Vec<std::io::Result<Lines>> = chunk
            .par_chunks(LINE_CHUNK / 32)
            .map(|part| {
                let mut lines = Lines::default();
                part.iter().try_for_each(|item| encode(item, &mut lines))?;
                Ok(lines)
            })
            .collect();
        for part in parts {
            out.write_all(&part?.0)?;
        }
    }
    Ok(())
}

/// Shortens `text` to at most `max` characters, marking the cut with `…`.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    short
}

/// Writes `report` to `path` (`-` for stdout), creating parent directories.
pub fn write_to(format: Format, report: &Report<'_>, path: &Path) -> std::io::Result<()> {
    if path == Path::new("-") {
        let stdout = std::io::stdout();
        let mut lock = stdout.lock();
        format.write(report, &mut lock)?;
        return lock.flush();
    }
    // A device or a pipe (`/dev/null`, `/dev/stdout`, a FIFO) is written into: renaming a file
    // onto it would replace it.
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        let mut out = std::io::BufWriter::new(std::fs::OpenOptions::new().write(true).open(path)?);
        format.write(report, &mut out)?;
        return out.flush();
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    // Written beside and renamed into place: readers (and a baseline being replaced) never
    // see half a file.
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let partial = path.with_file_name(format!(".{name}.partial"));
    let written = (|| {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&partial)?);
        format.write(report, &mut file)?;
        file.into_inner()
            .map_err(std::io::IntoInnerError::into_error)?
            .sync_all()?;
        std::fs::rename(&partial, path)
    })();
    if written.is_err() {
        // A failed write leaves nothing behind.
        let _ = std::fs::remove_file(&partial);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::truncate;

    #[cfg(unix)]
    #[test]
    fn an_output_that_is_a_pipe_is_written_into_not_replaced() {
        use std::io::Read;
        use std::os::unix::fs::FileTypeExt;
        let dir = std::env::temp_dir().join(format!("lockdown-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory");
        let fifo = dir.join("out");
        let name = std::ffi::CString::new(fifo.to_str().expect("utf-8")).expect("a path");
        // SAFETY: mkfifo on a NUL-terminated path this test owns.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                let mut text = String::new();
                std::fs::File::open(fifo)
                    .and_then(|mut f| f.read_to_string(&mut text))
                    .map(|_| text)
            })
        };
        let snapshot = crate::inventory::synthetic::snapshot(1, 1);
        let report = crate::emit::Report::new(
            &snapshot,
            &crate::emit::ResourceCounts::of(&snapshot),
            &[],
            0,
            snapshot.collection.finished_at,
            Vec::new(),
        );
        super::write_to(super::Format::Json, &report, &fifo).expect("written");
        // Checked first: a pipe replaced by a file would leave the reader waiting for good.
        let kind = std::fs::symlink_metadata(&fifo)
            .expect("still there")
            .file_type();
        assert!(kind.is_fifo(), "the pipe is still a pipe: {kind:?}");
        let read = reader.join().expect("the reader").expect("read");
        assert!(read.contains("\"findings\": []"), "{read}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn truncate_counts_characters_not_bytes() {
        assert_eq!(truncate("héllo", 5), "héllo");
        assert_eq!(truncate("héllo wörld", 5), "héll…");
        assert_eq!(truncate("héllo wörld", 5).chars().count(), 5);
    }
}
