//! Amazon SNS attributes.

use super::policy::PolicyDocument;
use serde::{Deserialize, Serialize};

/// An SNS topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    pub name: String,
    /// The KMS key encrypting stored messages; null when the topic is not encrypted.
    pub kms_key_id: Option<String>,
    /// Failed deliveries are logged to CloudWatch Logs for some protocol.
    pub delivery_status_logging: bool,
    /// The access policy; null when the topic has none.
    pub policy: Option<PolicyDocument>,
    /// The access policy allows everyone without a narrowing condition.
    pub policy_public: bool,
}
