//! Amazon CloudFront, once per account (a global service): one paginated ListDistributions,
//! which carries behaviors, origins, origin groups, the web ACL and the viewer certificate,
//! then one GetDistributionConfig per distribution for what the listing leaves out (standard
//! logging, the default root object), only when a selected check reads it.

use super::{CallError, Collected, Scope, drain, per_resource};
use crate::inventory::ResourceData;
use crate::inventory::cloudfront::{Distribution, Origin};
use crate::{attributes, or_unknown};
use aws_sdk_cloudfront::types::{DistributionSummary, ViewerCertificate};

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &[
    "cloudfront:GetDistributionConfig",
    "cloudfront:ListDistributions",
];

const TYPE: &str = "aws.cloudfront.distribution";
const LISTING: &str = "cloudfront:ListDistributions";
const CONFIG: &str = "cloudfront:GetDistributionConfig";

/// S3 REST endpoints (`bucket.s3.region.amazonaws.com`, `bucket.s3.amazonaws.com`); website
/// endpoints (`s3-website`) are custom origins.
fn is_s3_rest_endpoint(domain: &str) -> bool {
    domain.contains(".s3.") || domain.ends_with(".s3.amazonaws.com")
}

/// The distribution's origins; none when the summary leaves them out (unknown, not empty).
fn origins(summary: &DistributionSummary) -> Option<Vec<Origin>> {
    let origins = summary.origins()?;
    let origins = origins
        .items()
        .iter()
        .map(|o| {
            let custom = o.custom_origin_config();
            let s3 = o.s3_origin_config().is_some() || is_s3_rest_endpoint(o.domain_name());
            Origin {
                id: o.id().to_owned(),
                domain_name: o.domain_name().to_owned(),
                kind: if custom.is_none() && s3 {
                    "s3"
                } else {
                    "custom"
                }
                .to_owned(),
                origin_access_control: o
                    .origin_access_control_id()
                    .is_some_and(|id| !id.is_empty()),
                protocol_policy: custom.map(|c| c.origin_protocol_policy().as_str().to_owned()),
                ssl_protocols: custom
                    .and_then(|c| c.origin_ssl_protocols())
                    .map(|p| p.items().iter().map(|i| i.as_str().to_owned()).collect())
                    .unwrap_or_default(),
            }
        })
        .collect();
    Some(origins)
}

/// Whether viewers get CloudFront's default certificate: a certificate of its own (ACM or IAM)
/// means not, even without the flag; no viewer certificate in the answer is unknown.
fn uses_default_certificate(certificate: Option<&ViewerCertificate>) -> Option<bool> {
    let certificate = certificate?;
    certificate.cloud_front_default_certificate().or_else(|| {
        (certificate.acm_certificate_arn().is_some() || certificate.iam_certificate_id().is_some())
            .then_some(false)
    })
}

/// A distribution from its summary; attributes the summary leaves out go into `missing`.
fn distribution(summary: &DistributionSummary, missing: &mut Vec<&'static str>) -> Distribution {
    let viewer_protocol_policies = summary
        .default_cache_behavior()
        .map(|b| b.viewer_protocol_policy().as_str().to_owned())
        .into_iter()
        .chain(
            summary
                .cache_behaviors()
                .map(|c| c.items())
                .unwrap_or_default()
                .iter()
                .map(|b| b.viewer_protocol_policy().as_str().to_owned()),
        )
        .collect();
    let certificate = summary.viewer_certificate();
    let default_certificate = or_unknown!(missing, Distribution: default_certificate = uses_default_certificate(certificate));
    Distribution {
        id: summary.id().to_owned(),
        domain_name: summary.domain_name().to_owned(),
        enabled: summary.enabled(),
        viewer_protocol_policies,
        origins: or_unknown!(missing, Distribution: origins = origins(summary)),
        origin_groups: summary
            .origin_groups()
            .map_or(0, |g| i64::from(g.quantity())),
        web_acl: Some(summary.web_acl_id())
            .filter(|id| !id.is_empty())
            .map(str::to_owned),
        default_certificate,
        ssl_support_method: certificate
            .filter(|_| !default_certificate)
            .and_then(|c| c.ssl_support_method())
            .map(|m| m.as_str().to_owned()),
        minimum_protocol_version: certificate
            .and_then(|c| c.minimum_protocol_version())
            .map(|v| v.as_str().to_owned()),
        logging: false,
        default_root_object: String::new(),
    }
}

/// Collects the account's distributions.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_cloudfront, &scope.config, scope.recorder);
    let mut out = Collected::default();
    let pages = client.list_distributions().into_paginator().send();
    let Some(pages) = out.listed(&scope.region, TYPE, drain(pages, LISTING).await) else {
        return out;
    };
    let listed: Vec<(String, Distribution)> = pages
        .iter()
        .filter_map(|page| page.distribution_list())
        .flat_map(|list| list.items())
        .map(|summary| {
            let mut missing = Vec::new();
            let data = distribution(summary, &mut missing);
            let arn = summary.arn().to_owned();
            out.left_out(LISTING, &scope.region, TYPE, &arn, &missing);
            (arn, data)
        })
        .collect();
    let client = &client;
    let read = per_resource(
        scope,
        &mut out,
        CONFIG,
        &[TYPE],
        listed,
        |(arn, data)| async move {
            let answer = client
                .get_distribution_config()
                .id(&data.id)
                .send()
                .await
                .map_err(|e| CallError::from_sdk(CONFIG, &e))
                .map(|a| {
                    a.distribution_config().and_then(|c| {
                        Some((c.logging()?.enabled(), c.default_root_object()?.to_owned()))
                    })
                });
            ((arn, data), answer)
        },
    )
    .await;
    for ((arn, mut data), answer) in read {
        let source = (CONFIG, scope.region.as_str(), TYPE);
        let read = attributes!(Distribution: logging, default_root_object);
        if let Some((logging, root)) = out.read_value(source, &arn, read, answer) {
            data.logging = logging;
            data.default_root_object = root;
        }
        let name = data.id.clone();
        out.resources
            .push(scope.resource(arn, name, ResourceData::CloudFrontDistribution(data)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{is_s3_rest_endpoint, uses_default_certificate};
    use aws_sdk_cloudfront::types::ViewerCertificate;

    #[test]
    fn a_missing_viewer_certificate_is_unknown_not_a_custom_one() {
        assert_eq!(uses_default_certificate(None), None);
        let default = ViewerCertificate::builder()
            .cloud_front_default_certificate(true)
            .build();
        assert_eq!(uses_default_certificate(Some(&default)), Some(true));
        let acm = ViewerCertificate::builder()
            .acm_certificate_arn("arn:aws:acm:us-east-1:111122223333:certificate/1")
            .build();
        assert_eq!(uses_default_certificate(Some(&acm)), Some(false));
        assert_eq!(
            uses_default_certificate(Some(&ViewerCertificate::builder().build())),
            None
        );
    }

    #[test]
    fn s3_rest_endpoints_are_told_from_website_endpoints() {
        assert!(is_s3_rest_endpoint("media.s3.us-east-1.amazonaws.com"));
        assert!(is_s3_rest_endpoint("media.s3.amazonaws.com"));
        assert!(!is_s3_rest_endpoint(
            "media.s3-website-us-east-1.amazonaws.com"
        ));
        assert!(!is_s3_rest_endpoint("api.example.com"));
    }
}
