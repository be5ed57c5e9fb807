//! Collection: with the AWS sinks (`emit::sink`), the only place AWS SDK types appear. Each
//! service module turns SDK answers into inventory resources and failed calls into
//! [`CollectionError`]s, and declares the API actions it calls; [`registry`] declares the
//! services and [`plan`] picks the ones a scan needs.

/// An SDK client of crate `$sdk` for `$config`, with lockdown's call recorder attached:
/// `sdk_client!(aws_sdk_kms, &scope.config, scope.recorder)`.
macro_rules! sdk_client {
    ($sdk:ident, $config:expr, $recorder:expr) => {
        $sdk::Client::from_conf(
            $sdk::config::Builder::from($config)
                .interceptor($recorder.clone())
                .build(),
        )
    };
}

pub mod account;
pub mod acm;
pub mod autoscaling;
pub mod budget;
pub mod calls;
pub mod cloudfront;
pub mod cloudtrail;
pub mod codebuild;
pub mod config_items;
pub mod configservice;
pub mod detection;
pub mod dynamodb;
pub mod ec2;
pub mod ecr;
pub mod ecs;
pub mod efs;
pub mod eks;
pub mod elasticache;
pub mod elb;
pub mod iam;
pub mod identity_center;
pub mod kms;
pub mod lambda;
pub mod monitoring;
pub mod okta;
pub mod opensearch;
pub mod org;
pub mod plan;
pub mod rds;
pub mod redshift;
pub mod registry;
pub mod s3;
pub mod secretsmanager;
pub mod sns;
pub mod sqs;
pub mod sts;

use crate::inventory::{
    Affected, CollectionError, CollectionInfo, ErrorKind, GLOBAL_REGION, Resource, SCHEMA_VERSION,
    Snapshot,
};
use aws_config::{BehaviorVersion, Region, SdkConfig, retry::RetryConfig, timeout::TimeoutConfig};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use std::time::Duration;

pub use calls::CallRecorder;

/// `or_unknown!(missing, Type: attribute = option)`: the value an SDK answer gave, or, when it
/// left the field out, the type's default with `attribute` (checked against `Type` by the
/// compiler) pushed onto `missing`, to be recorded as unknown with
/// [`Collected::left_out`]. Never read a missing field as `false` or zero.
#[macro_export]
macro_rules! or_unknown {
    ($missing:expr, $ty:ty: $field:ident = $value:expr) => {
        match $value {
            Some(value) => value,
            None => {
                $missing.push($crate::attributes!($ty: $field)[0]);
                Default::default()
            }
        }
    };
}

/// The home region when the configuration names none.
pub const DEFAULT_HOME_REGION: &str = "us-east-1";

/// How to reach AWS.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    /// Named profile from the shared config files.
    pub profile: Option<String>,
    /// Region for global-service endpoints (and the default region).
    pub region: Option<String>,
    /// Role to assume before scanning.
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    /// Session name of assumed roles (CloudTrail shows it in the scanned accounts).
    pub session_name: String,
    /// Attempts per call, including the first (the SDK's retry with backoff).
    pub max_attempts: u32,
    /// The SDK's adaptive retry (client-side rate limiting when throttled) instead of standard.
    pub adaptive_retry: bool,
    /// Time limit per attempt.
    pub attempt_timeout: Duration,
    /// Requests per second per service in each account and region ([`budget`]).
    pub request_rates: budget::RequestRates,
    /// Read settings from AWS Config's configuration items where Config records them
    /// (`--source config`, [`config_items`]): items how old, read through which aggregator
    /// (in the caller's account and home region) if any; `None`: direct reads only.
    pub config_items: Option<config_items::ConfigOptions>,
    /// Regions to scan; `None` means every region enabled in the account.
    pub regions: Option<Vec<String>>,
    /// Region × service collections running at once.
    pub concurrency: usize,
    /// Scan the accounts of the AWS Organization instead of the caller's own account.
    pub organization: Option<org::OrgOptions>,
    /// The services to collect (what the selected checks read).
    pub plan: plan::Plan,
    /// An Okta org to collect beside AWS.
    pub okta: Option<okta::OktaOptions>,
    /// Whether to collect AWS at all (`false`: the Okta org only).
    pub aws: bool,
}

impl Default for CollectOptions {
    /// The command line's defaults: the standard credential chain, every enabled region, 5
    /// attempts of at most 30 s per call, 8 collections at once, everything collected.
    fn default() -> Self {
        Self {
            profile: None,
            region: None,
            role_arn: None,
            external_id: None,
            session_name: DEFAULT_SESSION_NAME.to_owned(),
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            adaptive_retry: false,
            request_rates: budget::RequestRates::default(),
            config_items: None,
            attempt_timeout: Duration::from_secs(DEFAULT_ATTEMPT_TIMEOUT_SECS),
            regions: None,
            concurrency: DEFAULT_CONCURRENCY,
            organization: None,
            plan: plan::Plan::everything(),
            okta: None,
            aws: true,
        }
    }
}

/// Attempts per API call, the first included.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// Time limit per attempt, in seconds.
pub const DEFAULT_ATTEMPT_TIMEOUT_SECS: u64 = 30;
/// Region × service collections at once.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// Session name of assumed roles, as CloudTrail records it.
pub const DEFAULT_SESSION_NAME: &str = "lockdown";

/// A failure that stops collection altogether (no credentials, unknown account).
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error(
        "cannot identify the AWS account ({}: {}). Check your credentials: set AWS_PROFILE or --profile, run `aws sso login`, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY. To try lockdown without AWS, run `lockdown scan --demo`",
        .0.action, .0.message
    )]
    NoIdentity(CallError),
    #[error(
        "cannot list the organization's accounts ({}: {}). Run --org with credentials of the management account or of a delegated administrator, allowed to call {}",
        .0.action, .0.message, .0.action
    )]
    Organization(CallError),
    #[error("nothing to collect: --skip-aws needs an Okta org (--okta-org)")]
    NothingToCollect,
}

/// A failed API call, before it is tied to the data it leaves unknown.
#[derive(Debug, Clone)]
pub struct CallError {
    pub action: &'static str,
    pub kind: ErrorKind,
    pub code: Option<String>,
    pub message: String,
}

/// An error and its causes by their messages (`dispatch failure: io error: dns error: ...`),
/// without the debug dump of the whole chain that `DisplayErrorContext` appends.
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = cause.source();
    }
    text
}

impl CallError {
    /// Classifies an SDK error: denied, throttled past retries, timeout, network, decode...
    pub fn from_sdk<E, R>(action: &'static str, err: &SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + 'static,
    {
        let code = err.code().map(str::to_owned);
        let kind = match err {
            SdkError::TimeoutError(_) => ErrorKind::Timeout,
            SdkError::DispatchFailure(d) if d.is_timeout() => ErrorKind::Timeout,
            SdkError::DispatchFailure(_) => ErrorKind::Network,
            SdkError::ResponseError(_) => ErrorKind::Decode,
            // A service answer without an error code is one the SDK could not read.
            SdkError::ServiceError(_) if code.is_none() => ErrorKind::Decode,
            _ => match code.as_deref() {
                Some(
                    "AccessDenied"
                    | "AccessDeniedException"
                    | "UnauthorizedOperation"
                    | "AuthorizationError"
                    | "UnauthorizedAccess",
                ) => ErrorKind::AccessDenied,
                Some(
                    "Throttling"
                    | "ThrottlingException"
                    | "RequestLimitExceeded"
                    | "TooManyRequestsException"
                    | "SlowDown"
                    | "RequestThrottled",
                ) => ErrorKind::Throttled,
                Some("OptInRequired") => ErrorKind::RegionDisabled,
                _ => ErrorKind::Service,
            },
        };
        // The inner error's chain, not the whole SdkError: that would dump the raw response.
        let message = match (err.message(), err.as_service_error()) {
            (Some(message), _) => message.to_owned(),
            (None, Some(service)) => causes(service),
            (None, None) => causes(err),
        };
        Self {
            action,
            kind,
            code,
            message,
        }
    }

    /// A call that worked but whose answer lacks or garbles data.
    pub fn data(action: &'static str, kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            action,
            kind,
            code: None,
            message: message.into(),
        }
    }

    /// Records what this failure leaves unknown.
    pub fn affecting(&self, region: &str, affects: Vec<Affected>) -> CollectionError {
        CollectionError {
            action: self.action.to_owned(),
            permission: permission(self.action).to_owned(),
            region: region.to_owned(),
            kind: self.kind,
            code: self.code.clone(),
            message: self.message.clone(),
            affects,
            account_id: None,
        }
    }
}

/// API operations whose IAM permission has another name.
const PERMISSION_NAMES: &[(&str, &str)] = &[
    ("s3:GetBucketEncryption", "s3:GetEncryptionConfiguration"),
    (
        "s3:GetBucketLifecycleConfiguration",
        "s3:GetLifecycleConfiguration",
    ),
    (
        "s3:GetBucketNotificationConfiguration",
        "s3:GetBucketNotification",
    ),
    ("s3:GetBucketReplication", "s3:GetReplicationConfiguration"),
    (
        "s3:GetObjectLockConfiguration",
        "s3:GetBucketObjectLockConfiguration",
    ),
    ("s3:GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
    ("s3:ListBuckets", "s3:ListAllMyBuckets"),
    (
        "s3control:GetPublicAccessBlock",
        "s3:GetAccountPublicAccessBlock",
    ),
];

/// The IAM permission that authorizes an API action (`service:Operation`).
pub fn permission(action: &str) -> &str {
    PERMISSION_NAMES
        .iter()
        .find(|(operation, _)| *operation == action)
        .map_or(action, |(_, permission)| permission)
}

/// Every IAM permission the scanner needs: the permissions of [`all_actions`].
pub fn all_permissions() -> Vec<&'static str> {
    permissions(&all_actions())
}

/// The IAM permissions of `actions`, sorted, each once.
pub fn permissions<'a>(actions: &[&'a str]) -> Vec<&'a str> {
    let mut permissions: Vec<&str> = actions.iter().map(|a| permission(a)).collect();
    permissions.sort_unstable();
    permissions.dedup();
    permissions
}

/// Reads every item of a paginated listing, or the failure that stopped it.
pub async fn drain<T, E, R>(
    mut items: aws_smithy_async::future::pagination_stream::PaginationStream<
        Result<T, SdkError<E, R>>,
    >,
    action: &'static str,
) -> Result<Vec<T>, CallError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let mut all = Vec::new();
    while let Some(item) = items.next().await {
        all.push(item.map_err(|e| CallError::from_sdk(action, &e))?);
    }
    Ok(all)
}

/// Resources whose per-resource reads run at once.
const PER_RESOURCE_FAN_OUT: usize = 8;

/// What a per-resource read gave for each listed resource: `None` when it was not made.
pub type PerResource<K, T> = Vec<(K, Option<Result<T, CallError>>)>;

/// Runs `read` for each listed resource, a few at a time, when a selected check reads what
/// `action` provides; otherwise records `action` as skipped for `resource_types` and reads
/// nothing (`None` for each resource).
pub async fn per_resource<K, T, F, Fut>(
    scope: &Scope<'_>,
    out: &mut Collected,
    action: &'static str,
    resource_types: &[&str],
    keys: Vec<K>,
    read: F,
) -> PerResource<K, T>
where
    F: Fn(K) -> Fut,
    Fut: std::future::Future<Output = (K, Result<T, CallError>)>,
{
    if !scope.plan.wants(action) {
        for resource_type in resource_types {
            out.skipped(action, &scope.region, resource_type);
        }
        return keys.into_iter().map(|key| (key, None)).collect();
    }
    let read = &read;
    futures::stream::iter(keys)
        .map(|key| async move {
            let (key, answer) = read(key).await;
            (key, Some(answer))
        })
        .buffer_unordered(PER_RESOURCE_FAN_OUT)
        .collect()
        .await
}

/// A resource policy's text parsed, with whether it opens the resource to everyone (the one
/// policy analysis); text that is not a policy leaves `attributes` of the resource unknown.
pub fn resource_policy(
    out: &mut Collected,
    action: &'static str,
    scope: &Scope<'_>,
    (resource_type, arn): (&str, &str),
    text: Option<&str>,
    attributes: &[&str],
) -> (Option<crate::inventory::policy::PolicyDocument>, bool) {
    match text.map(crate::inventory::policy::PolicyDocument::parse) {
        None => (None, false),
        Some(Ok(policy)) => {
            let public = policy.allows_public();
            (Some(policy), public)
        }
        Some(Err(e)) => {
            let error = CallError::data(action, ErrorKind::Decode, e.to_string());
            out.unknown(&error, &scope.region, resource_type, arn, attributes);
            (None, false)
        }
    }
}

/// Data left unknown: `attributes` of resources of `resource_type` (all of them when empty).
pub fn affects(resource_type: &str, attributes: &[&str]) -> Affected {
    Affected {
        resource_type: resource_type.to_owned(),
        resource_arn: None,
        attributes: attributes.iter().map(|a| (*a).to_owned()).collect(),
    }
}

/// Resources and errors gathered by the collectors.
#[derive(Debug, Default)]
pub struct Collected {
    pub resources: Vec<Resource>,
    pub errors: Vec<CollectionError>,
    /// When IAM generated the credential report the users come from.
    pub credential_report_generated_at: Option<DateTime<Utc>>,
}

impl Collected {
    /// Moves everything `other` gathered into `self`.
    pub fn merge(&mut self, other: Collected) {
        self.resources.extend(other.resources);
        self.errors.extend(other.errors);
        self.credential_report_generated_at = self
            .credential_report_generated_at
            .or(other.credential_report_generated_at);
    }

    /// Records each attribute-level error on the resources it is about (see
    /// [`crate::inventory::unknown::attach`]).
    pub fn attach_unknowns(&mut self) {
        crate::inventory::unknown::attach(&mut self.resources, &mut self.errors);
    }

    /// Runs collections `limit` at a time and merges everything they gather.
    pub async fn merge_all<F>(&mut self, tasks: impl IntoIterator<Item = F>, limit: usize)
    where
        F: std::future::Future<Output = Collected>,
    {
        let parts: Vec<Collected> = futures::stream::iter(tasks)
            .buffer_unordered(limit.max(1))
            .collect()
            .await;
        for part in parts {
            self.merge(part);
        }
    }

    /// Records `error` as leaving every resource of `resource_type` in `region` unknown.
    pub fn unlisted(&mut self, error: &CallError, region: &str, resource_type: &str) {
        self.errors
            .push(error.affecting(region, vec![affects(resource_type, &[])]));
    }

    /// The items of a listing; `None` after recording that the resources of `resource_type`
    /// in `region` could not be listed.
    pub fn listed<T>(
        &mut self,
        region: &str,
        resource_type: &str,
        listing: Result<Vec<T>, CallError>,
    ) -> Option<Vec<T>> {
        listing
            .map_err(|error| self.unlisted(&error, region, resource_type))
            .ok()
    }

    /// Records the attributes an answer of `action` left out (see [`or_unknown!`]) as unknown.
    pub fn left_out(
        &mut self,
        action: &'static str,
        region: &str,
        resource_type: &str,
        arn: &str,
        missing: &[&str],
    ) {
        if missing.is_empty() {
            return;
        }
        let error = CallError::data(
            action,
            ErrorKind::MissingData,
            format!("the {action} answer leaves out {}", missing.join(", ")),
        );
        self.unknown(&error, region, resource_type, arn, missing);
    }

    /// Records that `action` was not called for `resource_type` because no selected check
    /// reads what it provides: those attributes are unknown (`not_collected`) on every
    /// resource of the type in `region`, so evaluating such a check later on this data is ERROR.
    pub fn skipped(&mut self, action: &'static str, region: &str, resource_type: &str) {
        let attributes = crate::inventory::sources::attributes_from(resource_type, action);
        if attributes.is_empty() {
            return;
        }
        let why = format!(
            "{action} was not called: the checks this scan ran do not read {}",
            attributes.join(", ")
        );
        self.not_collected(action, region, resource_type, &attributes, why);
    }

    /// Records `attributes` of every resource of `resource_type` in `region` as not collected
    /// by this scan (`why`), so that a check evaluated later on this data is ERROR.
    pub fn not_collected(
        &mut self,
        action: &'static str,
        region: &str,
        resource_type: &str,
        attributes: &[&str],
        why: String,
    ) {
        let error = CallError::data(action, ErrorKind::NotCollected, why);
        self.errors
            .push(error.affecting(region, vec![affects(resource_type, attributes)]));
    }

    /// Records `error` as leaving `attributes` (all, when empty) of one resource unknown.
    pub fn unknown(
        &mut self,
        error: &CallError,
        region: &str,
        resource_type: &str,
        arn: &str,
        attributes: &[&str],
    ) {
        let mut affected = affects(resource_type, attributes);
        affected.resource_arn = Some(arn.to_owned());
        self.errors.push(error.affecting(region, vec![affected]));
    }

    /// The value one resource's [`per_resource`] read of `action` gave for `attributes`:
    /// `None` when the read was skipped (already recorded), failed (the attributes are unknown
    /// with its cause) or answered without the value (left out: unknown too).
    pub fn read_value<T>(
        &mut self,
        (action, region, resource_type): (&'static str, &str, &str),
        arn: &str,
        attributes: &[&str],
        answer: Option<Result<Option<T>, CallError>>,
    ) -> Option<T> {
        match answer? {
            Ok(Some(value)) => Some(value),
            Ok(None) => {
                self.left_out(action, region, resource_type, arn, attributes);
                None
            }
            Err(error) => {
                self.unknown(&error, region, resource_type, arn, attributes);
                None
            }
        }
    }
}

/// What a regional collector needs: a client configuration for its region, the account, the
/// scan's plan (which per-resource reads its checks need: [`plan::Plan::wants`]) and whether
/// AWS Config's items may stand in for them.
pub struct Scope<'a> {
    pub config: SdkConfig,
    pub recorder: &'a CallRecorder,
    pub account: &'a crate::inventory::Account,
    pub region: String,
    pub plan: &'a plan::Plan,
    /// Where AWS Config's items are read, and how old one may be; `None`: direct reads only.
    pub config_items: Option<&'a config_items::ConfigSource>,
}

impl Scope<'_> {
    /// The ARN of a resource of `service` in this scope's partition, region and account.
    pub fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}:{}:{}:{resource}",
            self.account.partition, self.region, self.account.id
        )
    }

    /// A resource of this scope's account and region.
    pub fn resource(
        &self,
        arn: String,
        name: String,
        data: crate::inventory::ResourceData,
    ) -> Resource {
        Resource {
            arn,
            name,
            region: self.region.clone(),
            account_id: self.account.id.clone(),
            data,
            unknown: Default::default(),
            sources: Default::default(),
        }
    }
}

/// Converts an SDK timestamp.
pub fn utc(t: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

/// Loads the SDK configuration from the standard credential chain, with retries and timeouts.
/// `AWS_ENDPOINT_URL` (used to point at an emulator) is honoured by the SDK itself.
pub async fn sdk_config(options: &CollectOptions) -> SdkConfig {
    let retry = if options.adaptive_retry {
        RetryConfig::adaptive()
    } else {
        RetryConfig::standard()
    };
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry.with_max_attempts(options.max_attempts))
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(options.attempt_timeout)
                .connect_timeout(Duration::from_secs(5))
                .build(),
        );
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &options.region {
        loader = loader.region(Region::new(region.clone()));
    }
    // The request budget goes under every client made from this configuration, including
    // those of member accounts (their configurations are clones of it).
    // A request waiting for its budget has not started sending its (small) body: that is no
    // stalled upload.
    loader = loader
        .http_client(budget::budgeted_https_client(options.request_rates.clone()))
        .stalled_stream_protection(
            aws_config::stalled_stream_protection::StalledStreamProtectionConfig::enabled()
                .upload_enabled(false)
                .build(),
        );
    let base = loader.load().await;
    match &options.role_arn {
        None => base,
        Some(role_arn) => {
            org::assume_role(
                &base,
                role_arn,
                &options.session_name,
                options.external_id.as_deref(),
            )
            .await
        }
    }
}

/// Collects a snapshot of the account the credentials belong to, or with `--org` of every
/// selected account of the organization.
pub async fn collect(
    options: &CollectOptions,
    recorder: CallRecorder,
) -> Result<Snapshot, CollectError> {
    let okta_recorder = recorder.split();
    let okta = async {
        match &options.okta {
            Some(okta_options) => {
                let wanted = options.plan.okta_types();
                Some(okta::collect(okta_options, okta_recorder.clone(), wanted).await)
            }
            None => None,
        }
    };
    let aws = async {
        if !options.aws {
            return None;
        }
        Some(match &options.organization {
            Some(organization) => org::collect(options, organization, recorder.clone()).await,
            None => {
                let config = sdk_config(options).await;
                let items = config_items::ConfigSource::of(options, &config);
                collect_account(config, options, items.as_ref(), recorder.clone()).await
            }
        })
    };
    let started_at = Utc::now();
    let (okta, aws) = tokio::join!(okta, aws);
    let mut snapshot = match (aws, &options.okta) {
        (Some(snapshot), _) => snapshot?,
        (None, Some(okta_options)) => Snapshot::empty(
            crate::inventory::Account {
                id: okta_options.host(),
                partition: "okta".to_owned(),
            },
            started_at,
        ),
        (None, None) => return Err(CollectError::NothingToCollect),
    };
    if let Some(mut okta) = okta {
        okta.attach_unknowns();
        snapshot.resources.append(&mut okta.resources);
        snapshot.errors.append(&mut okta.errors);
        for (action, count) in okta_recorder.counts() {
            *snapshot.collection.api_calls.entry(action).or_default() += count;
        }
        snapshot.collection.finished_at = Utc::now();
    }
    Ok(snapshot)
}

/// Runs one service's collector in one scope, counting it done for the progress display.
async fn run_collector(service: &'static registry::Service, scope: Scope<'_>) -> Collected {
    let part = (service.collect)(&scope).await;
    scope.recorder.collection_done(part.resources.len());
    part
}

/// Collects a snapshot of the account `config`'s credentials belong to.
async fn collect_account(
    config: SdkConfig,
    options: &CollectOptions,
    config_items: Option<&config_items::ConfigSource>,
    recorder: CallRecorder,
) -> Result<Snapshot, CollectError> {
    let started_at = Utc::now();
    let account = sts::caller_account(&config, &recorder)
        .await
        .map_err(CollectError::NoIdentity)?;
    let home_region = config
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| DEFAULT_HOME_REGION.to_owned());
    let plan = &options.plan;
    let mut collected = Collected::default();
    let regions = if plan.needs_regions() {
        ec2::regions(
            &config,
            &recorder,
            &home_region,
            options.regions.as_deref(),
            &mut collected,
        )
        .await
    } else {
        ec2::Regions::default()
    };

    // Global services once, each regional service in each region, all concurrently.
    let (global, regional): (Vec<_>, Vec<_>) = plan
        .services()
        .partition(|s| s.reach == registry::Reach::Global);
    recorder.plan(global.len() + regions.enabled.len() * regional.len());
    let scope = |region: &str| Scope {
        config: if region == GLOBAL_REGION {
            config.clone()
        } else {
            config
                .to_builder()
                .region(Region::new(region.to_owned()))
                .build()
        },
        recorder: &recorder,
        account: &account,
        region: region.to_owned(),
        plan,
        config_items,
    };
    let global_tasks = global
        .iter()
        .map(|&service| run_collector(service, scope(GLOBAL_REGION)));
    let regional_tasks = regions.enabled.iter().flat_map(|region| {
        regional
            .iter()
            .map(|&service| run_collector(service, scope(region)))
            .collect::<Vec<_>>()
    });
    let mut globals = Collected::default();
    let mut regionals = Collected::default();
    tokio::join!(
        globals.merge_all(global_tasks, global.len()),
        regionals.merge_all(regional_tasks, options.concurrency),
    );
    collected.merge(globals);
    collected.merge(regionals);
    collected.errors.extend(plan.not_collected());
    // Unknown values go onto their resources first: the trail facts derived from buckets
    // inherit them, and the account-wide summary's own gaps are placed afterwards.
    collected.attach_unknowns();
    if plan.includes(registry::named("configservice").expect("a registered service")) {
        configservice::link_global_recording(&mut collected);
    }
    if plan.includes(registry::named("identity_center").expect("a registered service")) {
        identity_center::link_console_users(&mut collected);
    }
    if plan.includes(registry::named("cloudtrail").expect("a registered service")) {
        cloudtrail::link_buckets(&mut collected);
        cloudtrail::account_summary(&account, &mut collected);
    }
    collected.attach_unknowns();

    Ok(Snapshot {
        schema_version: SCHEMA_VERSION,
        account,
        regions: regions.enabled,
        regions_skipped: regions.skipped,
        collection: CollectionInfo {
            started_at,
            finished_at: Utc::now(),
            lockdown_version: env!("CARGO_PKG_VERSION").to_owned(),
            api_calls: recorder.counts(),
            credential_report_generated_at: collected.credential_report_generated_at,
        },
        resources: collected.resources,
        errors: collected.errors,
        organization: None,
    })
}

/// Every API action lockdown may call, from the service registry.
pub fn all_actions() -> Vec<&'static str> {
    plan::Plan::everything().actions()
}

#[cfg(test)]
mod tests {
    /// An error with an optional cause, like the SDK's nested dispatch errors.
    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Layer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|cause| cause as _)
        }
    }

    #[test]
    fn every_attribute_source_is_a_call_the_collectors_declare() {
        let mut actions = super::all_actions();
        actions.extend(super::okta::ACTIONS.iter().map(|(action, _)| *action));
        for &resource_type in crate::inventory::ResourceData::TYPES {
            for (calls, _) in crate::inventory::ResourceData::sources(resource_type).unwrap() {
                let named: Vec<&str> = calls
                    .split([' ', ',', ';', '(', ')'])
                    .filter(|token| token.contains(':'))
                    .collect();
                assert!(!named.is_empty(), "{resource_type}: {calls}");
                for action in named {
                    assert!(
                        actions.contains(&action),
                        "{resource_type}: `{action}` is not declared"
                    );
                }
            }
        }
    }

    #[test]
    fn causes_join_each_message_once_without_debug_dumps() {
        let dns = Layer("dns error: failed to lookup address", None);
        let connect = Layer("client error (Connect)", Some(Box::new(dns)));
        let io = Layer("io error", Some(Box::new(connect)));
        let repeated = Layer("io error", Some(Box::new(io)));
        let dispatch = Layer("dispatch failure", Some(Box::new(repeated)));
        assert_eq!(
            super::causes(&dispatch),
            "dispatch failure: io error: client error (Connect): dns error: failed to lookup address"
        );
    }
}
