//! Elastic Load Balancing attributes: Application, Network and Gateway Load Balancers (v2 API)
//! and Classic Load Balancers, each with its listeners.

use serde::{Deserialize, Serialize};

/// An Application, Network or Gateway Load Balancer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancer {
    pub name: String,
    /// `application`, `network` or `gateway`.
    pub load_balancer_type: String,
    /// `internet-facing` or `internal`.
    pub scheme: String,
    /// The Availability Zones the load balancer is mapped to.
    pub availability_zones: Vec<String>,
    /// Deletion protection is on.
    pub deletion_protection: bool,
    /// Access logs go to S3; null for a gateway load balancer (it has no access logs).
    pub access_logs: Option<bool>,
    /// `monitor`, `defensive` or `strictest`; null unless an Application Load Balancer.
    pub desync_mitigation_mode: Option<String>,
    /// Invalid HTTP header fields are dropped; null unless an Application Load Balancer.
    pub drop_invalid_header_fields: Option<bool>,
    pub listeners: Vec<Listener>,
}

/// A listener of an Application, Network or Gateway Load Balancer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Listener {
    pub port: Option<i64>,
    /// `HTTP`, `HTTPS`, `TCP`, `TLS`, `UDP`, `TCP_UDP`, `GENEVE`; null for a gateway listener.
    pub protocol: Option<String>,
    /// Every request reaching the listener is redirected to HTTPS: its default action and
    /// every rule's actions (read only for HTTP listeners of Application Load Balancers).
    pub redirects_to_https: bool,
    /// The TLS security policy of an HTTPS or TLS listener.
    pub ssl_policy: Option<String>,
    /// The default certificate's ARN (ACM or IAM) of an HTTPS or TLS listener.
    pub certificate_arns: Vec<String>,
}

/// A Classic Load Balancer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ClassicLoadBalancer {
    pub name: String,
    /// `internet-facing` or `internal`.
    pub scheme: String,
    pub availability_zones: Vec<String>,
    pub listeners: Vec<ClassicListener>,
    /// Access logs go to S3.
    pub access_logs: bool,
    /// Connection draining is on.
    pub connection_draining: bool,
    /// Cross-zone load balancing is on.
    pub cross_zone: bool,
    /// `monitor`, `defensive` or `strictest`.
    pub desync_mitigation_mode: String,
}

/// A listener of a Classic Load Balancer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ClassicListener {
    /// Front-end protocol: `HTTP`, `HTTPS`, `TCP` or `SSL`.
    pub protocol: String,
    pub port: i64,
    /// Back-end protocol.
    pub instance_protocol: Option<String>,
    /// The server certificate's ARN (ACM or IAM) of an HTTPS or SSL listener.
    pub certificate_id: Option<String>,
    /// The policies applied to the listener (for HTTPS/SSL, the TLS negotiation policy).
    pub policy_names: Vec<String>,
}
