//! The normalized, serializable snapshot of an account: resources, the errors met while
//! collecting them, and the API calls made. Independent of AWS SDK types.

pub mod account;
pub mod acm;
pub mod autoscaling;
pub mod cloudfront;
pub mod cloudtrail;
pub mod codebuild;
pub mod configservice;
pub mod credential_report;
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
pub mod organization;
#[cfg(test)]
mod parser_properties;
pub mod policy;
pub mod rds;
pub mod redshift;
pub mod s3;
pub mod secrets;
pub mod snapshot;
pub mod sns;
pub mod sources;
pub mod stream;
pub mod synthetic;
pub mod unknown;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use snapshot::{SCHEMA_VERSION, SkippedRegion, Snapshot, SnapshotError};
pub use unknown::{Cause, Unknowns};

/// Region value of a collection error that affects every region (the region list is unknown).
pub const ALL_REGIONS: &str = "*";

/// Region value used for global services such as IAM.
pub const GLOBAL_REGION: &str = "global";

/// The AWS account a snapshot describes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub id: String,
    /// `aws`, `aws-us-gov` or `aws-cn`.
    pub partition: String,
}

/// The service a resource type belongs to: the middle of an AWS type (`aws.rds.db_instance` →
/// `rds`), the provider of any other (`okta.user` → `okta`).
pub fn service_of(resource_type: &str) -> &str {
    match resource_type.split('.').collect::<Vec<_>>().as_slice() {
        ["aws", service, ..] => service,
        [provider, ..] => provider,
        [] => resource_type,
    }
}

/// One collected resource: where it lives, its typed attributes, and those of its attributes
/// that could not be collected (with why).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub arn: String,
    pub name: String,
    pub region: String,
    pub account_id: String,
    #[serde(flatten)]
    pub data: ResourceData,
    /// Attributes whose value is unknown, by name (`*`: all of them), with the cause. A check
    /// that reads one reports ERROR.
    #[serde(default, skip_serializing_if = "Unknowns::is_empty")]
    pub unknown: Unknowns,
    /// Attributes read from somewhere other than the service's own API, by name, with the
    /// source and when it captured them (`AWS Config item captured 2026-12-04T10:00:00Z`).
    /// Findings show them in their evidence (`_sources`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub sources: std::collections::BTreeMap<String, String>,
}

impl Resource {
    /// The resource type name, e.g. `aws.iam.user`.
    pub fn resource_type(&self) -> &'static str {
        self.data.type_name()
    }
}

/// Declares every resource type once: the enum variant, its attribute struct and its name.
macro_rules! resource_types {
    ($($variant:ident($ty:ty) = $name:literal,)*) => {
        /// Typed attributes of a resource, tagged by resource type name.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "type", content = "attributes")]
        pub enum ResourceData {
            $(#[serde(rename = $name)] $variant($ty),)*
        }

        impl ResourceData {
            /// Every resource type name known to this build.
            pub const TYPES: &'static [&'static str] = &[$($name,)*];

            /// The resource type name of these attributes.
            pub fn type_name(&self) -> &'static str {
                match self { $(ResourceData::$variant(_) => $name,)* }
            }

            /// The attributes as a CEL value, converted once per resource.
            pub fn to_cel(&self) -> Result<cel::Value, cel::SerializationError> {
                match self { $(ResourceData::$variant(v) => cel::to_value(v),)* }
            }

            /// Where the attributes of a type come from (see [`sources`]).
            pub fn sources(type_name: &str) -> Option<sources::Sources> {
                match type_name {
                    $($name => Some(<$ty as sources::Sourced>::SOURCES),)*
                    _ => None,
                }
            }

            /// The default attributes of a type as JSON: the base that check examples override.
            pub fn default_json(type_name: &str) -> Option<serde_json::Value> {
                match type_name {
                    $($name => serde_json::to_value(<$ty>::default()).ok(),)*
                    _ => None,
                }
            }
        }
    };
}

resource_types! {
    IamAccount(iam::Account) = "aws.iam.account",
    IamRootUser(iam::RootUser) = "aws.iam.root_user",
    IamUser(iam::User) = "aws.iam.user",
    IamGroup(iam::Group) = "aws.iam.group",
    IamRole(iam::Role) = "aws.iam.role",
    IamManagedPolicy(iam::ManagedPolicy) = "aws.iam.managed_policy",
    IamInlinePolicy(iam::InlinePolicy) = "aws.iam.inline_policy",
    IamPasswordPolicy(iam::PasswordPolicy) = "aws.iam.password_policy",
    IamServerCertificate(iam::ServerCertificate) = "aws.iam.server_certificate",
    KmsKey(kms::Key) = "aws.kms.key",
    Ec2EbsEncryptionDefault(ec2::EbsEncryptionDefault) = "aws.ec2.ebs_encryption_default",
    Ec2Volume(ec2::Volume) = "aws.ec2.volume",
    Ec2SecurityGroup(ec2::SecurityGroup) = "aws.ec2.security_group",
    Ec2Vpc(ec2::Vpc) = "aws.ec2.vpc",
    Ec2NetworkAcl(ec2::NetworkAcl) = "aws.ec2.network_acl",
    Ec2Instance(ec2::Instance) = "aws.ec2.instance",
    Ec2Snapshot(ec2::Snapshot) = "aws.ec2.snapshot",
    Ec2Address(ec2::Address) = "aws.ec2.address",
    Ec2Subnet(ec2::Subnet) = "aws.ec2.subnet",
    Ec2VpnConnection(ec2::VpnConnection) = "aws.ec2.vpn_connection",
    Ec2TransitGateway(ec2::TransitGateway) = "aws.ec2.transit_gateway",
    Ec2LaunchTemplate(ec2::LaunchTemplate) = "aws.ec2.launch_template",
    Ec2ClientVpnEndpoint(ec2::ClientVpnEndpoint) = "aws.ec2.client_vpn_endpoint",
    Ec2Image(ec2::Image) = "aws.ec2.image",
    CloudTrailTrail(cloudtrail::Trail) = "aws.cloudtrail.trail",
    CloudTrailAccount(cloudtrail::AccountTrails) = "aws.cloudtrail.account",
    S3Bucket(s3::Bucket) = "aws.s3.bucket",
    S3AccountPublicAccessBlock(s3::AccountPublicAccessBlock) = "aws.s3.account_public_access_block",
    ConfigRecording(configservice::RegionRecording) = "aws.config.recording",
    LogsMetricFilter(monitoring::MetricFilter) = "aws.logs.metric_filter",
    LogsLogGroup(monitoring::LogGroup) = "aws.logs.log_group",
    SecurityHub(detection::SecurityHub) = "aws.securityhub.hub",
    GuardDuty(detection::GuardDuty) = "aws.guardduty.detector",
    AccessAnalyzer(detection::AccessAnalyzer) = "aws.accessanalyzer.analyzers",
    RdsDbInstance(rds::DbInstance) = "aws.rds.db_instance",
    RdsDbCluster(rds::DbCluster) = "aws.rds.db_cluster",
    NeptuneDbCluster(rds::DbCluster) = "aws.neptune.db_cluster",
    DocDbCluster(rds::DbCluster) = "aws.docdb.db_cluster",
    RdsDbSnapshot(rds::DbSnapshot) = "aws.rds.db_snapshot",
    RdsDbClusterSnapshot(rds::DbSnapshot) = "aws.rds.db_cluster_snapshot",
    NeptuneDbClusterSnapshot(rds::DbSnapshot) = "aws.neptune.db_cluster_snapshot",
    DocDbClusterSnapshot(rds::DbSnapshot) = "aws.docdb.db_cluster_snapshot",
    RdsEventSubscriptions(rds::EventSubscriptions) = "aws.rds.event_subscriptions",
    RdsDbProxy(rds::DbProxy) = "aws.rds.db_proxy",
    EfsFileSystem(efs::FileSystem) = "aws.efs.file_system",
    EfsAccessPoint(efs::AccessPoint) = "aws.efs.access_point",
    SnsTopic(sns::Topic) = "aws.sns.topic",
    SecretsManagerSecret(secrets::Secret) = "aws.secretsmanager.secret",
    SqsQueue(secrets::Queue) = "aws.sqs.queue",
    OpenSearchDomain(opensearch::Domain) = "aws.opensearch.domain",
    EsDomain(opensearch::Domain) = "aws.es.domain",
    AccountContacts(account::Contacts) = "aws.account.contacts",
    LambdaFunction(lambda::Function) = "aws.lambda.function",
    EcrRepository(ecr::Repository) = "aws.ecr.repository",
    CodeBuildProject(codebuild::Project) = "aws.codebuild.project",
    Elbv2LoadBalancer(elb::LoadBalancer) = "aws.elbv2.load_balancer",
    ElbLoadBalancer(elb::ClassicLoadBalancer) = "aws.elb.load_balancer",
    AutoScalingGroup(autoscaling::Group) = "aws.autoscaling.group",
    AutoScalingLaunchConfiguration(autoscaling::LaunchConfiguration) = "aws.autoscaling.launch_configuration",
    CloudFrontDistribution(cloudfront::Distribution) = "aws.cloudfront.distribution",
    EcsCluster(ecs::Cluster) = "aws.ecs.cluster",
    EcsService(ecs::Service) = "aws.ecs.service",
    EcsTaskDefinition(ecs::TaskDefinition) = "aws.ecs.task_definition",
    RedshiftCluster(redshift::Cluster) = "aws.redshift.cluster",
    EksCluster(eks::Cluster) = "aws.eks.cluster",
    AcmCertificate(acm::Certificate) = "aws.acm.certificate",
    ElastiCacheCluster(elasticache::CacheCluster) = "aws.elasticache.cluster",
    ElastiCacheReplicationGroup(elasticache::ReplicationGroup) = "aws.elasticache.replication_group",
    DynamoDbTable(dynamodb::Table) = "aws.dynamodb.table",
    IdentityCenterInstance(identity_center::Instance) = "aws.sso.instance",
    IdentityCenterPermissionSet(identity_center::PermissionSet) = "aws.sso.permission_set",
    OktaSignOnRule(okta::SignOnRule) = "okta.sign_on_rule",
    OktaAccessRule(okta::AccessRule) = "okta.access_rule",
    OktaPasswordPolicy(okta::PasswordPolicy) = "okta.password_policy",
    OktaUser(okta::User) = "okta.user",
    OktaApiToken(okta::ApiToken) = "okta.api_token",
    OktaAdmin(okta::Admin) = "okta.admin",
    OktaAuthenticator(okta::Authenticator) = "okta.authenticator",
    OktaMfaEnrollmentPolicy(okta::MfaEnrollmentPolicy) = "okta.mfa_enrollment_policy",
    OktaNetworkZone(okta::NetworkZone) = "okta.network_zone",
    OktaOrg(okta::Org) = "okta.org",
}

impl ResourceData {
    /// Builds attributes of `type_name` from a partial JSON object laid over the type's
    /// defaults. Unknown fields are rejected, so a misspelt example fails loudly.
    pub fn from_partial(type_name: &str, partial: serde_json::Value) -> Result<Self, String> {
        let mut base = Self::default_json(type_name)
            .ok_or_else(|| format!("unknown resource type `{type_name}`"))?;
        let serde_json::Value::Object(fields) = partial else {
            return Err("an example resource must be a table of attributes".into());
        };
        let base_fields = base
            .as_object_mut()
            .expect("resource attributes are objects");
        for (key, value) in fields {
            if !base_fields.contains_key(&key) {
                return Err(format!("`{type_name}` has no attribute `{key}`"));
            }
            base_fields.insert(key, value);
        }
        serde_json::from_value(serde_json::json!({ "type": type_name, "attributes": base }))
            .map_err(|e| e.to_string())
    }
}

/// Why a piece of data could not be collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    AccessDenied,
    Throttled,
    RegionDisabled,
    Timeout,
    Network,
    /// The service answered something lockdown could not read.
    Decode,
    /// The call worked but the answer lacks data a check needs.
    MissingData,
    /// The scan's plan did not collect this data (the checks it ran do not read it).
    NotCollected,
    Service,
}

/// Which data a collection error leaves unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Affected {
    pub resource_type: String,
    /// Only this resource, when the failed call was about one resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_arn: Option<String>,
    /// The attributes left unknown; empty means the resources themselves could not be listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<String>,
}

/// A failed or incomplete API call, kept in the snapshot so checks report ERROR, not PASS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionError {
    /// The API action in IAM permission form, e.g. `iam:GenerateCredentialReport`.
    pub action: String,
    /// The IAM permission that authorizes the action (usually the same string).
    pub permission: String,
    pub region: String,
    pub kind: ErrorKind,
    /// The service's error code, when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub message: String,
    pub affects: Vec<Affected>,
    /// The member account the error is about, in an organization snapshot (absent: the
    /// snapshot's own account).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

/// When and how a snapshot was collected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionInfo {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub lockdown_version: String,
    /// Calls made per API action (retries included).
    pub api_calls: BTreeMap<String, u64>,
    /// When IAM generated the credential report the IAM data comes from (AWS serves a report
    /// up to 4 hours old: users created since are not in it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_report_generated_at: Option<DateTime<Utc>>,
}
