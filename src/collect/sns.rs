//! Amazon SNS, once per region: topics from one paginated ListTopics, then one
//! GetTopicAttributes per topic (the only call carrying encryption, delivery-status logging and
//! the access policy), made only when a selected check reads them.

use super::{CallError, Collected, Scope, drain, per_resource, resource_policy};
use crate::inventory::ResourceData;
use crate::inventory::sns::Topic;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &["sns:GetTopicAttributes", "sns:ListTopics"];

const TYPE: &str = "aws.sns.topic";
const ATTRIBUTES: &str = "sns:GetTopicAttributes";

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
    let client = &client;
    let read = per_resource(
        scope,
        &mut out,
        ATTRIBUTES,
        &[TYPE],
        arns,
        |arn| async move {
            let answer = client
                .get_topic_attributes()
                .topic_arn(&arn)
                .send()
                .await
                .map(|a| a.attributes().cloned().unwrap_or_default())
                .map_err(|e| CallError::from_sdk(ATTRIBUTES, &e));
            (arn, answer)
        },
    )
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
                (data.policy, data.policy_public) = resource_policy(
                    &mut out,
                    ATTRIBUTES,
                    scope,
                    (TYPE, &arn),
                    attributes.get("Policy").map(String::as_str),
                    crate::attributes!(Topic: policy, policy_public),
                );
            }
            Some(Err(error)) => out.unknown(&error, &scope.region, TYPE, &arn, &[]),
        }
        out.resources
            .push(scope.resource(arn, name, ResourceData::SnsTopic(data)));
    }
    out
}
