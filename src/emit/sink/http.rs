//! HTTP delivery shared by the Splunk and Elastic sinks: retries with exponential backoff and
//! jitter on connection errors, 429 and 5xx; other statuses fail at once. Redirects are not
//! followed: a 3xx is a failure (a login page is not a SIEM, and the token must never be sent
//! to a host the operator did not name). TLS certificates are verified (system trust store).

pub use crate::http::{backoff, client, may_carry_token, secret};
use crate::http::{retryable, with_causes};

/// POSTs `body` until it is accepted or `attempts` are used up; returns the response body.
/// Errors name the status or connection problem, never the request's headers.
pub async fn post(
    request: impl Fn() -> reqwest::RequestBuilder,
    body: Vec<u8>,
    attempts: u32,
) -> Result<String, String> {
    let mut last_error = String::new();
    for attempt in 0..attempts.max(1) {
        if attempt > 0 {
            tokio::time::sleep(backoff(attempt - 1)).await;
        }
        match request().body(body.clone()).send().await {
            Ok(response) if response.status().is_success() => {
                return response.text().await.map_err(|e| e.to_string());
            }
            Ok(response) => {
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                last_error = format!(
                    "HTTP {status}: {}",
                    super::super::truncate(text.trim(), 300)
                );
                if !retryable(status) {
                    break;
                }
            }
            Err(error) => last_error = with_causes(&error),
        }
        tracing::info!(attempt, error = %last_error, "delivery attempt failed");
    }
    Err(last_error)
}
