//! CloudWatch monitoring, once per region: every Logs metric filter, joined with the metric
//! alarms that watch its metrics (two paginated listings; no per-filter calls), and every log
//! group with its retention (one paginated listing). An alarm counts as notifying someone only
//! when one of its actions is an SNS topic with a confirmed subscriber, as the CIS audit asks
//! (one paginated `ListSubscriptionsByTopic` per distinct topic).

use super::{CallError, Collected, Scope, affects, drain};
use crate::attributes;
use crate::inventory::ResourceData;
use crate::inventory::monitoring::{LogGroup, MetricFilter};
use std::collections::{BTreeSet, HashMap};

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &[
    "cloudwatch:DescribeAlarms",
    "logs:DescribeLogGroups",
    "logs:DescribeMetricFilters",
    "sns:ListSubscriptionsByTopic",
];

const LOG_GROUP_TYPE: &str = "aws.logs.log_group";

pub const TYPE: &str = "aws.logs.metric_filter";

/// Whether the SNS topic has at least one confirmed subscription.
async fn has_subscriber(sns: &aws_sdk_sns::Client, topic: &str) -> Result<bool, CallError> {
    let pages = drain(
        sns.list_subscriptions_by_topic()
            .topic_arn(topic)
            .into_paginator()
            .send(),
        "sns:ListSubscriptionsByTopic",
    )
    .await?;
    Ok(pages
        .iter()
        .flat_map(|page| page.subscriptions())
        .filter_map(|s| s.subscription_arn())
        .any(|arn| arn.starts_with("arn:")))
}

/// The SNS topics among `topics` that have a confirmed subscriber.
async fn subscribed_topics(
    scope: &Scope<'_>,
    topics: BTreeSet<&str>,
) -> Result<BTreeSet<String>, CallError> {
    let sns = sdk_client!(aws_sdk_sns, &scope.config, scope.recorder);
    let answers =
        futures::future::join_all(topics.iter().map(|topic| has_subscriber(&sns, topic))).await;
    let mut subscribed = BTreeSet::new();
    for (topic, answer) in topics.into_iter().zip(answers) {
        if answer? {
            subscribed.insert(topic.to_owned());
        }
    }
    Ok(subscribed)
}

/// Alarms by the metric they watch.
#[derive(Default)]
struct MetricAlarms {
    /// `namespace/name` → alarms that notify someone: actions enabled and an SNS topic action
    /// with a confirmed subscriber.
    notifying: HashMap<String, Vec<String>>,
    /// Metrics watched by an alarm whose `ActionsEnabled` AWS did not say: whether it notifies
    /// is unknown.
    unsure: BTreeSet<String>,
}

fn metric_of(alarm: &aws_sdk_cloudwatch::types::MetricAlarm) -> Option<String> {
    Some(format!("{}/{}", alarm.namespace()?, alarm.metric_name()?))
}

/// The region's metric alarms, by the metric they watch.
async fn alarms_by_metric(scope: &Scope<'_>) -> Result<MetricAlarms, CallError> {
    let client = sdk_client!(aws_sdk_cloudwatch, &scope.config, scope.recorder);
    let pages = drain(
        client.describe_alarms().into_paginator().send(),
        "cloudwatch:DescribeAlarms",
    )
    .await?;
    let mut by_metric = MetricAlarms::default();
    let mut alarms = Vec::new();
    for alarm in pages.iter().flat_map(|page| page.metric_alarms()) {
        match alarm.actions_enabled() {
            Some(true) => alarms.push(alarm),
            Some(false) => {}
            None => by_metric.unsure.extend(metric_of(alarm)),
        }
    }
    let topics = alarms
        .iter()
        .flat_map(|alarm| alarm.alarm_actions())
        .map(String::as_str)
        .filter(|action| action.starts_with("arn:aws") && action.contains(":sns:"))
        .collect();
    let subscribed = subscribed_topics(scope, topics).await?;
    for alarm in alarms {
        let notifies = alarm
            .alarm_actions()
            .iter()
            .any(|action| subscribed.contains(action));
        if let (true, Some(metric)) = (notifies, metric_of(alarm)) {
            by_metric
                .notifying
                .entry(metric)
                .or_default()
                .push(alarm.alarm_name().unwrap_or_default().to_owned());
        }
    }
    Ok(by_metric)
}

/// The region's log groups with their retention.
async fn log_groups(scope: &Scope<'_>, logs: &aws_sdk_cloudwatchlogs::Client, out: &mut Collected) {
    let pages = logs.describe_log_groups().into_paginator().send();
    let pages = match drain(pages, "logs:DescribeLogGroups").await {
        Ok(pages) => pages,
        Err(error) => return out.unlisted(&error, &scope.region, LOG_GROUP_TYPE),
    };
    for group in pages.iter().flat_map(|page| page.log_groups()) {
        let name = group.log_group_name().unwrap_or_default().to_owned();
        let arn = scope.arn("logs", &format!("log-group:{name}"));
        out.resources.push(scope.resource(
            arn,
            name.clone(),
            ResourceData::LogsLogGroup(LogGroup {
                name,
                retention_days: group.retention_in_days().map(i64::from),
                kms_key_id: group.kms_key_id().map(str::to_owned),
            }),
        ));
    }
}

/// Collects the region's metric filters with their alarms, and its log groups.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let logs = sdk_client!(aws_sdk_cloudwatchlogs, &scope.config, scope.recorder);
    let mut groups = Collected::default();
    let (mut out, ()) = tokio::join!(
        metric_filters(scope, &logs),
        log_groups(scope, &logs, &mut groups)
    );
    out.merge(groups);
    out
}

/// The region's metric filters with the alarms on their metrics.
async fn metric_filters(scope: &Scope<'_>, logs: &aws_sdk_cloudwatchlogs::Client) -> Collected {
    let mut out = Collected::default();
    let region = scope.region.as_str();
    let (filters, alarms) = tokio::join!(
        drain(
            logs.describe_metric_filters().into_paginator().send(),
            "logs:DescribeMetricFilters",
        ),
        alarms_by_metric(scope),
    );
    let filters = match filters {
        Ok(pages) => pages,
        Err(error) => {
            out.unlisted(&error, region, TYPE);
            return out;
        }
    };
    let alarms = alarms.unwrap_or_else(|error| {
        out.errors.push(error.affecting(
            region,
            vec![affects(TYPE, attributes!(MetricFilter: alarms))],
        ));
        MetricAlarms::default()
    });
    for filter in filters.iter().flat_map(|page| page.metric_filters()) {
        let log_group = filter.log_group_name().unwrap_or_default().to_owned();
        let name = filter.filter_name().unwrap_or_default().to_owned();
        let metrics: Vec<String> = filter
            .metric_transformations()
            .iter()
            .map(|t| format!("{}/{}", t.metric_namespace(), t.metric_name()))
            .collect();
        let watching: Vec<String> = metrics
            .iter()
            .flat_map(|m| alarms.notifying.get(m).into_iter().flatten().cloned())
            .collect();
        let arn = scope.arn(
            "logs",
            &format!("log-group:{log_group}:metric-filter:{name}"),
        );
        // No alarm surely notifies, and one might: whether someone is told is unknown.
        if watching.is_empty() && metrics.iter().any(|m| alarms.unsure.contains(m)) {
            out.left_out(
                "cloudwatch:DescribeAlarms",
                region,
                TYPE,
                &arn,
                attributes!(MetricFilter: alarms),
            );
        }
        out.resources.push(scope.resource(
            arn,
            format!("{log_group}/{name}"),
            ResourceData::LogsMetricFilter(MetricFilter {
                name,
                log_group,
                pattern: filter.filter_pattern().unwrap_or_default().to_owned(),
                metrics,
                alarms: watching,
            }),
        ));
    }
    out
}
