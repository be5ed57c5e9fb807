//! The services lockdown collects, each declared once: its name, whether it is collected once
//! per account or once per region, the resource types it produces, the API actions it may call
//! and its collector. Everything that used to be listed by hand derives from this table: the
//! regional service list, the IAM policy (`all_actions`), the progress plan and the collection
//! plan of a scan ([`super::plan::Plan`]). Adding a service is one collector module, one line
//! here, and its check files.

use super::{Collected, Scope};
use futures::future::BoxFuture;

/// How often a service is collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Once per account (IAM, S3).
    Global,
    /// Once per enabled region.
    Regional,
}

/// Every collector has this shape: a scope (SDK configuration, account, region, recorder) in,
/// what it gathered out.
pub type Collector = for<'a> fn(&'a Scope<'a>) -> BoxFuture<'a, Collected>;

/// One AWS service as lockdown collects it.
pub struct Service {
    pub name: &'static str,
    pub reach: Reach,
    /// The resource types its collector produces.
    pub resource_types: &'static [&'static str],
    /// The API actions its collector may call (IAM permission form: see `permission`).
    pub actions: &'static [&'static str],
    pub collect: Collector,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

macro_rules! services {
    ($($module:ident: $reach:ident [$($resource_type:literal),* $(,)?];)*) => {
        /// Every service, in collection order.
        pub static SERVICES: &[Service] = &[$(Service {
            name: stringify!($module),
            reach: Reach::$reach,
            resource_types: &[$($resource_type),*],
            actions: super::$module::ACTIONS,
            collect: {
                fn run<'a>(scope: &'a Scope<'a>) -> BoxFuture<'a, Collected> {
                    Box::pin(super::$module::collect(scope))
                }
                run
            },
        }),*];
    };
}

services! {
    iam: Global [
        "aws.iam.account", "aws.iam.root_user", "aws.iam.user", "aws.iam.group", "aws.iam.role",
        "aws.iam.managed_policy", "aws.iam.inline_policy", "aws.iam.password_policy",
        "aws.iam.server_certificate",
    ];
    s3: Global ["aws.s3.bucket", "aws.s3.account_public_access_block"];
    kms: Regional ["aws.kms.key"];
    ec2: Regional [
        "aws.ec2.ebs_encryption_default", "aws.ec2.volume", "aws.ec2.security_group",
        "aws.ec2.vpc", "aws.ec2.network_acl", "aws.ec2.instance", "aws.ec2.snapshot",
        "aws.ec2.address", "aws.ec2.subnet", "aws.ec2.vpn_connection", "aws.ec2.transit_gateway",
        "aws.ec2.launch_template", "aws.ec2.client_vpn_endpoint", "aws.ec2.image",
    ];
    cloudtrail: Regional ["aws.cloudtrail.trail", "aws.cloudtrail.account"];
    configservice: Regional ["aws.config.recording"];
    monitoring: Regional ["aws.logs.metric_filter", "aws.logs.log_group"];
    detection: Regional [
        "aws.securityhub.hub", "aws.guardduty.detector", "aws.accessanalyzer.analyzers",
    ];
    rds: Regional [
        "aws.rds.db_instance", "aws.rds.db_cluster", "aws.neptune.db_cluster",
        "aws.docdb.db_cluster", "aws.rds.db_snapshot", "aws.rds.db_cluster_snapshot",
        "aws.neptune.db_cluster_snapshot", "aws.docdb.db_cluster_snapshot",
        "aws.rds.event_subscriptions", "aws.rds.db_proxy",
    ];
    efs: Regional ["aws.efs.file_system", "aws.efs.access_point"];
    sns: Regional ["aws.sns.topic"];
    sqs: Regional ["aws.sqs.queue"];
    secretsmanager: Regional ["aws.secretsmanager.secret"];
    opensearch: Regional ["aws.opensearch.domain", "aws.es.domain"];
    account: Global ["aws.account.contacts"];
    lambda: Regional ["aws.lambda.function"];
    ecr: Regional ["aws.ecr.repository"];
    codebuild: Regional ["aws.codebuild.project"];
    elb: Regional ["aws.elbv2.load_balancer", "aws.elb.load_balancer"];
    autoscaling: Regional ["aws.autoscaling.group", "aws.autoscaling.launch_configuration"];
    cloudfront: Global ["aws.cloudfront.distribution"];
    ecs: Regional ["aws.ecs.cluster", "aws.ecs.service", "aws.ecs.task_definition"];
    redshift: Regional ["aws.redshift.cluster"];
    eks: Regional ["aws.eks.cluster"];
    acm: Regional ["aws.acm.certificate"];
    elasticache: Regional ["aws.elasticache.cluster", "aws.elasticache.replication_group"];
    dynamodb: Regional ["aws.dynamodb.table"];
    identity_center: Regional ["aws.sso.instance", "aws.sso.permission_set"];
}

/// The service that produces `resource_type`.
pub fn producer(resource_type: &str) -> Option<&'static Service> {
    SERVICES
        .iter()
        .find(|s| s.resource_types.contains(&resource_type))
}

/// The service that may call `action` (`service:Operation`).
pub fn caller(action: &str) -> Option<&'static Service> {
    SERVICES.iter().find(|s| s.actions.contains(&action))
}

/// A service by name.
pub fn named(name: &str) -> Option<&'static Service> {
    SERVICES.iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::ResourceData;

    #[test]
    fn every_resource_type_has_exactly_one_producer() {
        let okta = crate::collect::okta::RESOURCE_TYPES;
        for &resource_type in ResourceData::TYPES {
            let producers = SERVICES
                .iter()
                .filter(|s| s.resource_types.contains(&resource_type))
                .count()
                + usize::from(okta.contains(&resource_type));
            assert_eq!(producers, 1, "{resource_type}");
        }
        let declared: usize = SERVICES
            .iter()
            .map(|s| s.resource_types.len())
            .sum::<usize>()
            + okta.len();
        assert_eq!(
            declared,
            ResourceData::TYPES.len(),
            "no unknown type declared"
        );
    }
}
