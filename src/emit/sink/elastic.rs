//! Elasticsearch / OpenSearch `_bulk` with `create` actions (what data streams accept) and each
//! event's uid as `_id`. The uid is unique per run and finding, so every run is stored, and a
//! re-send of the same run's events (from the spool) is answered 409 and duplicates nothing.
//! Items rejected with 429 or 5xx are retried; other item errors are not delivered.
//! API key: `LOCKDOWN_ELASTIC_API_KEY` or the file named by `LOCKDOWN_ELASTIC_API_KEY_FILE`.

use super::{Delivery, SinkContext, http};
use serde_json::{Value, json};

const API_KEY_VARIABLE: &str = "LOCKDOWN_ELASTIC_API_KEY";
const BATCH_EVENTS: usize = 500;

/// The `Authorization` value from the API key, when one is configured.
pub fn api_key() -> Result<Option<String>, String> {
    Ok(http::secret(API_KEY_VARIABLE)?.map(|key| format!("ApiKey {key}")))
}

/// The NDJSON body creating `events[positions]` in `index`; documents get `@timestamp`.
fn bulk_body(events: &[Value], positions: &[usize], index: &str) -> Vec<u8> {
    let mut body = Vec::new();
    for &position in positions {
        let event = &events[position];
        let action = json!({"create": {"_index": index, "_id": event["metadata"]["uid"]}});
        let mut document = event.clone();
        document["@timestamp"] = event["time_dt"].clone();
        for line in [action, document] {
            body.extend_from_slice(line.to_string().as_bytes());
            body.push(b'\n');
        }
    }
    body
}

/// What became of one document of a bulk request.
#[derive(Debug, PartialEq)]
enum Item {
    /// Stored now, or already stored by an earlier delivery of this same event (409 on its
    /// run-unique `_id`).
    Stored,
    /// Rejected for now (429, 5xx): send again.
    Retry(String),
    /// Rejected for good (e.g. a mapping error).
    Rejected(String),
}

/// The outcome of each document of a bulk request, from the response.
fn item_results(response: &str, expected: usize) -> Result<Vec<Item>, String> {
    let parsed: Value =
        serde_json::from_str(response).map_err(|e| format!("bulk response is not JSON: {e}"))?;
    let items = parsed["items"]
        .as_array()
        .filter(|items| items.len() == expected)
        .ok_or_else(|| format!("bulk response has no item per document ({expected} sent)"))?;
    Ok(items
        .iter()
        .map(|item| {
            let result = &item["create"];
            let status = result["status"].as_u64().unwrap_or_default();
            let reason = || {
                let why = result["error"]["reason"]
                    .as_str()
                    .unwrap_or("no reason given");
                format!("item status {status}: {why}")
            };
            match status {
                200..=299 | 409 => Item::Stored,
                429 | 500.. => Item::Retry(reason()),
                _ => Item::Rejected(reason()),
            }
        })
        .collect())
}

/// Sends `events` to `index` at `url` (the cluster's base URL).
pub async fn send(url: &str, index: &str, events: Vec<Value>, context: &SinkContext) -> Delivery {
    let setup = || -> Result<(reqwest::Client, Option<String>), String> {
        Ok((http::client()?, api_key()?))
    };
    let (client, authorization) = match setup() {
        Ok(setup) => setup,
        Err(error) => return Delivery::partial(events, 0, error),
    };
    let endpoint = format!("{}/_bulk", url.trim_end_matches('/'));
    let mut failed: Vec<usize> = Vec::new();
    let mut last_error = None;
    let all: Vec<usize> = (0..events.len()).collect();
    for batch in all.chunks(BATCH_EVENTS) {
        let mut pending = batch.to_vec();
        for attempt in 0..context.attempts.max(1) {
            if attempt > 0 {
                tokio::time::sleep(http::backoff(attempt - 1)).await;
            }
            let request = || {
                let request = client
                    .post(&endpoint)
                    .header("Content-Type", "application/x-ndjson");
                match &authorization {
                    Some(value) => request.header("Authorization", value),
                    None => request,
                }
            };
            let results = http::post(
                request,
                bulk_body(&events, &pending, index),
                context.attempts,
            )
            .await
            .and_then(|response| item_results(&response, pending.len()));
            let results = match results {
                Ok(results) => results,
                Err(error) => {
                    last_error = Some(error);
                    break;
                }
            };
            let mut retry = Vec::new();
            for (position, result) in pending.iter().zip(results) {
                match result {
                    Item::Stored => {}
                    Item::Retry(reason) => {
                        retry.push(*position);
                        last_error = Some(reason);
                    }
                    Item::Rejected(reason) => {
                        failed.push(*position);
                        last_error = Some(reason);
                    }
                }
            }
            pending = retry;
            if pending.is_empty() {
                break;
            }
        }
        failed.extend(pending);
    }
    failed.sort_unstable();
    failed.dedup();
    let delivered = events.len() - failed.len();
    let undelivered: Vec<Value> = failed.iter().map(|&i| events[i].clone()).collect();
    Delivery {
        delivered,
        error: (!undelivered.is_empty()).then(|| last_error.unwrap_or_default()),
        undelivered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_bodies_create_with_deterministic_ids_and_a_timestamp() {
        let events = vec![
            json!({"metadata": {"uid": "a1"}, "time_dt": "2026-11-01T09:00:00.000Z"}),
            json!({"metadata": {"uid": "b2"}, "time_dt": "2026-11-01T09:00:00.000Z"}),
        ];
        let body = String::from_utf8(bulk_body(&events, &[1], "findings")).unwrap();
        let lines: Vec<Value> = body
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(body.ends_with('\n'));
        assert_eq!(
            lines[0],
            json!({"create": {"_index": "findings", "_id": "b2"}})
        );
        assert_eq!(lines[1]["@timestamp"], "2026-11-01T09:00:00.000Z");
    }

    #[test]
    fn conflicts_count_as_delivered_and_throttled_items_are_retried() {
        let response = r#"{"errors":true,"items":[
            {"create":{"status":201}},{"create":{"status":409}},
            {"create":{"status":429,"error":{"reason":"busy"}}},
            {"create":{"status":400,"error":{"reason":"mapper_parsing_exception"}}}]}"#;
        let results = item_results(response, 4).unwrap();
        assert_eq!(results[0], Item::Stored);
        assert_eq!(results[1], Item::Stored);
        assert_eq!(results[2], Item::Retry("item status 429: busy".into()));
        assert!(matches!(&results[3], Item::Rejected(reason) if reason.contains("mapper_parsing")));
        assert!(item_results(r#"{"items":[]}"#, 4).is_err());
    }
}
