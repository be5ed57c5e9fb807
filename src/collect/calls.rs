//! Counts every API call the SDK clients send (retries included), per action, and shows the
//! running total on the progress display.

use aws_sdk_iam::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_iam::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use indicatif::ProgressBar;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// An SDK interceptor recording `service:Operation` for each request sent.
#[derive(Debug, Clone, Default)]
pub struct CallRecorder {
    counts: Arc<Mutex<BTreeMap<String, u64>>>,
    /// Calls of this recorder and every recorder split from it, for the progress display.
    total: Arc<AtomicU64>,
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
            total: Arc::clone(&self.total),
            progress: self.progress.clone(),
        }
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
            let action = format!(
                "{}:{}",
                permission_prefix(metadata.service()),
                metadata.name()
            );
            if let Ok(mut counts) = self.counts.lock() {
                *counts.entry(action).or_default() += 1;
            }
            let total = self.total.fetch_add(1, Ordering::Relaxed) + 1;
            if let Some(bar) = &self.progress {
                bar.set_message(format!("{total} API calls"));
            }
        }
        Ok(())
    }
}
