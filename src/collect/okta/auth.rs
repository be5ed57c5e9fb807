//! How lockdown proves itself to Okta: an API token (`SSWS`), or an OAuth 2.0 service app that
//! signs a client assertion with its private key (RFC 7523, RS256) and receives a short-lived
//! access token for the read-only scopes lockdown needs. Neither secret is ever an argument,
//! logged or written anywhere.

use crate::collect::{CallError, CallRecorder};
use crate::inventory::ErrorKind;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Url;
use rustls_pki_types::PrivatePkcs8KeyDer;
use rustls_pki_types::pem::PemObject;

/// An API token (or `…_FILE`, a file holding it).
pub const TOKEN_VARIABLE: &str = "LOCKDOWN_OKTA_TOKEN";
/// A service app's client id.
pub const CLIENT_ID_VARIABLE: &str = "LOCKDOWN_OKTA_CLIENT_ID";
/// The service app's private key, PKCS#8 PEM (or `…_FILE`, a file holding it).
pub const PRIVATE_KEY_VARIABLE: &str = "LOCKDOWN_OKTA_PRIVATE_KEY";
/// The id (`kid`) of the key registered with the app, when the app has several.
pub const KEY_ID_VARIABLE: &str = "LOCKDOWN_OKTA_KEY_ID";

const TOKEN_ACTION: &str = "okta:GetAccessToken";
/// How long a client assertion is valid (Okta accepts at most an hour).
const ASSERTION_LIFETIME_SECS: i64 = 300;

/// The secret lockdown authenticates with.
#[derive(Clone)]
pub enum Credentials {
    ApiToken(String),
    ServiceApp {
        client_id: String,
        key: std::sync::Arc<RsaKeyPair>,
        key_id: Option<String>,
    },
}

impl Credentials {
    /// From the environment: an API token, or else a service app's client id and private key.
    pub fn from_env() -> Result<Self, String> {
        if let Some(token) = crate::http::secret(TOKEN_VARIABLE)?.filter(|t| !t.is_empty()) {
            return Ok(Self::ApiToken(token));
        }
        let client_id = std::env::var(CLIENT_ID_VARIABLE)
            .ok()
            .filter(|c| !c.is_empty());
        let pem = crate::http::secret(PRIVATE_KEY_VARIABLE)?;
        match (client_id, pem) {
            (Some(client_id), Some(pem)) => Ok(Self::ServiceApp {
                client_id,
                key: std::sync::Arc::new(parse_key(&pem)?),
                key_id: std::env::var(KEY_ID_VARIABLE)
                    .ok()
                    .filter(|k| !k.is_empty()),
            }),
            _ => Err(format!(
                "--okta-org needs credentials: an API token in {TOKEN_VARIABLE} (or a file named by \
                 {TOKEN_VARIABLE}_FILE), or a service app's {CLIENT_ID_VARIABLE} with its private key \
                 in {PRIVATE_KEY_VARIABLE} (or {PRIVATE_KEY_VARIABLE}_FILE)"
            )),
        }
    }

    /// The `Authorization` header for the org's Management API; a service app first obtains
    /// an access token for `scopes` from the org authorization server.
    pub async fn authorization(
        &self,
        http: &reqwest::Client,
        org: &Url,
        scopes: &[&str],
        recorder: &CallRecorder,
    ) -> Result<String, CallError> {
        let (client_id, key, key_id) = match self {
            Self::ApiToken(token) => return Ok(format!("SSWS {token}")),
            Self::ServiceApp {
                client_id,
                key,
                key_id,
            } => (client_id, key, key_id),
        };
        let denied =
            |message: String| CallError::data(TOKEN_ACTION, ErrorKind::AccessDenied, message);
        let endpoint = org
            .join("/oauth2/v1/token")
            .map_err(|e| denied(format!("bad org address: {e}")))?;
        let assertion = client_assertion(client_id, endpoint.as_str(), key, key_id.as_deref())
            .map_err(denied)?;
        let form = [
            ("grant_type", "client_credentials"),
            ("scope", &scopes.join(" ")),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &assertion),
        ];
        let body = form
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
                )
            })
            .collect::<Vec<_>>()
            .join("&");
        recorder.record(TOKEN_ACTION);
        let response = http
            .post(endpoint)
            .header("Accept", "application/json")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| {
                CallError::data(
                    TOKEN_ACTION,
                    ErrorKind::Network,
                    crate::http::with_causes(&e),
                )
            })?;
        let status = response.status();
        let answer: serde_json::Value = response.json_value().await;
        if !status.is_success() {
            recorder.record_error();
            let reason = answer["error_description"]
                .as_str()
                .or(answer["error"].as_str())
                .unwrap_or("no reason given");
            return Err(denied(format!(
                "the org refused an access token (HTTP {}): {reason}",
                status.as_u16()
            )));
        }
        let token = answer["access_token"].as_str().ok_or_else(|| {
            CallError::data(
                TOKEN_ACTION,
                ErrorKind::Decode,
                "the token answer has no access_token",
            )
        })?;
        let kind = answer["token_type"].as_str().unwrap_or("Bearer");
        Ok(format!("{kind} {token}"))
    }
}

/// The JSON body of an answer, `null` when it is not JSON.
trait JsonValue {
    async fn json_value(self) -> serde_json::Value;
}

impl JsonValue for reqwest::Response {
    async fn json_value(self) -> serde_json::Value {
        let bytes = self.bytes().await.unwrap_or_default();
        serde_json::from_slice(&bytes).unwrap_or_default()
    }
}

/// A PKCS#8 PEM RSA private key.
fn parse_key(pem: &str) -> Result<RsaKeyPair, String> {
    let der = PrivatePkcs8KeyDer::from_pem_slice(pem.as_bytes()).map_err(|e| {
        format!("{PRIVATE_KEY_VARIABLE}: not a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----): {e}")
    })?;
    RsaKeyPair::from_pkcs8(der.secret_pkcs8_der())
        .map_err(|e| format!("{PRIVATE_KEY_VARIABLE}: not a usable RSA key: {e}"))
}

/// A client assertion: a JWT the app signs, naming itself as issuer and subject and the token
/// endpoint as audience.
fn client_assertion(
    client_id: &str,
    audience: &str,
    key: &RsaKeyPair,
    key_id: Option<&str>,
) -> Result<String, String> {
    let now = chrono::Utc::now().timestamp();
    let mut header = serde_json::json!({"alg": "RS256", "typ": "JWT"});
    if let Some(kid) = key_id {
        header["kid"] = kid.into();
    }
    let claims = serde_json::json!({
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": now,
        "exp": now + ASSERTION_LIFETIME_SECS,
        "jti": format!("{:032x}", fastrand::u128(..)),
    });
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut signature = vec![0; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        signed.as_bytes(),
        &mut signature,
    )
    .map_err(|_| "cannot sign the client assertion".to_owned())?;
    Ok(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature)))
}
