//! S3 bucket attributes, and the account-level Block Public Access.

use super::policy::PolicyDocument;
use serde::{Deserialize, Serialize};

/// The four Block Public Access settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

/// A bucket, collected in its own region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Bucket {
    pub name: String,
    /// Default encryption algorithm: `AES256` (SSE-S3), `aws:kms`, `aws:kms:dsse`; null if none.
    pub encryption: Option<String>,
    pub kms_key_id: Option<String>,
    /// Bucket-level Block Public Access; null when not configured.
    pub public_access_block: Option<PublicAccessBlock>,
    pub policy: Option<PolicyDocument>,
    /// The policy denies requests made without TLS.
    pub denies_insecure_transport: bool,
    /// The policy allows everyone without a condition.
    pub policy_public: bool,
    /// The ACL grants to AllUsers or AuthenticatedUsers.
    pub acl_public: bool,
    /// `Enabled`, `Suspended` or `Disabled` (never enabled).
    pub versioning: String,
    pub mfa_delete: bool,
    /// Where server access logs go; null when logging is off.
    pub logging_target: Option<String>,
    /// `BucketOwnerEnforced` (ACLs disabled), `BucketOwnerPreferred`, `ObjectWriter`; null if unset.
    pub object_ownership: Option<String>,
    /// Which of the actions Security Hub S3.6 names (`s3:DeleteBucketPolicy`,
    /// `s3:PutBucketAcl`, `s3:PutBucketPolicy`, `s3:PutEncryptionConfiguration`,
    /// `s3:PutObjectAcl`) the policy allows to principals of other accounts.
    pub cross_account_actions: Vec<String>,
    /// An enabled replication rule copies new objects to another bucket.
    pub replication_enabled: bool,
    /// Enabled lifecycle rules.
    pub lifecycle_rules: i64,
    /// Event notifications are configured (SNS, SQS, Lambda or EventBridge).
    pub event_notifications: bool,
    /// Object Lock is enabled.
    pub object_lock: bool,
}

/// The account's own Block Public Access settings, which override every bucket's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AccountPublicAccessBlock {
    /// null when the account has no Block Public Access configuration.
    pub settings: Option<PublicAccessBlock>,
}
