//! The AWS sinks: one S3 object per run, and Security Hub's BatchImportFindings. Both use the
//! SDK's own retries; these are the only calls lockdown makes that write, and only when asked
//! to deliver there (permissions: `s3:PutObject` on the bucket, `securityhub:BatchImportFindings`).

use super::{Delivery, SinkContext};
use aws_sdk_securityhub::types::{
    AwsSecurityFinding, Compliance, ComplianceStatus, Partition, Recommendation, RecordState,
    Remediation, Resource, Severity, SeverityLabel, Workflow, WorkflowStatus,
};
use serde_json::Value;
use std::time::Duration;

/// Security Hub's limits per BatchImportFindings call, and its request rate (10 per second).
const IMPORT_BATCH: usize = 100;
const IMPORT_BATCH_BYTES: usize = 6 * 1024 * 1024;
const IMPORT_INTERVAL: Duration = Duration::from_millis(100);
/// Rounds of re-importing findings Security Hub reported as failed.
const IMPORT_ROUNDS: usize = 3;

/// The object key of a run: Hive-style partitions so Athena and SIEM S3 inputs can prune.
/// Account and time come from the events, so a re-delivered spool lands where the run would.
fn object_key(prefix: &str, events: &[Value]) -> String {
    let first = events.first().unwrap_or(&Value::Null);
    let account = first["cloud"]["account"]["uid"]
        .as_str()
        .unwrap_or("unknown");
    let time = first["time"]
        .as_i64()
        .and_then(chrono::DateTime::from_timestamp_millis)
        .unwrap_or_else(chrono::Utc::now);
    let name = format!(
        "account={account}/year={}/month={}/day={}/lockdown-{account}-{}.ocsf.jsonl",
        time.format("%Y"),
        time.format("%m"),
        time.format("%d"),
        time.format("%Y%m%dT%H%M%SZ")
    );
    if prefix.is_empty() {
        name
    } else {
        format!("{prefix}/{name}")
    }
}

/// Writes every event to one object, encrypted at rest (SSE-S3).
pub async fn put_object(
    bucket: &str,
    prefix: &str,
    events: Vec<Value>,
    context: &SinkContext,
) -> Delivery {
    let mut body = Vec::new();
    for event in &events {
        body.extend_from_slice(event.to_string().as_bytes());
        body.push(b'\n');
    }
    let key = object_key(prefix, &events);
    match put(bucket, &key, body.into(), context).await {
        Ok(()) => Delivery::complete(events.len()),
        Err(error) => Delivery::partial(events, 0, error),
    }
}

/// Writes the events staged one per line in `path`, `first` the first of them, to one object.
pub async fn put_staged(
    bucket: &str,
    prefix: &str,
    first: &Value,
    staged: &super::spool::Staging,
    context: &SinkContext,
) -> Result<(), String> {
    let body = aws_sdk_s3::primitives::ByteStream::read_from()
        .path(&staged.path)
        .offset(staged.header_len)
        .build()
        .await
        .map_err(|e| {
            let path = staged.path.display();
            format!("cannot read the staged events {path}: {e}")
        })?;
    put(
        bucket,
        &object_key(prefix, std::slice::from_ref(first)),
        body,
        context,
    )
    .await
}

async fn put(
    bucket: &str,
    key: &str,
    body: aws_sdk_s3::primitives::ByteStream,
    context: &SinkContext,
) -> Result<(), String> {
    let config = aws_sdk_s3::config::Builder::from(&context.aws)
        .force_path_style(context.aws.endpoint_url().is_some())
        .build();
    aws_sdk_s3::Client::from_conf(config)
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type("application/x-ndjson")
        .server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::Aes256)
        .body(body)
        .send()
        .await
        .map_err(|error| {
            format!(
                "s3:PutObject s3://{bucket}/{key}: {}",
                aws_sdk_s3::error::DisplayErrorContext(&error)
            )
        })?;
    tracing::info!(bucket, key, "findings written to S3");
    Ok(())
}

fn text<'v>(value: &'v Value, field: &str) -> Option<&'v str> {
    value[field].as_str()
}

/// The SDK form of an ASFF finding built by [`crate::emit::asff::finding`].
fn sdk_finding(asff: &Value) -> AwsSecurityFinding {
    let resources = asff["Resources"].as_array().into_iter().flatten().map(|r| {
        Resource::builder()
            .set_type(text(r, "Type").map(str::to_owned))
            .set_id(text(r, "Id").map(str::to_owned))
            .set_partition(text(r, "Partition").map(Partition::from))
            .set_region(text(r, "Region").map(str::to_owned))
            .build()
    });
    let recommendation = &asff["Remediation"]["Recommendation"];
    let compliance = &asff["Compliance"];
    let mut finding = AwsSecurityFinding::builder()
        .set_schema_version(text(asff, "SchemaVersion").map(str::to_owned))
        .set_id(text(asff, "Id").map(str::to_owned))
        .set_product_arn(text(asff, "ProductArn").map(str::to_owned))
        .set_generator_id(text(asff, "GeneratorId").map(str::to_owned))
        .set_aws_account_id(text(asff, "AwsAccountId").map(str::to_owned))
        .set_created_at(text(asff, "CreatedAt").map(str::to_owned))
        .set_updated_at(text(asff, "UpdatedAt").map(str::to_owned))
        .set_title(text(asff, "Title").map(str::to_owned))
        .set_description(text(asff, "Description").map(str::to_owned))
        .set_record_state(text(asff, "RecordState").map(RecordState::from))
        .workflow(
            Workflow::builder()
                .set_status(text(&asff["Workflow"], "Status").map(WorkflowStatus::from))
                .build(),
        )
        .severity(
            Severity::builder()
                .set_label(text(&asff["Severity"], "Label").map(SeverityLabel::from))
                .set_original(text(&asff["Severity"], "Original").map(str::to_owned))
                .build(),
        )
        .remediation(
            Remediation::builder()
                .recommendation(
                    Recommendation::builder()
                        .set_text(text(recommendation, "Text").map(str::to_owned))
                        .set_url(text(recommendation, "Url").map(str::to_owned))
                        .build(),
                )
                .build(),
        )
        .compliance(
            Compliance::builder()
                .set_status(text(compliance, "Status").map(ComplianceStatus::from))
                .set_related_requirements(compliance["RelatedRequirements"].as_array().map(|ids| {
                    ids.iter()
                        .filter_map(|id| id.as_str().map(str::to_owned))
                        .collect()
                }))
                .build(),
        )
        .set_resources(Some(resources.collect()));
    for kind in asff["Types"].as_array().into_iter().flatten() {
        finding = finding.types(kind.as_str().unwrap_or_default());
    }
    for (key, value) in asff["ProductFields"].as_object().into_iter().flatten() {
        finding = finding.product_fields(key, value.as_str().unwrap_or_default());
    }
    finding.build()
}

/// Groups positions into import batches within the count and size limits.
fn import_batches(events: &[Value], positions: &[usize]) -> Vec<Vec<usize>> {
    let mut batches: Vec<Vec<usize>> = Vec::new();
    let mut bytes = 0;
    for &position in positions {
        let size = events[position].to_string().len();
        match batches.last_mut() {
            Some(batch) if batch.len() < IMPORT_BATCH && bytes + size <= IMPORT_BATCH_BYTES => {
                batch.push(position);
                bytes += size;
            }
            _ => {
                batches.push(vec![position]);
                bytes = size;
            }
        }
    }
    batches
}

/// Imports ASFF findings, re-importing those Security Hub reports as failed.
pub async fn import_findings(events: Vec<Value>, context: &SinkContext) -> Delivery {
    let client = aws_sdk_securityhub::Client::new(&context.aws);
    let mut pending: Vec<usize> = (0..events.len()).collect();
    let mut last_error = None;
    for _ in 0..IMPORT_ROUNDS {
        let mut failed = Vec::new();
        for batch in import_batches(&events, &pending) {
            let result = client
                .batch_import_findings()
                .set_findings(Some(
                    batch.iter().map(|&i| sdk_finding(&events[i])).collect(),
                ))
                .send()
                .await;
            match result {
                Ok(output) => {
                    for failure in output.failed_findings() {
                        last_error = Some(format!(
                            "{}: {}",
                            failure.error_code().unwrap_or("error"),
                            failure.error_message().unwrap_or_default()
                        ));
                        let id = failure.id().unwrap_or_default();
                        failed.extend(
                            batch
                                .iter()
                                .filter(|&&i| events[i]["Id"].as_str() == Some(id)),
                        );
                    }
                }
                Err(error) => {
                    last_error = Some(format!(
                        "securityhub:BatchImportFindings: {}",
                        aws_sdk_securityhub::error::DisplayErrorContext(&error)
                    ));
                    failed.extend(batch);
                }
            }
            tokio::time::sleep(IMPORT_INTERVAL).await;
        }
        pending = failed;
        if pending.is_empty() {
            break;
        }
    }
    let undelivered: Vec<Value> = pending.iter().map(|&i| events[i].clone()).collect();
    Delivery {
        delivered: events.len() - undelivered.len(),
        error: (!undelivered.is_empty()).then(|| last_error.unwrap_or_default()),
        undelivered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn import_batches_hold_at_most_100_findings() {
        let events: Vec<Value> = (0..250).map(|i| json!({"Id": i})).collect();
        let positions: Vec<usize> = (0..250).collect();
        let sizes: Vec<usize> = import_batches(&events, &positions)
            .iter()
            .map(Vec::len)
            .collect();
        assert_eq!(sizes, [100, 100, 50]);
    }

    #[test]
    fn object_keys_are_partitioned_by_account_and_date() {
        let events =
            [json!({"time": 1_793_523_600_000_i64, "cloud": {"account": {"uid": "123456789012"}}})];
        assert_eq!(
            object_key("lockdown", &events),
            "lockdown/account=123456789012/year=2026/month=11/day=01/lockdown-123456789012-20261101T090000Z.ocsf.jsonl"
        );
    }
}
