//! KMS key attributes.

use super::policy::PolicyDocument;
use serde::{Deserialize, Serialize};

/// Attributes that GetKeyRotationStatus provides.
pub const ROTATION_ATTRIBUTES: &[&str] =
    crate::attributes!(Key: rotation_enabled, rotation_period_days);
/// Attributes that GetKeyPolicy provides.
pub const POLICY_ATTRIBUTES: &[&str] = crate::attributes!(Key: policy, policy_public);

/// A KMS key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Key {
    pub key_id: String,
    /// `CUSTOMER` or `AWS`.
    pub manager: String,
    /// e.g. `SYMMETRIC_DEFAULT`, `RSA_2048`, `HMAC_256`.
    pub spec: String,
    /// e.g. `ENCRYPT_DECRYPT`, `SIGN_VERIFY`, `GENERATE_VERIFY_MAC`.
    pub usage: String,
    /// e.g. `Enabled`, `Disabled`, `PendingDeletion`.
    pub state: String,
    /// `AWS_KMS`, `EXTERNAL` (imported material), `AWS_CLOUDHSM`, `EXTERNAL_KEY_STORE`.
    pub origin: String,
    pub multi_region: Option<bool>,
    /// Automatic rotation; `null` where the key cannot rotate or was not asked.
    pub rotation_enabled: Option<bool>,
    pub rotation_period_days: Option<i64>,
    pub policy: Option<PolicyDocument>,
    /// The key policy allows everyone without a condition.
    pub policy_public: Option<bool>,
}
