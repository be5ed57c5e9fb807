//! Amazon EKS, once per region: one paginated ListClusters (names only), then one
//! DescribeCluster per cluster, which carries every setting the checks read (endpoint access,
//! version, secrets encryption, control-plane logging), only when a selected check reads them.

use super::{CallError, Collected, Scope, drain, per_resource};
use crate::inventory::eks::Cluster;
use crate::inventory::{ErrorKind, ResourceData};
use crate::or_unknown;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &["eks:DescribeCluster", "eks:ListClusters"];

const TYPE: &str = "aws.eks.cluster";
const LISTING: &str = "eks:ListClusters";
const DESCRIBE: &str = "eks:DescribeCluster";

/// The minor number of a `1.x` Kubernetes version; other forms are unknown.
fn minor_version(version: &str) -> Option<i64> {
    version.strip_prefix("1.")?.parse().ok()
}

/// The cluster `name` (as listed) from its description; attributes the description leaves
/// out go into `missing`.
fn cluster(
    name: String,
    c: &aws_sdk_eks::types::Cluster,
    missing: &mut Vec<&'static str>,
) -> Cluster {
    let vpc = c.resources_vpc_config();
    let version = c.version();
    Cluster {
        name,
        version: or_unknown!(missing, Cluster: version = version.map(str::to_owned)),
        kubernetes_minor_version: or_unknown!(missing, Cluster: kubernetes_minor_version = version.and_then(minor_version)),
        endpoint_public_access: or_unknown!(missing, Cluster: endpoint_public_access = vpc.map(|v| v.endpoint_public_access())),
        public_access_cidrs: or_unknown!(missing, Cluster: public_access_cidrs = vpc.map(|v| v.public_access_cidrs().to_vec())),
        // The answer carries no encryption configuration for a cluster without a KMS key of
        // its own (the field is absent, not empty): that is "no key", not an unknown.
        secrets_encrypted: c
            .encryption_config()
            .iter()
            .any(|e| e.provider().and_then(|p| p.key_arn()).is_some()),
        enabled_log_types: or_unknown!(
            missing,
            Cluster: enabled_log_types = c.logging().map(|l| {
                l.cluster_logging()
                    .iter()
                    .filter(|s| s.enabled() == Some(true))
                    .flat_map(|s| s.types())
                    .map(|t| t.as_str().to_owned())
                    .collect()
            })
        ),
    }
}

/// Collects the region's clusters.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_eks, &scope.config, scope.recorder);
    let mut out = Collected::default();
    let pages = client.list_clusters().into_paginator().items().send();
    let Some(names) = out.listed(&scope.region, TYPE, drain(pages, LISTING).await) else {
        return out;
    };
    let client = &client;
    let read = per_resource(
        scope,
        &mut out,
        DESCRIBE,
        &[TYPE],
        names,
        |name| async move {
            let answer = client
                .describe_cluster()
                .name(&name)
                .send()
                .await
                .map_err(|e| CallError::from_sdk(DESCRIBE, &e));
            (name, answer)
        },
    )
    .await;
    for (name, answer) in read {
        let arn = scope.arn("eks", &format!("cluster/{name}"));
        let described = answer.map(|a| {
            a.and_then(|a| {
                a.cluster.ok_or_else(|| {
                    CallError::data(
                        DESCRIBE,
                        ErrorKind::MissingData,
                        "the answer has no cluster",
                    )
                })
            })
        });
        let data = match described {
            None => Cluster {
                name: name.clone(),
                ..Default::default()
            },
            Some(Err(error)) => {
                out.unknown(&error, &scope.region, TYPE, &arn, &[]);
                Cluster {
                    name: name.clone(),
                    ..Default::default()
                }
            }
            Some(Ok(c)) => {
                let mut missing = Vec::new();
                let data = cluster(name.clone(), &c, &mut missing);
                out.left_out(DESCRIBE, &scope.region, TYPE, &arn, &missing);
                data
            }
        };
        out.resources
            .push(scope.resource(arn, name, ResourceData::EksCluster(data)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::minor_version;

    #[test]
    fn kubernetes_minor_versions_are_read_from_one_dot_forms_only() {
        assert_eq!(minor_version("1.33"), Some(33));
        assert_eq!(minor_version("1.9"), Some(9));
        assert_eq!(minor_version("2.0"), None);
        assert_eq!(minor_version("latest"), None);
    }
}
