//! Amazon CloudFront attributes: distributions with their origins.

use serde::{Deserialize, Serialize};

/// A CloudFront distribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Distribution {
    pub id: String,
    /// `d111111abcdef8.cloudfront.net`.
    pub domain_name: String,
    pub enabled: bool,
    /// The viewer protocol policy of the default and of every other cache behavior:
    /// `allow-all`, `redirect-to-https` or `https-only`.
    pub viewer_protocol_policies: Vec<String>,
    pub origins: Vec<Origin>,
    /// Origin groups (a primary and a secondary origin for failover).
    pub origin_groups: i64,
    /// The AWS WAF web ACL (a v2 ARN or a classic id); null when none is associated.
    pub web_acl: Option<String>,
    /// The viewer certificate is CloudFront's default (`*.cloudfront.net`).
    pub default_certificate: bool,
    /// `sni-only`, `vip` or `static-ip` with a custom certificate; null with the default one.
    pub ssl_support_method: Option<String>,
    /// The minimum TLS protocol version for viewers (e.g. `TLSv1.2_2021`).
    pub minimum_protocol_version: Option<String>,
    /// Standard logging (access logs to S3) is on.
    pub logging: bool,
    /// The object CloudFront returns for the root URL (`index.html`); empty when none is set.
    pub default_root_object: String,
}

/// An origin of a distribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Origin {
    pub id: String,
    pub domain_name: String,
    /// `s3` (an S3 bucket's REST endpoint) or `custom` (any other HTTP server, including an S3
    /// website endpoint).
    pub kind: String,
    /// An origin access control signs CloudFront's requests to it.
    pub origin_access_control: bool,
    /// `http-only`, `match-viewer` or `https-only`; null for an S3 origin.
    pub protocol_policy: Option<String>,
    /// The TLS/SSL protocols CloudFront may use with a custom origin (`SSLv3`, `TLSv1`, ...).
    pub ssl_protocols: Vec<String>,
}
