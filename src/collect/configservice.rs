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
            let groups = || recorders.iter().filter_map(|r| r.recording_group());
            data.all_supported = groups().any(|g| g.all_supported());
            data.include_global = groups().any(|g| g.include_global_resource_types());
        }
        Err(e) => out.unknown(
            &CallError::from_sdk("config:DescribeConfigurationRecorders", &e),
            region,
            TYPE,
            &arn,
            attributes!(RegionRecording: recorders, all_supported, include_global),
        ),
    }
    match statuses {
        Ok(answer) => {
            data.recording = answer
                .configuration_recorders_status()
                .iter()
                .any(|s| s.recording())
        }
        Err(e) => out.unknown(
            &CallError::from_sdk("config:DescribeConfigurationRecorderStatus", &e),
            region,
            TYPE,
            &arn,
            attributes!(RegionRecording: recording),
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
