//! Amazon ECS, once per region: a paginated ListClusters and one DescribeClusters per 100
//! clusters (settings included); per cluster one paginated ListServices and one
//! DescribeServices per 10 services, only when a selected check reads services; a paginated
//! ListTaskDefinitions of the active revisions and one DescribeTaskDefinition per family (its
//! latest revision), only when a selected check reads task definitions. Environment variables
//! are read by name only.

use super::{CallError, Collected, Scope, drain, per_resource};
use crate::attributes;
use crate::inventory::ResourceData;
use crate::inventory::ecs::{Cluster, Container, Service, TaskDefinition};
use crate::or_unknown;
use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::{
    AssignPublicIp, ClusterField, ClusterSettingName, NetworkConfiguration, TaskDefinitionStatus,
};
use std::collections::BTreeMap;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &[
    "ecs:DescribeClusters",
    "ecs:DescribeServices",
    "ecs:DescribeTaskDefinition",
    "ecs:ListClusters",
    "ecs:ListServices",
    "ecs:ListTaskDefinitions",
];

const CLUSTER: &str = "aws.ecs.cluster";
const SERVICE: &str = "aws.ecs.service";
const TASK_DEFINITION: &str = "aws.ecs.task_definition";

/// Collects the region's clusters, services and task definitions.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_ecs, &scope.config, scope.recorder);
    let mut parts: [Collected; 2] = Default::default();
    let [a, b] = &mut parts;
    tokio::join!(
        clusters(scope, &client, a),
        task_definitions(scope, &client, b)
    );
    let mut out = Collected::default();
    for part in parts {
        out.merge(part);
    }
    out
}

fn assigns_public_ip(network: Option<&NetworkConfiguration>) -> bool {
    network
        .and_then(|n| n.awsvpc_configuration())
        .and_then(|a| a.assign_public_ip())
        == Some(&AssignPublicIp::Enabled)
}

async fn clusters(scope: &Scope<'_>, client: &Client, out: &mut Collected) {
    const LISTING: &str = "ecs:ListClusters";
    const DESCRIBE: &str = "ecs:DescribeClusters";
    let arns: Vec<String> =
        match drain(client.list_clusters().into_paginator().send(), LISTING).await {
            Ok(pages) => pages
                .iter()
                .flat_map(|p| p.cluster_arns())
                .cloned()
                .collect(),
            Err(error) => {
                out.unlisted(&error, &scope.region, CLUSTER);
                return out.unlisted(&error, &scope.region, SERVICE);
            }
        };
    let mut clusters = Vec::new();
    for batch in arns.chunks(100) {
        match client
            .describe_clusters()
            .set_clusters(Some(batch.to_vec()))
            .include(ClusterField::Settings)
            .send()
            .await
        {
            Ok(answer) => clusters.extend(answer.clusters().iter().cloned()),
            Err(e) => {
                let error = CallError::from_sdk(DESCRIBE, &e);
                out.unlisted(&error, &scope.region, CLUSTER);
                return out.unlisted(&error, &scope.region, SERVICE);
            }
        }
    }
    let mut listed = Vec::new();
    for cluster in &clusters {
        let arn = cluster.cluster_arn().unwrap_or_default().to_owned();
        let name = cluster.cluster_name().unwrap_or_default().to_owned();
        let mut missing = Vec::new();
        let insights = cluster
            .settings()
            .iter()
            .find(|s| s.name() == Some(&ClusterSettingName::ContainerInsights))
            .and_then(|s| s.value())
            .map(str::to_owned);
        let data = Cluster {
            name: name.clone(),
            container_insights: or_unknown!(missing, Cluster: container_insights = insights),
        };
        out.left_out(DESCRIBE, &scope.region, CLUSTER, &arn, &missing);
        out.resources
            .push(scope.resource(arn.clone(), name, ResourceData::EcsCluster(data)));
        listed.push(arn);
    }
    let read = per_resource(
        scope,
        out,
        "ecs:DescribeServices",
        &[SERVICE],
        listed,
        |arn| async move {
            let answer = services(client, &arn).await;
            (arn, answer)
        },
    )
    .await;
    for (_, answer) in read {
        match answer {
            None => {}
            Some(Ok(services)) => {
                for (arn, data) in services {
                    let name = data.name.clone();
                    out.resources
                        .push(scope.resource(arn, name, ResourceData::EcsService(data)));
                }
            }
            Some(Err(error)) => out.unlisted(&error, &scope.region, SERVICE),
        }
    }
}

/// The services of the cluster `cluster_arn`, by ARN.
async fn services(client: &Client, cluster_arn: &str) -> Result<Vec<(String, Service)>, CallError> {
    let pages = client
        .list_services()
        .cluster(cluster_arn)
        .into_paginator()
        .send();
    let arns: Vec<String> = drain(pages, "ecs:ListServices")
        .await?
        .iter()
        .flat_map(|p| p.service_arns())
        .cloned()
        .collect();
    let mut found = Vec::new();
    for batch in arns.chunks(10) {
        let answer = client
            .describe_services()
            .cluster(cluster_arn)
            .set_services(Some(batch.to_vec()))
            .send()
            .await
            .map_err(|e| CallError::from_sdk("ecs:DescribeServices", &e))?;
        for s in answer.services() {
            let launch_type = s.launch_type().map(|l| l.as_str().to_owned());
            let fargate = launch_type.as_deref() == Some("FARGATE")
                || s.capacity_provider_strategy()
                    .iter()
                    .any(|c| c.capacity_provider().starts_with("FARGATE"));
            found.push((
                s.service_arn().unwrap_or_default().to_owned(),
                Service {
                    name: s.service_name().unwrap_or_default().to_owned(),
                    cluster: cluster_arn
                        .rsplit('/')
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                    launch_type,
                    fargate,
                    platform_version: s.platform_version().filter(|_| fargate).map(str::to_owned),
                    assigns_public_ip: assigns_public_ip(s.network_configuration()),
                    task_sets_assign_public_ip: s
                        .task_sets()
                        .iter()
                        .any(|t| assigns_public_ip(t.network_configuration())),
                },
            ));
        }
    }
    Ok(found)
}

/// `(family, revision)` of a task definition ARN (`...:task-definition/family:revision`).
fn family_revision(arn: &str) -> Option<(&str, i64)> {
    let (family, revision) = arn.rsplit('/').next()?.rsplit_once(':')?;
    Some((family, revision.parse().ok()?))
}

async fn task_definitions(scope: &Scope<'_>, client: &Client, out: &mut Collected) {
    const LISTING: &str = "ecs:ListTaskDefinitions";
    const DESCRIBE: &str = "ecs:DescribeTaskDefinition";
    let pages = client
        .list_task_definitions()
        .status(TaskDefinitionStatus::Active)
        .into_paginator()
        .send();
    let pages = match drain(pages, LISTING).await {
        Ok(pages) => pages,
        Err(error) => return out.unlisted(&error, &scope.region, TASK_DEFINITION),
    };
    // The latest active revision of each family.
    let mut latest: BTreeMap<String, (i64, String)> = BTreeMap::new();
    for arn in pages.iter().flat_map(|p| p.task_definition_arns()) {
        if let Some((family, revision)) = family_revision(arn) {
            let entry = latest
                .entry(family.to_owned())
                .or_insert((revision, arn.clone()));
            if revision >= entry.0 {
                *entry = (revision, arn.clone());
            }
        }
    }
    let listed: Vec<(String, TaskDefinition)> = latest
        .into_iter()
        .map(|(family, (revision, arn))| {
            (
                arn,
                TaskDefinition {
                    family,
                    revision,
                    ..Default::default()
                },
            )
        })
        .collect();
    let read = per_resource(
        scope,
        out,
        DESCRIBE,
        &[TASK_DEFINITION],
        listed,
        |(arn, data)| async move {
            let answer = client
                .describe_task_definition()
                .task_definition(&arn)
                .send()
                .await
                .map_err(|e| CallError::from_sdk(DESCRIBE, &e));
            ((arn, data), answer)
        },
    )
    .await;
    for ((arn, mut data), answer) in read {
        match answer {
            None => {}
            Some(Ok(answer)) => match answer.task_definition() {
                Some(definition) => {
                    data.network_mode = definition.network_mode().map(|m| m.as_str().to_owned());
                    data.pid_mode = definition.pid_mode().map(|m| m.as_str().to_owned());
                    data.containers = definition
                        .container_definitions()
                        .iter()
                        .map(|c| Container {
                            name: c.name().unwrap_or_default().to_owned(),
                            privileged: c.privileged() == Some(true),
                            user: c.user().map(str::to_owned),
                            readonly_root_filesystem: c.readonly_root_filesystem() == Some(true),
                            logging: c.log_configuration().is_some(),
                            environment_names: c
                                .environment()
                                .iter()
                                .filter_map(|e| e.name().map(str::to_owned))
                                .collect(),
                        })
                        .collect();
                }
                None => out.left_out(
                    DESCRIBE,
                    &scope.region,
                    TASK_DEFINITION,
                    &arn,
                    attributes!(TaskDefinition: network_mode, pid_mode, containers),
                ),
            },
            Some(Err(error)) => out.unknown(
                &error,
                &scope.region,
                TASK_DEFINITION,
                &arn,
                attributes!(TaskDefinition: network_mode, pid_mode, containers),
            ),
        }
        let name = format!("{}:{}", data.family, data.revision);
        out.resources
            .push(scope.resource(arn, name, ResourceData::EcsTaskDefinition(data)));
    }
}

#[cfg(test)]
mod tests {
    use super::family_revision;

    #[test]
    fn task_definition_arns_give_family_and_revision() {
        assert_eq!(
            family_revision("arn:aws:ecs:us-east-1:111122223333:task-definition/web-app:12"),
            Some(("web-app", 12))
        );
        assert_eq!(
            family_revision("arn:aws:ecs:us-east-1:1:task-definition/web"),
            None
        );
    }
}
