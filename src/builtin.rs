//! Data compiled into the binary: the `checks/` tree (check files, `controls.toml`,
//! `frameworks/`).

use include_dir::{Dir, include_dir};

/// The `checks/` directory of the source tree.
pub static CHECKS_DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/checks");

/// Files under `checks/` that are catalogs, not checks.
pub const CONTROLS_FILE: &str = "controls.toml";
/// Directory under `checks/` holding framework catalogs.
pub const FRAMEWORKS_DIR: &str = "frameworks";
/// The AWS Security Hub control catalog, under the frameworks directory.
pub const SECURITYHUB_FILE: &str = "frameworks/securityhub/controls.toml";
