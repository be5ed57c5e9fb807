//! Where each attribute of each resource type comes from: the API call(s) whose answer fills
//! it, and so whose failure leaves it unknown. Names are checked by the compiler
//! ([`crate::attributes!`]); a test checks that every attribute of every type has exactly one
//! source, and `lockdown checks attributes TYPE` shows them.

use super::account::Contacts;
use super::acm::Certificate;
use super::autoscaling::{Group as AutoScalingGroup, LaunchConfiguration};
use super::cloudfront::Distribution;
use super::cloudtrail::{AccountTrails, Trail};
use super::codebuild::Project;
use super::configservice::RegionRecording;
use super::detection::{AccessAnalyzer, GuardDuty, SecurityHub};
use super::dynamodb::Table;
use super::ec2::{
    Address, ClientVpnEndpoint, EbsEncryptionDefault, Image, Instance, LaunchTemplate, NetworkAcl,
    SecurityGroup, Snapshot, Subnet, TransitGateway, Volume, Vpc, VpnConnection,
};
use super::ecr::Repository;
use super::ecs::{Cluster as EcsCluster, Service as EcsService, TaskDefinition};
use super::efs::{AccessPoint, FileSystem};
use super::eks::Cluster as EksCluster;
use super::elasticache::{CacheCluster, ReplicationGroup};
use super::elb::{ClassicLoadBalancer, LoadBalancer};
use super::iam::{
    Account, Group, InlinePolicy, ManagedPolicy, PasswordPolicy, Role, RootUser, ServerCertificate,
    User,
};
use super::identity_center::{Instance as IdentityCenterInstance, PermissionSet};
use super::kms::Key;
use super::lambda::Function;
use super::monitoring::{LogGroup, MetricFilter};
use super::okta::{
    AccessRule as OktaAccessRule, Admin as OktaAdmin, ApiToken as OktaApiToken,
    Authenticator as OktaAuthenticator, MfaEnrollmentPolicy as OktaMfaEnrollmentPolicy,
    NetworkZone as OktaNetworkZone, Org as OktaOrg, PasswordPolicy as OktaPasswordPolicy,
    SignOnRule as OktaSignOnRule, User as OktaUser,
};
use super::opensearch::Domain;
use super::rds::DbProxy;
use super::rds::{DbCluster, DbInstance, DbSnapshot, EventSubscriptions};
use super::redshift::Cluster as RedshiftCluster;
use super::s3::{AccountPublicAccessBlock, Bucket};
use super::secrets::{Queue, Secret};
use super::sns::Topic;
use crate::attributes;

/// `(the call or calls that provide them, attributes)` of one resource type.
pub type Sources = &'static [(&'static str, &'static [&'static str])];

/// An attribute struct that says where its attributes come from.
pub trait Sourced {
    const SOURCES: Sources;
}

macro_rules! sources {
    ($($ty:ty { $($call:literal => [$($field:ident),+ $(,)?]),+ $(,)? })*) => {
        $(impl Sourced for $ty {
            const SOURCES: Sources = &[$(($call, attributes!($ty: $($field),+))),+];
        })*
    };
}

sources! {
    Account {
        "iam:GetAccountSummary" => [summary],
        "iam:GetAccountAuthorizationDetails (roles with AWSSupportAccess)" => [support_roles],
    }
    RootUser {
        "iam:GetCredentialReport (<root_account> row)" => [access_keys, mfa_active, password_last_used],
        "iam:ListVirtualMFADevices" => [virtual_mfa],
        "iam:GetAccountSummary (AccountPasswordPresent)" => [password_present],
    }
    User {
        "iam:GetCredentialReport (users created after the report are unknown)" =>
            [access_keys, mfa_active, password_enabled, password_last_changed, password_last_used],
        "iam:GetCredentialReport, iam:GetAccountAuthorizationDetails" => [name, created],
        "iam:GetAccountAuthorizationDetails" => [attached_policies, groups, inline_policies, path, user_id],
        "iam:ListVirtualMFADevices, iam:ListMFADevices" => [mfa_devices],
    }
    Group { "iam:GetAccountAuthorizationDetails" => [attached_policies, inline_policies, name] }
    Role {
        "iam:GetAccountAuthorizationDetails" =>
            [attached_policies, created, inline_policies, name, path, service_linked, trust_policy],
    }
    ManagedPolicy {
        "iam:GetAccountAuthorizationDetails (customer managed); iam:ListPolicies, iam:GetPolicyVersion (AWS managed)" =>
            [
                attachment_count, aws_managed, decrypts_all_keys, default_version, document,
                grants_full_admin, name, service_wildcards,
            ],
    }
    InlinePolicy {
        "iam:GetAccountAuthorizationDetails" =>
            [decrypts_all_keys, document, grants_full_admin, name, principal_name, principal_type],
    }
    PasswordPolicy {
        "iam:GetAccountPasswordPolicy" => [
            allow_users_to_change, expire_passwords, hard_expiry, max_password_age,
            minimum_length, password_reuse_prevention, present, require_lowercase,
            require_numbers, require_symbols, require_uppercase,
        ],
    }
    ServerCertificate { "iam:ListServerCertificates" => [expiration, name, uploaded] }
    Key {
        "kms:ListKeys" => [key_id],
        "kms:DescribeKey" => [manager, multi_region, origin, spec, state, usage],
        "kms:GetKeyPolicy" => [policy, policy_public],
        "kms:GetKeyRotationStatus" => [rotation_enabled, rotation_period_days],
    }
    EbsEncryptionDefault { "ec2:GetEbsEncryptionByDefault" => [enabled, kms_key_id] }
    Volume { "ec2:DescribeVolumes" => [attached_to, encrypted, kms_key_id, state, volume_id] }
    SecurityGroup { "ec2:DescribeSecurityGroups" => [egress, group_id, ingress, is_default, name, vpc_id] }
    Vpc {
        "ec2:DescribeVpcs" => [is_default, vpc_id],
        "ec2:DescribeFlowLogs" => [flow_logs],
        "ec2:DescribeVpcEndpoints" => [endpoint_services],
    }
    NetworkAcl {
        "ec2:DescribeNetworkAcls" => [entries, is_default, network_acl_id, subnets, vpc_id],
    }
    Instance {
        "ec2:DescribeInstances" => [
            http_endpoint, http_tokens, instance_id, instance_profile, metadata_state,
            network_interfaces, public_ip, state, stopped_at, virtualization_type,
        ],
        "iam:GetInstanceProfile" => [instance_profile_has_role],
    }
    Address { "ec2:DescribeAddresses" => [allocation_id, association_id, public_ip] }
    Subnet { "ec2:DescribeSubnets" => [map_public_ip_on_launch, subnet_id, vpc_id] }
    VpnConnection {
        "ec2:DescribeVpnConnections" => [state, tunnel_logging, tunnels, vpn_connection_id],
    }
    TransitGateway {
        "ec2:DescribeTransitGateways" => [auto_accept_shared_attachments, transit_gateway_id],
    }
    LaunchTemplate {
        "ec2:DescribeLaunchTemplateVersions" => [
            assigns_public_ip, ebs_volumes, ebs_volumes_unencrypted, launch_template_id,
            metadata_http_tokens, name,
        ],
    }
    ClientVpnEndpoint {
        "ec2:DescribeClientVpnEndpoints" => [client_vpn_endpoint_id, connection_logging],
    }
    Image { "ec2:DescribeImages" => [image_id, name, public] }
    Snapshot {
        "ec2:DescribeSnapshots" => [encrypted, snapshot_id],
        "ec2:DescribeSnapshotAttribute" => [public, shared_with],
    }
    Trail {
        "cloudtrail:DescribeTrails" => [
            cloudwatch_logs_group_arn, home_region, kms_key_id, log_file_validation,
            multi_region, name, organization_trail, s3_bucket,
        ],
        "cloudtrail:GetTrailStatus" => [is_logging],
        "cloudtrail:GetEventSelectors" => [management_events, s3_data_events],
        "s3:GetBucketLogging (the trail's bucket)" => [s3_bucket_access_logging],
        "s3:GetBucketPolicy, s3:GetBucketAcl (the trail's bucket)" => [s3_bucket_public],
    }
    AccountTrails {
        "cloudtrail:DescribeTrails, GetTrailStatus, GetEventSelectors (every region)" =>
            [multi_region_logging_trails, s3_read_data_events, s3_write_data_events],
        "logs:DescribeMetricFilters, cloudwatch:DescribeAlarms (the trails' log groups)" => [metric_filters],
    }
    Bucket {
        "s3:ListBuckets" => [name],
        "s3:GetBucketEncryption" => [encryption, kms_key_id],
        "s3:GetPublicAccessBlock" => [public_access_block],
        "s3:GetBucketPolicy" =>
            [policy, policy_public, denies_insecure_transport, cross_account_actions],
        "s3:GetBucketAcl" => [acl_public],
        "s3:GetBucketVersioning" => [versioning, mfa_delete],
        "s3:GetBucketLogging" => [logging_target],
        "s3:GetBucketOwnershipControls" => [object_ownership],
        "s3:GetBucketReplication" => [replication_enabled],
        "s3:GetBucketLifecycleConfiguration" => [lifecycle_rules],
        "s3:GetBucketNotificationConfiguration" => [event_notifications],
        "s3:GetObjectLockConfiguration" => [object_lock],
    }
    AccountPublicAccessBlock { "s3control:GetPublicAccessBlock" => [settings] }
    Contacts { "account:GetAlternateContact" => [security_contact] }
    RegionRecording {
        "config:DescribeConfigurationRecorders" => [
            every_recorder_all_supported, include_global, recorders,
        ],
        "config:DescribeConfigurationRecorders (every scanned region)" => [
            global_recorded_in_account,
        ],
        "config:DescribeConfigurationRecorderStatus" => [all_recording_succeeded],
        "config:DescribeDeliveryChannels" => [delivery_channels],
    }
    MetricFilter {
        "logs:DescribeMetricFilters" => [log_group, metrics, name, pattern],
        "cloudwatch:DescribeAlarms" => [alarms],
    }
    LogGroup { "logs:DescribeLogGroups" => [kms_key_id, name, retention_days] }
    SecurityHub { "securityhub:DescribeHub" => [enabled, hub_arn] }
    GuardDuty {
        "guardduty:ListDetectors" => [detectors],
        "guardduty:GetDetector" => [enabled, feature_configurations, features],
    }
    AccessAnalyzer { "access-analyzer:ListAnalyzers" => [active, analyzers, external_access_active] }
    FileSystem {
        "elasticfilesystem:DescribeFileSystems" =>
            [encrypted, file_system_id, kms_key_id, life_cycle_state, name],
    }
    Topic {
        "sns:ListTopics" => [name],
        "sns:GetTopicAttributes" => [delivery_status_logging, kms_key_id, policy, policy_public],
    }
    Secret {
        "secretsmanager:ListSecrets" =>
            [created, last_accessed, last_rotated, name, rotation_days, rotation_enabled],
    }
    Queue {
        "sqs:ListQueues" => [name],
        "sqs:GetQueueAttributes" => [kms_key_id, policy, policy_public, sqs_managed_sse],
    }
    Domain {
        "es:ListDomainNames" => [name],
        "es:DescribeDomains" => [
            cloudwatch_logs, dedicated_master, dedicated_master_count, deleted, encrypted_at_rest,
            enforce_https, engine_version, fine_grained_access_control, in_vpc, instance_count,
            kms_key_id, node_to_node_encryption, tls_policy, update_available, zone_awareness,
        ],
    }
    AccessPoint {
        "elasticfilesystem:DescribeAccessPoints" =>
            [access_point_id, file_system_id, posix_user, root_directory],
    }
    DbInstance {
        "rds:DescribeDBInstances" => [
            auto_minor_version_upgrade, backup_retention_days, cluster, copy_tags_to_snapshot,
            deletion_protection, engine, iam_auth, identifier, kms_key_id, log_exports,
            master_username, monitoring_interval, multi_az, port, publicly_accessible,
            storage_encrypted, vpc_id,
        ],
    }
    DbCluster {
        "rds:DescribeDBClusters" => [
            auto_minor_version_upgrade, availability_zones, backtrack_window,
            backup_retention_days, copy_tags_to_snapshot, deletion_protection, engine, iam_auth,
            identifier, log_exports, master_username, multi_az, port, storage_encrypted,
        ],
    }
    DbSnapshot {
        "rds:DescribeDBSnapshots, rds:DescribeDBClusterSnapshots" =>
            [encrypted, engine, identifier, snapshot_type],
        "rds:DescribeDBSnapshotAttributes, rds:DescribeDBClusterSnapshotAttributes" =>
            [public, shared_with],
    }
    EventSubscriptions { "rds:DescribeEventSubscriptions" => [subscriptions] }
    Function {
        "lambda:ListFunctions" => [name, package_type, runtime, subnet_ids, vpc_id],
        "lambda:GetPolicy" => [policy, policy_public],
        "ec2:DescribeSubnets (the functions' subnets)" => [availability_zones],
    }
    Repository {
        "ecr:DescribeRepositories" => [name, scan_on_push, tag_mutability],
        "ecr:BatchGetRepositoryScanningConfiguration" => [scan_frequency],
        "ecr:GetLifecyclePolicy" => [lifecycle_policy],
    }
    Project {
        "codebuild:ListProjects" => [name],
        "codebuild:BatchGetProjects" => [
            cloudwatch_logs, environment_variables, privileged_mode, s3_logs,
            s3_logs_encryption_disabled, sources,
        ],
    }
    LoadBalancer {
        "elasticloadbalancing:DescribeLoadBalancers" =>
            [availability_zones, load_balancer_type, name, scheme],
        "elasticloadbalancing:DescribeLoadBalancerAttributes" =>
            [access_logs, deletion_protection, desync_mitigation_mode, drop_invalid_header_fields],
        "elasticloadbalancing:DescribeListeners, elasticloadbalancing:DescribeRules (HTTP listeners of Application Load Balancers)" =>
            [listeners],
    }
    ClassicLoadBalancer {
        "elasticloadbalancing:DescribeLoadBalancers" =>
            [availability_zones, listeners, name, scheme],
        "elasticloadbalancing:DescribeLoadBalancerAttributes" =>
            [access_logs, connection_draining, cross_zone, desync_mitigation_mode],
    }
    AutoScalingGroup {
        "autoscaling:DescribeAutoScalingGroups" => [
            availability_zones, health_check_types, instance_requirements, instance_types,
            launch_configuration, launch_template, load_balancer_names, name, target_group_arns,
        ],
    }
    DbProxy { "rds:DescribeDBProxies" => [engine_family, name, require_tls] }
    RedshiftCluster {
        "redshift:DescribeClusters" => [
            allow_version_upgrade, automated_snapshot_retention_days, encrypted,
            enhanced_vpc_routing, identifier, master_username, multi_az, publicly_accessible,
        ],
        "redshift:DescribeLoggingStatus" => [audit_logging],
    }
    EcsCluster { "ecs:ListClusters, ecs:DescribeClusters" => [container_insights, name] }
    EksCluster {
        "eks:ListClusters" => [name],
        "eks:DescribeCluster" => [
            enabled_log_types, endpoint_public_access, kubernetes_minor_version,
            public_access_cidrs, secrets_encrypted, version,
        ],
    }
    Certificate {
        "acm:ListCertificates" => [
            certificate_type, domain_name, in_use, key_algorithm, not_after, status,
        ],
    }
    CacheCluster {
        "elasticache:DescribeCacheClusters" => [
            auto_minor_version_upgrade, cache_subnet_group, engine, engine_version, id,
            replication_group, snapshot_retention_limit,
        ],
    }
    ReplicationGroup {
        "elasticache:DescribeReplicationGroups" => [
            at_rest_encryption, auth_token_enabled, automatic_failover, id, transit_encryption,
            user_group_ids,
        ],
        "elasticache:DescribeCacheClusters" => [engine_major_version],
    }
    IdentityCenterInstance {
        "sso:ListInstances" => [identity_store_id],
        "identitystore:ListUsers" => [users],
        "identitystore:ListGroups" => [groups],
        "iam:GetCredentialReport (IAM users of the scanned account)" => [iam_console_users],
    }
    PermissionSet {
        "sso:DescribePermissionSet" => [name, session_duration_minutes],
        "sso:ListManagedPoliciesInPermissionSet" => [managed_policies],
        "sso:GetInlinePolicyForPermissionSet" => [inline_full_admin, inline_policy],
        "sso:ListCustomerManagedPolicyReferencesInPermissionSet" => [customer_managed_policies],
        "sso:ListManagedPoliciesInPermissionSet, sso:GetInlinePolicyForPermissionSet, sso:ListCustomerManagedPolicyReferencesInPermissionSet" =>
            [grants_full_admin],
        "sso:ListAccountsForProvisionedPermissionSet, sso:ListAccountAssignments" => [assignments],
        "sso:ListAccountsForProvisionedPermissionSet, sso:ListAccountAssignments, identitystore:ListGroupMemberships" =>
            [assigned_users],
    }
    OktaSignOnRule {
        "okta:ListPolicies, okta:ListPolicyRules" => [
            access, active, max_session_idle_minutes, max_session_lifetime_minutes,
            persistent_cookie, policy, require_factor, rule,
        ],
    }
    OktaAccessRule {
        "okta:ListPolicies, okta:ListPolicyRules" =>
            [access, active, factor_mode, phishing_resistant, policy, rule],
    }
    OktaPasswordPolicy {
        "okta:ListPolicies" => [
            active, history_count, max_age_days, max_attempts, min_length, min_lower_case,
            min_number, min_symbol, min_upper_case, name,
        ],
    }
    OktaUser { "okta:ListUsers" => [created, last_login, login, status] }
    OktaApiToken { "okta:ListApiTokens" => [created, expires_at, name, user_id] }
    OktaAdmin {
        "okta:ListRoleAssignees, okta:GetUser" => [login, status],
        "okta:ListRoleAssignees, okta:ListAssignedRolesForUser" => [roles],
        "okta:ListRoleAssignees, okta:ListFactors" => [factor_types, phishing_resistant],
    }
    OktaAuthenticator { "okta:ListAuthenticators" => [key, name, status] }
    OktaMfaEnrollmentPolicy { "okta:ListPolicies" => [active, name, required_authenticators] }
    OktaNetworkZone {
        "okta:ListNetworkZones" => [
            ipv4_addresses, name, shortest_ipv6_prefix, status, usage, zone_type
        ]
    }
    OktaOrg {
        "okta:ListLogStreams" => [active_log_streams],
        "okta:ListNetworkZones" => [blocked_anonymizers],
        "okta:ListPolicies, okta:ListPolicyRules" => [inactivity_automation_days],
        "okta:ListRoleAssignees, okta:ListAssignedRolesForUser" => [super_admins],
    }
    Table {
        "dynamodb:ListTables" => [name],
        "dynamodb:DescribeTable" => [deletion_protection],
        "dynamodb:DescribeContinuousBackups" => [point_in_time_recovery],
    }
    EcsService {
        "ecs:ListServices, ecs:DescribeServices" => [
            assigns_public_ip, cluster, fargate, launch_type, name, platform_version,
            task_sets_assign_public_ip,
        ],
    }
    TaskDefinition {
        "ecs:ListTaskDefinitions" => [family, revision],
        "ecs:DescribeTaskDefinition" => [containers, network_mode, pid_mode],
    }
    Distribution {
        "cloudfront:ListDistributions" => [
            default_certificate, domain_name, enabled, id, minimum_protocol_version,
            origin_groups, origins, ssl_support_method, viewer_protocol_policies, web_acl,
        ],
        "cloudfront:GetDistributionConfig" => [default_root_object, logging],
    }
    LaunchConfiguration {
        "autoscaling:DescribeLaunchConfigurations" => [
            associate_public_ip, metadata_hop_limit, metadata_http_tokens, name,
        ],
    }
}

/// The attributes of `resource_type` that `action` provides (every attribute whose source
/// names it).
pub fn attributes_from(resource_type: &str, action: &str) -> Vec<&'static str> {
    super::ResourceData::sources(resource_type)
        .unwrap_or_default()
        .iter()
        .filter(|(calls, _)| {
            calls
                .split([' ', ',', ';', '(', ')'])
                .any(|token| token == action)
        })
        .flat_map(|(_, attributes)| attributes.iter().copied())
        .collect()
}

/// The call(s) an attribute of `resource_type` comes from.
pub fn source(resource_type: &str, attribute: &str) -> Option<&'static str> {
    super::ResourceData::sources(resource_type)?
        .iter()
        .find(|(_, attributes)| attributes.contains(&attribute))
        .map(|(call, _)| *call)
}

#[cfg(test)]
mod tests {
    use super::super::{ResourceData, unknown};

    #[test]
    fn every_attribute_of_every_type_has_exactly_one_source() {
        for &resource_type in ResourceData::TYPES {
            let sources = ResourceData::sources(resource_type).expect("every type has sources");
            let mut declared: Vec<&str> = sources
                .iter()
                .flat_map(|(_, a)| a.iter().copied())
                .collect();
            declared.sort_unstable();
            let mut schema: Vec<&str> = unknown::schema(resource_type)
                .unwrap()
                .iter()
                .map(String::as_str)
                .collect();
            schema.sort_unstable();
            assert_eq!(declared, schema, "{resource_type}");
        }
    }
}
