//! IAM policy documents normalized into facts that checks can read with one expression:
//! a statement list (objects or arrays both accepted, single strings widened to lists) and
//! derived facts such as `grants_full_admin`. Who a policy opens a resource to is decided in
//! [`exposure`].

mod exposure;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Effect {
    #[default]
    Allow,
    Deny,
}

/// One policy statement with every list-or-string field widened to a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub actions: Vec<String>,
    pub not_actions: Vec<String>,
    pub resources: Vec<String>,
    pub not_resources: Vec<String>,
    /// Principals as `TYPE:VALUE` (e.g. `AWS:arn:aws:iam::1:root`), or `*` for everyone.
    pub principals: Vec<String>,
    pub not_principals: Vec<String>,
    pub has_condition: bool,
    /// The condition block flattened: one entry per operator and key.
    #[serde(default)]
    pub conditions: Vec<Condition>,
}

/// One `operator: {key: values}` test of a statement's `Condition` block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// e.g. `Bool`, `StringEquals`, `ForAnyValue:StringLike`.
    pub operator: String,
    /// e.g. `aws:SecureTransport` (as written).
    pub key: String,
    /// Values as strings (`false`, `o-abc123`).
    pub values: Vec<String>,
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PolicyDocument {
    pub statements: Vec<Statement>,
}

/// Why a policy document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy document: {0}")]
pub struct PolicyError(String);

/// Returns the JSON text of a policy document as IAM returns it (URL-encoded) or as written.
pub fn decode_document(raw: &str) -> String {
    let trimmed = raw.trim_start();
    if trimmed.starts_with('{') {
        return raw.to_owned();
    }
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

fn string_list(value: Option<&Value>, field: &str) -> Result<Vec<String>, PolicyError> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(PolicyError(format!(
                    "`{field}` must hold strings, found {other}"
                ))),
            })
            .collect(),
        Some(other) => Err(PolicyError(format!(
            "`{field}` must be a string or a list, found {other}"
        ))),
    }
}

fn principal_list(value: Option<&Value>, field: &str) -> Result<Vec<String>, PolicyError> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::String(s)) if s == "*" => Ok(vec!["*".into()]),
        Some(Value::Object(by_type)) => {
            let mut principals = Vec::new();
            for (principal_type, ids) in by_type {
                for id in string_list(Some(ids), field)? {
                    principals.push(format!("{principal_type}:{id}"));
                }
            }
            Ok(principals)
        }
        Some(other) => Err(PolicyError(format!(
            "`{field}` must be \"*\" or a map of principal types, found {other}"
        ))),
    }
}

fn conditions(value: Option<&Value>) -> Result<Vec<Condition>, PolicyError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let Value::Object(operators) = value else {
        return Err(PolicyError(format!(
            "`Condition` must be an object, found {value}"
        )));
    };
    let mut out = Vec::new();
    for (operator, tests) in operators {
        let Value::Object(tests) = tests else {
            return Err(PolicyError(format!(
                "`Condition.{operator}` must be an object, found {tests}"
            )));
        };
        for (key, values) in tests {
            let values = match values {
                Value::Array(items) => items.iter().map(scalar).collect(),
                single => vec![scalar(single)],
            };
            out.push(Condition {
                operator: operator.clone(),
                key: key.clone(),
                values,
            });
        }
    }
    Ok(out)
}

/// A condition value as text: `"false"` and `false` both read `false`.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn parse_statement(value: &Value) -> Result<Statement, PolicyError> {
    let Value::Object(fields) = value else {
        return Err(PolicyError(format!(
            "a statement must be an object, found {value}"
        )));
    };
    let effect = match fields.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        other => {
            return Err(PolicyError(format!(
                "`Effect` must be \"Allow\" or \"Deny\", found {}",
                other.unwrap_or("nothing")
            )));
        }
    };
    Ok(Statement {
        sid: fields.get("Sid").and_then(Value::as_str).map(str::to_owned),
        effect,
        actions: string_list(fields.get("Action"), "Action")?,
        not_actions: string_list(fields.get("NotAction"), "NotAction")?,
        resources: string_list(fields.get("Resource"), "Resource")?,
        not_resources: string_list(fields.get("NotResource"), "NotResource")?,
        principals: principal_list(fields.get("Principal"), "Principal")?,
        not_principals: principal_list(fields.get("NotPrincipal"), "NotPrincipal")?,
        has_condition: fields
            .get("Condition")
            .is_some_and(|c| c.as_object().is_none_or(|m| !m.is_empty())),
        conditions: conditions(fields.get("Condition"))?,
    })
}

impl PolicyDocument {
    /// Parses the JSON text of a policy document.
    pub fn parse(json: &str) -> Result<Self, PolicyError> {
        let value: Value =
            serde_json::from_str(json).map_err(|e| PolicyError(format!("not JSON: {e}")))?;
        let statements = match value.get("Statement") {
            Some(Value::Array(items)) => items.iter().map(parse_statement).collect(),
            Some(single @ Value::Object(_)) => parse_statement(single).map(|s| vec![s]),
            Some(other) => Err(PolicyError(format!(
                "`Statement` must be an object or a list, found {other}"
            ))),
            None => Err(PolicyError("no `Statement`".into())),
        }?;
        Ok(Self { statements })
    }

    /// True when an Allow statement grants every action on every resource (`"Action": "*"` or
    /// `"*:*"` with `"Resource": "*"`), with or without a condition, as CIS AWS (v5.0.0 1.15)
    /// and FSBP IAM.1 audit it: a condition (MFA, source IP) narrows when, not what.
    pub fn grants_full_admin(&self) -> bool {
        self.statements.iter().any(|s| {
            s.effect == Effect::Allow
                && s.actions.iter().any(|a| a == "*" || a == "*:*")
                && s.resources.iter().any(|r| r == "*")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_statement_object_and_string_fields_are_widened() {
        let doc = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
        )
        .unwrap();
        assert_eq!(doc.statements.len(), 1);
        assert_eq!(doc.statements[0].actions, vec!["*"]);
        assert!(doc.grants_full_admin());
    }

    #[test]
    fn deny_and_not_action_are_not_full_admin_and_a_condition_does_not_excuse_it() {
        let conditioned = r#"{"Statement":[{"Effect":"Allow","Action":"*:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}"#;
        assert!(
            PolicyDocument::parse(conditioned)
                .unwrap()
                .grants_full_admin()
        );
        for json in [
            r#"{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/*"}]}"#,
        ] {
            assert!(
                !PolicyDocument::parse(json).unwrap().grants_full_admin(),
                "{json}"
            );
        }
    }

    #[test]
    fn principals_are_flattened() {
        let doc = PolicyDocument::parse(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:root","2"],"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Deny","NotPrincipal":"*","Action":"s3:*"}]}"#,
        )
        .unwrap();
        assert_eq!(
            doc.statements[0].principals,
            vec![
                "AWS:arn:aws:iam::1:root",
                "AWS:2",
                "Service:ec2.amazonaws.com"
            ]
        );
        assert_eq!(doc.statements[1].not_principals, vec!["*"]);
    }

    #[test]
    fn odd_shapes_are_errors_not_panics() {
        for json in [
            "not json",
            "{}",
            r#"{"Statement":"x"}"#,
            r#"{"Statement":[1]}"#,
            r#"{"Statement":[{"Effect":"allow","Action":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Action":[1]}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":7}]}"#,
        ] {
            assert!(PolicyDocument::parse(json).is_err(), "{json}");
        }
    }

    #[test]
    fn url_encoded_documents_are_decoded_and_plain_ones_kept() {
        let encoded = "%7B%22Statement%22%3A%5B%5D%7D";
        assert_eq!(decode_document(encoded), r#"{"Statement":[]}"#);
        let plain = r#"{"Statement":[{"Effect":"Allow","Action":"s3:Get%2A","Resource":"*"}]}"#;
        assert_eq!(decode_document(plain), plain);
    }
}
