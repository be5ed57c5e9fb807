//! AWS CodeBuild attributes. Environment variable values and credentials in source URLs are
//! never collected: only variable names and types, and URLs with their user information
//! replaced.

use serde::{Deserialize, Serialize};

/// A CodeBuild project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub name: String,
    /// The primary source, then the secondary sources.
    pub sources: Vec<Source>,
    /// Environment variables by name and type, without their values.
    pub environment_variables: Vec<EnvironmentVariable>,
    /// Builds run Docker in privileged mode.
    pub privileged_mode: bool,
    /// Build logs go to CloudWatch Logs.
    pub cloudwatch_logs: bool,
    /// Build logs go to S3.
    pub s3_logs: bool,
    /// S3 build logs are written unencrypted (`encryptionDisabled`).
    pub s3_logs_encryption_disabled: bool,
}

/// Where a build's source comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// `BITBUCKET`, `GITHUB`, `CODECOMMIT`, `S3`, `NO_SOURCE`, ...
    pub source_type: String,
    /// The location with any user information replaced by `[REDACTED]`; null when none.
    pub location: Option<String>,
    /// The location carried user information (a token, or a user name and password).
    pub credentials_in_url: bool,
}

/// An environment variable of a build project: never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentVariable {
    pub name: String,
    /// `PLAINTEXT`, `PARAMETER_STORE` or `SECRETS_MANAGER`.
    pub variable_type: String,
}
