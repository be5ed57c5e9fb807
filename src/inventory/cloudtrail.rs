//! CloudTrail attributes.

use serde::{Deserialize, Serialize};

/// Attributes that GetTrailStatus provides.
pub const STATUS_ATTRIBUTES: &[&str] = crate::attributes!(Trail: is_logging);
/// Attributes that GetEventSelectors provides.
pub const SELECTOR_ATTRIBUTES: &[&str] =
    crate::attributes!(Trail: management_events, s3_data_events);

/// A trail, collected once in its home region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Trail {
    pub name: String,
    pub home_region: String,
    pub multi_region: bool,
    pub organization_trail: bool,
    pub is_logging: Option<bool>,
    pub log_file_validation: bool,
    pub kms_key_id: Option<String>,
    pub cloudwatch_logs_group_arn: Option<String>,
    pub s3_bucket: Option<String>,
    /// Management events recorded: `All`, `ReadOnly`, `WriteOnly`, or `None`.
    pub management_events: Option<String>,
    /// S3 object-level events recorded: `All`, `ReadOnly`, `WriteOnly`, or `None`.
    pub s3_data_events: Option<String>,
    /// Whether the trail's bucket logs server access; `null` when the bucket is not in this
    /// account (check it where it lives).
    #[serde(default)]
    pub s3_bucket_access_logging: Option<bool>,
    /// Whether the trail's bucket is public through its policy or ACL; `null` as above.
    #[serde(default)]
    pub s3_bucket_public: Option<bool>,
}

/// Account-wide CloudTrail facts across every collected region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AccountTrails {
    /// Multi-region trails that are logging read and write management events.
    pub multi_region_logging_trails: Vec<String>,
    /// Metric filters (with whether an alarm watches them) on the CloudWatch Logs groups those
    /// trails deliver to: what CIS 4.x monitoring checks read.
    #[serde(default)]
    pub metric_filters: Vec<super::monitoring::TrailMetricFilter>,
    /// Some of those trails records S3 object-level write (data) events.
    #[serde(default)]
    pub s3_write_data_events: bool,
    /// Some of those trails records S3 object-level read (data) events.
    #[serde(default)]
    pub s3_read_data_events: bool,
}
