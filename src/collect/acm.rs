//! AWS Certificate Manager, once per region: one paginated ListCertificates asking for every
//! key algorithm (by default it returns RSA 2048 certificates only), whose summaries carry
//! everything the checks read; no per-certificate call.

use super::{Collected, Scope, drain, utc};
use crate::inventory::ResourceData;
use crate::inventory::acm::Certificate;
use crate::or_unknown;
use aws_sdk_acm::types::{Filters, KeyAlgorithm};

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &["acm:ListCertificates"];

const TYPE: &str = "aws.acm.certificate";
const LISTING: &str = "acm:ListCertificates";

/// Collects the region's certificates.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_acm, &scope.config, scope.recorder);
    let mut out = Collected::default();
    let every_key = Filters::builder()
        .set_key_types(Some(
            KeyAlgorithm::values()
                .iter()
                .map(|k| KeyAlgorithm::from(*k))
                .collect(),
        ))
        .build();
    let pages = client
        .list_certificates()
        .includes(every_key)
        .into_paginator()
        .items()
        .send();
    let Some(listed) = out.listed(&scope.region, TYPE, drain(pages, LISTING).await) else {
        return out;
    };
    for c in &listed {
        let Some(arn) = c.certificate_arn() else {
            continue;
        };
        let mut missing = Vec::new();
        let data = Certificate {
            domain_name: c.domain_name().unwrap_or_default().to_owned(),
            certificate_type: or_unknown!(missing, Certificate: certificate_type = c.r#type().map(|t| t.as_str().to_owned())),
            key_algorithm: or_unknown!(missing, Certificate: key_algorithm = c.key_algorithm().map(|k| k.as_str().to_owned())),
            status: or_unknown!(missing, Certificate: status = c.status().map(|s| s.as_str().to_owned())),
            not_after: c.not_after().and_then(utc).map(|t| t.to_rfc3339()),
            in_use: or_unknown!(missing, Certificate: in_use = c.in_use()),
        };
        out.left_out(LISTING, &scope.region, TYPE, arn, &missing);
        let name = data.domain_name.clone();
        out.resources.push(scope.resource(
            arn.to_owned(),
            name,
            ResourceData::AcmCertificate(data),
        ));
    }
    out
}
