//! Amazon ECR, once per region: private repositories from one paginated DescribeRepositories
//! (scan-on-push, tag mutability), the scanning in effect after registry rules from one
//! BatchGetRepositoryScanningConfiguration per 25 repositories, and one GetLifecyclePolicy per
//! repository (no listing says whether a lifecycle policy exists); the last two only when a
//! selected check reads what they provide.

use super::{CallError, Collected, Scope, drain, per_resource};
use crate::inventory::ecr::Repository;
use crate::inventory::{ErrorKind, ResourceData};
use crate::or_unknown;
use aws_sdk_ecr::operation::get_lifecycle_policy::GetLifecyclePolicyError;
use std::collections::BTreeMap;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &[
    "ecr:BatchGetRepositoryScanningConfiguration",
    "ecr:DescribeRepositories",
    "ecr:GetLifecyclePolicy",
];

const TYPE: &str = "aws.ecr.repository";
const LIST: &str = "ecr:DescribeRepositories";
const SCANNING: &str = "ecr:BatchGetRepositoryScanningConfiguration";
const LIFECYCLE: &str = "ecr:GetLifecyclePolicy";
/// Repositories one BatchGetRepositoryScanningConfiguration call accepts.
const SCANNING_BATCH: usize = 25;

/// Collects the region's private repositories.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_ecr, &scope.config, scope.recorder);
    let mut out = Collected::default();
    let pages = client
        .describe_repositories()
        .into_paginator()
        .items()
        .send();
    let Some(listed) = out.listed(&scope.region, TYPE, drain(pages, LIST).await) else {
        return out;
    };
    let mut repositories = Vec::new();
    for r in &listed {
        let name = r.repository_name().unwrap_or_default().to_owned();
        let arn = r
            .repository_arn()
            .map(str::to_owned)
            .unwrap_or_else(|| scope.arn("ecr", &format!("repository/{name}")));
        let mut missing = Vec::new();
        let scanning = r.image_scanning_configuration();
        let data = Repository {
            name: name.clone(),
            scan_on_push: or_unknown!(missing, Repository: scan_on_push = scanning.map(|s| s.scan_on_push())),
            tag_mutability: or_unknown!(
                missing,
                Repository: tag_mutability = r.image_tag_mutability().map(|t| t.as_str().to_owned())
            ),
            ..Default::default()
        };
        out.left_out(LIST, &scope.region, TYPE, &arn, &missing);
        repositories.push((arn, data));
    }
    scan_frequencies(scope, &client, &mut repositories, &mut out).await;
    let client = &client;
    let names = repositories.iter().map(|(_, r)| r.name.clone()).collect();
    let mut lifecycle: BTreeMap<String, _> = per_resource(
        scope,
        &mut out,
        LIFECYCLE,
        &[TYPE],
        names,
        |name| async move {
            let answer = match client
                .get_lifecycle_policy()
                .repository_name(&name)
                .send()
                .await
            {
                Ok(answer) => Ok(answer.lifecycle_policy_text().is_some()),
                Err(e)
                    if matches!(
                        e.as_service_error(),
                        Some(GetLifecyclePolicyError::LifecyclePolicyNotFoundException(_))
                    ) =>
                {
                    Ok(false)
                }
                Err(e) => Err(CallError::from_sdk(LIFECYCLE, &e)),
            };
            (name, answer)
        },
    )
    .await
    .into_iter()
    .collect();
    for (arn, mut data) in repositories {
        match lifecycle.remove(&data.name).flatten() {
            None => {}
            Some(Ok(present)) => data.lifecycle_policy = present,
            Some(Err(error)) => {
                let attributes = crate::attributes!(Repository: lifecycle_policy);
                out.unknown(&error, &scope.region, TYPE, &arn, attributes);
            }
        }
        let name = data.name.clone();
        out.resources
            .push(scope.resource(arn, name, ResourceData::EcrRepository(data)));
    }
    out
}

/// Fills the scanning in effect for each repository (its own setting or a registry rule's),
/// 25 repositories a call; a repository the answer leaves out is unknown.
async fn scan_frequencies(
    scope: &Scope<'_>,
    client: &aws_sdk_ecr::Client,
    repositories: &mut [(String, Repository)],
    out: &mut Collected,
) {
    if repositories.is_empty() {
        return;
    }
    if !scope.plan.wants(SCANNING) {
        return out.skipped(SCANNING, &scope.region, TYPE);
    }
    let attributes = crate::attributes!(Repository: scan_frequency);
    for batch in repositories.chunks_mut(SCANNING_BATCH) {
        let names = batch.iter().map(|(_, r)| r.name.clone()).collect();
        let answer = client
            .batch_get_repository_scanning_configuration()
            .set_repository_names(Some(names))
            .send()
            .await;
        let frequencies: BTreeMap<&str, &str> = match &answer {
            Ok(answer) => answer
                .scanning_configurations()
                .iter()
                .filter_map(|c| Some((c.repository_name()?, c.scan_frequency()?.as_str())))
                .collect(),
            Err(e) => {
                let error = CallError::from_sdk(SCANNING, e);
                for (arn, _) in batch.iter() {
                    out.unknown(&error, &scope.region, TYPE, arn, attributes);
                }
                continue;
            }
        };
        for (arn, repository) in batch.iter_mut() {
            match frequencies.get(repository.name.as_str()) {
                Some(frequency) => repository.scan_frequency = (*frequency).to_owned(),
                None => {
                    let error = CallError::data(
                        SCANNING,
                        ErrorKind::MissingData,
                        format!("{SCANNING} did not describe the repository"),
                    );
                    out.unknown(&error, &scope.region, TYPE, arn, attributes);
                }
            }
        }
    }
}
