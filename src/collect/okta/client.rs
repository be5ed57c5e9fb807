//! Okta's Management API, read only: GET requests with the org's API token, pagination by
//! `Link: <…>; rel="next"` (followed only on the org's own origin, so the token never leaves
//! it), 429 answers waited out until `X-Rate-Limit-Reset`, 5xx and dropped connections retried
//! with backoff. Errors name the action and Okta's error summary, never the token.

use crate::collect::{CallError, CallRecorder};
use crate::inventory::ErrorKind;
use reqwest::{StatusCode, Url};
use serde_json::Value;
use std::time::Duration;

/// Attempts per request, the first included (429 and 5xx answers, dropped connections).
const ATTEMPTS: u32 = 6;
/// The longest wait for a rate-limit window to reset.
const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);
/// Items per page (Okta's maximum for most listings).
pub const PAGE_SIZE: u32 = 200;

/// A client for one Okta org.
pub struct OktaClient {
    http: reqwest::Client,
    org: Url,
    authorization: String,
    recorder: CallRecorder,
}

impl OktaClient {
    /// A client for `org` sending `authorization` (`SSWS …` or `Bearer …`) with each request.
    pub fn new(
        http: reqwest::Client,
        org: &Url,
        authorization: String,
        recorder: CallRecorder,
    ) -> Self {
        Self {
            http,
            org: org.clone(),
            authorization,
            recorder,
        }
    }

    /// Every item of a listing at `path` (with its query), following `next` links.
    pub async fn list(&self, action: &'static str, path: &str) -> Result<Vec<Value>, CallError> {
        let mut url = Some(self.url(action, path)?);
        let mut items = Vec::new();
        while let Some(page) = url.take() {
            let (body, next) = self.fetch(action, page).await?;
            match body {
                Value::Array(page_items) => items.extend(page_items),
                other => {
                    return Err(CallError::data(
                        action,
                        ErrorKind::Decode,
                        format!("expected a list, got {}", kind_of(&other)),
                    ));
                }
            }
            url = next;
        }
        Ok(items)
    }

    /// Every item of a listing that pages in its body (`{"value": [...], "_links": {"next":
    /// {"href": ...}}}`, as the role-assignee listings do), on the org's origin only.
    pub async fn list_enveloped(
        &self,
        action: &'static str,
        path: &str,
    ) -> Result<Vec<Value>, CallError> {
        let mut url = Some(self.url(action, path)?);
        let mut items = Vec::new();
        while let Some(page) = url.take() {
            let (body, _) = self.fetch(action, page).await?;
            let Some(page_items) = body["value"].as_array() else {
                return Err(CallError::data(
                    action,
                    ErrorKind::Decode,
                    format!("expected {{\"value\": [...]}}, got {}", kind_of(&body)),
                ));
            };
            items.extend(page_items.iter().cloned());
            if let Some(next) = body.pointer("/_links/next/href").and_then(Value::as_str) {
                url = Some(self.same_origin(action, next)?);
            }
        }
        Ok(items)
    }

    /// One object at `path`.
    pub async fn get(&self, action: &'static str, path: &str) -> Result<Value, CallError> {
        let url = self.url(action, path)?;
        Ok(self.fetch(action, url).await?.0)
    }

    fn url(&self, action: &'static str, path: &str) -> Result<Url, CallError> {
        self.org.join(path).map_err(|e| {
            CallError::data(action, ErrorKind::Decode, format!("bad path {path}: {e}"))
        })
    }

    /// One page: its body and the next page's URL.
    async fn fetch(
        &self,
        action: &'static str,
        url: Url,
    ) -> Result<(Value, Option<Url>), CallError> {
        let mut last = None;
        for attempt in 0..ATTEMPTS {
            self.recorder.record(action);
            let sent = self
                .http
                .get(url.clone())
                .header("Authorization", &self.authorization)
                .header("Accept", "application/json")
                .send()
                .await;
            let response = match sent {
                Ok(response) => response,
                Err(error) => {
                    self.recorder.record_error();
                    let kind = if error.is_timeout() {
                        ErrorKind::Timeout
                    } else {
                        ErrorKind::Network
                    };
                    last = Some(CallError::data(
                        action,
                        kind,
                        crate::http::with_causes(&error),
                    ));
                    tokio::time::sleep(crate::http::backoff(attempt)).await;
                    continue;
                }
            };
            let status = response.status();
            if status.is_success() {
                let next = self.next_link(action, response.headers())?;
                let bytes = response.bytes().await.map_err(|e| {
                    CallError::data(action, ErrorKind::Network, crate::http::with_causes(&e))
                })?;
                let body = serde_json::from_slice::<Value>(&bytes).map_err(|e| {
                    CallError::data(
                        action,
                        ErrorKind::Decode,
                        format!("the answer is not JSON: {e}"),
                    )
                })?;
                return Ok((body, next));
            }
            self.recorder.record_error();
            let wait = (status == StatusCode::TOO_MANY_REQUESTS)
                .then(|| rate_limit_wait(response.headers()));
            let error = refusal(action, status, &response.text().await.unwrap_or_default());
            if !crate::http::retryable(status) {
                return Err(error);
            }
            last = Some(error);
            tokio::time::sleep(wait.unwrap_or_else(|| crate::http::backoff(attempt))).await;
        }
        Err(last.unwrap_or_else(|| CallError::data(action, ErrorKind::Service, "no answer")))
    }

    /// The `rel="next"` link, refused when it leaves the org's origin.
    fn next_link(
        &self,
        action: &'static str,
        headers: &reqwest::header::HeaderMap,
    ) -> Result<Option<Url>, CallError> {
        let Some(next) = headers
            .get_all(reqwest::header::LINK)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .find_map(|link| {
                let (target, params) = link.split_once(';')?;
                params
                    .split(';')
                    .any(|p| p.trim().replace(' ', "") == "rel=\"next\"")
                    .then(|| {
                        target
                            .trim()
                            .trim_start_matches('<')
                            .trim_end_matches('>')
                            .to_owned()
                    })
            })
        else {
            return Ok(None);
        };
        self.same_origin(action, &next).map(Some)
    }

    /// A next-page address, refused when it leaves the org's origin (the token goes nowhere
    /// else).
    fn same_origin(&self, action: &'static str, next: &str) -> Result<Url, CallError> {
        let url = Url::parse(next).map_err(|e| {
            CallError::data(
                action,
                ErrorKind::Decode,
                format!("bad next link {next}: {e}"),
            )
        })?;
        if url.origin() != self.org.origin() {
            return Err(CallError::data(
                action,
                ErrorKind::Decode,
                format!(
                    "the next page is on another host ({}); the token is not sent there",
                    url.origin().ascii_serialization()
                ),
            ));
        }
        Ok(url)
    }
}

/// How long to wait for the rate-limit window: until `X-Rate-Limit-Reset` (epoch seconds),
/// at least one second, at most [`MAX_RATE_LIMIT_WAIT`].
fn rate_limit_wait(headers: &reqwest::header::HeaderMap) -> Duration {
    let reset = headers
        .get("X-Rate-Limit-Reset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let now = chrono::Utc::now().timestamp();
    let seconds = reset.map_or(1, |reset| (reset - now).max(1)) as u64;
    Duration::from_secs(seconds).min(MAX_RATE_LIMIT_WAIT)
}

/// An error answer as a call error: 401 and 403 are denials (a bad token, a missing scope or
/// admin role), 429 throttling, the rest service errors; Okta's summary is the message.
fn refusal(action: &'static str, status: StatusCode, body: &str) -> CallError {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|b| b[name].as_str())
            .map(str::to_owned)
    };
    let kind = match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => ErrorKind::AccessDenied,
        StatusCode::TOO_MANY_REQUESTS => ErrorKind::Throttled,
        _ => ErrorKind::Service,
    };
    let summary = field("errorSummary").unwrap_or_else(|| format!("HTTP {status}"));
    CallError {
        action,
        kind,
        code: field("errorCode"),
        message: format!("HTTP {}: {summary}", status.as_u16()),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Object(_) => "an object",
        Value::Array(_) => "a list",
        Value::String(_) => "a string",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Null => "null",
    }
}

#[cfg(test)]
mod tests {
    use super::{rate_limit_wait, refusal};
    use crate::inventory::ErrorKind;
    use reqwest::StatusCode;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn rate_limit_waits_until_the_reset_within_bounds() {
        let mut headers = HeaderMap::new();
        let in_five = chrono::Utc::now().timestamp() + 5;
        headers.insert("X-Rate-Limit-Reset", HeaderValue::from(in_five));
        let wait = rate_limit_wait(&headers).as_secs();
        assert!((4..=5).contains(&wait), "{wait}");
        headers.insert("X-Rate-Limit-Reset", HeaderValue::from(in_five + 3600));
        assert_eq!(rate_limit_wait(&headers).as_secs(), 60);
        assert_eq!(rate_limit_wait(&HeaderMap::new()).as_secs(), 1);
    }

    #[test]
    fn denials_carry_oktas_code_and_summary() {
        let body = r#"{"errorCode":"E0000006","errorSummary":"You do not have permission to perform the requested action","errorLink":"E0000006","errorId":"oae1","errorCauses":[]}"#;
        let error = refusal("okta:ListUsers", StatusCode::FORBIDDEN, body);
        assert_eq!(error.kind, ErrorKind::AccessDenied);
        assert_eq!(error.code.as_deref(), Some("E0000006"));
        assert!(
            error.message.contains("do not have permission"),
            "{}",
            error.message
        );
        let error = refusal("okta:ListUsers", StatusCode::UNAUTHORIZED, "");
        assert_eq!(error.kind, ErrorKind::AccessDenied);
    }
}
