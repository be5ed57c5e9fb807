//! Amazon EC2 Auto Scaling attributes.

use serde::{Deserialize, Serialize};

/// An Auto Scaling group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub name: String,
    /// The health checks that can mark an instance unhealthy: `EC2`, `ELB`, `VPC_LATTICE`,
    /// `EBS`.
    pub health_check_types: Vec<String>,
    /// Classic Load Balancers the group is attached to.
    pub load_balancer_names: Vec<String>,
    /// Target groups (of v2 load balancers) the group is attached to.
    pub target_group_arns: Vec<String>,
    pub availability_zones: Vec<String>,
    /// The launch configuration's name; null when the group launches from a template.
    pub launch_configuration: Option<String>,
    /// The launch template (id or name), of the group or of its mixed instances policy; null
    /// when it launches from a launch configuration.
    pub launch_template: Option<String>,
    /// The instance types the mixed instances policy's overrides name (empty without one).
    pub instance_types: Vec<String>,
    /// The mixed instances policy chooses instance types by attributes.
    pub instance_requirements: bool,
}

/// A launch configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LaunchConfiguration {
    pub name: String,
    /// `required` or `optional`; null when the configuration sets no metadata options.
    pub metadata_http_tokens: Option<String>,
    /// The metadata response hop limit; null when not set (1).
    pub metadata_hop_limit: Option<i64>,
    /// Whether instances get a public IPv4 address; null when not set (the subnet decides).
    pub associate_public_ip: Option<bool>,
}
