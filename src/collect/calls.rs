//! Counts every API call the SDK clients send (retries included), per action, and shows the
//! collection's progress on stderr: region × service collections done, resources found, API
//! calls and error answers.

use aws_sdk_iam::config::interceptors::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_iam::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use indicatif::ProgressBar;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Running totals for the progress display, shared by a recorder and those split from it.
#[derive(Debug, Default)]
struct Tally {
    calls: AtomicU64,
    /// Answers with an HTTP error status (retried ones included).
    errors: AtomicU64,
    /// Collections (a service in a region, or the global services) planned and finished.
    planned: AtomicU64,
    done: AtomicU64,
    resources: AtomicU64,
}

/// An SDK interceptor recording `service:Operation` for each request sent.
#[derive(Debug, Clone, Default)]
pub struct CallRecorder {
    counts: Arc<Mutex<BTreeMap<String, u64>>>,
    tally: Arc<Tally>,
    progress: Option<ProgressBar>,
}

impl CallRecorder {
    /// A recorder that also reports progress on `bar`.
    pub fn with_progress(bar: ProgressBar) -> Self {
        Self {
            progress: Some(bar),
            ..Self::default()
        }
    }

    /// A recorder with counts of its own (one account's calls) and the same progress display.
    pub fn split(&self) -> Self {
        Self {
            counts: Default::default(),
            tally: Arc::clone(&self.tally),
            progress: self.progress.clone(),
        }
    }

    /// Announces `collections` more collections to wait for.
    pub fn plan(&self, collections: usize) {
        self.tally
            .planned
            .fetch_add(collections as u64, Ordering::Relaxed);
        self.refresh();
    }

    /// One planned collection finished, having found `resources`.
    pub fn collection_done(&self, resources: usize) {
        self.tally.done.fetch_add(1, Ordering::Relaxed);
        self.tally
            .resources
            .fetch_add(resources as u64, Ordering::Relaxed);
        self.refresh();
    }

    fn refresh(&self) {
        if let Some(bar) = &self.progress {
            let t = &self.tally;
            let load = |n: &AtomicU64| n.load(Ordering::Relaxed);
            bar.set_message(format!(
                "{}/{} collections · {} resources · {} API calls · {} errors",
                load(&t.done),
                load(&t.planned),
                load(&t.resources),
                load(&t.calls),
                load(&t.errors)
            ));
        }
    }

    /// Counts one request of `action` (for clients outside the AWS SDK, such as Okta's).
    pub fn record(&self, action: &str) {
        if let Ok(mut counts) = self.counts.lock() {
            *counts.entry(action.to_owned()).or_default() += 1;
        }
        self.tally.calls.fetch_add(1, Ordering::Relaxed);
        self.refresh();
    }

    /// Counts one answer with an HTTP error status.
    pub fn record_error(&self) {
        self.tally.errors.fetch_add(1, Ordering::Relaxed);
        self.refresh();
    }

    /// Clears the progress display.
    pub fn finish(&self) {
        if let Some(bar) = &self.progress {
            bar.finish_and_clear();
        }
    }

    /// Calls made so far per action.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.counts.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

/// The IAM-permission prefix of an SDK service name (`IAM` → `iam`, `Config Service` → `config`).
fn permission_prefix(service: &str) -> String {
    match service {
        "Config Service" => "config".to_owned(),
        "CloudWatch Logs" => "logs".to_owned(),
        "AccessAnalyzer" => "access-analyzer".to_owned(),
        "S3 Control" => "s3control".to_owned(),
        "EFS" => "elasticfilesystem".to_owned(),
        "Secrets Manager" => "secretsmanager".to_owned(),
        "OpenSearch" => "es".to_owned(),
        "Auto Scaling" => "autoscaling".to_owned(),
        "Elastic Load Balancing" | "Elastic Load Balancing v2" => "elasticloadbalancing".to_owned(),
        "SSO Admin" => "sso".to_owned(),
        other => other.to_ascii_lowercase(),
    }
}

impl Intercept for CallRecorder {
    fn name(&self) -> &'static str {
        "lockdown::CallRecorder"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(metadata) = cfg.load::<Metadata>() {
            self.record(&format!(
                "{}:{}",
                permission_prefix(metadata.service()),
                metadata.name()
            ));
        }
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let failed = context
            .response()
            .is_none_or(|response| !response.status().is_success());
        if failed {
            self.record_error();
        }
        Ok(())
    }
}
