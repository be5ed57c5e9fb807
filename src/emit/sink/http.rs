//! HTTP delivery shared by the Splunk and Elastic sinks: retries with exponential backoff and
//! jitter on connection errors, 429 and 5xx; other statuses fail at once. Redirects are not
//! followed: a 3xx is a failure (a login page is not a SIEM, and the token must never be sent
//! to a host the operator did not name). TLS certificates are verified (system trust store).

use std::time::Duration;

const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(8);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A secret from the environment variable `name`, or from the file named by `name_FILE`.
pub fn secret(name: &str) -> Result<Option<String>, String> {
    if let Ok(value) = std::env::var(name) {
        return Ok(Some(value.trim().to_owned()));
    }
    let file_var = format!("{name}_FILE");
    match std::env::var(&file_var) {
        Ok(path) => std::fs::read_to_string(&path)
            .map(|text| Some(text.trim().to_owned()))
            .map_err(|e| format!("cannot read {file_var} ({path}): {e}")),
        Err(_) => Ok(None),
    }
}

/// An HTTP client for one sink.
pub fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("lockdown/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot set up HTTP: {e}"))
}

/// Whether `url` may carry a token: https, or http to a loopback address (a local forwarder).
pub fn may_carry_token(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    parsed.scheme() == "https"
        || parsed.host_str().is_some_and(|host| {
            host == "localhost"
                || host
                    .trim_matches(['[', ']'])
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        })
}

/// The pause before retry number `attempt + 1`.
pub fn backoff(attempt: u32) -> Duration {
    let exponential = FIRST_BACKOFF
        .saturating_mul(1 << attempt.min(16))
        .min(MAX_BACKOFF);
    exponential.mul_f64(0.5 + fastrand::f64() / 2.0)
}

/// An error and its causes on one line (reqwest's own message hides the cause).
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn retryable(status: reqwest::StatusCode) -> bool {
    status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(0) <= FIRST_BACKOFF);
        assert!(backoff(3) >= FIRST_BACKOFF * 4);
        assert!(backoff(30) <= MAX_BACKOFF);
    }
}
