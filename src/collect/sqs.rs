//! Amazon SQS, once per region: queues from one paginated ListQueues, then one
//! GetQueueAttributes per queue (no listing carries encryption or the policy), made only when
//! a selected check reads them.

use super::{CallError, Collected, Scope, drain, per_resource, resource_policy};
use crate::inventory::ResourceData;
use crate::inventory::secrets::Queue;
use aws_sdk_sqs::types::QueueAttributeName;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &["sqs:GetQueueAttributes", "sqs:ListQueues"];

const TYPE: &str = "aws.sqs.queue";
const ATTRIBUTES: &str = "sqs:GetQueueAttributes";

/// Collects the region's queues.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_sqs, &scope.config, scope.recorder);
    let mut out = Collected::default();
    let pages = client.list_queues().into_paginator().items().send();
    let Some(urls) = out.listed(&scope.region, TYPE, drain(pages, "sqs:ListQueues").await) else {
        return out;
    };
    let client = &client;
    let read = per_resource(
        scope,
        &mut out,
        ATTRIBUTES,
        &[TYPE],
        urls,
        |url| async move {
            let answer = client
                .get_queue_attributes()
                .queue_url(&url)
                .attribute_names(QueueAttributeName::All)
                .send()
                .await
                .map(|a| a.attributes().cloned().unwrap_or_default())
                .map_err(|e| CallError::from_sdk(ATTRIBUTES, &e));
            (url, answer)
        },
    )
    .await;
    for (url, answer) in read {
        let name = url.rsplit('/').next().unwrap_or_default().to_owned();
        let arn = scope.arn("sqs", &name);
        let mut data = Queue {
            name: name.clone(),
            ..Default::default()
        };
        match answer {
            None => {}
            Some(Ok(attributes)) => {
                let get = |key: QueueAttributeName| attributes.get(&key).cloned();
                data.sqs_managed_sse =
                    get(QueueAttributeName::SqsManagedSseEnabled).as_deref() == Some("true");
                data.kms_key_id = get(QueueAttributeName::KmsMasterKeyId);
                (data.policy, data.policy_public) = resource_policy(
                    &mut out,
                    ATTRIBUTES,
                    scope,
                    (TYPE, &arn),
                    get(QueueAttributeName::Policy).as_deref(),
                    crate::attributes!(Queue: policy, policy_public),
                );
            }
            Some(Err(error)) => out.unknown(&error, &scope.region, TYPE, &arn, &[]),
        }
        out.resources
            .push(scope.resource(arn, name, ResourceData::SqsQueue(data)));
    }
    out
}
