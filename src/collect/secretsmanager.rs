//! AWS Secrets Manager, once per region: one paginated ListSecrets, which carries rotation
//! settings and the last rotation and access dates (no per-secret call).

use super::{Collected, Scope, drain, utc};
use crate::inventory::ResourceData;
use crate::inventory::secrets::Secret;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &["secretsmanager:ListSecrets"];

const TYPE: &str = "aws.secretsmanager.secret";

/// Collects the region's secrets.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_secretsmanager, &scope.config, scope.recorder);
    let mut out = Collected::default();
    let pages = client.list_secrets().into_paginator().send();
    let Some(pages) = out.listed(&scope.region, TYPE, drain(pages, ACTIONS[0]).await) else {
        return out;
    };
    let time = |t: Option<&aws_smithy_types::DateTime>| t.and_then(utc).map(|t| t.to_rfc3339());
    for secret in pages.iter().flat_map(|page| page.secret_list()) {
        let name = secret.name().unwrap_or_default().to_owned();
        let arn = secret
            .arn()
            .map(str::to_owned)
            .unwrap_or_else(|| scope.arn("secretsmanager", &format!("secret:{name}")));
        let data = Secret {
            name: name.clone(),
            // ListSecrets leaves RotationEnabled out until rotation has been configured:
            // absent is "never turned on".
            rotation_enabled: secret.rotation_enabled().unwrap_or(false),
            rotation_days: secret
                .rotation_rules()
                .and_then(|r| r.automatically_after_days()),
            created: time(secret.created_date()),
            last_rotated: time(secret.last_rotated_date()),
            last_accessed: time(secret.last_accessed_date()),
        };
        out.resources
            .push(scope.resource(arn, name, ResourceData::SecretsManagerSecret(data)));
    }
    out
}
