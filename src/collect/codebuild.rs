//! AWS CodeBuild, once per region: project names from one paginated ListProjects, then one
//! BatchGetProjects per 100 projects (the bulk read of their settings). Environment variable
//! values are never read into the inventory, and credentials in source URLs are replaced
//! before anything is stored.

use super::{CallError, Collected, Scope, drain};
use crate::evaluate::redact::REDACTED;
use crate::inventory::codebuild::{EnvironmentVariable, Project, Source};
use crate::inventory::{ErrorKind, ResourceData};
use crate::or_unknown;
use aws_sdk_codebuild::types::{LogsConfigStatusType, ProjectSource};

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &["codebuild:BatchGetProjects", "codebuild:ListProjects"];

const TYPE: &str = "aws.codebuild.project";
const LIST: &str = "codebuild:ListProjects";
const GET: &str = "codebuild:BatchGetProjects";
/// Projects one BatchGetProjects call accepts.
const BATCH: usize = 100;

/// A source location with its user information (`https://TOKEN@host/...`,
/// `https://user:password@host/...`) replaced by [`REDACTED`], and whether it had any.
fn without_credentials(location: &str) -> (String, bool) {
    let Some((scheme, rest)) = location.split_once("://") else {
        return (location.to_owned(), false);
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => (format!("{scheme}://{REDACTED}{}", &rest[at..]), true),
        None => (location.to_owned(), false),
    }
}

fn source(s: &ProjectSource) -> Source {
    let (location, credentials_in_url) = match s.location() {
        Some(location) => {
            let (location, credentials) = without_credentials(location);
            (Some(location), credentials)
        }
        None => (None, false),
    };
    Source {
        source_type: s.r#type().as_str().to_owned(),
        location,
        credentials_in_url,
    }
}

/// Collects the region's build projects.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_codebuild, &scope.config, scope.recorder);
    let mut out = Collected::default();
    let pages = client.list_projects().into_paginator().items().send();
    let Some(names) = out.listed(&scope.region, TYPE, drain(pages, LIST).await) else {
        return out;
    };
    for batch in names.chunks(BATCH) {
        let answer = client
            .batch_get_projects()
            .set_names(Some(batch.to_vec()))
            .send()
            .await;
        let projects = match &answer {
            Ok(answer) => answer.projects(),
            Err(e) => {
                let error = CallError::from_sdk(GET, e);
                for name in batch {
                    let arn = scope.arn("codebuild", &format!("project/{name}"));
                    out.unknown(&error, &scope.region, TYPE, &arn, &[]);
                    out.resources.push(scope.resource(
                        arn,
                        name.clone(),
                        ResourceData::CodeBuildProject(Project {
                            name: name.clone(),
                            ..Default::default()
                        }),
                    ));
                }
                continue;
            }
        };
        for name in batch {
            let arn = scope.arn("codebuild", &format!("project/{name}"));
            let data = match projects.iter().find(|p| p.name() == Some(name.as_str())) {
                Some(p) => project(scope, &arn, name, p, &mut out),
                None => {
                    let error = CallError::data(
                        GET,
                        ErrorKind::MissingData,
                        format!("{GET} did not describe the project"),
                    );
                    out.unknown(&error, &scope.region, TYPE, &arn, &[]);
                    Project {
                        name: name.clone(),
                        ..Default::default()
                    }
                }
            };
            out.resources.push(scope.resource(
                arn,
                name.clone(),
                ResourceData::CodeBuildProject(data),
            ));
        }
    }
    out
}

/// One project's settings; fields the answer leaves out are unknown.
fn project(
    scope: &Scope<'_>,
    arn: &str,
    name: &str,
    p: &aws_sdk_codebuild::types::Project,
    out: &mut Collected,
) -> Project {
    let mut missing = Vec::new();
    let environment = p.environment();
    // Every project has a source and a build environment: an answer without one says nothing
    // about its URLs or variables.
    if p.source().is_none() {
        missing.extend(crate::attributes!(Project: sources));
    }
    if environment.is_none() {
        missing.extend(crate::attributes!(Project: environment_variables));
    }
    let logs = p.logs_config();
    let cloudwatch = logs.and_then(|l| l.cloud_watch_logs()).map(|c| c.status());
    let s3 = logs.and_then(|l| l.s3_logs());
    let data = Project {
        name: name.to_owned(),
        sources: p
            .source()
            .into_iter()
            .chain(p.secondary_sources())
            .map(source)
            .collect(),
        environment_variables: environment
            .map(|e| e.environment_variables())
            .unwrap_or_default()
            .iter()
            .map(|v| EnvironmentVariable {
                name: v.name().to_owned(),
                variable_type: v.r#type().map_or("PLAINTEXT", |t| t.as_str()).to_owned(),
            })
            .collect(),
        privileged_mode: or_unknown!(
            missing,
            Project: privileged_mode = environment.and_then(|e| e.privileged_mode())
        ),
        cloudwatch_logs: or_unknown!(
            missing,
            Project: cloudwatch_logs = cloudwatch.map(|s| *s == LogsConfigStatusType::Enabled)
        ),
        s3_logs: or_unknown!(
            missing,
            Project: s3_logs = s3.map(|s| *s.status() == LogsConfigStatusType::Enabled)
        ),
        // Only S3 logs that are written can be unencrypted: for disabled S3 logs the flag
        // may be absent and says nothing (the encryption check does not apply to them).
        s3_logs_encryption_disabled: or_unknown!(
            missing,
            Project: s3_logs_encryption_disabled = s3.and_then(|s| match s.status() {
                LogsConfigStatusType::Enabled => s.encryption_disabled(),
                _ => Some(s.encryption_disabled().unwrap_or(false)),
            })
        ),
    };
    out.left_out(GET, &scope.region, TYPE, arn, &missing);
    data
}

#[cfg(test)]
mod tests {
    use super::without_credentials;

    #[test]
    fn user_information_never_survives_in_a_source_url() {
        let cases = [
            (
                "https://x-token-auth:abc123@bitbucket.org/team/repo.git",
                "https://[REDACTED]@bitbucket.org/team/repo.git",
                true,
            ),
            (
                "https://ghp_tokenonly@github.com/org/repo",
                "https://[REDACTED]@github.com/org/repo",
                true,
            ),
            (
                "https://user:p@ss@bitbucket.org/team/repo.git",
                "https://[REDACTED]@bitbucket.org/team/repo.git",
                true,
            ),
            (
                "https://bitbucket.org/team/repo.git",
                "https://bitbucket.org/team/repo.git",
                false,
            ),
            (
                "https://github.com/org/repo?ref=a@b",
                "https://github.com/org/repo?ref=a@b",
                false,
            ),
            ("my-bucket/source.zip", "my-bucket/source.zip", false),
        ];
        for (url, stored, credentials) in cases {
            assert_eq!(
                without_credentials(url),
                (stored.to_owned(), credentials),
                "{url}"
            );
        }
    }
}
