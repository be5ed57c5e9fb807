//! Amazon SQS, once per region: queues from one paginated ListQueues, then one
//! GetQueueAttributes per queue (no listing carries encryption or the policy), made only when
//! a selected check reads them.

use super::{CallError, Collected, Scope, drain};
use crate::inventory::policy::PolicyDocument;
use crate::inventory::secrets::Queue;
use crate::inventory::{ErrorKind, ResourceData};
use aws_sdk_sqs::types::QueueAttributeName;
use futures::StreamExt;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &["sqs:GetQueueAttributes", "sqs:ListQueues"];

const TYPE: &str = "aws.sqs.queue";
/// Queues whose attributes are read at once.
const FAN_OUT: usize = 8;

/// Collects the region's queues.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_sqs, &scope.config, scope.recorder);
    let mut out = Collected::default();
    let pages = client.list_queues().into_paginator().items().send();
    let urls = match drain(pages, "sqs:ListQueues").await {
        Ok(urls) => urls,
        Err(error) => {
            out.unlisted(&error, &scope.region, TYPE);
            return out;
        }
    };
    let wanted = scope.plan.wants("sqs:GetQueueAttributes");
    if !wanted {
        out.skipped("sqs:GetQueueAttributes", &scope.region, TYPE);
    }
    let client = &client;
    let read: Vec<(String, Option<Result<_, CallError>>)> = futures::stream::iter(urls)
        .map(|url| async move {
            if !wanted {
                return (url, None);
            }
            let answer = client
                .get_queue_attributes()
                .queue_url(&url)
                .attribute_names(QueueAttributeName::All)
                .send()
                .await
                .map(|a| a.attributes().cloned().unwrap_or_default())
                .map_err(|e| CallError::from_sdk("sqs:GetQueueAttributes", &e));
            (url, Some(answer))
        })
        .buffer_unordered(FAN_OUT)
        .collect()
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
                match get(QueueAttributeName::Policy).map(|p| PolicyDocument::parse(&p)) {
                    None => {}
                    Some(Ok(policy)) => {
                        data.policy_public = policy.allows_public();
                        data.policy = Some(policy);
                    }
                    Some(Err(e)) => out.unknown(
                        &CallError::data(
                            "sqs:GetQueueAttributes",
                            ErrorKind::Decode,
                            e.to_string(),
                        ),
                        &scope.region,
                        TYPE,
                        &arn,
                        crate::attributes!(Queue: policy, policy_public),
                    ),
                }
            }
            Some(Err(error)) => out.unknown(&error, &scope.region, TYPE, &arn, &[]),
        }
        out.resources
            .push(scope.resource(arn, name, ResourceData::SqsQueue(data)));
    }
    out
}
