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

use serde_json::Value;
use std::fmt;
use std::io::Write;
use std::path::PathBuf;
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

/// What became of one sink's share of a run.
#[derive(Debug)]
pub struct SinkOutcome {
    pub sink: Sink,
    pub delivered: usize,
    /// Events not delivered (spooled, or lost only if `spooled` is an error).
    pub undelivered: usize,
    /// Why some events were not delivered.
    pub error: Option<String>,
    /// Where the undelivered events were spooled, or why they could not be.
    pub spooled: Option<Result<PathBuf, String>>,
}

impl SinkOutcome {
    /// Every event arrived.
    pub fn complete(&self) -> bool {
        self.undelivered == 0
    }
}

/// Delivers a report's findings to every sink, each in its encoding (encoded once and shared),
/// spooling to `spool_dir` whatever a sink does not take. A spool that cannot be written is
/// reported in the outcome and does not stop delivery to the other sinks.
pub async fn deliver_report(
    report: &crate::emit::Report<'_>,
    sinks: &[Sink],
    context: &SinkContext,
    spool_dir: &std::path::Path,
) -> Vec<SinkOutcome> {
    let needs = |encoding| sinks.iter().any(|s| s.encoding() == encoding);
    let ocsf_events: Vec<Value> = if needs(Encoding::Ocsf) {
        crate::emit::ocsf::events(report)
    } else {
        Vec::new()
    };
    let asff_events: Vec<Value> = if needs(Encoding::Asff) {
        let region = context
            .aws
            .region()
            .map_or(report.home_region.clone(), ToString::to_string);
        crate::emit::asff::findings(report, &region).collect()
    } else {
        Vec::new()
    };
    let pagerduty_events: Vec<Value> = if needs(Encoding::PagerDuty) {
        pagerduty::events(report, context.alert_severity)
    } else {
        Vec::new()
    };
    let mut outcomes = Vec::with_capacity(sinks.len());
    for sink in sinks {
        let events = match sink.encoding() {
            Encoding::Ocsf => ocsf_events.clone(),
            Encoding::Asff => asff_events.clone(),
            Encoding::PagerDuty => pagerduty_events.clone(),
        };
        let delivery = deliver(sink, events, context).await;
        let spooled = (!delivery.undelivered.is_empty()).then(|| {
            spool::save(spool_dir, sink, &delivery.undelivered).map_err(|e| e.to_string())
        });
        outcomes.push(SinkOutcome {
            sink: sink.clone(),
            delivered: delivery.delivered,
            undelivered: delivery.undelivered.len(),
            error: delivery.error,
            spooled,
        });
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
