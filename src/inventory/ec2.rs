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
