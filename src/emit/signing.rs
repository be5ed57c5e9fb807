//! Tamper-evident outputs: a manifest with the SHA-256 of every file a run wrote, signed with
//! Ed25519. `lockdown verify` recomputes the hashes and checks the signature; any changed byte
//! fails it.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Identifies the manifest format and its version.
pub const MANIFEST_SCHEMA: &str = "lockdown.manifest/1";

/// One signed file, by its name relative to the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedFile {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

/// What is signed: every field of the manifest but the signature, in this order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestBody {
    pub manifest: String,
    pub lockdown_version: String,
    pub account_id: String,
    pub evaluated_at: String,
    pub files: Vec<SignedFile>,
    /// The Ed25519 public key (hex) that verifies the signature.
    pub public_key: String,
}

/// A signed manifest as written to disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(flatten)]
    pub body: ManifestBody,
    /// Ed25519 signature (hex) over the JSON serialization of `body`.
    pub signature: String,
}

/// A signing or verification failure, saying which file and what.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("{0}")]
    Invalid(String),
}

fn file_error(path: &Path, message: impl std::fmt::Display) -> SigningError {
    SigningError::File {
        path: path.to_owned(),
        message: message.to_string(),
    }
}

/// Reads a 32-byte Ed25519 key (hex, surrounding whitespace ignored) from `path`.
fn read_key(path: &Path) -> Result<[u8; 32], SigningError> {
    let text = std::fs::read_to_string(path).map_err(|e| file_error(path, e))?;
    let bytes = hex::decode(text.trim()).map_err(|_| file_error(path, "not a hex-encoded key"))?;
    bytes
        .try_into()
        .map_err(|_| file_error(path, "an Ed25519 key is 32 bytes (64 hex digits)"))
}

/// Loads the private signing key from `path`.
pub fn signing_key(path: &Path) -> Result<SigningKey, SigningError> {
    Ok(SigningKey::from_bytes(&read_key(path)?))
}

/// Loads a public key from `path`.
pub fn verifying_key(path: &Path) -> Result<VerifyingKey, SigningError> {
    VerifyingKey::from_bytes(&read_key(path)?).map_err(|e| file_error(path, e))
}

/// A new random key pair: `(private hex, public hex)`.
pub fn generate() -> Result<(String, String), SigningError> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| SigningError::Invalid(e.to_string()))?;
    let key = SigningKey::from_bytes(&seed);
    Ok((
        hex::encode(seed),
        hex::encode(key.verifying_key().as_bytes()),
    ))
}

fn hash_file(path: &Path) -> Result<(String, u64), SigningError> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| file_error(path, e))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut bytes = 0u64;
    loop {
        let read = file.read(&mut buffer).map_err(|e| file_error(path, e))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        bytes += read as u64;
    }
    Ok((hex::encode(hasher.finalize()), bytes))
}

fn body_bytes(body: &ManifestBody) -> Vec<u8> {
    serde_json::to_vec(body).expect("a manifest serializes")
}

/// Signs `files` (all in `dir`) and writes the manifest to `manifest_path`.
pub fn sign(
    key: &SigningKey,
    files: &[PathBuf],
    account_id: &str,
    evaluated_at: &str,
    manifest_path: &Path,
) -> Result<(), SigningError> {
    let mut signed = Vec::new();
    for path in files {
        let (sha256, bytes) = hash_file(path)?;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| file_error(path, "not a file name"))?;
        signed.push(SignedFile {
            path: name.to_owned(),
            sha256,
            bytes,
        });
    }
    let body = ManifestBody {
        manifest: MANIFEST_SCHEMA.to_owned(),
        lockdown_version: env!("CARGO_PKG_VERSION").to_owned(),
        account_id: account_id.to_owned(),
        evaluated_at: evaluated_at.to_owned(),
        files: signed,
        public_key: hex::encode(key.verifying_key().as_bytes()),
    };
    let signature = hex::encode(key.sign(&body_bytes(&body)).to_bytes());
    let text =
        serde_json::to_string_pretty(&Manifest { body, signature }).expect("a manifest serializes");
    std::fs::write(manifest_path, text + "\n").map_err(|e| file_error(manifest_path, e))
}

/// Checks the manifest's signature (with `trusted`, when given, which must be the manifest's
/// key) and every file's hash; returns the files verified.
pub fn verify(
    manifest_path: &Path,
    trusted: Option<&VerifyingKey>,
) -> Result<Vec<SignedFile>, SigningError> {
    let text = std::fs::read_to_string(manifest_path).map_err(|e| file_error(manifest_path, e))?;
    let manifest: Manifest = serde_json::from_str(&text)
        .map_err(|e| file_error(manifest_path, format!("not a lockdown manifest: {e}")))?;
    if manifest.body.manifest != MANIFEST_SCHEMA {
        return Err(file_error(
            manifest_path,
            format!("unsupported manifest `{}`", manifest.body.manifest),
        ));
    }
    let embedded = hex::decode(&manifest.body.public_key)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .and_then(|b| VerifyingKey::from_bytes(&b).ok())
        .ok_or_else(|| file_error(manifest_path, "public_key is not an Ed25519 key"))?;
    if trusted.is_some_and(|t| t != &embedded) {
        return Err(file_error(
            manifest_path,
            "signed with a different key than the trusted public key",
        ));
    }
    let signature = hex::decode(&manifest.signature)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| Signature::from_bytes(&b))
        .ok_or_else(|| file_error(manifest_path, "signature is not an Ed25519 signature"))?;
    embedded
        .verify(&body_bytes(&manifest.body), &signature)
        .map_err(|_| {
            file_error(
                manifest_path,
                "the signature does not match: the manifest was altered",
            )
        })?;
    let dir = manifest_path.parent().unwrap_or(Path::new("."));
    for file in &manifest.body.files {
        // `sign` lists bare file names: anything else would read outside the signed directory.
        let name = Path::new(&file.path);
        if name.components().count() != 1
            || !matches!(
                name.components().next(),
                Some(std::path::Component::Normal(_))
            )
        {
            return Err(file_error(
                manifest_path,
                format!(
                    "lists `{}`, which is not a file name in the signed directory",
                    file.path.escape_default()
                ),
            ));
        }
        let path = dir.join(&file.path);
        let (sha256, bytes) = hash_file(&path)?;
        if sha256 != file.sha256 || bytes != file.bytes {
            return Err(file_error(
                &path,
                "content differs from the signed hash: the file was altered",
            ));
        }
    }
    Ok(manifest.body.files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_run_verifies_and_any_changed_byte_fails() {
        let dir = std::env::temp_dir().join(format!("lockdown-signing-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (private, public) = generate().unwrap();
        std::fs::write(dir.join("key"), &private).unwrap();
        std::fs::write(dir.join("key.pub"), &public).unwrap();
        std::fs::write(dir.join("results.json"), b"{\"findings\":[]}").unwrap();
        let manifest = dir.join("results.manifest.json");
        let key = signing_key(&dir.join("key")).unwrap();
        sign(
            &key,
            &[dir.join("results.json")],
            "111122223333",
            "2026-11-01T09:00:00Z",
            &manifest,
        )
        .unwrap();
        let trusted = verifying_key(&dir.join("key.pub")).unwrap();
        assert_eq!(verify(&manifest, Some(&trusted)).unwrap().len(), 1);

        std::fs::write(dir.join("results.json"), b"{\"findings\":[ ]}").unwrap();
        let error = verify(&manifest, Some(&trusted)).unwrap_err().to_string();
        assert!(
            error.contains("results.json") && error.contains("altered"),
            "{error}"
        );

        std::fs::write(dir.join("results.json"), b"{\"findings\":[]}").unwrap();
        let text = std::fs::read_to_string(&manifest).unwrap();
        std::fs::write(&manifest, text.replace("111122223333", "999999999999")).unwrap();
        let error = verify(&manifest, None).unwrap_err().to_string();
        assert!(error.contains("signature does not match"), "{error}");

        let (_, other) = generate().unwrap();
        std::fs::write(dir.join("other.pub"), other).unwrap();
        std::fs::write(&manifest, text).unwrap();
        let error = verify(
            &manifest,
            Some(&verifying_key(&dir.join("other.pub")).unwrap()),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("different key"), "{error}");

        // A manifest (signed by its own key) that points outside its directory is refused.
        for escape in ["../outside.json", "/etc/passwd", "sub/../../x"] {
            std::fs::write(dir.join("results.json"), b"{}").unwrap();
            let forged = dir.join("forged.manifest.json");
            sign(
                &key,
                &[dir.join("results.json")],
                "111122223333",
                "t",
                &forged,
            )
            .unwrap();
            let text = std::fs::read_to_string(&forged).unwrap();
            let mut manifest: Manifest = serde_json::from_str(&text).unwrap();
            manifest.body.files[0].path = escape.into();
            let signature = key.sign(&body_bytes(&manifest.body));
            manifest.signature = hex::encode(signature.to_bytes());
            std::fs::write(&forged, serde_json::to_string(&manifest).unwrap()).unwrap();
            let error = verify(&forged, None).unwrap_err().to_string();
            assert!(error.contains("not a file name"), "{escape}: {error}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
