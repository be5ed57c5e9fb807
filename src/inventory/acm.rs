//! AWS Certificate Manager attributes: certificates.

use serde::{Deserialize, Serialize};

/// An ACM certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    pub domain_name: String,
    /// `IMPORTED`, `AMAZON_ISSUED` or `PRIVATE`.
    pub certificate_type: String,
    /// `RSA_2048`, `RSA_1024`, `EC_prime256v1`, ...
    pub key_algorithm: String,
    /// `ISSUED`, `EXPIRED`, `PENDING_VALIDATION`, ...
    pub status: String,
    /// The end of the validity period (RFC 3339); null for a certificate not yet issued.
    pub not_after: Option<String>,
    /// An AWS resource (load balancer, distribution, API) uses the certificate.
    pub in_use: bool,
}
