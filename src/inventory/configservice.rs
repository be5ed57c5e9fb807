//! AWS Config attributes.

use serde::{Deserialize, Serialize};

/// A region's AWS Config setup: recorders, whether one records everything, delivery channels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RegionRecording {
    pub recorders: i64,
    /// Some recorder is running.
    pub recording: bool,
    /// Some recorder records all supported resource types.
    pub all_supported: bool,
    /// Some recorder includes global resource types (IAM).
    pub include_global: bool,
    pub delivery_channels: i64,
}
