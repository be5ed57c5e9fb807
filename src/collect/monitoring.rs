//! CloudWatch monitoring, once per region: every Logs metric filter, joined with the metric
//! alarms that watch its metrics (two paginated listings; no per-filter calls).

use super::{CallError, Collected, Scope, affects, drain};
use crate::inventory::ResourceData;
use crate::inventory::monitoring::MetricFilter;
use std::collections::HashMap;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &["cloudwatch:DescribeAlarms", "logs:DescribeMetricFilters"];

pub const TYPE: &str = "aws.logs.metric_filter";

/// Alarms by the metric they watch (`namespace/name`), keeping those that notify someone.
async fn alarms_by_metric(scope: &Scope<'_>) -> Result<HashMap<String, Vec<String>>, CallError> {
    let client = aws_sdk_cloudwatch::Client::from_conf(
        aws_sdk_cloudwatch::config::Builder::from(&scope.config)
            .interceptor(scope.recorder.clone())
            .build(),
    );
    let pages = drain(
        client.describe_alarms().into_paginator().send(),
        "cloudwatch:DescribeAlarms",
    )
    .await?;
    let mut by_metric: HashMap<String, Vec<String>> = HashMap::new();
    for alarm in pages.iter().flat_map(|page| page.metric_alarms()) {
        let notifies =
            alarm.actions_enabled().unwrap_or(false) && !alarm.alarm_actions().is_empty();
        if let (true, Some(namespace), Some(metric)) =
            (notifies, alarm.namespace(), alarm.metric_name())
        {
            by_metric
                .entry(format!("{namespace}/{metric}"))
                .or_default()
                .push(alarm.alarm_name().unwrap_or_default().to_owned());
        }
    }
    Ok(by_metric)
}

/// Collects the region's metric filters with their alarms.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let mut out = Collected::default();
    let region = scope.region.as_str();
    let logs = aws_sdk_cloudwatchlogs::Client::from_conf(
        aws_sdk_cloudwatchlogs::config::Builder::from(&scope.config)
            .interceptor(scope.recorder.clone())
            .build(),
    );
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
        out.errors
            .push(error.affecting(region, vec![affects(TYPE, &["alarms"])]));
        HashMap::new()
    });
    for filter in filters.iter().flat_map(|page| page.metric_filters()) {
        let log_group = filter.log_group_name().unwrap_or_default().to_owned();
        let name = filter.filter_name().unwrap_or_default().to_owned();
        let metrics: Vec<String> = filter
            .metric_transformations()
            .iter()
            .map(|t| format!("{}/{}", t.metric_namespace(), t.metric_name()))
            .collect();
        let watching = metrics
            .iter()
            .flat_map(|m| alarms.get(m).into_iter().flatten().cloned())
            .collect();
        let arn = scope.arn(
            "logs",
            &format!("log-group:{log_group}:metric-filter:{name}"),
        );
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
