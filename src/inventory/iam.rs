//! IAM resource attributes. Fields that can be unknown (their source call failed or the
//! service did not say) are `Option`s, so a check sees `null`, never an invented value.

use super::policy::PolicyDocument;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Attributes that come from the credential report, for gap bookkeeping.
pub const CREDENTIAL_REPORT_ATTRIBUTES: &[&str] = crate::attributes!(User:
    password_enabled,
    password_last_used,
    password_last_changed,
    mfa_active,
    access_keys,
);

/// Attributes that come from GetAccountAuthorizationDetails.
pub const AUTHORIZATION_ATTRIBUTES: &[&str] =
    crate::attributes!(User: user_id, groups, attached_policies, inline_policies);

/// An access key slot of the credential report (a user has at most two keys).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AccessKey {
    /// 1 or 2, the report's column group.
    pub slot: u8,
    pub active: bool,
    /// When the key was created or last rotated.
    pub last_rotated: Option<DateTime<Utc>>,
    pub last_used: Option<DateTime<Utc>>,
    pub last_used_service: Option<String>,
}

/// An MFA device assigned to a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct MfaDevice {
    pub serial: String,
    /// `virtual`, or `hardware` for any non-virtual device (TOTP token, FIDO key).
    pub kind: String,
}

/// Account-wide IAM facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// Roles with the AWS managed `AWSSupportAccess` policy attached.
    pub support_roles: Vec<String>,
    /// GetAccountSummary counters (`AccountMFAEnabled`, `Users`, ...).
    pub summary: std::collections::BTreeMap<String, i64>,
}

/// The root user, from the credential report's `<root_account>` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RootUser {
    pub mfa_active: bool,
    /// The root user has a console password (GetAccountSummary's `AccountPasswordPresent`;
    /// accounts under centralized root access have none); null when the summary lacks it.
    pub password_present: Option<bool>,
    /// A virtual MFA device is assigned to root; `null` when the MFA device list failed.
    pub virtual_mfa: Option<bool>,
    pub password_last_used: Option<DateTime<Utc>>,
    pub access_keys: Vec<AccessKey>,
}

/// An IAM user, merged from the credential report and the authorization details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub name: String,
    pub user_id: Option<String>,
    pub path: Option<String>,
    pub created: Option<DateTime<Utc>>,
    pub password_enabled: Option<bool>,
    pub password_last_used: Option<DateTime<Utc>>,
    pub password_last_changed: Option<DateTime<Utc>>,
    pub mfa_active: Option<bool>,
    pub mfa_devices: Vec<MfaDevice>,
    pub access_keys: Vec<AccessKey>,
    pub groups: Vec<String>,
    /// ARNs of managed policies attached to the user directly.
    pub attached_policies: Vec<String>,
    /// Names of inline policies embedded in the user.
    pub inline_policies: Vec<String>,
}

/// An IAM group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub name: String,
    pub attached_policies: Vec<String>,
    pub inline_policies: Vec<String>,
}

/// An IAM role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub name: String,
    pub path: String,
    pub created: Option<DateTime<Utc>>,
    /// Created and managed by an AWS service (path `/aws-service-role/`).
    pub service_linked: bool,
    pub trust_policy: Option<PolicyDocument>,
    pub attached_policies: Vec<String>,
    pub inline_policies: Vec<String>,
}

/// A managed policy: customer managed, or AWS managed and attached in this account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ManagedPolicy {
    pub name: String,
    pub aws_managed: bool,
    pub attachment_count: i64,
    pub default_version: Option<String>,
    pub document: Option<PolicyDocument>,
    /// An unconditional Allow of `*` on `*`; `null` when the document is unknown.
    pub grants_full_admin: Option<bool>,
    /// Allows `kms:Decrypt` or `kms:ReEncryptFrom` on every resource; `null` when unknown.
    pub decrypts_all_keys: Option<bool>,
    /// Whole-service wildcard actions (`s3:*`) an Allow statement grants.
    pub service_wildcards: Option<Vec<String>>,
}

/// A policy embedded in a user, group or role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct InlinePolicy {
    pub name: String,
    /// `user`, `group` or `role`.
    pub principal_type: String,
    pub principal_name: String,
    pub document: Option<PolicyDocument>,
    pub grants_full_admin: Option<bool>,
    /// Allows `kms:Decrypt` or `kms:ReEncryptFrom` on every resource; `null` when unknown.
    pub decrypts_all_keys: Option<bool>,
}

/// The account password policy; `present = false` when none is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicy {
    pub present: bool,
    pub minimum_length: Option<i64>,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub allow_users_to_change: bool,
    pub expire_passwords: bool,
    pub max_password_age: Option<i64>,
    pub password_reuse_prevention: Option<i64>,
    pub hard_expiry: bool,
}

/// A server certificate stored in IAM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ServerCertificate {
    pub name: String,
    pub expiration: Option<DateTime<Utc>>,
    pub uploaded: Option<DateTime<Utc>>,
}
