//! CloudWatch monitoring attributes: log metric filters and the alarms on their metrics.

use serde::{Deserialize, Serialize};

/// A CloudWatch Logs metric filter with the alarms that watch its metric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct MetricFilter {
    pub name: String,
    pub log_group: String,
    /// The filter pattern as written.
    pub pattern: String,
    /// Metrics the filter publishes, as `namespace/name`.
    pub metrics: Vec<String>,
    /// Alarms on those metrics that notify someone: actions enabled, and an SNS topic action with
    /// at least one confirmed subscriber.
    pub alarms: Vec<String>,
}

/// A metric filter on a log group that an account-wide trail delivers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TrailMetricFilter {
    pub log_group: String,
    pub filter: String,
    /// The pattern without whitespace and double quotes, so that checks can look for terms
    /// such as `$.eventName=ConsoleLogin` however the pattern was spaced or quoted.
    pub pattern: String,
    /// Some alarm that notifies someone watches the filter's metric.
    pub alarmed: bool,
}

impl TrailMetricFilter {
    /// Summarizes `filter` for the account-wide view.
    pub fn of(filter: &MetricFilter) -> Self {
        Self {
            log_group: filter.log_group.clone(),
            filter: filter.name.clone(),
            pattern: filter
                .pattern
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '"')
                .collect(),
            alarmed: !filter.alarms.is_empty(),
        }
    }
}

/// A CloudWatch Logs log group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LogGroup {
    pub name: String,
    /// Days events are kept; `null` means never expire.
    pub retention_days: Option<i64>,
    pub kms_key_id: Option<String>,
}
