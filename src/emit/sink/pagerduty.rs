//! PagerDuty Events API v2: a `trigger` for each new failure at or above the alert severity,
//! with the finding id as `dedup_key`, and a `resolve` with the same key when that finding is
//! resolved. One event per request; PagerDuty's `202 {"status": "success"}` is the only answer
//! that counts as delivered.
//!
//! Routing key: `LOCKDOWN_PAGERDUTY_ROUTING_KEY` or the file named by
//! `LOCKDOWN_PAGERDUTY_ROUTING_KEY_FILE`. It is added when sending, so spooled events never
//! hold it.

use super::{Delivery, SinkContext, http};
use crate::evaluate::baseline::Change;
use crate::evaluate::{Finding, Severity, Status};
use serde_json::{Value, json};

/// PagerDuty's Events API v2 endpoint (`pagerduty:URL` names another, e.g. the EU one).
pub const DEFAULT_URL: &str = "https://events.pagerduty.com/v2/enqueue";
const ROUTING_KEY_VARIABLE: &str = "LOCKDOWN_PAGERDUTY_ROUTING_KEY";
/// PagerDuty's limit on `payload.summary`.
const SUMMARY_LIMIT: usize = 1024;

/// The routing key, required before anything is sent.
pub fn routing_key() -> Result<String, String> {
    http::secret(ROUTING_KEY_VARIABLE)?.ok_or_else(|| {
        format!(
            "set {ROUTING_KEY_VARIABLE} (or {ROUTING_KEY_VARIABLE}_FILE) to the integration's routing key"
        )
    })
}

/// PagerDuty's severity for a lockdown severity.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "critical",
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Informational => "info",
    }
}

fn trigger(finding: &Finding) -> Value {
    let resource = &finding.resource;
    let summary = format!(
        "{}: {} ({} {})",
        finding.title, resource.name, resource.account_id, resource.region
    );
    json!({
        "event_action": "trigger",
        "dedup_key": finding.id.to_string(),
        "payload": {
            "summary": crate::emit::truncate(&summary, SUMMARY_LIMIT),
            "source": resource.arn,
            "severity": severity(finding.severity),
            "timestamp": finding.evaluated_at.to_rfc3339(),
            "component": resource.resource_type,
            "group": resource.account_id,
            "class": &*finding.check_id,
            "custom_details": {
                "check": &*finding.check_id,
                "status": finding.status.as_str(),
                "evidence": finding.evidence,
                "remediation": &*finding.remediation,
                "requirements": &*finding.compliance,
            },
        },
    })
}

/// The events a run sends for `findings`: a trigger for each failure at or above `threshold` that is new (or
/// every such failure when the run has no baseline to compare with: PagerDuty merges repeats
/// by `dedup_key`), and a resolve for each resolved finding at or above it. Suppressed
/// failures do not page.
pub fn events(findings: &[Finding], threshold: Severity) -> Vec<Value> {
    findings
        .iter()
        .filter(|f| f.severity >= threshold)
        .filter_map(|f| match (f.status, f.change) {
            (_, Some(Change::Resolved)) => Some(json!({
                "event_action": "resolve",
                "dedup_key": f.id.to_string(),
            })),
            (Status::Fail, None | Some(Change::New)) if f.suppression.is_none() => Some(trigger(f)),
            _ => None,
        })
        .collect()
}

/// Whether an answer is PagerDuty's acceptance: `{"status": "success", ...}`.
fn acknowledged(answer: &str) -> Result<(), String> {
    let parsed: Option<Value> = serde_json::from_str(answer).ok();
    match parsed.as_ref().and_then(|a| a["status"].as_str()) {
        Some("success") => Ok(()),
        _ => Err(format!(
            "the answer is not PagerDuty's acceptance (expected {{\"status\": \"success\"}}): {}",
            crate::emit::truncate(answer.trim(), 120)
        )),
    }
}

/// Sends `events` to the Events API at `url`, one request each, in order.
pub async fn send(url: &str, events: Vec<Value>, context: &SinkContext) -> Delivery {
    let setup =
        || -> Result<(reqwest::Client, String), String> { Ok((http::client()?, routing_key()?)) };
    let (client, key) = match setup() {
        Ok(setup) => setup,
        Err(error) => return Delivery::partial(events, 0, error),
    };
    for (position, event) in events.iter().enumerate() {
        let mut keyed = event.clone();
        keyed["routing_key"] = json!(key);
        let request = || client.post(url).header("Content-Type", "application/json");
        let answer = http::post(request, keyed.to_string().into_bytes(), context.attempts).await;
        if let Err(error) = answer.and_then(|text| acknowledged(&text)) {
            return Delivery::partial(events, position, error);
        }
    }
    Delivery::complete(events.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pagerduty_acceptance_counts_as_delivered() {
        assert!(
            acknowledged(r#"{"status":"success","message":"Event processed","dedup_key":"k"}"#)
                .is_ok()
        );
        assert!(acknowledged(r#"{"status":"invalid event","errors":["x"]}"#).is_err());
        assert!(acknowledged("<html>sign in</html>").is_err());
    }

    #[test]
    fn severities_map_to_pagerduty_levels() {
        assert_eq!(severity(Severity::Critical), "critical");
        assert_eq!(severity(Severity::High), "error");
        assert_eq!(severity(Severity::Medium), "warning");
        assert_eq!(severity(Severity::Informational), "info");
    }
}
