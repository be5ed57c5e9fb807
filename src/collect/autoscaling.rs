//! Amazon EC2 Auto Scaling, once per region, from two paginated listings and nothing per
//! resource: DescribeAutoScalingGroups (health checks, zones, load balancers, launch template
//! or configuration, mixed instances policy) and DescribeLaunchConfigurations (metadata
//! options, public IP addresses). Launch templates are EC2's (`aws.ec2.launch_template`).

use super::{Collected, Scope, drain};
use crate::inventory::ResourceData;
use crate::inventory::autoscaling::{Group, LaunchConfiguration};
use crate::or_unknown;
use aws_sdk_autoscaling::types::{AutoScalingGroup, LaunchTemplateSpecification};

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &[
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeLaunchConfigurations",
];

const GROUP: &str = "aws.autoscaling.group";
const LAUNCH_CONFIGURATION: &str = "aws.autoscaling.launch_configuration";

/// Collects the region's Auto Scaling groups and launch configurations.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_autoscaling, &scope.config, scope.recorder);
    let mut parts: [Collected; 2] = Default::default();
    let [a, b] = &mut parts;
    tokio::join!(
        groups(scope, &client, a),
        launch_configurations(scope, &client, b)
    );
    let mut out = Collected::default();
    for part in parts {
        out.merge(part);
    }
    out
}

/// A launch template's id, or its name when the specification gives no id.
fn template(spec: &LaunchTemplateSpecification) -> Option<String> {
    spec.launch_template_id()
        .or(spec.launch_template_name())
        .map(str::to_owned)
}

/// A group's attributes; a missing health check type is unknown.
fn group(g: &AutoScalingGroup, missing: &mut Vec<&'static str>) -> Group {
    let mixed = g.mixed_instances_policy().and_then(|p| p.launch_template());
    let overrides = mixed.map(|t| t.overrides()).unwrap_or_default();
    let mut instance_types: Vec<String> = overrides
        .iter()
        .filter_map(|o| o.instance_type().map(str::to_owned))
        .collect();
    instance_types.sort_unstable();
    instance_types.dedup();
    let health_check_types = g
        .health_check_type()
        .map(|t| t.split(',').map(|t| t.trim().to_owned()).collect());
    Group {
        name: g.auto_scaling_group_name().unwrap_or_default().to_owned(),
        health_check_types: or_unknown!(missing, Group: health_check_types = health_check_types),
        load_balancer_names: g.load_balancer_names().to_vec(),
        target_group_arns: g.target_group_arns().to_vec(),
        availability_zones: g.availability_zones().to_vec(),
        launch_configuration: g.launch_configuration_name().map(str::to_owned),
        launch_template: g
            .launch_template()
            .or(mixed.and_then(|t| t.launch_template_specification()))
            .and_then(template),
        instance_types,
        instance_requirements: overrides
            .iter()
            .any(|o| o.instance_requirements().is_some()),
    }
}

async fn groups(scope: &Scope<'_>, client: &aws_sdk_autoscaling::Client, out: &mut Collected) {
    const ACTION: &str = "autoscaling:DescribeAutoScalingGroups";
    let pages = client
        .describe_auto_scaling_groups()
        .into_paginator()
        .send();
    let pages = match drain(pages, ACTION).await {
        Ok(pages) => pages,
        Err(error) => return out.unlisted(&error, &scope.region, GROUP),
    };
    for g in pages.iter().flat_map(|page| page.auto_scaling_groups()) {
        let mut missing = Vec::new();
        let data = group(g, &mut missing);
        let arn = g
            .auto_scaling_group_arn()
            .map(str::to_owned)
            .unwrap_or_else(|| {
                scope.arn(
                    "autoscaling",
                    &format!("autoScalingGroup:*:autoScalingGroupName/{}", data.name),
                )
            });
        out.left_out(ACTION, &scope.region, GROUP, &arn, &missing);
        let name = data.name.clone();
        out.resources
            .push(scope.resource(arn, name, ResourceData::AutoScalingGroup(data)));
    }
}

async fn launch_configurations(
    scope: &Scope<'_>,
    client: &aws_sdk_autoscaling::Client,
    out: &mut Collected,
) {
    const ACTION: &str = "autoscaling:DescribeLaunchConfigurations";
    let pages = client
        .describe_launch_configurations()
        .into_paginator()
        .send();
    let pages = match drain(pages, ACTION).await {
        Ok(pages) => pages,
        Err(error) => return out.unlisted(&error, &scope.region, LAUNCH_CONFIGURATION),
    };
    for c in pages.iter().flat_map(|page| page.launch_configurations()) {
        let name = c.launch_configuration_name().unwrap_or_default().to_owned();
        let arn = c
            .launch_configuration_arn()
            .map(str::to_owned)
            .unwrap_or_else(|| {
                scope.arn(
                    "autoscaling",
                    &format!("launchConfiguration:*:launchConfigurationName/{name}"),
                )
            });
        let metadata = c.metadata_options();
        let data = LaunchConfiguration {
            name: name.clone(),
            metadata_http_tokens: metadata
                .and_then(|m| m.http_tokens())
                .map(|t| t.as_str().to_owned()),
            metadata_hop_limit: metadata
                .and_then(|m| m.http_put_response_hop_limit())
                .map(i64::from),
            associate_public_ip: c.associate_public_ip_address(),
        };
        out.resources.push(scope.resource(
            arn,
            name,
            ResourceData::AutoScalingLaunchConfiguration(data),
        ));
    }
}
