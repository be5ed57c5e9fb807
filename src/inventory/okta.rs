//! Okta attributes (resource types `okta.*`): policy rules, password policies, users, API
//! tokens, network zones and the org's log streams and automations, as Okta's Management API describes them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A rule of a global session policy (`OKTA_SIGN_ON`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SignOnRule {
    pub policy: String,
    pub rule: String,
    /// The rule and its policy are both `ACTIVE`.
    pub active: bool,
    /// `ALLOW` or `DENY`.
    pub access: String,
    /// A second factor is required (`actions.signon.requireFactor`).
    pub require_factor: bool,
    /// Session lifetime; 0 means no limit.
    pub max_session_lifetime_minutes: i64,
    pub max_session_idle_minutes: i64,
    /// Sessions survive closing the browser.
    pub persistent_cookie: bool,
}

/// A rule of an authentication policy (`ACCESS_POLICY`, Identity Engine).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AccessRule {
    pub policy: String,
    pub rule: String,
    pub active: bool,
    pub access: String,
    /// `1FA` or `2FA` (`verificationMethod.factorMode`).
    pub factor_mode: String,
    /// A possession constraint requires a phishing-resistant authenticator.
    pub phishing_resistant: bool,
}

/// A password policy (`PASSWORD`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicy {
    pub name: String,
    pub active: bool,
    pub min_length: i64,
    pub min_lower_case: i64,
    pub min_upper_case: i64,
    pub min_number: i64,
    pub min_symbol: i64,
    /// Previous passwords that cannot be reused.
    pub history_count: i64,
    /// Failed attempts before lockout; 0 means no lockout.
    pub max_attempts: i64,
    /// Days before a password expires; 0 means never.
    pub max_age_days: i64,
}

/// An Okta user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub login: String,
    /// `ACTIVE`, `STAGED`, `PROVISIONED`, `RECOVERY`, `PASSWORD_EXPIRED`, `LOCKED_OUT`,
    /// `SUSPENDED` or `DEPROVISIONED`.
    pub status: String,
    pub created: Option<DateTime<Utc>>,
    /// The last sign-in; null when the user never signed in.
    pub last_login: Option<DateTime<Utc>>,
}

/// An API token's metadata (never its value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ApiToken {
    pub name: String,
    /// The user the token acts as.
    pub user_id: String,
    pub created: Option<DateTime<Utc>>,
    /// When it expires if unused (its idle window runs from the last use).
    pub expires_at: Option<DateTime<Utc>>,
}

/// An authenticator the org offers (`okta_verify`, `webauthn`, `phone_number`,
/// `security_question`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Authenticator {
    pub key: String,
    pub name: String,
    /// `ACTIVE` or `INACTIVE`.
    pub status: String,
}

/// An authenticator enrollment policy (`MFA_ENROLL`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct MfaEnrollmentPolicy {
    pub name: String,
    pub active: bool,
    /// Keys of the authenticators users must enroll (`enroll.self` is `REQUIRED`).
    pub required_authenticators: Vec<String>,
}

/// A user who holds an admin role, directly or through a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Admin {
    pub login: String,
    /// The user's status (`ACTIVE`, `SUSPENDED`, `DEPROVISIONED`, ...).
    pub status: String,
    /// Role types held (`SUPER_ADMIN`, `ORG_ADMIN`, `READ_ONLY_ADMIN`, ...).
    pub roles: Vec<String>,
    /// Types of the factors enrolled and active (`webauthn`, `signed_nonce`, `push`, `sms`, ...).
    pub factor_types: Vec<String>,
    /// An active factor resists phishing (`webauthn`, `u2f` or Okta FastPass `signed_nonce`).
    pub phishing_resistant: bool,
}

/// A network zone: addresses (`IP`) or locations, networks and proxy kinds (`DYNAMIC`,
/// `DYNAMIC_V2`) that policies name as a condition or that the org blocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NetworkZone {
    pub name: String,
    /// `IP`, `DYNAMIC` or `DYNAMIC_V2`.
    pub zone_type: String,
    /// `ACTIVE` or `INACTIVE`.
    pub status: String,
    /// `POLICY` (named by policy conditions) or `BLOCKLIST`.
    pub usage: String,
    /// IPv4 addresses its gateways cover, overlaps counted once (0 for dynamic zones).
    pub ipv4_addresses: i64,
    /// The shortest prefix length among its IPv6 gateways (a range counts as the prefix that
    /// holds it); null without IPv6 gateways.
    pub shortest_ipv6_prefix: Option<i64>,
}

/// The org as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Org {
    /// Names of the `ACTIVE` log streams (System Log to a SIEM or event bus).
    pub active_log_streams: Vec<String>,
    /// Users holding the Super Administrator role.
    pub super_admins: i64,
    /// Kinds of anonymizing proxy that an active blocklist zone blocks: `tor`, `other`.
    pub blocked_anonymizers: Vec<String>,
    /// The shortest inactivity period, in days, of an active user-lifecycle automation
    /// (`USER_LIFECYCLE` policy rule); null when there is none.
    pub inactivity_automation_days: Option<i64>,
}
