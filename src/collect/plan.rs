//! What a scan collects: only the services the selected checks read. A check needs the service
//! that produces its resource type and, for each attribute it reads, the services whose calls
//! provide it (declared in `inventory::sources`). Services left out are recorded in the
//! snapshot as *not collected*, so evaluating a check on data a scan did not gather is ERROR,
//! never PASS.

use super::registry::{self, Reach, SERVICES, Service};
use crate::inventory::{ALL_REGIONS, Affected, CollectionError, ErrorKind, sources, unknown};
use std::collections::{BTreeMap, BTreeSet};

/// The services a scan collects, by name, and the API calls whose answers its checks read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    services: BTreeSet<&'static str>,
    /// The calls providing an attribute some selected check reads; `None`: every call.
    /// Collectors consult it ([`Plan::wants`]) before per-resource reads.
    calls: Option<BTreeSet<&'static str>>,
    /// The `(resource type, attribute)` pairs some selected check reads; `None`: every one.
    reads: Option<BTreeSet<(String, String)>>,
    /// The Okta resource types (`okta.*`) the selected checks read, collected when an Okta
    /// org is configured.
    okta: BTreeSet<&'static str>,
}

impl Default for Plan {
    fn default() -> Self {
        Self::everything()
    }
}

/// The API actions named in the source of `attribute` of `resource_type`.
fn attribute_calls(resource_type: &str, attribute: &str) -> impl Iterator<Item = &'static str> {
    sources::source(resource_type, attribute)
        .into_iter()
        .flat_map(|calls| calls.split([' ', ',', ';', '(', ')']))
        .filter(|token| token.contains(':'))
}

/// The services whose calls provide `attribute` of `resource_type`.
fn attribute_services(resource_type: &str, attribute: &str) -> Vec<&'static Service> {
    attribute_calls(resource_type, attribute)
        .filter_map(registry::caller)
        .collect()
}

impl Plan {
    /// Every service.
    pub fn everything() -> Self {
        Self {
            services: SERVICES.iter().map(|s| s.name).collect(),
            calls: None,
            reads: None,
            okta: super::okta::RESOURCE_TYPES.iter().copied().collect(),
        }
    }

    /// The services that produce these resource types and provide the attributes read of
    /// them: `(resource type, attributes read)` per check.
    pub fn for_reads<'a, A>(needs: impl IntoIterator<Item = (&'a str, A)>) -> Self
    where
        A: IntoIterator<Item = &'a str>,
    {
        let mut services = BTreeSet::new();
        let mut calls = BTreeSet::new();
        let mut reads = BTreeSet::new();
        let mut okta = BTreeSet::new();
        for (resource_type, attributes) in needs {
            services.extend(registry::producer(resource_type).map(|s| s.name));
            okta.extend(
                super::okta::RESOURCE_TYPES
                    .iter()
                    .copied()
                    .filter(|t| *t == resource_type),
            );
            for attribute in attributes {
                services.extend(
                    attribute_services(resource_type, attribute)
                        .into_iter()
                        .map(|s| s.name),
                );
                calls.extend(attribute_calls(resource_type, attribute));
                reads.insert((resource_type.to_owned(), attribute.to_owned()));
            }
        }
        Self {
            services,
            calls: Some(calls),
            reads: Some(reads),
            okta,
        }
    }

    /// Whether a selected check reads an attribute that `action` provides. Collectors ask
    /// before per-resource reads (listings are always made) and record what they skip with
    /// [`super::Collected::skipped`], so a check evaluated later on that data is ERROR.
    pub fn wants(&self, action: &str) -> bool {
        self.calls
            .as_ref()
            .is_none_or(|calls| calls.contains(action))
    }

    /// Whether a selected check reads `attribute` of `resource_type`: where one source (an
    /// AWS Config item) gives only part of what a call provides, the call is still made for
    /// the rest only when a check reads it.
    pub fn reads(&self, resource_type: &str, attribute: &str) -> bool {
        self.reads
            .as_ref()
            .is_none_or(|reads| reads.contains(&(resource_type.to_owned(), attribute.to_owned())))
    }

    /// The Okta resource types to collect (when an Okta org is configured).
    pub fn okta_types(&self) -> &BTreeSet<&'static str> {
        &self.okta
    }

    /// Whether the plan collects `service`.
    pub fn includes(&self, service: &Service) -> bool {
        self.services.contains(service.name)
    }

    /// The services collected, in registry order.
    pub fn services(&self) -> impl Iterator<Item = &'static Service> + '_ {
        SERVICES.iter().filter(|s| self.includes(s))
    }

    /// Whether any regional service is collected (the enabled regions are then listed).
    pub fn needs_regions(&self) -> bool {
        self.services().any(|s| s.reach == Reach::Regional)
    }

    /// Every API action the plan may call, sorted: the caller's identity, the region listing
    /// when regional services are collected, and each service's actions.
    pub fn actions(&self) -> Vec<&'static str> {
        let mut actions: Vec<&'static str> = super::sts::ACTIONS.to_vec();
        if self.needs_regions() {
            actions.push(super::ec2::REGIONS_ACTION);
        }
        actions.extend(self.services().flat_map(|s| s.actions.iter().copied()));
        actions.sort_unstable();
        actions.dedup();
        actions
    }

    /// The service names, in registry order.
    pub fn names(&self) -> Vec<&'static str> {
        self.services().map(|s| s.name).collect()
    }

    /// What the plan leaves out, as collection errors of kind `not_collected`: every resource
    /// type of a service not collected, and every attribute of a collected type that comes
    /// from a service not collected.
    pub fn not_collected(&self) -> Vec<CollectionError> {
        let error = |service: &Service, affects: Vec<Affected>| CollectionError {
            action: format!("{}:*", service.name),
            permission: format!("{}:*", service.name),
            region: ALL_REGIONS.to_owned(),
            kind: ErrorKind::NotCollected,
            code: None,
            message: format!(
                "{} was not collected: the checks this scan ran do not read it",
                service.name
            ),
            affects,
            account_id: None,
        };
        let mut errors: Vec<CollectionError> = SERVICES
            .iter()
            .filter(|s| !self.includes(s))
            .map(|service| {
                let listing = service
                    .resource_types
                    .iter()
                    .map(|t| Affected {
                        resource_type: (*t).to_owned(),
                        resource_arn: None,
                        attributes: Vec::new(),
                    })
                    .collect();
                error(service, listing)
            })
            .collect();
        // Attributes of collected types that another, uncollected service provides.
        let mut missing: BTreeMap<&'static str, Vec<Affected>> = BTreeMap::new();
        for service in self.services() {
            for &resource_type in service.resource_types {
                let mut by_service: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
                for attribute in unknown::schema(resource_type).unwrap_or_default() {
                    for provider in attribute_services(resource_type, attribute) {
                        if !self.includes(provider) {
                            by_service
                                .entry(provider.name)
                                .or_default()
                                .push(attribute.clone());
                        }
                    }
                }
                for (provider, attributes) in by_service {
                    missing.entry(provider).or_default().push(Affected {
                        resource_type: resource_type.to_owned(),
                        resource_arn: None,
                        attributes,
                    });
                }
            }
        }
        for error_for in &mut errors {
            if let Some(affects) = missing.remove(error_for.action.trim_end_matches(":*")) {
                error_for.affects.extend(affects);
            }
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_iam_check_plans_iam_only() {
        let plan = Plan::for_reads([("aws.iam.user", ["password_enabled", "mfa_active"])]);
        assert_eq!(plan.names(), ["iam"]);
        assert!(!plan.needs_regions());
        assert!(
            plan.actions()
                .iter()
                .all(|a| a.starts_with("iam:") || a.starts_with("sts:"))
        );
    }

    #[test]
    fn trail_bucket_facts_bring_in_s3_and_alarm_filters_bring_in_logs() {
        let plan = Plan::for_reads([("aws.cloudtrail.trail", ["s3_bucket_public"])]);
        assert_eq!(plan.names(), ["s3", "cloudtrail"]);
        assert!(plan.actions().contains(&"ec2:DescribeRegions"));
        let plan = Plan::for_reads([("aws.cloudtrail.account", ["metric_filters"])]);
        assert_eq!(plan.names(), ["cloudtrail", "monitoring"]);
    }

    #[test]
    fn per_resource_calls_are_wanted_only_for_attributes_read() {
        let plan = Plan::for_reads([("aws.s3.bucket", ["versioning"])]);
        assert!(plan.wants("s3:GetBucketVersioning"));
        assert!(!plan.wants("s3:GetBucketPolicy"));
        let plan = Plan::for_reads([("aws.cloudtrail.trail", ["s3_bucket_public"])]);
        assert!(plan.wants("s3:GetBucketPolicy") && plan.wants("s3:GetBucketAcl"));
        assert!(!plan.wants("s3:GetBucketVersioning"));
        assert!(Plan::everything().wants("s3:GetBucketVersioning"));
        let plan = Plan::for_reads([("aws.kms.key", ["rotation_enabled"])]);
        assert!(plan.reads("aws.kms.key", "rotation_enabled"));
        assert!(!plan.reads("aws.kms.key", "rotation_period_days"));
        assert!(Plan::everything().reads("aws.kms.key", "rotation_period_days"));
    }

    #[test]
    fn everything_left_out_is_recorded_as_not_collected() {
        let plan = Plan::for_reads([("aws.cloudtrail.trail", ["is_logging"])]);
        let errors = plan.not_collected();
        let kms = errors
            .iter()
            .find(|e| e.action == "kms:*")
            .expect("kms left out");
        assert_eq!(kms.kind, ErrorKind::NotCollected);
        assert!(
            kms.affects
                .iter()
                .any(|a| a.resource_type == "aws.kms.key" && a.attributes.is_empty())
        );
        let s3 = errors.iter().find(|e| e.action == "s3:*").unwrap();
        assert!(
            s3.affects
                .iter()
                .any(|a| a.resource_type == "aws.cloudtrail.trail"
                    && a.attributes.contains(&"s3_bucket_public".to_owned())),
            "{s3:?}"
        );
        assert!(Plan::everything().not_collected().is_empty());
    }
}
