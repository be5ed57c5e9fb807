//! Amazon SNS, once per region: topics from one paginated ListTopics, then one
//! GetTopicAttributes per topic (the only call carrying encryption, delivery-status logging and
//! the access policy), made only when a selected check reads them.

use super::{CallError, Collected, Scope, drain};
use crate::inventory::policy::PolicyDocument;
use crate::inventory::sns::Topic;
use crate::inventory::{ErrorKind, ResourceData};
use futures::StreamExt;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &["sns:GetTopicAttributes", "sns:ListTopics"];

const TYPE: &str = "aws.sns.topic";
/// Topics whose attributes are read at once.
const FAN_OUT: usize = 8;

/// Collects the region's topics.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_sns, &scope.config, scope.recorder);
    let mut out = Collected::default();
    let pages = client.list_topics().into_paginator().send();
    let arns: Vec<String> = match drain(pages, "sns:ListTopics").await {
        Ok(pages) => pages
            .iter()
            .flat_map(|page| page.topics())
            .filter_map(|t| t.topic_arn().map(str::to_owned))
            .collect(),
        Err(error) => {
            out.unlisted(&error, &scope.region, TYPE);
            return out;
        }
    };
    let wanted = scope.plan.wants("sns:GetTopicAttributes");
    if !wanted {
        out.skipped("sns:GetTopicAttributes", &scope.region, TYPE);
    }
    let client = &client;
    let read: Vec<(String, Option<Result<_, CallError>>)> = futures::stream::iter(arns)
        .map(|arn| async move {
            if !wanted {
                return (arn, None);
            }
            let answer = client
                .get_topic_attributes()
                .topic_arn(&arn)
                .send()
                .await
                .map(|a| a.attributes().cloned().unwrap_or_default())
                .map_err(|e| CallError::from_sdk("sns:GetTopicAttributes", &e));
            (arn, Some(answer))
        })
        .buffer_unordered(FAN_OUT)
        .collect()
        .await;
    for (arn, answer) in read {
        let name = arn.rsplit(':').next().unwrap_or_default().to_owned();
        let mut data = Topic {
            name: name.clone(),
            ..Default::default()
        };
        match answer {
            None => {}
            Some(Ok(attributes)) => {
                data.kms_key_id = attributes.get("KmsMasterKeyId").cloned();
                data.delivery_status_logging = attributes
                    .keys()
                    .any(|k| k.ends_with("FailureFeedbackRoleArn"));
                match attributes.get("Policy").map(|p| PolicyDocument::parse(p)) {
                    None => {}
                    Some(Ok(policy)) => {
                        data.policy_public = policy.allows_public();
                        data.policy = Some(policy);
                    }
                    Some(Err(e)) => out.unknown(
                        &CallError::data(
                            "sns:GetTopicAttributes",
                            ErrorKind::Decode,
                            e.to_string(),
                        ),
                        &scope.region,
                        TYPE,
                        &arn,
                        crate::attributes!(Topic: policy, policy_public),
                    ),
                }
            }
            Some(Err(error)) => out.unknown(&error, &scope.region, TYPE, &arn, &[]),
        }
        out.resources
            .push(scope.resource(arn, name, ResourceData::SnsTopic(data)));
    }
    out
}
