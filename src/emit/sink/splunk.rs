//! Splunk HTTP Event Collector: events in the HEC envelope, batched, gzip-compressed.
//! Token: `LOCKDOWN_SPLUNK_TOKEN` or the file named by `LOCKDOWN_SPLUNK_TOKEN_FILE`.

use super::{Delivery, SinkContext, http};
use flate2::{Compression, write::GzEncoder};
use serde_json::{Value, json};
use std::io::Write;

pub const DEFAULT_SOURCETYPE: &str = "ocsf:finding";
const TOKEN_VARIABLE: &str = "LOCKDOWN_SPLUNK_TOKEN";
const COLLECTOR_PATH: &str = "services/collector/event";
/// Events per request, and the raw size a request stays under.
const BATCH_EVENTS: usize = 500;
const BATCH_BYTES: usize = 900 * 1024;

/// The HEC token, required before anything is sent.
pub fn token() -> Result<String, String> {
    http::secret(TOKEN_VARIABLE)?
        .ok_or_else(|| format!("set {TOKEN_VARIABLE} (or {TOKEN_VARIABLE}_FILE) to the HEC token"))
}

/// The HEC envelope of an OCSF event: `time` in epoch seconds with milliseconds.
fn envelope(event: &Value, index: Option<&str>, sourcetype: &str) -> Value {
    let millis = event["time"].as_i64().unwrap_or_default();
    let mut envelope = json!({
        "time": millis as f64 / 1000.0,
        "host": "lockdown",
        "source": "lockdown",
        "sourcetype": sourcetype,
        "event": event,
    });
    if let Some(index) = index {
        envelope["index"] = json!(index);
    }
    envelope
}

fn gzip(raw: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(raw)?;
    encoder.finish()
}

/// Splits events into request bodies; returns `(first event index, raw body)` per batch.
fn batches(events: &[Value], index: Option<&str>, sourcetype: &str) -> Vec<(usize, Vec<u8>)> {
    let mut batches = Vec::new();
    let mut body = Vec::new();
    let mut first = 0;
    for (position, event) in events.iter().enumerate() {
        let line = envelope(event, index, sourcetype).to_string();
        let full = position - first >= BATCH_EVENTS || body.len() + line.len() > BATCH_BYTES;
        if !body.is_empty() && full {
            batches.push((first, std::mem::take(&mut body)));
            first = position;
        }
        body.extend_from_slice(line.as_bytes());
        body.push(b'\n');
    }
    if !body.is_empty() {
        batches.push((first, body));
    }
    batches
}

/// Whether a 2xx answer is HEC's own success answer, `{"code": 0, ...}`: a proxy's or login
/// page's 200 is not a delivery.
fn acknowledged(answer: &str) -> Result<(), String> {
    let parsed: Option<Value> = serde_json::from_str(answer).ok();
    match parsed.as_ref().and_then(|a| a["code"].as_i64()) {
        Some(0) => Ok(()),
        Some(code) => Err(format!(
            "HEC answered code {code}: {}",
            parsed
                .as_ref()
                .and_then(|a| a["text"].as_str())
                .unwrap_or("no text")
        )),
        None => Err(format!(
            "the answer is not HEC's (expected {{\"code\": 0}}): {}",
            crate::emit::truncate(answer.trim(), 120)
        )),
    }
}

/// Sends `events` to the collector at `url`.
pub async fn send(
    url: &str,
    index: Option<&str>,
    sourcetype: &str,
    events: Vec<Value>,
    context: &SinkContext,
) -> Delivery {
    let setup = || -> Result<(reqwest::Client, String, String), String> {
        let token = token()?;
        let endpoint = if url.trim_end_matches('/').ends_with(COLLECTOR_PATH) {
            url.to_owned()
        } else {
            format!("{}/{COLLECTOR_PATH}", url.trim_end_matches('/'))
        };
        Ok((http::client()?, endpoint, format!("Splunk {token}")))
    };
    let (client, endpoint, authorization) = match setup() {
        Ok(setup) => setup,
        Err(error) => return Delivery::partial(events, 0, error),
    };
    for (first, raw) in batches(&events, index, sourcetype) {
        let body = match gzip(&raw) {
            Ok(body) => body,
            Err(error) => return Delivery::partial(events, first, error),
        };
        let request = || {
            client
                .post(&endpoint)
                .header("Authorization", &authorization)
                .header("Content-Type", "application/json")
                .header("Content-Encoding", "gzip")
        };
        let answer = http::post(request, body, context.attempts).await;
        if let Err(error) = answer.and_then(|text| acknowledged(&text)) {
            return Delivery::partial(events, first, error);
        }
    }
    Delivery::complete(events.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hec_success_answers_count_as_delivered() {
        assert!(acknowledged(r#"{"text":"Success","code":0}"#).is_ok());
        let busy = acknowledged(r#"{"text":"Server is busy","code":9}"#).unwrap_err();
        assert!(busy.contains("code 9"), "{busy}");
        let page = acknowledged("<html><body>Sign in</body></html>").unwrap_err();
        assert!(page.contains("not HEC's"), "{page}");
        assert!(acknowledged("").is_err());
    }

    #[test]
    fn batches_respect_the_event_limit_and_keep_every_event() {
        let events: Vec<Value> = (0..1234)
            .map(|i| json!({"time": 1_700_000_000_123_i64, "n": i}))
            .collect();
        let batches = batches(&events, Some("sec"), DEFAULT_SOURCETYPE);
        assert_eq!(
            batches.iter().map(|(first, _)| *first).collect::<Vec<_>>(),
            [0, 500, 1000]
        );
        let lines: Vec<Value> = batches
            .iter()
            .flat_map(|(_, body)| body.split(|b| *b == b'\n').filter(|l| !l.is_empty()))
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 1234);
        assert_eq!(lines[0]["time"], json!(1_700_000_000.123));
        assert_eq!(lines[0]["index"], "sec");
        assert_eq!(lines[1233]["event"]["n"], 1233);
    }
}
