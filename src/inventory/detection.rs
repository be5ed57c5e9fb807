//! Detection services, one resource per region: Security Hub, GuardDuty, IAM Access Analyzer.

use serde::{Deserialize, Serialize};

/// A region's Security Hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SecurityHub {
    /// The account is subscribed to Security Hub in this region.
    pub enabled: bool,
    pub hub_arn: Option<String>,
}

/// A region's GuardDuty detectors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct GuardDuty {
    pub detectors: i64,
    /// Some detector's status is `ENABLED`.
    pub enabled: bool,
    /// Protection plans (`S3_DATA_EVENTS`, `RDS_LOGIN_EVENTS`, ...) enabled on an enabled
    /// detector.
    pub features: Vec<String>,
    /// The enabled additional configurations of those plans, as `PLAN/CONFIGURATION` (e.g.
    /// `RUNTIME_MONITORING/EC2_AGENT_MANAGEMENT`: GuardDuty manages the runtime agent).
    pub feature_configurations: Vec<String>,
}

/// A region's IAM Access Analyzer analyzers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AccessAnalyzer {
    pub analyzers: i64,
    /// Analyzers whose status is `ACTIVE`.
    pub active: i64,
    /// Active external access analyzers (type `ACCOUNT` or `ORGANIZATION`).
    pub external_access_active: i64,
}
