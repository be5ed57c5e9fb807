//! Emission: output formats and where they are written.

pub mod report;
pub mod summary;

pub use report::{Report, Summary};

use std::io::Write;
use std::path::Path;

/// Machine-readable output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON document: scan metadata, summary, findings, collection errors.
    Json,
    /// One finding per line (for SIEM ingestion).
    Ndjson,
}

impl Format {
    /// Writes `report` in this format.
    pub fn write(self, report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
        match self {
            Format::Json => report.write_json(out),
            Format::Ndjson => report.write_ndjson(out),
        }
    }
}

/// Writes `report` to `path` (`-` for stdout), creating parent directories.
pub fn write_to(format: Format, report: &Report<'_>, path: &Path) -> std::io::Result<()> {
    if path == Path::new("-") {
        let stdout = std::io::stdout();
        let mut lock = stdout.lock();
        format.write(report, &mut lock)?;
        return lock.flush();
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    format.write(report, &mut file)?;
    file.flush()
}
