//! AWS Lambda attributes.

use super::policy::PolicyDocument;
use serde::{Deserialize, Serialize};

/// A Lambda function (its unpublished `$LATEST` configuration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Function {
    pub name: String,
    /// `Zip` or `Image`.
    pub package_type: String,
    /// The runtime identifier (`python3.13`); null for container images.
    pub runtime: Option<String>,
    /// The VPC the function is attached to; null when it is not.
    pub vpc_id: Option<String>,
    /// The subnets the function's network interfaces are placed in.
    pub subnet_ids: Vec<String>,
    /// The Availability Zones of those subnets, sorted, each once.
    pub availability_zones: Vec<String>,
    /// The resource-based policy; null when the function has none.
    pub policy: Option<PolicyDocument>,
    /// The policy lets anyone invoke or manage the function: everyone without a narrowing
    /// condition, or a service principal without a condition pinning the source account.
    pub policy_public: bool,
}
