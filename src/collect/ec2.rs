//! EC2: the account's enabled regions, EBS encryption by default, volumes, security groups,
//! VPCs with their flow logs, network ACLs, instances' metadata settings, the account's EBS
//! snapshots and who may restore them.

use super::{CallError, CallRecorder, Collected, Scope, affects, drain, per_resource};
use crate::inventory::ec2::{
    AclEntry, Address, ClientVpnEndpoint, EbsEncryptionDefault, Image, Instance, LaunchTemplate,
    NetworkAcl, Rule, SecurityGroup, Snapshot, Subnet, TransitGateway, Volume, Vpc, VpnConnection,
};
use crate::inventory::{ALL_REGIONS, ResourceData, SkippedRegion};
use crate::{attributes, or_unknown};
use aws_config::SdkConfig;
use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::IpPermission;
use futures::StreamExt;
use std::collections::HashMap;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &[
    "ec2:DescribeAddresses",
    "ec2:DescribeClientVpnEndpoints",
    "ec2:DescribeFlowLogs",
    "ec2:DescribeImages",
    "ec2:DescribeInstances",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeRegions",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSnapshotAttribute",
    "ec2:DescribeSnapshots",
    "ec2:DescribeSubnets",
    "ec2:DescribeTransitGateways",
    "ec2:DescribeVolumes",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeVpcs",
    "ec2:DescribeVpnConnections",
    "ec2:GetEbsEncryptionByDefault",
    // Whether an instance's profile holds a role (the instance listing gives only its ARN).
    "iam:GetInstanceProfile",
];

const VPC_TYPE: &str = "aws.ec2.vpc";

fn client(config: &SdkConfig, recorder: &CallRecorder) -> Client {
    sdk_client!(aws_sdk_ec2, config, recorder)
}

/// The call that lists the account's enabled regions.
pub const REGIONS_ACTION: &str = "ec2:DescribeRegions";

/// Regions to scan and regions skipped.
#[derive(Default)]
pub struct Regions {
    pub enabled: Vec<String>,
    pub skipped: Vec<SkippedRegion>,
}

/// The regions to scan: those asked for, or every region enabled in the account. When the
/// list cannot be read, the home region is scanned and every other region is marked unknown.
pub async fn regions(
    config: &SdkConfig,
    recorder: &CallRecorder,
    home_region: &str,
    requested: Option<&[String]>,
    out: &mut Collected,
) -> Regions {
    if let Some(requested) = requested {
        return Regions {
            enabled: requested.to_vec(),
            skipped: vec![],
        };
    }
    match client(config, recorder)
        .describe_regions()
        .all_regions(true)
        .send()
        .await
    {
        Ok(answer) => {
            let mut regions = Regions {
                enabled: vec![],
                skipped: vec![],
            };
            for region in answer.regions() {
                let name = region.region_name().unwrap_or_default().to_owned();
                match region.opt_in_status() {
                    Some("not-opted-in") => regions.skipped.push(SkippedRegion {
                        region: name,
                        reason: "opt-in region not enabled for this account".into(),
                    }),
                    _ => regions.enabled.push(name),
                }
            }
            regions.enabled.sort();
            regions
        }
        Err(e) => {
            let error = CallError::from_sdk("ec2:DescribeRegions", &e);
            out.errors.push(
                error.affecting(
                    ALL_REGIONS,
                    // Every type a regional service produces: in regions not listed, unknown.
                    super::registry::SERVICES
                        .iter()
                        .filter(|s| s.reach == super::registry::Reach::Regional)
                        .flat_map(|s| s.resource_types.iter())
                        .map(|t| affects(t, &[]))
                        .collect(),
                ),
            );
            Regions {
                enabled: vec![home_region.to_owned()],
                skipped: vec![],
            }
        }
    }
}

fn rules(permissions: &[IpPermission]) -> Vec<Rule> {
    permissions
        .iter()
        .map(|p| Rule {
            protocol: p.ip_protocol().unwrap_or("-1").to_owned(),
            from_port: p.from_port().map(i64::from),
            to_port: p.to_port().map(i64::from),
            ipv4_ranges: p
                .ip_ranges()
                .iter()
                .filter_map(|r| r.cidr_ip().map(str::to_owned))
                .collect(),
            ipv6_ranges: p
                .ipv6_ranges()
                .iter()
                .filter_map(|r| r.cidr_ipv6().map(str::to_owned))
                .collect(),
            groups: p
                .user_id_group_pairs()
                .iter()
                .filter_map(|g| g.group_id().map(str::to_owned))
                .collect(),
        })
        .collect()
}

async fn ebs_default(scope: &Scope<'_>, client: &Client, out: &mut Collected) {
    match client.get_ebs_encryption_by_default().send().await {
        Ok(answer) => {
            let data = EbsEncryptionDefault {
                enabled: answer.ebs_encryption_by_default().unwrap_or(false),
                kms_key_id: None,
            };
            let arn = scope.arn("ec2", "ebs-encryption-by-default");
            out.resources.push(scope.resource(
                arn,
                format!("EBS default encryption ({})", scope.region),
                ResourceData::Ec2EbsEncryptionDefault(data),
            ));
        }
        Err(e) => out.unlisted(
            &CallError::from_sdk("ec2:GetEbsEncryptionByDefault", &e),
            &scope.region,
            "aws.ec2.ebs_encryption_default",
        ),
    }
}

async fn volumes(scope: &Scope<'_>, client: &Client, out: &mut Collected) {
    let pages = client.describe_volumes().into_paginator().items().send();
    let found = match drain(pages, "ec2:DescribeVolumes").await {
        Ok(found) => found,
        Err(e) => return out.unlisted(&e, &scope.region, "aws.ec2.volume"),
    };
    for volume in found {
        let id = volume.volume_id().unwrap_or_default().to_owned();
        let data = Volume {
            volume_id: id.clone(),
            encrypted: volume.encrypted().unwrap_or(false),
            kms_key_id: volume.kms_key_id().map(str::to_owned),
            state: volume
                .state()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            attached_to: volume
                .attachments()
                .iter()
                .filter_map(|a| a.instance_id().map(str::to_owned))
                .collect(),
        };
        let arn = scope.arn("ec2", &format!("volume/{id}"));
        out.resources
            .push(scope.resource(arn, id, ResourceData::Ec2Volume(data)));
    }
}

async fn security_groups(scope: &Scope<'_>, client: &Client, out: &mut Collected) {
    let pages = client
        .describe_security_groups()
        .into_paginator()
        .items()
        .send();
    let found = match drain(pages, "ec2:DescribeSecurityGroups").await {
        Ok(found) => found,
        Err(e) => return out.unlisted(&e, &scope.region, "aws.ec2.security_group"),
    };
    for group in found {
        let id = group.group_id().unwrap_or_default().to_owned();
        let name = group.group_name().unwrap_or_default().to_owned();
        let data = SecurityGroup {
            group_id: id.clone(),
            is_default: name == "default",
            name: name.clone(),
            vpc_id: group.vpc_id().map(str::to_owned),
            ingress: rules(group.ip_permissions()),
            egress: rules(group.ip_permissions_egress()),
        };
        let arn = group
            .security_group_arn()
            .map(str::to_owned)
            .unwrap_or_else(|| scope.arn("ec2", &format!("security-group/{id}")));
        out.resources.push(scope.resource(
            arn,
            format!("{name} ({id})"),
            ResourceData::Ec2SecurityGroup(data),
        ));
    }
}

/// VPCs with the count of active flow logs on each: two paged listings joined locally.
async fn vpcs(scope: &Scope<'_>, client: &Client, out: &mut Collected) {
    let (vpcs, flow_logs, endpoints) = tokio::join!(
        drain(
            client.describe_vpcs().into_paginator().items().send(),
            "ec2:DescribeVpcs"
        ),
        drain(
            client.describe_flow_logs().into_paginator().items().send(),
            "ec2:DescribeFlowLogs"
        ),
        drain(
            client
                .describe_vpc_endpoints()
                .into_paginator()
                .items()
                .send(),
            "ec2:DescribeVpcEndpoints"
        ),
    );
    let vpcs = match vpcs {
        Ok(vpcs) => vpcs,
        Err(e) => return out.unlisted(&e, &scope.region, VPC_TYPE),
    };
    let flow_logs = flow_logs.unwrap_or_else(|e| {
        out.errors.push(e.affecting(
            &scope.region,
            vec![affects(VPC_TYPE, attributes!(Vpc: flow_logs))],
        ));
        Vec::new()
    });
    let endpoints = endpoints.unwrap_or_else(|e| {
        out.errors.push(e.affecting(
            &scope.region,
            vec![affects(VPC_TYPE, attributes!(Vpc: endpoint_services))],
        ));
        Vec::new()
    });
    for vpc in vpcs {
        let id = vpc.vpc_id().unwrap_or_default().to_owned();
        let active = flow_logs
            .iter()
            .filter(|f| {
                f.resource_id() == Some(id.as_str()) && f.flow_log_status() == Some("ACTIVE")
            })
            .count();
        let arn = scope.arn("ec2", &format!("vpc/{id}"));
        let data = Vpc {
            vpc_id: id.clone(),
            is_default: vpc.is_default().unwrap_or(false),
            flow_logs: active as i64,
            endpoint_services: endpoints
                .iter()
                .filter(|e| e.vpc_id() == Some(id.as_str()))
                .filter_map(|e| e.service_name().map(str::to_owned))
                .collect(),
        };
        out.resources
            .push(scope.resource(arn, id, ResourceData::Ec2Vpc(data)));
    }
}

async fn network_acls(scope: &Scope<'_>, client: &Client, out: &mut Collected) {
    let pages = client
        .describe_network_acls()
        .into_paginator()
        .items()
        .send();
    let found = match drain(pages, "ec2:DescribeNetworkAcls").await {
        Ok(found) => found,
        Err(e) => return out.unlisted(&e, &scope.region, "aws.ec2.network_acl"),
    };
    for acl in found {
        let id = acl.network_acl_id().unwrap_or_default().to_owned();
        let entries = acl
            .entries()
            .iter()
            .map(|e| AclEntry {
                rule_number: e.rule_number().map_or(0, i64::from),
                protocol: e.protocol().unwrap_or("-1").to_owned(),
                allow: e.rule_action().map(|a| a.as_str()) == Some("allow"),
                egress: e.egress().unwrap_or(false),
                ipv4_cidr: e.cidr_block().map(str::to_owned),
                ipv6_cidr: e.ipv6_cidr_block().map(str::to_owned),
                from_port: e.port_range().and_then(|r| r.from()).map(i64::from),
                to_port: e.port_range().and_then(|r| r.to()).map(i64::from),
            })
            .collect();
        let data = NetworkAcl {
            network_acl_id: id.clone(),
            vpc_id: acl.vpc_id().unwrap_or_default().to_owned(),
            is_default: acl.is_default().unwrap_or(false),
            entries,
            subnets: acl.associations().len() as i64,
        };
        let arn = scope.arn("ec2", &format!("network-acl/{id}"));
        out.resources
            .push(scope.resource(arn, id, ResourceData::Ec2NetworkAcl(data)));
    }
}

async fn instances(scope: &Scope<'_>, client: &Client, out: &mut Collected) {
    let pages = client.describe_instances().into_paginator().send();
    let pages = match drain(pages, "ec2:DescribeInstances").await {
        Ok(pages) => pages,
        Err(e) => return out.unlisted(&e, &scope.region, "aws.ec2.instance"),
    };
    let found = pages
        .iter()
        .flat_map(|page| page.reservations())
        .flat_map(|reservation| reservation.instances());
    let mut listed = Vec::new();
    for instance in found {
        let id = instance.instance_id().unwrap_or_default().to_owned();
        let metadata = instance.metadata_options();
        let mut missing = Vec::new();
        let mut data = Instance {
            instance_id: id.clone(),
            state: or_unknown!(missing, Instance: state = instance
                .state()
                .and_then(|s| s.name())
                .map(|n| n.as_str().to_owned())),
            http_tokens: or_unknown!(missing, Instance: http_tokens = metadata
                .and_then(|m| m.http_tokens())
                .map(|t| t.as_str().to_owned())),
            http_endpoint: or_unknown!(missing, Instance: http_endpoint = metadata
                .and_then(|m| m.http_endpoint())
                .map(|e| e.as_str().to_owned())),
            metadata_state: or_unknown!(missing, Instance: metadata_state = metadata
                .and_then(|m| m.state())
                .map(|s| s.as_str().to_owned())),
            public_ip: instance.public_ip_address().map(str::to_owned),
            network_interfaces: instance.network_interfaces().len() as i64,
            virtualization_type: or_unknown!(missing, Instance: virtualization_type = instance
                .virtualization_type()
                .map(|v| v.as_str().to_owned())),
            stopped_at: None,
            instance_profile: instance
                .iam_instance_profile()
                .and_then(|p| p.arn())
                .map(str::to_owned),
            instance_profile_has_role: false,
        };
        if data.state == "stopped" {
            data.stopped_at = or_unknown!(missing, Instance: stopped_at = stop_time(
                instance.state_transition_reason().unwrap_or_default()
            )
            .map(Some));
        }
        let arn = scope.arn("ec2", &format!("instance/{id}"));
        out.left_out(
            "ec2:DescribeInstances",
            &scope.region,
            "aws.ec2.instance",
            &arn,
            &missing,
        );
        listed.push((arn, id, data));
    }
    let with_roles = profiles_with_roles(scope, out, &listed).await;
    for (arn, id, mut data) in listed {
        match data.instance_profile.as_deref().map(|p| with_roles.get(p)) {
            None => data.instance_profile_has_role = false,
            Some(Some(Ok(has_role))) => data.instance_profile_has_role = *has_role,
            Some(Some(Err(error))) => out.unknown(
                error,
                &scope.region,
                "aws.ec2.instance",
                &arn,
                attributes!(Instance: instance_profile_has_role),
            ),
            // Not read: `per_resource` recorded the skip for the type.
            Some(None) => {}
        }
        out.resources
            .push(scope.resource(arn, id, ResourceData::Ec2Instance(data)));
    }
}

/// Whether each instance profile the instances use holds a role (one GetInstanceProfile per
/// distinct profile, only when a selected check reads it), by profile ARN.
async fn profiles_with_roles(
    scope: &Scope<'_>,
    out: &mut Collected,
    instances: &[(String, String, Instance)],
) -> HashMap<String, Result<bool, CallError>> {
    const ACTION: &str = "iam:GetInstanceProfile";
    let mut profiles: Vec<String> = instances
        .iter()
        .filter_map(|(_, _, i)| i.instance_profile.clone())
        .collect();
    profiles.sort_unstable();
    profiles.dedup();
    let iam = sdk_client!(aws_sdk_iam, &scope.config, scope.recorder);
    let iam = &iam;
    per_resource(
        scope,
        out,
        ACTION,
        &["aws.ec2.instance"],
        profiles,
        |arn| async move {
            // arn:aws:iam::123456789012:instance-profile/path/name: the name is the last part.
            let name = arn.rsplit('/').next().unwrap_or_default().to_owned();
            let answer = iam
                .get_instance_profile()
                .instance_profile_name(name)
                .send()
                .await
                .map(|a| a.instance_profile().is_some_and(|p| !p.roles().is_empty()))
                .map_err(|e| CallError::from_sdk(ACTION, &e));
            (arn, answer)
        },
    )
    .await
    .into_iter()
    .filter_map(|(arn, answer)| Some((arn, answer?)))
    .collect()
}

/// Snapshots in flight at once while reading their permissions.
const SNAPSHOT_CONCURRENCY: usize = 8;

/// The account's own snapshots, then who may create volumes from each (one attribute read per
/// snapshot, the listing does not say, and only when a selected check reads it).
async fn snapshots(scope: &Scope<'_>, client: &Client, out: &mut Collected) {
    const TYPE: &str = "aws.ec2.snapshot";
    let pages = client
        .describe_snapshots()
        .owner_ids("self")
        .into_paginator()
        .items()
        .send();
    let found = match drain(pages, "ec2:DescribeSnapshots").await {
        Ok(found) => found,
        Err(e) => return out.unlisted(&e, &scope.region, TYPE),
    };
    let read_permissions = scope.plan.wants("ec2:DescribeSnapshotAttribute");
    if !read_permissions {
        out.skipped("ec2:DescribeSnapshotAttribute", &scope.region, TYPE);
    }
    let permissions: Vec<_> = futures::stream::iter(found)
        .map(|snapshot| async move {
            let id = snapshot.snapshot_id().unwrap_or_default().to_owned();
            let answer = if read_permissions {
                let answer = client
                    .describe_snapshot_attribute()
                    .snapshot_id(&id)
                    .attribute(aws_sdk_ec2::types::SnapshotAttributeName::CreateVolumePermission)
                    .send()
                    .await
                    .map_err(|e| CallError::from_sdk("ec2:DescribeSnapshotAttribute", &e));
                Some(answer)
            } else {
                None
            };
            (id, snapshot.encrypted(), answer)
        })
        .buffer_unordered(SNAPSHOT_CONCURRENCY)
        .collect()
        .await;
    for (id, encrypted, answer) in permissions {
        let arn = scope.arn("ec2", &format!("snapshot/{id}"));
        let mut missing = Vec::new();
        let mut data = Snapshot {
            snapshot_id: id.clone(),
            encrypted: or_unknown!(missing, Snapshot: encrypted = encrypted),
            ..Default::default()
        };
        out.left_out("ec2:DescribeSnapshots", &scope.region, TYPE, &arn, &missing);
        match answer {
            None => {}
            Some(Ok(answer)) => {
                for permission in answer.create_volume_permissions() {
                    if permission.group().map(|g| g.as_str()) == Some("all") {
                        data.public = true;
                    }
                    if let Some(account) = permission.user_id() {
                        data.shared_with.push(account.to_owned());
                    }
                }
            }
            Some(Err(e)) => out.unknown(
                &e,
                &scope.region,
                TYPE,
                &arn,
                attributes!(Snapshot: public, shared_with),
            ),
        }
        out.resources
            .push(scope.resource(arn, id, ResourceData::Ec2Snapshot(data)));
    }
}

/// When a stopped instance was stopped, from its state transition reason
/// (`User initiated (2026-01-02 03:04:05 GMT)`), as RFC 3339.
fn stop_time(reason: &str) -> Option<String> {
    let inside = reason.split_once('(')?.1.split_once(')')?.0;
    let at = chrono::NaiveDateTime::parse_from_str(inside, "%Y-%m-%d %H:%M:%S GMT").ok()?;
    Some(at.and_utc().to_rfc3339())
}

/// One paginated listing turned into one resource per item: `convert` gives an item's id,
/// ARN suffix and attributes, pushing onto `missing` what the answer left out.
fn listed<T>(
    scope: &Scope<'_>,
    out: &mut Collected,
    action: &'static str,
    kind: &'static str,
    items: Result<Vec<T>, CallError>,
    convert: impl Fn(&T, &mut Vec<&'static str>) -> (String, String, ResourceData),
) {
    let items = match items {
        Ok(items) => items,
        Err(e) => return out.unlisted(&e, &scope.region, kind),
    };
    for item in &items {
        let mut missing = Vec::new();
        let (id, path, data) = convert(item, &mut missing);
        let arn = scope.arn("ec2", &path);
        out.left_out(action, &scope.region, kind, &arn, &missing);
        out.resources.push(scope.resource(arn, id, data));
    }
}

/// Elastic IPs, subnets, VPN connections, transit gateways, the default version of every
/// launch template, Client VPN endpoints and the account's own AMIs: one listing each.
async fn network_inventory(scope: &Scope<'_>, client: &Client, out: &mut Collected) {
    let (addresses, subnets, vpns, gateways, templates, client_vpns, images) = tokio::join!(
        async {
            let answer = client.describe_addresses().send().await;
            answer
                .map(|a| a.addresses().to_vec())
                .map_err(|e| CallError::from_sdk("ec2:DescribeAddresses", &e))
        },
        drain(
            client.describe_subnets().into_paginator().items().send(),
            "ec2:DescribeSubnets"
        ),
        async {
            let answer = client.describe_vpn_connections().send().await;
            answer
                .map(|a| a.vpn_connections().to_vec())
                .map_err(|e| CallError::from_sdk("ec2:DescribeVpnConnections", &e))
        },
        drain(
            client
                .describe_transit_gateways()
                .into_paginator()
                .items()
                .send(),
            "ec2:DescribeTransitGateways"
        ),
        drain(
            client
                .describe_launch_template_versions()
                .versions("$Default")
                .into_paginator()
                .items()
                .send(),
            "ec2:DescribeLaunchTemplateVersions"
        ),
        drain(
            client
                .describe_client_vpn_endpoints()
                .into_paginator()
                .items()
                .send(),
            "ec2:DescribeClientVpnEndpoints"
        ),
        drain(
            client
                .describe_images()
                .owners("self")
                .into_paginator()
                .items()
                .send(),
            "ec2:DescribeImages"
        ),
    );
    listed(
        scope,
        out,
        "ec2:DescribeAddresses",
        "aws.ec2.address",
        addresses,
        |a, _| {
            let id = a
                .allocation_id()
                .or(a.public_ip())
                .unwrap_or_default()
                .to_owned();
            let data = Address {
                allocation_id: a.allocation_id().unwrap_or_default().to_owned(),
                public_ip: a.public_ip().unwrap_or_default().to_owned(),
                association_id: a.association_id().map(str::to_owned),
            };
            (
                id.clone(),
                format!("elastic-ip/{id}"),
                ResourceData::Ec2Address(data),
            )
        },
    );
    listed(
        scope,
        out,
        "ec2:DescribeSubnets",
        "aws.ec2.subnet",
        subnets,
        |s, missing| {
            let id = s.subnet_id().unwrap_or_default().to_owned();
            let data = Subnet {
                subnet_id: id.clone(),
                vpc_id: s.vpc_id().unwrap_or_default().to_owned(),
                map_public_ip_on_launch: or_unknown!(missing, Subnet: map_public_ip_on_launch = s.map_public_ip_on_launch()),
            };
            (
                id.clone(),
                format!("subnet/{id}"),
                ResourceData::Ec2Subnet(data),
            )
        },
    );
    listed(
        scope,
        out,
        "ec2:DescribeVpnConnections",
        "aws.ec2.vpn_connection",
        vpns,
        |v, missing| {
            let id = v.vpn_connection_id().unwrap_or_default().to_owned();
            let data = VpnConnection {
                vpn_connection_id: id.clone(),
                state: or_unknown!(missing, VpnConnection: state = v.state().map(|s| s.as_str().to_owned())),
                tunnels: v
                    .vgw_telemetry()
                    .iter()
                    .map(|t| {
                        t.status()
                            .map(|s| s.as_str().to_owned())
                            .unwrap_or_default()
                    })
                    .collect(),
                tunnel_logging: or_unknown!(missing, VpnConnection: tunnel_logging = v.options().map(|o| o
                    .tunnel_options()
                    .iter()
                    .map(|t| t
                        .log_options()
                        .and_then(|l| l.cloud_watch_log_options())
                        .and_then(|c| c.log_enabled())
                        == Some(true))
                    .collect())),
            };
            (
                id.clone(),
                format!("vpn-connection/{id}"),
                ResourceData::Ec2VpnConnection(data),
            )
        },
    );
    listed(
        scope,
        out,
        "ec2:DescribeTransitGateways",
        "aws.ec2.transit_gateway",
        gateways,
        |g, missing| {
            let id = g.transit_gateway_id().unwrap_or_default().to_owned();
            let data = TransitGateway {
                transit_gateway_id: id.clone(),
                auto_accept_shared_attachments: or_unknown!(missing, TransitGateway: auto_accept_shared_attachments = g
                .options()
                .and_then(|o| o.auto_accept_shared_attachments())
                .map(|a| a.as_str() == "enable")),
            };
            (
                id.clone(),
                format!("transit-gateway/{id}"),
                ResourceData::Ec2TransitGateway(data),
            )
        },
    );
    listed(
        scope,
        out,
        "ec2:DescribeLaunchTemplateVersions",
        "aws.ec2.launch_template",
        templates,
        |t, missing| {
            let id = t.launch_template_id().unwrap_or_default().to_owned();
            let mut data = LaunchTemplate {
                launch_template_id: id.clone(),
                name: t.launch_template_name().unwrap_or_default().to_owned(),
                assigns_public_ip: or_unknown!(missing, LaunchTemplate: assigns_public_ip = t
                    .launch_template_data()
                    .map(|d| d
                        .network_interfaces()
                        .iter()
                        .any(|n| n.associate_public_ip_address() == Some(true)))),
                metadata_http_tokens: t
                    .launch_template_data()
                    .and_then(|d| d.metadata_options())
                    .and_then(|m| m.http_tokens())
                    .map(|h| h.as_str().to_owned()),
                ebs_volumes: 0,
                ebs_volumes_unencrypted: 0,
            };
            // Without the template data its volumes are unknown, not none.
            let volumes: Option<Vec<_>> = t.launch_template_data().map(|d| {
                d.block_device_mappings()
                    .iter()
                    .filter_map(|m| m.ebs())
                    .collect()
            });
            data.ebs_volumes = or_unknown!(missing, LaunchTemplate: ebs_volumes = volumes.as_ref().map(|v| v.len() as i64));
            data.ebs_volumes_unencrypted = or_unknown!(missing, LaunchTemplate: ebs_volumes_unencrypted = volumes.map(|v| v
                .iter()
                .filter(|volume| volume.encrypted() != Some(true))
                .count() as i64));
            (
                data.name.clone(),
                format!("launch-template/{id}"),
                ResourceData::Ec2LaunchTemplate(data),
            )
        },
    );
    listed(
        scope,
        out,
        "ec2:DescribeClientVpnEndpoints",
        "aws.ec2.client_vpn_endpoint",
        client_vpns,
        |c, missing| {
            let id = c.client_vpn_endpoint_id().unwrap_or_default().to_owned();
            let data = ClientVpnEndpoint {
                client_vpn_endpoint_id: id.clone(),
                connection_logging: or_unknown!(missing, ClientVpnEndpoint: connection_logging = c
                .connection_log_options()
                .and_then(|o| o.enabled())),
            };
            (
                id.clone(),
                format!("client-vpn-endpoint/{id}"),
                ResourceData::Ec2ClientVpnEndpoint(data),
            )
        },
    );
    listed(
        scope,
        out,
        "ec2:DescribeImages",
        "aws.ec2.image",
        images,
        |i, missing| {
            let id = i.image_id().unwrap_or_default().to_owned();
            let data = Image {
                image_id: id.clone(),
                name: i.name().unwrap_or_default().to_owned(),
                public: or_unknown!(missing, Image: public = i.public()),
            };
            (
                id.clone(),
                format!("image/{id}"),
                ResourceData::Ec2Image(data),
            )
        },
    );
}

/// Collects EC2 in one region.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = client(&scope.config, scope.recorder);
    let mut parts: [Collected; 8] = Default::default();
    let [a, b, c, d, e, f, g, h] = &mut parts;
    tokio::join!(
        network_inventory(scope, &client, h),
        snapshots(scope, &client, g),
        ebs_default(scope, &client, a),
        volumes(scope, &client, b),
        security_groups(scope, &client, c),
        vpcs(scope, &client, d),
        network_acls(scope, &client, e),
        instances(scope, &client, f),
    );
    let mut out = Collected::default();
    for part in parts {
        out.merge(part);
    }
    out
}
