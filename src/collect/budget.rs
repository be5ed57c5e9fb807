//! A request budget: every AWS request waits for a token of its service in its account and
//! region before it is sent, so a scan — however many collections and member accounts run at
//! once — never spends more of the API rate that production workloads share than the budget
//! allows. Retries spend tokens too.
//!
//! The budget sits in the SDK's HTTP client, under every client of the scan: a request is
//! keyed by its SigV4 credential scope (access key, region, signing service), so tasks calling
//! one service in one account and region share one token bucket, whichever collector they
//! run in. An unsigned request (none are made to AWS APIs) passes unbudgeted.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use governor::{DefaultDirectRateLimiter, Quota};
use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

/// Requests per second for a service with no rate of its own.
pub const DEFAULT_RATE: u32 = 20;

/// Default rates, in requests per second per account and region, for services whose quotas
/// are low or shared by every caller of the account: about half of what AWS documents or
/// what its throttling shows, so a scan leaves the rest to production.
const SERVICE_RATES: &[(&str, u32)] = &[
    // EC2: non-mutating actions refill 20 tokens a second per account and region.
    ("ec2", 10),
    // IAM and Organizations: one global quota per account, shared with every deployment tool.
    ("iam", 8),
    ("organizations", 5),
    // CloudTrail's management APIs allow about 10 transactions a second each.
    ("cloudtrail", 5),
    // S3 rates are per bucket (thousands of reads a second per prefix), not per account:
    // a budget per account and region would only slow a scan of many buckets.
    ("s3", 0),
];

/// Requests per second allowed per service, in each account and region; 0 is unlimited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRates {
    /// The rate of services not named in `per_service`.
    pub default: u32,
    /// Rates by signing name (`ec2`, `iam`, `s3`, ...).
    pub per_service: BTreeMap<String, u32>,
}

impl Default for RequestRates {
    fn default() -> Self {
        Self {
            default: DEFAULT_RATE,
            per_service: SERVICE_RATES
                .iter()
                .map(|(service, rate)| ((*service).to_owned(), *rate))
                .collect(),
        }
    }
}

impl RequestRates {
    /// The same rate for every service; 0: no budget at all.
    pub fn uniform(rate: u32) -> Self {
        Self {
            default: rate,
            per_service: BTreeMap::new(),
        }
    }

    /// The rate of `service`.
    pub fn of(&self, service: &str) -> u32 {
        self.per_service
            .get(service)
            .copied()
            .unwrap_or(self.default)
    }

    /// Applies `SERVICE=RATE` settings over these rates.
    pub fn with_settings(mut self, settings: &[String]) -> Result<Self, String> {
        for setting in settings {
            let (service, rate) = setting
                .split_once('=')
                .ok_or_else(|| format!("{setting}: expected SERVICE=RATE, e.g. ec2=5"))?;
            let rate = rate
                .trim()
                .parse()
                .map_err(|e| format!("{setting}: the rate is not a whole number: {e}"))?;
            self.per_service.insert(service.trim().to_owned(), rate);
        }
        Ok(self)
    }
}

/// Where a request spends its budget: access key id, region and signing service.
type BudgetKey = (String, String, String);

/// The token buckets of one scan, one per account, region and service met.
#[derive(Debug)]
struct Budget {
    rates: RequestRates,
    buckets: Mutex<HashMap<BudgetKey, Option<Arc<DefaultDirectRateLimiter>>>>,
}

impl Budget {
    /// The bucket `request` draws from; `None` when it is unsigned or its service unlimited.
    fn bucket(&self, request: &HttpRequest) -> Option<Arc<DefaultDirectRateLimiter>> {
        let key = credential_scope(request.headers().get("authorization")?)?;
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        buckets
            .entry(key)
            .or_insert_with_key(|(_, _, service)| {
                let rate = NonZeroU32::new(self.rates.of(service))?;
                Some(Arc::new(DefaultDirectRateLimiter::direct(
                    Quota::per_second(rate),
                )))
            })
            .clone()
    }
}

/// The access key id, region and service of a SigV4 `Authorization` header
/// (`AWS4-HMAC-SHA256 Credential=AKID/20261204/us-east-1/ec2/aws4_request, ...`).
fn credential_scope(authorization: &str) -> Option<BudgetKey> {
    let credential = authorization.split("Credential=").nth(1)?;
    let mut parts = credential.split(',').next()?.split('/');
    let access_key = parts.next()?;
    let _date = parts.next()?;
    let region = parts.next()?;
    let service = parts.next()?;
    Some((access_key.to_owned(), region.to_owned(), service.to_owned()))
}

/// An HTTP client that makes each request wait for its budget, then sends it with `inner`.
#[derive(Debug, Clone)]
struct BudgetedClient {
    inner: SharedHttpClient,
    budget: Arc<Budget>,
}

impl HttpClient for BudgetedClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(BudgetedConnector {
            inner: self.inner.http_connector(settings, components),
            budget: Arc::clone(&self.budget),
        })
    }
}

#[derive(Debug)]
struct BudgetedConnector {
    inner: SharedHttpConnector,
    budget: Arc<Budget>,
}

impl HttpConnector for BudgetedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let bucket = self.budget.bucket(&request);
        let inner = self.inner.clone();
        HttpConnectorFuture::new(async move {
            if let Some(bucket) = bucket {
                bucket.until_ready().await;
            }
            inner.call(request).await
        })
    }
}

/// The SDK's default HTTPS client (rustls with aws-lc, proxies from the environment) with
/// the request budget of `rates` in front of it.
pub fn budgeted_https_client(rates: RequestRates) -> SharedHttpClient {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
    use aws_smithy_http_client::{Builder, ConnectorBuilder};
    let inner = Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector =
            ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc));
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    });
    SharedHttpClient::new(BudgetedClient {
        inner,
        budget: Arc::new(Budget {
            rates,
            buckets: Mutex::default(),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::{RequestRates, credential_scope};

    #[test]
    fn a_request_is_keyed_by_its_credential_scope() {
        let header = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261204/eu-west-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
        assert_eq!(
            credential_scope(header),
            Some(("AKIDEXAMPLE".into(), "eu-west-1".into(), "ec2".into()))
        );
        assert_eq!(credential_scope("Bearer xyz"), None);
    }

    #[test]
    fn rates_come_from_the_table_and_settings() {
        let rates = RequestRates::default()
            .with_settings(&["ec2=3".into(), "lambda = 0".into()])
            .unwrap();
        assert_eq!((rates.of("ec2"), rates.of("lambda")), (3, 0));
        assert_eq!(rates.of("sqs"), super::DEFAULT_RATE);
        assert!(
            RequestRates::default()
                .with_settings(&["ec2".into()])
                .is_err()
        );
        assert!(
            RequestRates::default()
                .with_settings(&["ec2=fast".into()])
                .is_err()
        );
    }
}
