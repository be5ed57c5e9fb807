//! `lockdown keygen` and `lockdown verify`: keys for signed outputs, and checking them.

use super::{Failure, exit};
use crate::emit::signing;
use clap::Args;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Options of `lockdown keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Write the private key here (mode 600) and the public key to the same path plus `.pub`.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// Options of `lockdown verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The manifests written by `scan --sign` (`*.manifest.json`); several may be given, e.g.
    /// `evidence/*.manifest.json`. Files in their directories that no manifest lists are
    /// reported, and fail the verification.
    #[arg(required = true)]
    manifests: Vec<PathBuf>,
    /// The public key you trust (from `lockdown keygen`). Without it, the manifest is checked
    /// against the key it names, which proves integrity but not who signed.
    #[arg(long, value_name = "FILE")]
    public_key: Option<PathBuf>,
}

/// `lockdown keygen`.
pub fn keygen(args: KeygenArgs) -> Result<u8, Failure> {
    let (private, public) = signing::generate().map_err(Failure::runtime)?;
    let public_path = PathBuf::from(format!("{}.pub", args.out.display()));
    for path in [&args.out, &public_path] {
        if path.exists() {
            return Err(Failure::usage(format!(
                "{} exists; lockdown does not overwrite keys",
                path.display()
            )));
        }
    }
    write_private(&args.out, &private)
        .map_err(|e| Failure::runtime(format!("{}: {e}", args.out.display())))?;
    std::fs::write(&public_path, public + "\n")
        .map_err(|e| Failure::runtime(format!("{}: {e}", public_path.display())))?;
    eprintln!(
        "private key: {} (keep it secret)\npublic key:  {} (give it to whoever verifies)",
        args.out.display(),
        public_path.display()
    );
    Ok(exit::OK)
}

/// Creates the private key file readable by its owner only.
fn write_private(path: &std::path::Path, key: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(format!("{key}\n").as_bytes())
}

/// Files in the directories of `manifests` that neither are a manifest nor are listed by one.
fn unlisted(manifests: &[PathBuf], listed: &BTreeSet<PathBuf>) -> Result<Vec<PathBuf>, Failure> {
    let dirs: BTreeSet<PathBuf> = manifests
        .iter()
        .map(|m| m.parent().unwrap_or(Path::new(".")).to_path_buf())
        .collect();
    let mut extra = Vec::new();
    for dir in dirs {
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| Failure::runtime(format!("cannot list {}: {e}", dir.display())))?;
        for entry in entries {
            let path = entry.map_err(Failure::runtime)?.path();
            if path.is_file() && !listed.contains(&path) && !manifests.contains(&path) {
                extra.push(path);
            }
        }
    }
    extra.sort();
    Ok(extra)
}

/// `lockdown verify`.
pub fn verify(args: VerifyArgs) -> Result<u8, Failure> {
    let trusted = args
        .public_key
        .as_deref()
        .map(signing::verifying_key)
        .transpose()
        .map_err(Failure::usage)?;
    let mut failed = false;
    let mut listed = BTreeSet::new();
    for manifest in &args.manifests {
        match signing::verify(manifest, trusted.as_ref()) {
            Ok(files) => {
                let dir = manifest.parent().unwrap_or(Path::new("."));
                for file in &files {
                    out!("ok  {}  {}", file.sha256, dir.join(&file.path).display());
                    listed.insert(dir.join(&file.path));
                }
            }
            Err(error) => {
                failed = true;
                eprintln!("error: verification failed: {error}");
            }
        }
    }
    for path in unlisted(&args.manifests, &listed)? {
        failed = true;
        eprintln!(
            "error: {} is not signed: no manifest lists it",
            path.display()
        );
    }
    if trusted.is_none() {
        eprintln!(
            "note: checked against the key named in each manifest; pass --public-key to also \
             check who signed"
        );
    }
    Ok(if failed {
        exit::VERIFY_FAILED
    } else {
        exit::OK
    })
}
