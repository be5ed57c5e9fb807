//! Evidence never carries secrets. lockdown collects no user data or environment variables,
//! but any string that reaches a finding's evidence is checked: credentials in known shapes
//! (AWS secret keys and session tokens, private keys, JWTs, vendor tokens, passwords in URLs)
//! and values under secret-looking keys of nested maps (e.g. `{"DB_PASSWORD": "..."}`) are
//! replaced by [`REDACTED`].

use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

/// What a redacted value becomes.
pub const REDACTED: &str = "[REDACTED]";

/// Credential shapes, matched anywhere in a string.
static SECRET_SHAPES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
        r"|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.",
        r"|\b(?:ghp|gho|ghs|ghu|github_pat)_[A-Za-z0-9_]{20,}",
        r"|\bxox[abprs]-[A-Za-z0-9-]{10,}",
        r"|\b(?:IQoJb3JpZ2lu|FwoGZXIvYXdz)[A-Za-z0-9/+=]{40,}",
        r"|(?i:aws_secret_access_key|secret_access_key)\s*[=:]\s*\S+",
    ))
    .expect("valid pattern")
});

/// A URL's password: `scheme://user:PASSWORD@host`.
static URL_PASSWORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(://[^/\s:@]+:)[^/\s@]+@").expect("valid pattern"));

/// A whole value shaped like an AWS secret access key: 40 base64 characters, not all hex (a
/// SHA-1 fingerprint is 40 hex digits and no secret).
fn looks_like_aws_secret_key(text: &str) -> bool {
    text.len() == 40
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'+')
        && !text.bytes().all(|b| b.is_ascii_hexdigit())
        && text.bytes().any(|b| b.is_ascii_digit())
        && text.bytes().any(|b| b.is_ascii_lowercase())
        && text.bytes().any(|b| b.is_ascii_uppercase())
}

/// Map keys whose values are secrets, e.g. environment variables `DB_PASSWORD`, `API_TOKEN`.
fn secret_key(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "secret",
        "token",
        "api_key",
        "apikey",
        "private_key",
        "credential",
    ]
    .iter()
    .any(|word| name.contains(word))
}

/// Redacts one string; `None` when nothing in it looks secret.
fn redact_text(text: &str) -> Option<String> {
    if looks_like_aws_secret_key(text) || SECRET_SHAPES.is_match(text) {
        return Some(REDACTED.to_owned());
    }
    URL_PASSWORD.is_match(text).then(|| {
        URL_PASSWORD
            .replace_all(text, format!("${{1}}{REDACTED}@"))
            .into_owned()
    })
}

/// Redacts secrets anywhere in the value of an evidence attribute, including values under
/// secret-looking keys of nested maps. The attribute's own name is lockdown's schema (e.g.
/// `password_last_used`) and is not itself taken as a secret-looking key.
pub fn redact_value(value: &mut Value) {
    match value {
        Value::String(text) => {
            if let Some(redacted) = redact_text(text) {
                *text = redacted;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if secret_key(key) && !matches!(item, Value::Bool(_) | Value::Null) {
                    *item = Value::String(REDACTED.to_owned());
                } else {
                    redact_value(item);
                }
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn redacted(mut value: Value) -> Value {
        redact_value(&mut value);
        value
    }

    fn redacted_attributes(value: Value) -> Value {
        let Value::Object(mut attributes) = value else {
            panic!("attributes are a map")
        };
        attributes.values_mut().for_each(redact_value);
        Value::Object(attributes)
    }

    #[test]
    fn credential_shapes_are_redacted() {
        for secret in [
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEow...",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig",
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "xoxb-1234567890-abcdefghij",
            "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ",
            "export AWS_SECRET_ACCESS_KEY=abc123",
        ] {
            assert_eq!(redacted(json!(secret)), json!(REDACTED), "{secret}");
        }
        assert_eq!(
            redacted(json!("https://admin:hunter2@es.example.com:9200/x")),
            json!("https://admin:[REDACTED]@es.example.com:9200/x")
        );
    }

    #[test]
    fn secret_keys_of_nested_maps_are_redacted_and_ordinary_evidence_is_kept() {
        let evidence = json!({
            "password_enabled": true,
            "password_last_used": "2026-01-01T00:00:00Z",
            "environment": {"DB_PASSWORD": "p4ss", "API_TOKEN": "t0k", "REGION": "eu-west-1"},
            "fingerprint": "0123456789abcdef0123456789abcdef01234567",
            "arn": "arn:aws:iam::123456789012:user/alice",
            "user_data": ["#!/bin/sh", "curl https://u:secretpw@repo.example.com/setup"],
        });
        assert_eq!(
            redacted_attributes(evidence),
            json!({
                "password_enabled": true,
                "password_last_used": "2026-01-01T00:00:00Z",
                "environment": {"DB_PASSWORD": REDACTED, "API_TOKEN": REDACTED, "REGION": "eu-west-1"},
                "fingerprint": "0123456789abcdef0123456789abcdef01234567",
                "arn": "arn:aws:iam::123456789012:user/alice",
                "user_data": ["#!/bin/sh", "curl https://u:[REDACTED]@repo.example.com/setup"],
            })
        );
    }
}
