//! Evaluation: checks loaded from TOML with CEL expressions, compiled once, run in parallel.

pub mod baseline;
pub mod catalog;
pub mod check;
pub mod engine;
pub mod filter_pattern;
pub mod finding;
pub mod redact;
pub mod sorted_runs;
pub mod suppress;
#[cfg(test)]
mod unknown_properties;

pub use catalog::{Catalog, Selection};
pub use check::{Check, CheckError};
pub use engine::evaluate;
pub use finding::{Finding, Severity, Status};

use chrono::{DateTime, Utc};

/// The clock check examples are evaluated at, so that dates in examples stay meaningful.
pub fn example_now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-06-01T00:00:00Z")
        .expect("valid constant")
        .with_timezone(&Utc)
}

/// A check example whose status differs from what it expects.
#[derive(Debug)]
pub struct ExampleFailure {
    pub check_id: String,
    pub index: usize,
    pub expected: Status,
    pub got: Status,
    pub reason: Option<std::sync::Arc<str>>,
}

impl std::fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} examples[{}]: expected {}, got {}",
            self.check_id,
            self.index,
            self.expected.as_str(),
            self.got.as_str()
        )?;
        if let Some(reason) = &self.reason {
            write!(f, " ({reason})")?;
        }
        Ok(())
    }
}

/// Evaluates every example of `checks` (an example naming a framework with that framework's
/// parameters) and returns the ones that do not give their expected status.
pub fn self_test(catalog: &Catalog, checks: &[&Check]) -> Vec<ExampleFailure> {
    let now = example_now();
    checks
        .iter()
        .flat_map(|check| {
            check
                .examples
                .iter()
                .enumerate()
                .filter_map(move |(index, example)| {
                    let judged = example
                        .framework
                        .as_deref()
                        .and_then(|framework| check.for_framework(framework, &catalog.env));
                    let (got, reason) = match &judged {
                        None => engine::evaluate_example(check, &catalog.env, &example.data, now),
                        Some(Ok(variant)) => {
                            engine::evaluate_example(variant, &catalog.env, &example.data, now)
                        }
                        Some(Err(error)) => (Status::Error, Some(error.to_string().into())),
                    };
                    (got != example.expect).then(|| ExampleFailure {
                        check_id: check.id().to_owned(),
                        index,
                        expected: example.expect,
                        got,
                        reason,
                    })
                })
        })
        .collect()
}
