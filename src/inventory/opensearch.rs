//! Amazon OpenSearch Service attributes: one shape for domains of both engines (OpenSearch and
//! legacy Elasticsearch), which are distinct resource types.

use serde::{Deserialize, Serialize};

/// An OpenSearch Service domain, as DescribeDomains describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    pub name: String,
    /// `OpenSearch_2.11`, `Elasticsearch_7.10`, ...
    pub engine_version: Option<String>,
    /// The domain is being deleted.
    pub deleted: bool,
    pub encrypted_at_rest: bool,
    pub kms_key_id: Option<String>,
    pub node_to_node_encryption: bool,
    /// The domain's endpoint is in a VPC (false: a public endpoint).
    pub in_vpc: bool,
    /// The endpoint refuses plain HTTP.
    pub enforce_https: bool,
    /// The endpoint's TLS security policy, e.g. `Policy-Min-TLS-1-2-PFS-2023-10`.
    pub tls_policy: Option<String>,
    /// Log types published to CloudWatch Logs (`AUDIT_LOGS`, `ES_APPLICATION_LOGS`,
    /// `INDEX_SLOW_LOGS`, `SEARCH_SLOW_LOGS`), each enabled with a log group.
    pub cloudwatch_logs: Vec<String>,
    /// Fine-grained access control (advanced security options).
    pub fine_grained_access_control: bool,
    /// Data nodes.
    pub instance_count: i64,
    pub zone_awareness: bool,
    pub dedicated_master: bool,
    /// Dedicated master nodes; 0 when the domain has none.
    pub dedicated_master_count: i64,
    /// A service software update is available and not installed.
    pub update_available: bool,
}
