//! The IAM credential report (CSV), parsed by column name into typed rows.

use super::iam::AccessKey;
use chrono::{DateTime, Utc};

/// Name of the root user's row.
pub const ROOT_ROW: &str = "<root_account>";

/// One row of the credential report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub user: String,
    pub arn: String,
    pub created: Option<DateTime<Utc>>,
    /// `None` for root (`not_supported`).
    pub password_enabled: Option<bool>,
    pub password_last_used: Option<DateTime<Utc>>,
    pub password_last_changed: Option<DateTime<Utc>>,
    pub mfa_active: bool,
    /// Keys that exist (a slot with no rotation date holds no key).
    pub access_keys: Vec<AccessKey>,
}

/// A credential report that does not have the expected shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("credential report line {line}: {message}")]
pub struct ReportError {
    pub line: u64,
    pub message: String,
}

struct Columns<'a> {
    headers: &'a csv::StringRecord,
    record: &'a csv::StringRecord,
    line: u64,
}

impl Columns<'_> {
    fn text(&self, name: &str) -> Result<&str, ReportError> {
        let index = self
            .headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| self.error(format!("no column `{name}`")))?;
        self.record
            .get(index)
            .ok_or_else(|| self.error(format!("column `{name}` is missing")))
    }

    fn error(&self, message: String) -> ReportError {
        ReportError {
            line: self.line,
            message,
        }
    }

    fn flag(&self, name: &str) -> Result<Option<bool>, ReportError> {
        match self.text(name)? {
            "true" | "TRUE" => Ok(Some(true)),
            "false" | "FALSE" => Ok(Some(false)),
            "not_supported" | "N/A" => Ok(None),
            other => Err(self.error(format!(
                "column `{name}`: expected true/false, found {other:?}"
            ))),
        }
    }

    fn time(&self, name: &str) -> Result<Option<DateTime<Utc>>, ReportError> {
        match self.text(name)? {
            "N/A" | "no_information" | "not_supported" | "" => Ok(None),
            value => DateTime::parse_from_rfc3339(value)
                .map(|t| Some(t.with_timezone(&Utc)))
                .map_err(|e| self.error(format!("column `{name}`: {value:?} is not a date: {e}"))),
        }
    }

    fn optional_text(&self, name: &str) -> Result<Option<String>, ReportError> {
        Ok(match self.text(name)? {
            "N/A" | "no_information" | "" => None,
            value => Some(value.to_owned()),
        })
    }

    fn access_key(&self, slot: u8) -> Result<Option<AccessKey>, ReportError> {
        let column = |suffix: &str| format!("access_key_{slot}_{suffix}");
        let last_rotated = self.time(&column("last_rotated"))?;
        let active = self.flag(&column("active"))?.unwrap_or(false);
        if last_rotated.is_none() && !active {
            return Ok(None);
        }
        Ok(Some(AccessKey {
            slot,
            active,
            last_rotated,
            last_used: self.time(&column("last_used_date"))?,
            last_used_service: self.optional_text(&column("last_used_service"))?,
        }))
    }

    /// Reads the columns in report order, so the first bad column is the one reported.
    fn row(&self) -> Result<Row, ReportError> {
        Ok(Row {
            user: self.text("user")?.to_owned(),
            arn: self.text("arn")?.to_owned(),
            created: self.time("user_creation_time")?,
            password_enabled: self.flag("password_enabled")?,
            password_last_used: self.time("password_last_used")?,
            password_last_changed: self.time("password_last_changed")?,
            mfa_active: self.flag("mfa_active")?.unwrap_or(false),
            access_keys: [self.access_key(1)?, self.access_key(2)?]
                .into_iter()
                .flatten()
                .collect(),
        })
    }
}

/// Parses the report's CSV content.
pub fn parse(content: &[u8]) -> Result<Vec<Row>, ReportError> {
    let mut reader = csv::ReaderBuilder::new().from_reader(content);
    let headers = reader
        .headers()
        .map_err(|e| ReportError {
            line: 1,
            message: e.to_string(),
        })?
        .clone();
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index as u64 + 2;
        let record = record.map_err(|e| ReportError {
            line,
            message: e.to_string(),
        })?;
        rows.push(
            Columns {
                headers: &headers,
                record: &record,
                line,
            }
            .row()?,
        );
    }
    Ok(rows)
}

/// The columns of a credential report as AWS writes them (for tests).
#[cfg(test)]
pub(crate) const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_root_and_user_rows() {
        let report = format!(
            "{HEADER}\n\
             <root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,2024-05-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n\
             alice,arn:aws:iam::123456789012:user/alice,2021-03-04T05:06:07+00:00,true,no_information,2021-03-04T05:06:07+00:00,N/A,false,true,2021-03-04T05:06:08+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
        );
        let rows = parse(report.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].user, ROOT_ROW);
        assert_eq!(rows[0].password_enabled, None);
        assert!(rows[0].mfa_active);
        assert!(rows[0].access_keys.is_empty());
        let alice = &rows[1];
        assert_eq!(alice.password_enabled, Some(true));
        assert_eq!(alice.password_last_used, None);
        assert_eq!(alice.access_keys.len(), 1);
        assert!(alice.access_keys[0].active);
        assert_eq!(alice.access_keys[0].last_used, None);
    }

    #[test]
    fn malformed_reports_name_the_line_and_column() {
        let bad_date = format!(
            "{HEADER}\nbob,arn:aws:iam::1:user/bob,yesterday,true,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
        );
        let err = parse(bad_date.as_bytes()).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("user_creation_time"), "{err}");

        let missing_column = "user,arn\nbob,arn:aws:iam::1:user/bob\n";
        let err = parse(missing_column.as_bytes()).unwrap_err();
        assert!(err.message.contains("user_creation_time"), "{err}");

        let ragged = format!("{HEADER}\nbob,arn\n");
        assert_eq!(parse(ragged.as_bytes()).unwrap_err().line, 2);
    }
}
