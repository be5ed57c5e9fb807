//! EC2 attributes: EBS encryption defaults, volumes, security groups, VPCs, network ACLs,
//! instances.

use serde::{Deserialize, Serialize};

/// A region's EBS encryption-by-default setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EbsEncryptionDefault {
    pub enabled: bool,
    pub kms_key_id: Option<String>,
}

/// An EBS volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Volume {
    pub volume_id: String,
    pub encrypted: bool,
    pub kms_key_id: Option<String>,
    pub state: String,
    /// Instance ids the volume is attached to.
    pub attached_to: Vec<String>,
}

/// One ingress or egress rule, with ranges widened to lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// `tcp`, `udp`, `icmp`, or `-1` for all protocols.
    pub protocol: String,
    /// First port of the range; `null` means all ports.
    pub from_port: Option<i64>,
    pub to_port: Option<i64>,
    #[serde(default)]
    pub ipv4_ranges: Vec<String>,
    #[serde(default)]
    pub ipv6_ranges: Vec<String>,
    /// Security groups allowed by this rule.
    #[serde(default)]
    pub groups: Vec<String>,
}

/// A security group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroup {
    pub group_id: String,
    pub name: String,
    pub vpc_id: Option<String>,
    /// The VPC's `default` group.
    pub is_default: bool,
    pub ingress: Vec<Rule>,
    pub egress: Vec<Rule>,
}

/// A VPC and its flow logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Vpc {
    pub vpc_id: String,
    pub is_default: bool,
    /// Active flow logs capturing the VPC's traffic.
    pub flow_logs: i64,
    /// Services the VPC reaches through VPC endpoints (`com.amazonaws.us-east-1.ec2`, ...).
    pub endpoint_services: Vec<String>,
}

/// An EC2 instance's metadata service settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    pub instance_id: String,
    /// `pending`, `running`, `stopped`, `terminated`...
    pub state: String,
    /// `required` (IMDSv2 only) or `optional` (IMDSv1 allowed).
    pub http_tokens: String,
    /// `enabled` or `disabled`: whether the metadata service answers at all.
    pub http_endpoint: String,
    /// `applied`, or `pending` while a change of the metadata options is not yet in effect
    /// (the two settings above are then the requested ones).
    pub metadata_state: String,
    /// The public IPv4 address; null when the instance has none.
    pub public_ip: Option<String>,
    /// Network interfaces attached.
    pub network_interfaces: i64,
    /// `hvm` or `paravirtual`.
    pub virtualization_type: String,
    /// When a stopped instance was stopped (from its state transition reason); null otherwise.
    pub stopped_at: Option<String>,
    /// The ARN of the instance profile (the IAM role's) attached; null when none is.
    pub instance_profile: Option<String>,
    /// The attached instance profile holds a role (a profile can be left without one).
    pub instance_profile_has_role: bool,
}

/// An Elastic IP address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Address {
    pub allocation_id: String,
    pub public_ip: String,
    /// The association; null when the address is attached to nothing.
    pub association_id: Option<String>,
}

/// A subnet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Subnet {
    pub subnet_id: String,
    pub vpc_id: String,
    /// Instances launched here get a public IPv4 address by default.
    pub map_public_ip_on_launch: bool,
}

/// A Site-to-Site VPN connection and its tunnels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct VpnConnection {
    pub vpn_connection_id: String,
    /// `available`, `pending`, `deleting`, `deleted`.
    pub state: String,
    /// The status (`UP`, `DOWN`) of each tunnel, from the connection's telemetry.
    pub tunnels: Vec<String>,
    /// Per tunnel (from the connection's tunnel options): its activity is logged to CloudWatch
    /// Logs.
    pub tunnel_logging: Vec<bool>,
}

/// A transit gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TransitGateway {
    pub transit_gateway_id: String,
    /// Attachment requests from other accounts are accepted without review.
    pub auto_accept_shared_attachments: bool,
}

/// The default version of a launch template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LaunchTemplate {
    pub launch_template_id: String,
    pub name: String,
    /// Some network interface of the template asks for a public IPv4 address.
    pub assigns_public_ip: bool,
    /// `required` or `optional`; null when the template sets no metadata options (instances
    /// then take the AMI's or the account's default).
    pub metadata_http_tokens: Option<String>,
    /// EBS volumes the template's block device mappings attach.
    pub ebs_volumes: i64,
    /// Of those, the ones not set to be encrypted.
    pub ebs_volumes_unencrypted: i64,
}

/// A Client VPN endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ClientVpnEndpoint {
    pub client_vpn_endpoint_id: String,
    /// Client connections are logged to CloudWatch Logs.
    pub connection_logging: bool,
}

/// An AMI owned by the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Image {
    pub image_id: String,
    pub name: String,
    /// Anyone may launch it.
    pub public: bool,
}

/// One entry of a network ACL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AclEntry {
    /// Entries are evaluated in increasing rule number; the first match decides.
    pub rule_number: i64,
    /// Protocol number (`6` tcp, `17` udp) or `-1` for all.
    pub protocol: String,
    pub allow: bool,
    pub egress: bool,
    pub ipv4_cidr: Option<String>,
    pub ipv6_cidr: Option<String>,
    /// Port range for tcp/udp; `null` for all ports.
    pub from_port: Option<i64>,
    pub to_port: Option<i64>,
}

/// A network ACL of a VPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NetworkAcl {
    pub network_acl_id: String,
    pub vpc_id: String,
    pub is_default: bool,
    pub entries: Vec<AclEntry>,
    /// Subnets the ACL is associated with.
    pub subnets: i64,
}

/// An EBS snapshot owned by the account, with whom it is shared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub snapshot_id: String,
    pub encrypted: bool,
    /// Anyone may create volumes from it (`createVolumePermission` group `all`).
    pub public: bool,
    /// Other accounts allowed to create volumes from it.
    pub shared_with: Vec<String>,
}
