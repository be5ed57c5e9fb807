//! moto server behind the test proxy, for benchmarks that scan an emulated AWS.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// moto server and the test proxy on free ports (they exit when stdin, held by the returned
/// child, closes), and the proxy's URL: the proxy answers at once for services moto lacks
/// and fixes moto's answers where they differ from AWS's, as in the tests.
pub fn start() -> (Child, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = std::env::var("LOCKDOWN_TEST_PYTHON")
        .map(Into::into)
        .unwrap_or_else(|_| root.join(".venv/bin/python"));
    let mut child = Command::new(python)
        .arg(root.join("tests/support/aws_emulator.py"))
        .env("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start moto: run `bash .ci/test.sh` once to create .venv");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    // `READY <moto> <proxy>`
    let port = line
        .split_whitespace()
        .nth(2)
        .expect("READY line")
        .to_owned();
    (child, format!("http://127.0.0.1:{port}"))
}
