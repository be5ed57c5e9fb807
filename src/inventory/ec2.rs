//! EC2 attributes: EBS encryption defaults, volumes, security groups.

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
