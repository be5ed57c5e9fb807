//! AWS Secrets Manager and Amazon SQS attributes.

use super::policy::PolicyDocument;
use serde::{Deserialize, Serialize};

/// A Secrets Manager secret, as ListSecrets describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Secret {
    pub name: String,
    pub rotation_enabled: bool,
    /// Days between scheduled rotations; null when no schedule is set.
    pub rotation_days: Option<i64>,
    /// RFC 3339 times; null when the event never happened.
    pub created: Option<String>,
    pub last_rotated: Option<String>,
    pub last_accessed: Option<String>,
}

/// An SQS queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Queue {
    pub name: String,
    /// Encrypted with SQS-managed keys (SSE-SQS).
    pub sqs_managed_sse: bool,
    /// The KMS key encrypting messages (SSE-KMS); null when none.
    pub kms_key_id: Option<String>,
    pub policy: Option<PolicyDocument>,
    /// The queue policy allows everyone without a narrowing condition.
    pub policy_public: bool,
}
