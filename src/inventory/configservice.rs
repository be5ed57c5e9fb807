//! AWS Config attributes.

use serde::{Deserialize, Serialize};

/// A region's AWS Config setup: recorders, whether one records everything, delivery channels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RegionRecording {
    pub recorders: i64,
    /// There is a recorder status, and every recorder is recording with its last recording
    /// attempt a success (`lastStatus` SUCCESS; a recorder whose delivery fails is FAILURE).
    pub all_recording_succeeded: bool,
    /// There is a recorder, and every recorder records all supported resource types.
    pub every_recorder_all_supported: bool,
    /// Some recorder includes global resource types (IAM).
    pub include_global: bool,
    /// Some recorder of some scanned region includes global resource types: the account
    /// records them somewhere.
    pub global_recorded_in_account: bool,
    pub delivery_channels: i64,
}
