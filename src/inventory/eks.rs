//! Amazon EKS attributes: clusters.

use serde::{Deserialize, Serialize};

/// An EKS cluster (its control plane).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    pub name: String,
    /// The Kubernetes version, `1.33`.
    pub version: String,
    /// The minor number of the Kubernetes version (`33` for `1.33`).
    pub kubernetes_minor_version: i64,
    /// The Kubernetes API server endpoint is reachable from the internet.
    pub endpoint_public_access: bool,
    /// The CIDR blocks allowed to reach the public endpoint (`0.0.0.0/0` for all).
    pub public_access_cidrs: Vec<String>,
    /// Kubernetes secrets are envelope-encrypted with a KMS key of the account's (an
    /// encryption configuration with a provider key).
    pub secrets_encrypted: bool,
    /// The control-plane log types sent to CloudWatch Logs (`api`, `audit`, `authenticator`,
    /// `controllerManager`, `scheduler`).
    pub enabled_log_types: Vec<String>,
}
