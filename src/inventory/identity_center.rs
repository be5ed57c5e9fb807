//! AWS IAM Identity Center attributes: instances and permission sets with their account
//! assignments, people resolved from the instance's identity store.

use super::policy::PolicyDocument;
use serde::{Deserialize, Serialize};

/// An Identity Center instance (the organization's, or an account instance).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    pub identity_store_id: String,
    /// Users in the identity store.
    pub users: i64,
    /// Groups in the identity store.
    pub groups: i64,
    /// IAM users of the scanned account that have a console password beside Identity Center
    /// (people who sign in outside it).
    pub iam_console_users: Vec<String>,
}

/// A permission set with the accounts it is assigned in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PermissionSet {
    pub name: String,
    /// How long a session started with it lasts, in minutes (ISO 8601 `PT8H` is 480).
    pub session_duration_minutes: i64,
    /// ARNs of the AWS managed policies attached.
    pub managed_policies: Vec<String>,
    /// Customer-managed policy references (`/path/name`), defined in each account.
    pub customer_managed_policies: Vec<String>,
    /// The inline policy; null when there is none.
    pub inline_policy: Option<PolicyDocument>,
    /// The inline policy allows every action on every resource (`*:*`, the one policy analysis).
    pub inline_full_admin: bool,
    /// AdministratorAccess is attached, or the inline policy allows `*:*`; unknown when
    /// neither holds and customer-managed policies are referenced.
    pub grants_full_admin: bool,
    /// Who holds it in which account.
    pub assignments: Vec<Assignment>,
    /// Distinct people who hold it: users assigned directly plus members of assigned groups.
    pub assigned_users: i64,
}

/// One account assignment of a permission set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    pub account_id: String,
    /// `USER` or `GROUP`.
    pub principal_type: String,
    pub principal_id: String,
    /// The user name or group display name from the identity store; null when unresolved.
    pub principal_name: Option<String>,
}
