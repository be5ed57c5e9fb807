//! AWS Config: recorders, their status and delivery channels, once per region.

use super::{CallError, Collected, Scope};
use crate::attributes;
use crate::inventory::ResourceData;
use crate::inventory::configservice::RegionRecording;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &[
    "config:DescribeConfigurationRecorderStatus",
    "config:DescribeConfigurationRecorders",
    "config:DescribeDeliveryChannels",
];

const TYPE: &str = "aws.config.recording";

/// Collects the region's AWS Config setup as one resource.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_config, &scope.config, scope.recorder);
    let mut out = Collected::default();
    let region = scope.region.as_str();
    let arn = scope.arn("config", "recording");
    let mut data = RegionRecording::default();
    let (recorders, statuses, channels) = tokio::join!(
        client.describe_configuration_recorders().send(),
        client.describe_configuration_recorder_status().send(),
        client.describe_delivery_channels().send(),
    );
    match recorders {
        Ok(answer) => {
            let recorders = answer.configuration_recorders();
            data.recorders = recorders.len() as i64;
            data.every_recorder_all_supported = !recorders.is_empty()
                && recorders
                    .iter()
                    .all(|r| r.recording_group().is_some_and(|g| g.all_supported()));
            data.include_global = recorders
                .iter()
                .filter_map(|r| r.recording_group())
                .any(|g| g.include_global_resource_types());
        }
        Err(e) => out.unknown(
            &CallError::from_sdk("config:DescribeConfigurationRecorders", &e),
            region,
            TYPE,
            &arn,
            attributes!(RegionRecording: recorders, every_recorder_all_supported, include_global),
        ),
    }
    match statuses {
        Ok(answer) => {
            let statuses = answer.configuration_recorders_status();
            data.all_recording_succeeded = !statuses.is_empty()
                && statuses.iter().all(|s| {
                    s.recording() && s.last_status().map(|l| l.as_str()) == Some("SUCCESS")
                });
        }
        Err(e) => out.unknown(
            &CallError::from_sdk("config:DescribeConfigurationRecorderStatus", &e),
            region,
            TYPE,
            &arn,
            attributes!(RegionRecording: all_recording_succeeded),
        ),
    }
    match channels {
        Ok(answer) => data.delivery_channels = answer.delivery_channels().len() as i64,
        Err(e) => out.unknown(
            &CallError::from_sdk("config:DescribeDeliveryChannels", &e),
            region,
            TYPE,
            &arn,
            attributes!(RegionRecording: delivery_channels),
        ),
    }
    out.resources.push(scope.resource(
        arn,
        format!("AWS Config ({region})"),
        ResourceData::ConfigRecording(data),
    ));
    out
}

/// Sets, on every region's recording, whether some scanned region records global resource
/// types (IAM), which CIS asks of the account as a whole. Run after the unknowns are attached:
/// when no region is known to record them and some region's recorders are unknown, the fact is
/// unknown everywhere, with that region's cause.
pub fn link_global_recording(out: &mut Collected) {
    let mut recorded = false;
    let mut unknown_cause = None;
    for resource in &out.resources {
        if let ResourceData::ConfigRecording(data) = &resource.data {
            match crate::inventory::unknown::cause_for(&resource.unknown, ["include_global"]) {
                Some(cause) => unknown_cause = unknown_cause.or(Some(cause.clone())),
                None => recorded |= data.include_global,
            }
        }
    }
    for resource in &mut out.resources {
        if let ResourceData::ConfigRecording(data) = &mut resource.data {
            data.global_recorded_in_account = recorded;
            if let (false, Some(cause)) = (recorded, &unknown_cause) {
                resource
                    .unknown
                    .entry("global_recorded_in_account".to_owned())
                    .or_insert_with(|| cause.clone());
            }
        }
    }
}
