//! Property tests ("fuzzing") of the parsers that read untrusted input: IAM and resource
//! policy documents, the credential report, and snapshot files. Each must return a value or an
//! error for any input, never panic; errors about files name the file. CI runs 2,000 cases
//! per parser (300 for snapshots); `LOCKDOWN_FUZZ_CASES=200000 cargo test --lib
//! parser_properties` runs longer.

use super::credential_report;
use super::policy::{PolicyDocument, decode_document};
use super::snapshot::Snapshot;
use proptest::prelude::*;
use serde_json::Value;
use std::path::Path;

const POLICY_KEYS: &[&str] = &[
    "Version",
    "Statement",
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
    "AWS",
    "Service",
    "Federated",
    "Bool",
    "aws:SecureTransport",
    "StringEquals",
    "aws:PrincipalOrgID",
];
const POLICY_WORDS: &[&str] = &[
    "*",
    "Allow",
    "Deny",
    "allow",
    "s3:*",
    "*:*",
    "iam:Pass*Role",
    "arn:aws:iam::111122223333:root",
    "false",
    "true",
    "2012-10-17",
    "",
    "ü∂é",
    "%7B%22Version%22%3A%22",
];

/// JSON values shaped like policy documents: known keys and words, any nesting and types.
fn policy_like() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        proptest::sample::select(POLICY_WORDS).prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        Just(Value::Null),
        ".{0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
            proptest::collection::btree_map(proptest::sample::select(POLICY_KEYS), inner, 0..6)
                .prop_map(|map| {
                    Value::Object(map.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
                }),
        ]
    })
}

const REPORT_FIELDS: &[&str] = &[
    "true",
    "false",
    "N/A",
    "not_supported",
    "no_information",
    "2021-03-04T05:06:07+00:00",
    "2021-13-45T99:99:99+00:00",
    "",
    "<root_account>",
    "\"quoted,comma\"",
    "x\ny",
];

fn credential_report_like() -> impl Strategy<Value = String> {
    let header: Vec<&str> = credential_report::HEADER.split(',').collect();
    let row = proptest::collection::vec(proptest::sample::select(REPORT_FIELDS), 0..26)
        .prop_map(|fields| fields.join(","));
    (
        proptest::sample::subsequence(header.clone(), 0..=header.len()),
        proptest::collection::vec(row, 0..6),
    )
        .prop_map(|(columns, rows)| format!("{}\n{}", columns.join(","), rows.join("\n")))
}

const DEMO: &str = include_str!("../../fixtures/demo-account.json");

/// Cases per property: `LOCKDOWN_FUZZ_CASES` for long runs, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("LOCKDOWN_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(2000)))]

    #[test]
    fn policy_documents_of_any_shape_parse_or_fail_cleanly(document in policy_like()) {
        let text = document.to_string();
        if let Ok(policy) = PolicyDocument::parse(&text) {
            let _ = (policy.grants_full_admin(), policy.allows_public(), policy.denies_insecure_transport("arn:aws:s3:::b"));
        }
    }

    #[test]
    fn any_text_as_a_policy_document_parses_or_fails_cleanly(text in any::<String>()) {
        let _ = PolicyDocument::parse(&decode_document(&text));
    }

    #[test]
    fn credential_reports_of_any_shape_parse_or_fail_cleanly(report in credential_report_like()) {
        let _ = credential_report::parse(report.as_bytes());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(300)))]

    #[test]
    fn damaged_snapshots_are_rejected_with_the_file_named(
        cut in 0..DEMO.len(),
        flips in proptest::collection::vec((0..DEMO.len(), any::<u8>()), 0..4),
    ) {
        let mut bytes = DEMO.as_bytes()[..cut].to_vec();
        for (position, byte) in flips {
            if position < bytes.len() {
                bytes[position] = byte;
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        if let Err(error) = Snapshot::from_json(&text, Path::new("damaged.json")) {
            prop_assert!(error.to_string().contains("damaged.json"), "{}", error);
        }
    }
}
