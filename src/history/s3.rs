//! Runs read back from the S3 sink's objects (`s3://bucket/prefix/account=.../...ocsf.jsonl`,
//! one object per run, OCSF Detection Findings): for `lockdown history import s3://...` and
//! for a Lambda run's changes since the previous run of the same account. Needs `s3:ListBucket`
//! and `s3:GetObject` on the prefix.
//!
//! An object holds what its run sent: a run with `--only-changes` sent only its changes, so
//! only full runs rebuild a history.

use super::RunMeta;
use crate::evaluate::finding::FindingResource;
use crate::evaluate::suppress::Suppression;
use crate::evaluate::{Catalog, Check, Finding, Status};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// OCSF class of the events that carry findings.
const DETECTION_FINDING: u64 = 2004;

/// An S3 client for the sink's bucket (path-style when an endpoint is set, as for tests).
pub fn client(config: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(config.endpoint_url().is_some())
            .build(),
    )
}

/// Splits `s3://bucket/prefix` into its bucket and prefix.
pub fn location(url: &str) -> Option<(String, String)> {
    let rest = url.strip_prefix("s3://")?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    (!bucket.is_empty()).then(|| (bucket.to_owned(), prefix.trim_end_matches('/').to_owned()))
}

/// The run objects under `prefix`, oldest first (their keys sort by date and time).
pub async fn run_keys(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
) -> Result<Vec<String>, String> {
    let mut pages = s3
        .list_objects_v2()
        .bucket(bucket)
        .prefix(prefix)
        .into_paginator()
        .send();
    let mut keys = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            format!(
                "s3:ListBucket s3://{bucket}/{prefix}: {}",
                aws_sdk_s3::error::DisplayErrorContext(&e)
            )
        })?;
        keys.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key())
                .filter(|k| k.ends_with(".ocsf.jsonl"))
                .map(str::to_owned),
        );
    }
    // Keys end `lockdown-ACCOUNT-YYYYMMDDTHHMMSSZ.ocsf.jsonl`: order by that time.
    keys.sort_by(|a, b| a.rsplit('-').next().cmp(&b.rsplit('-').next()));
    Ok(keys)
}

/// The events of one run object.
pub async fn events(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<Vec<Value>, String> {
    let object = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| {
            format!(
                "s3:GetObject s3://{bucket}/{key}: {}",
                aws_sdk_s3::error::DisplayErrorContext(&e)
            )
        })?;
    let body = object
        .body
        .collect()
        .await
        .map_err(|e| format!("s3://{bucket}/{key}: {e}"))?
        .into_bytes();
    let text = String::from_utf8_lossy(&body);
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| {
            serde_json::from_str(line)
                .map_err(|e| format!("s3://{bucket}/{key} line {}: {e}", n + 1))
        })
        .collect()
}

fn text<'v>(value: &'v Value, pointer: &str) -> Option<&'v str> {
    value.pointer(pointer).and_then(Value::as_str)
}

/// The finding a Detection Finding event carries, rebuilt from the check that made it; `None`
/// for other events and for checks this lockdown does not have.
fn finding(event: &Value, checks: &HashMap<&str, &Check>) -> Option<Finding> {
    if event["class_uid"].as_u64() != Some(DETECTION_FINDING) {
        return None;
    }
    let check = checks.get(text(event, "/finding_info/analytic/uid")?)?;
    let status = Status::parse(text(event, "/status_code")?)?;
    let resource = &event["resources"][0];
    let resource = FindingResource {
        arn: text(resource, "/uid")?.to_owned(),
        resource_type: text(resource, "/type")?.to_owned(),
        name: text(resource, "/name")?.to_owned(),
        region: text(resource, "/region")
            .unwrap_or(crate::inventory::GLOBAL_REGION)
            .to_owned(),
        account_id: text(event, "/cloud/account/uid")?.to_owned(),
    };
    let evaluated_at = event["finding_info"]["created_time"]
        .as_i64()
        .and_then(DateTime::from_timestamp_millis)?;
    let mut finding =
        crate::evaluate::engine::finding_of(check, Arc::new(resource), status, evaluated_at);
    let unmapped = &event["unmapped"];
    if let Ok(compliance) =
        serde_json::from_value::<BTreeMap<String, Vec<String>>>(unmapped["compliance"].clone())
    {
        finding.compliance = Arc::new(compliance);
    }
    if let Ok(suppression) = serde_json::from_value::<Suppression>(unmapped["suppression"].clone())
    {
        finding.suppression = Some(Arc::new(suppression));
    }
    Some(finding)
}

/// A run object as the history records it. Events of checks this lockdown does not know are
/// left out and counted.
pub fn run(events: &[Value], catalog: &Catalog) -> Result<(RunMeta, Vec<Finding>, usize), String> {
    let checks: HashMap<&str, &Check> = catalog.checks.iter().map(|c| (c.id(), c)).collect();
    let detections = events
        .iter()
        .filter(|e| e["class_uid"].as_u64() == Some(DETECTION_FINDING));
    let mut findings = Vec::new();
    let mut skipped = 0;
    for event in detections {
        match finding(event, &checks) {
            Some(finding) => findings.push(finding),
            None => skipped += 1,
        }
    }
    let first = events.first().ok_or("the object holds no events")?;
    let evaluated_at: DateTime<Utc> = first["time"]
        .as_i64()
        .and_then(DateTime::from_timestamp_millis)
        .ok_or("the first event has no `time`")?;
    let primary = text(first, "/cloud/account/uid").unwrap_or_default();
    let (accounts, check_ids) = RunMeta::scope_of(primary, &findings);
    let mut regions: Vec<String> = findings.iter().map(|f| f.resource.region.clone()).collect();
    regions.sort();
    regions.dedup();
    let meta = RunMeta {
        started_at: evaluated_at,
        evaluated_at,
        finished_at: evaluated_at,
        accounts,
        regions,
        lockdown_version: text(first, "/metadata/product/version")
            .unwrap_or_default()
            .to_owned(),
        check_ids,
        parameters: Value::Null,
        collection_errors: findings
            .iter()
            .filter(|f| f.status == Status::Error)
            .count(),
    };
    Ok((meta, findings, skipped))
}

/// The latest run the S3 sink at `bucket/prefix` holds for `account`, as findings: what a
/// Lambda run's changes are judged against. `None` when there is none yet.
pub async fn latest_run(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
    account: &str,
    catalog: &Catalog,
) -> Result<Option<Vec<Finding>>, String> {
    let under = if prefix.is_empty() {
        format!("account={account}/")
    } else {
        format!("{prefix}/account={account}/")
    };
    let Some(key) = run_keys(s3, bucket, &under).await?.pop() else {
        return Ok(None);
    };
    let events = events(s3, bucket, &key).await?;
    run(&events, catalog).map(|(_, findings, _)| Some(findings))
}
