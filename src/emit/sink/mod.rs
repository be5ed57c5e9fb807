//! Delivery of findings to destinations (`--send-to`): stdout, files, S3, Security Hub, Splunk
//! HEC, Elastic and PagerDuty. Every sink carries OCSF events except Security Hub (ASFF) and
//! PagerDuty (Events API v2 triggers and resolves). What a sink could
//! not deliver after its retries is returned to the caller, which spools it to disk: nothing is
//! lost. Tokens come from environment variables or files, never from the command line.

mod aws;
mod elastic;
mod http;
mod pagerduty;
mod splunk;
pub mod spool;

use crate::evaluate::Finding;
use serde_json::Value;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Where findings are delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sink {
    /// OCSF events on standard output, one per line.
    Stdout,
    /// OCSF events appended to a file, one per line.
    File(PathBuf),
    /// One object per run under `s3://bucket/prefix`, date-partitioned, encrypted at rest.
    S3 { bucket: String, prefix: String },
    /// ASFF findings imported into Security Hub of the scanning credentials' region.
    SecurityHub,
    /// Splunk HTTP Event Collector.
    SplunkHec {
        url: String,
        index: Option<String>,
        sourcetype: String,
    },
    /// Elasticsearch/OpenSearch `_bulk` into an index or data stream.
    Elastic { url: String, index: String },
    /// PagerDuty Events API v2: incidents for new failures, resolved when they are.
    PagerDuty { url: String },
}

/// The event encoding a sink takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Ocsf,
    Asff,
    PagerDuty,
}

const SINK_FORMS: &str = "stdout, file:PATH, s3://BUCKET/PREFIX, securityhub, \
                          splunk-hec:URL[?index=I&sourcetype=S], elastic:URL/INDEX, \
                          pagerduty[:URL]";

/// Rejects URLs with credentials in them: secrets must not be typed on the command line.
fn http_url(url: &str, spec: &str) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("sink `{spec}`: bad URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "sink `{spec}`: the URL must be http:// or https://"
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(format!(
            "sink `{spec}`: credentials do not belong in the URL; use the token environment \
             variables (see `lockdown scan --help`)"
        ));
    }
    Ok(parsed)
}

impl FromStr for Sink {
    type Err = String;

    fn from_str(spec: &str) -> Result<Self, String> {
        if spec == "stdout" {
            return Ok(Sink::Stdout);
        }
        if spec == "securityhub" {
            return Ok(Sink::SecurityHub);
        }
        if spec == "pagerduty" {
            return Ok(Sink::PagerDuty {
                url: pagerduty::DEFAULT_URL.to_owned(),
            });
        }
        if let Some(url) = spec.strip_prefix("pagerduty:") {
            return Ok(Sink::PagerDuty {
                url: http_url(url, spec)?.to_string(),
            });
        }
        if let Some(path) = spec.strip_prefix("file:") {
            if path.is_empty() {
                return Err("sink `file:` needs a path, e.g. file:/var/log/lockdown.jsonl".into());
            }
            return Ok(Sink::File(path.into()));
        }
        if let Some(rest) = spec.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(format!(
                    "sink `{spec}`: no bucket, e.g. s3://my-bucket/lockdown"
                ));
            }
            return Ok(Sink::S3 {
                bucket: bucket.to_owned(),
                prefix: prefix.trim_end_matches('/').to_owned(),
            });
        }
        if let Some(url) = spec.strip_prefix("splunk-hec:") {
            let mut parsed = http_url(url, spec)?;
            let mut index = None;
            let mut sourcetype = splunk::DEFAULT_SOURCETYPE.to_owned();
            for (key, value) in parsed.query_pairs() {
                match &*key {
                    "index" => index = Some(value.into_owned()),
                    "sourcetype" => sourcetype = value.into_owned(),
                    other => {
                        return Err(format!(
                            "sink `{spec}`: unknown option `{other}` (index, sourcetype)"
                        ));
                    }
                }
            }
            parsed.set_query(None);
            return Ok(Sink::SplunkHec {
                url: parsed.to_string(),
                index,
                sourcetype,
            });
        }
        if let Some(url) = spec.strip_prefix("elastic:") {
            let mut parsed = http_url(url, spec)?;
            let index = parsed
                .path_segments()
                .and_then(|mut segments| segments.next_back().map(str::to_owned))
                .filter(|index| !index.is_empty())
                .ok_or_else(|| {
                    format!(
                        "sink `{spec}`: no index, e.g. elastic:https://es:9200/lockdown-findings"
                    )
                })?;
            parsed
                .path_segments_mut()
                .map_err(|()| format!("sink `{spec}`: bad URL"))?
                .pop();
            return Ok(Sink::Elastic {
                url: parsed.to_string(),
                index,
            });
        }
        Err(format!("unknown sink `{spec}`; one of: {SINK_FORMS}"))
    }
}

impl fmt::Display for Sink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sink::Stdout => write!(f, "stdout"),
            Sink::File(path) => write!(f, "file:{}", path.display()),
            Sink::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
            Sink::SecurityHub => write!(f, "securityhub"),
            Sink::SplunkHec {
                url,
                index,
                sourcetype,
            } => {
                write!(f, "splunk-hec:{url}?sourcetype={sourcetype}")?;
                index.iter().try_for_each(|i| write!(f, "&index={i}"))
            }
            Sink::Elastic { url, index } => {
                write!(f, "elastic:{}/{index}", url.trim_end_matches('/'))
            }
            Sink::PagerDuty { url } => write!(f, "pagerduty:{url}"),
        }
    }
}

impl Sink {
    /// Checks what can be known before a scan: the credentials a sink needs are there, and
    /// they would not cross the network in clear text (plain `http://` to a host that is not
    /// loopback) unless `allow_insecure_http` says so.
    pub fn check_ready(&self, allow_insecure_http: bool) -> Result<(), String> {
        if let Sink::SplunkHec { url, .. } | Sink::Elastic { url, .. } | Sink::PagerDuty { url } =
            self
            && !allow_insecure_http
            && !http::may_carry_token(url)
        {
            return Err(format!(
                "sink `{self}`: its token would cross the network in clear text over http://; use https:// (plain http is allowed to loopback addresses), or pass --allow-insecure-http if that is really what you want"
            ));
        }
        match self {
            Sink::SplunkHec { .. } => splunk::token().map(drop),
            Sink::Elastic { .. } => elastic::api_key().map(drop),
            Sink::PagerDuty { .. } => pagerduty::routing_key().map(drop),
            _ => Ok(()),
        }
        .map_err(|e| format!("sink `{self}`: {e}"))
    }

    /// The IAM statement delivering here needs, for sinks on AWS.
    pub fn delivery_statement(&self) -> Option<Value> {
        match self {
            Sink::S3 { bucket, prefix } => Some(serde_json::json!({
                "Sid": "LockdownDeliverToS3",
                "Effect": "Allow",
                "Action": ["s3:PutObject"],
                "Resource": format!("arn:aws:s3:::{bucket}/{}*", if prefix.is_empty() { String::new() } else { format!("{prefix}/") }),
            })),
            Sink::SecurityHub => Some(serde_json::json!({
                "Sid": "LockdownDeliverToSecurityHub",
                "Effect": "Allow",
                "Action": ["securityhub:BatchImportFindings"],
                "Resource": "*",
            })),
            _ => None,
        }
    }

    /// The events this sink takes.
    pub fn encoding(&self) -> Encoding {
        match self {
            Sink::SecurityHub => Encoding::Asff,
            Sink::PagerDuty { .. } => Encoding::PagerDuty,
            _ => Encoding::Ocsf,
        }
    }
}

/// What a run needs to reach its sinks.
#[derive(Debug, Clone)]
pub struct SinkContext {
    /// AWS configuration for the S3 and Security Hub sinks.
    pub aws: aws_config::SdkConfig,
    /// Attempts per HTTP request, the first included.
    pub attempts: u32,
    /// The least severity that pages (PagerDuty).
    pub alert_severity: crate::evaluate::Severity,
}

/// The outcome of delivering to one sink.
#[derive(Debug, Default)]
pub struct Delivery {
    /// Events the destination accepted (or already had).
    pub delivered: usize,
    /// Events that could not be delivered, to be spooled.
    pub undelivered: Vec<Value>,
    /// Why some events were not delivered.
    pub error: Option<String>,
}

impl Delivery {
    /// Every event delivered.
    fn complete(delivered: usize) -> Self {
        Self {
            delivered,
            ..Default::default()
        }
    }

    /// `events[failed_from..]` not delivered because of `error`.
    fn partial(mut events: Vec<Value>, failed_from: usize, error: impl fmt::Display) -> Self {
        let undelivered = events.split_off(failed_from);
        Self {
            delivered: events.len(),
            undelivered,
            error: Some(error.to_string()),
        }
    }
}

fn write_lines(events: &[Value], out: &mut dyn Write) -> std::io::Result<()> {
    for event in events {
        serde_json::to_writer(&mut *out, event)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

fn append_lines(path: &std::path::Path, events: &[Value]) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    write_lines(events, &mut std::io::BufWriter::new(file))
}

/// Delivers `events` (in the sink's encoding) to `sink`.
pub async fn deliver(sink: &Sink, events: Vec<Value>, context: &SinkContext) -> Delivery {
    let count = events.len();
    match sink {
        Sink::Stdout => match write_lines(&events, &mut std::io::stdout().lock()) {
            Ok(()) => Delivery::complete(count),
            Err(e) => Delivery::partial(events, 0, e),
        },
        Sink::File(path) => match append_lines(path, &events) {
            Ok(()) => Delivery::complete(count),
            Err(e) => Delivery::partial(events, 0, format!("{}: {e}", path.display())),
        },
        Sink::S3 { bucket, prefix } => aws::put_object(bucket, prefix, events, context).await,
        Sink::SecurityHub => aws::import_findings(events, context).await,
        Sink::SplunkHec {
            url,
            index,
            sourcetype,
        } => splunk::send(url, index.as_deref(), sourcetype, events, context).await,
        Sink::Elastic { url, index } => elastic::send(url, index, events, context).await,
        Sink::PagerDuty { url } => pagerduty::send(url, events, context).await,
    }
}

/// Findings encoded and delivered together: each sink takes a run a chunk at a time, so memory
/// follows the chunk, not the run.
pub const DELIVERY_CHUNK: usize = 10_000;

/// What became of one sink's share of a run.
#[derive(Debug)]
pub struct SinkOutcome {
    pub sink: Sink,
    pub delivered: usize,
    /// Events not delivered (spooled, or lost when `spool_error` says so).
    pub undelivered: usize,
    /// Why some events were not delivered.
    pub error: Option<String>,
    /// The spool files holding the undelivered events, one per undelivered chunk.
    pub spooled: Vec<PathBuf>,
    /// Why some undelivered events could not be spooled.
    pub spool_error: Option<String>,
    /// The events of a sink that takes a run in one piece (S3: one object per run), on disk
    /// until the run's last chunk.
    staged: Option<Staged>,
}

/// Events staged one per line in a private file of the spool directory.
#[derive(Debug)]
struct Staged {
    staging: spool::Staging,
    out: std::io::BufWriter<std::fs::File>,
    events: usize,
    /// The first event staged: what names the object.
    first: Value,
}

impl Drop for Staged {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.staging.path);
    }
}

impl SinkOutcome {
    fn new(sink: &Sink) -> Self {
        Self {
            sink: sink.clone(),
            delivered: 0,
            undelivered: 0,
            error: None,
            spooled: Vec::new(),
            spool_error: None,
            staged: None,
        }
    }

    /// Every event arrived.
    pub fn complete(&self) -> bool {
        self.undelivered == 0 && self.error.is_none()
    }

    /// Delivers `events`, unless an earlier chunk failed: a sink that failed after its retries
    /// is not asked again in this run, its remaining events go to the spool.
    async fn deliver(&mut self, events: Vec<Value>, context: &SinkContext, spool_dir: &Path) {
        if events.is_empty() {
            return;
        }
        if let Sink::S3 { .. } = self.sink {
            return self.stage(events, spool_dir);
        }
        let delivery = if self.error.is_some() {
            Delivery {
                undelivered: events,
                ..Delivery::default()
            }
        } else {
            deliver(&self.sink, events, context).await
        };
        self.delivered += delivery.delivered;
        self.undelivered += delivery.undelivered.len();
        self.error = self.error.take().or(delivery.error);
        if !delivery.undelivered.is_empty() {
            let saved = spool::save(spool_dir, &self.sink, &delivery.undelivered);
            self.spooled(saved);
        }
    }

    fn spooled(&mut self, saved: std::io::Result<PathBuf>) {
        match saved {
            Ok(path) => self.spooled.push(path),
            Err(e) => {
                self.spool_error.get_or_insert_with(|| e.to_string());
            }
        }
    }

    /// Adds `events` to what this sink takes at the end of the run. Once staging has failed,
    /// nothing more is staged (a partial object is never sent as the run): the remaining
    /// events go to the spool.
    fn stage(&mut self, events: Vec<Value>, spool_dir: &Path) {
        if self.error.is_none() {
            let written = match &mut self.staged {
                Some(staged) => Ok(staged),
                None => spool::staging(spool_dir, &self.sink).and_then(|staging| {
                    let out = std::io::BufWriter::new(staging.file.try_clone()?);
                    Ok(self.staged.insert(Staged {
                        staging,
                        out,
                        events: 0,
                        first: events[0].clone(),
                    }))
                }),
            }
            .and_then(|staged| {
                write_lines(&events, &mut staged.out)?;
                staged.events += events.len();
                Ok(())
            });
            let Err(e) = written else {
                return;
            };
            // The staging file goes: what it held is lost to this sink, and said so.
            let lost = self.staged.take().map_or(0, |staged| staged.events);
            self.undelivered += lost;
            self.error = Some(format!(
                "cannot stage events in {}: {e}",
                spool_dir.display()
            ));
            if lost > 0 {
                self.spool_error = Some(format!("{lost} events staged before were lost: {e}"));
            }
        }
        self.undelivered += events.len();
        let saved = spool::save(spool_dir, &self.sink, &events);
        self.spooled(saved);
    }

    /// Stops this sink's delivery because `why`: what it staged goes to the spool.
    fn abandon(&mut self, why: String, spool_dir: &Path) {
        if let Some(mut staged) = self.staged.take() {
            self.undelivered += staged.events;
            let saved = staged.out.flush().and_then(|()| {
                spool::save_staged(spool_dir, &self.sink, staged.events, &staged.staging)
            });
            self.spooled(saved);
        }
        self.error = Some(match self.error.take() {
            Some(earlier) => format!("{earlier}; then {why}"),
            None => why,
        });
    }

    /// Sends what was staged, in one piece; spools it when the sink does not take it.
    async fn finish(&mut self, context: &SinkContext, spool_dir: &Path) {
        let (Some(mut staged), Sink::S3 { bucket, prefix }) = (self.staged.take(), &self.sink)
        else {
            return;
        };
        let sent = match staged.out.flush() {
            Ok(()) => {
                aws::put_staged(bucket, prefix, &staged.first, &staged.staging, context).await
            }
            Err(e) => Err(format!("cannot stage events: {e}")),
        };
        match sent {
            Ok(()) => self.delivered += staged.events,
            Err(error) => {
                self.undelivered += staged.events;
                self.error.get_or_insert(error);
                let saved =
                    spool::save_staged(spool_dir, &self.sink, staged.events, &staged.staging);
                self.spooled(saved);
            }
        }
    }
}

/// A run's events in each encoding, a chunk of findings at a time.
struct Encoders<'r, 'a> {
    ocsf: crate::emit::ocsf::Events<'r, 'a>,
    report: &'r crate::emit::Report<'a>,
    /// The region ASFF findings are filed in.
    region: String,
    alert_severity: crate::evaluate::Severity,
}

impl Encoders<'_, '_> {
    /// The events of `findings` (`None`: the events that close the run) in `encoding`.
    fn events(&self, encoding: Encoding, findings: Option<&[Finding]>) -> Vec<Value> {
        match (encoding, findings) {
            (Encoding::Ocsf, Some(findings)) => self.ocsf.of(findings),
            (Encoding::Ocsf, None) => self.ocsf.closing(),
            (Encoding::Asff, Some(findings)) => findings
                .iter()
                .map(|f| crate::emit::asff::finding(self.report, f, &self.region))
                .collect(),
            (Encoding::PagerDuty, Some(findings)) => {
                pagerduty::events(findings, self.alert_severity)
            }
            (Encoding::Asff | Encoding::PagerDuty, None) => Vec::new(),
        }
    }
}

/// Delivers a report's findings to every sink, each in its encoding (encoded once per chunk
/// and shared), [`DELIVERY_CHUNK`] findings at a time, spooling to `spool_dir` whatever a sink
/// does not take. A spool that cannot be written is reported in the outcome and does not stop
/// delivery to the other sinks.
pub async fn deliver_report(
    report: &crate::emit::Report<'_>,
    sinks: &[Sink],
    context: &SinkContext,
    spool_dir: &std::path::Path,
) -> Vec<SinkOutcome> {
    let encoders = Encoders {
        ocsf: crate::emit::ocsf::Events::new(report),
        report,
        region: context
            .aws
            .region()
            .map_or(report.home_region.clone(), ToString::to_string),
        alert_severity: context.alert_severity,
    };
    let mut outcomes: Vec<SinkOutcome> = sinks.iter().map(SinkOutcome::new).collect();
    let chunks = match report.chunks(DELIVERY_CHUNK) {
        Ok(chunks) => chunks,
        Err(e) => return stopped(outcomes, &e, 0, spool_dir),
    };
    let mut read = 0;
    // Every chunk of findings, then the run's closing events.
    for chunk in chunks.map(Some).chain([None]) {
        let findings = match chunk.transpose() {
            Ok(findings) => findings,
            Err(e) => return stopped(outcomes, &e, read, spool_dir),
        };
        read += findings.as_ref().map_or(0, |f| f.len());
        // Each encoding once per chunk: its last sink takes the events, the others a copy.
        let mut encoded: Vec<(Encoding, Vec<Value>, usize)> = Vec::new();
        for outcome in &mut outcomes {
            let encoding = outcome.sink.encoding();
            let at = match encoded.iter().position(|(e, ..)| *e == encoding) {
                Some(at) => at,
                None => {
                    let events = encoders.events(encoding, findings.as_deref());
                    let takers = sinks.iter().filter(|s| s.encoding() == encoding).count();
                    encoded.push((encoding, events, takers));
                    encoded.len() - 1
                }
            };
            let (_, events, takers) = &mut encoded[at];
            *takers -= 1;
            let events = match takers {
                0 => std::mem::take(events),
                _ => events.clone(),
            };
            outcome.deliver(events, context, spool_dir).await;
        }
    }
    for outcome in &mut outcomes {
        outcome.finish(context, spool_dir).await;
    }
    outcomes
}

/// The outcomes of a delivery stopped after `read` findings because the run's findings could
/// not be read back.
fn stopped(
    mut outcomes: Vec<SinkOutcome>,
    error: &std::io::Error,
    read: usize,
    spool_dir: &Path,
) -> Vec<SinkOutcome> {
    let why = format!(
        "cannot read the run's findings back after {read} of them ({error}): the others were delivered nowhere"
    );
    for outcome in &mut outcomes {
        outcome.abandon(why.clone(), spool_dir);
    }
    outcomes
}

#[cfg(test)]
mod tests {
    use super::Sink;

    #[test]
    fn sink_specs_parse_and_print_back() {
        for spec in [
            "stdout",
            "securityhub",
            "file:/tmp/findings.jsonl",
            "s3://audit-bucket/lockdown",
            "splunk-hec:https://splunk.example.com:8088/?sourcetype=ocsf&index=security",
            "elastic:https://es.example.com:9200/lockdown-findings",
            "pagerduty:https://events.eu.pagerduty.com/v2/enqueue",
        ] {
            let sink: Sink = spec.parse().unwrap_or_else(|e| panic!("{spec}: {e}"));
            assert_eq!(sink.to_string().parse::<Sink>(), Ok(sink), "{spec}");
        }
    }

    #[test]
    fn tokens_cross_the_network_only_over_https_unless_allowed() {
        // Tokens are read from the environment by check_ready.
        unsafe {
            std::env::set_var("LOCKDOWN_SPLUNK_TOKEN", "t");
            std::env::set_var("LOCKDOWN_ELASTIC_API_KEY", "k");
            std::env::set_var("LOCKDOWN_PAGERDUTY_ROUTING_KEY", "r");
        }
        for (spec, ok) in [
            ("pagerduty", true),
            ("pagerduty:http://events.example.com/v2/enqueue", false),
            ("pagerduty:http://127.0.0.1:8080/v2/enqueue", true),
            ("splunk-hec:https://splunk.example.com:8088", true),
            ("splunk-hec:http://splunk.example.com:8088", false),
            ("elastic:http://10.0.0.5:9200/findings", false),
            ("elastic:http://127.0.0.1:9200/findings", true),
            ("elastic:http://[::1]:9200/findings", true),
            ("splunk-hec:http://localhost:8088", true),
        ] {
            let sink: Sink = spec.parse().unwrap();
            let checked = sink.check_ready(false);
            assert_eq!(checked.is_ok(), ok, "{spec}: {checked:?}");
            if !ok {
                assert!(checked.unwrap_err().contains("clear text"));
                assert!(sink.check_ready(true).is_ok(), "{spec} with the flag");
            }
        }
    }

    #[test]
    fn bad_sink_specs_say_what_is_wrong() {
        for (spec, message) in [
            ("kafka:broker", "unknown sink"),
            ("file:", "needs a path"),
            ("s3://", "no bucket"),
            ("elastic:https://es:9200", "no index"),
            (
                "splunk-hec:https://user:pw@splunk:8088",
                "credentials do not belong",
            ),
            (
                "splunk-hec:https://splunk:8088?token=x",
                "unknown option `token`",
            ),
            ("splunk-hec:ftp://splunk", "http:// or https://"),
        ] {
            let error = spec.parse::<Sink>().unwrap_err();
            assert!(error.contains(message), "{spec}: {error}");
        }
    }
}
