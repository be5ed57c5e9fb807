//! Amazon OpenSearch Service, once per region: one ListDomainNames (every domain with its
//! engine), then DescribeDomains for up to five domains per call (the bulk read: no listing
//! carries a domain's configuration). Domains running the legacy Elasticsearch engine are
//! their own resource type, with the same attributes.

use super::{CallError, Collected, Scope};
use crate::inventory::ResourceData;
use crate::inventory::opensearch::Domain;
use crate::inventory::sources::attributes_from;
use crate::or_unknown;
use aws_sdk_opensearch::types::{DomainStatus, EngineType};

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &["es:DescribeDomains", "es:ListDomainNames"];

const LIST: &str = "es:ListDomainNames";
const DESCRIBE: &str = "es:DescribeDomains";
/// Domains DescribeDomains accepts per call.
const BATCH: usize = 5;

/// The engine a domain runs, which decides its resource type.
#[derive(Clone, Copy)]
enum Engine {
    OpenSearch,
    Elasticsearch,
}

impl Engine {
    const ALL: [Engine; 2] = [Engine::OpenSearch, Engine::Elasticsearch];

    /// From the listing's engine type or, when it is absent, the described engine version.
    fn of(listed: Option<&EngineType>, version: Option<&str>) -> Self {
        match (listed, version) {
            (Some(EngineType::Elasticsearch), _) => Engine::Elasticsearch,
            (None, Some(v)) if v.starts_with("Elasticsearch_") => Engine::Elasticsearch,
            _ => Engine::OpenSearch,
        }
    }

    fn resource_type(self) -> &'static str {
        match self {
            Engine::OpenSearch => "aws.opensearch.domain",
            Engine::Elasticsearch => "aws.es.domain",
        }
    }

    fn data(self, domain: Domain) -> ResourceData {
        match self {
            Engine::OpenSearch => ResourceData::OpenSearchDomain(domain),
            Engine::Elasticsearch => ResourceData::EsDomain(domain),
        }
    }
}

/// Collects the region's domains.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_opensearch, &scope.config, scope.recorder);
    let mut out = Collected::default();
    let listed = match client.list_domain_names().send().await {
        Ok(listed) => listed,
        Err(e) => {
            let error = CallError::from_sdk(LIST, &e);
            for engine in Engine::ALL {
                out.unlisted(&error, &scope.region, engine.resource_type());
            }
            return out;
        }
    };
    let domains: Vec<_> = listed
        .domain_names()
        .iter()
        .filter_map(|d| Some((d.domain_name()?.to_owned(), d.engine_type())))
        .collect();
    for batch in domains.chunks(BATCH) {
        let described = client
            .describe_domains()
            .set_domain_names(Some(batch.iter().map(|(name, _)| name.clone()).collect()))
            .send()
            .await
            .map_err(|e| CallError::from_sdk(DESCRIBE, &e));
        for (name, listed_engine) in batch {
            let arn = scope.arn("es", &format!("domain/{name}"));
            let (engine, data) = match &described {
                Ok(answer) => {
                    // A domain deleted since the listing is no longer described: skip it.
                    let Some(status) = answer
                        .domain_status_list()
                        .iter()
                        .find(|s| s.domain_name() == name)
                    else {
                        continue;
                    };
                    let engine = Engine::of(*listed_engine, status.engine_version());
                    let mut missing = Vec::new();
                    let data = domain(status, &mut missing);
                    out.left_out(
                        DESCRIBE,
                        &scope.region,
                        engine.resource_type(),
                        &arn,
                        &missing,
                    );
                    (engine, data)
                }
                Err(error) => {
                    let engine = Engine::of(*listed_engine, None);
                    let unknown = attributes_from(engine.resource_type(), DESCRIBE);
                    out.unknown(error, &scope.region, engine.resource_type(), &arn, &unknown);
                    let data = Domain {
                        name: name.clone(),
                        ..Default::default()
                    };
                    (engine, data)
                }
            };
            out.resources
                .push(scope.resource(arn, name.clone(), engine.data(data)));
        }
    }
    out
}

/// A domain's attributes from its DescribeDomains entry; fields the answer left out are pushed
/// onto `missing`.
fn domain(status: &DomainStatus, missing: &mut Vec<&'static str>) -> Domain {
    let cluster = status.cluster_config();
    let endpoint = status.domain_endpoint_options();
    let at_rest = status.encryption_at_rest_options();
    let dedicated_master = or_unknown!(missing, Domain: dedicated_master = cluster.and_then(|c| c.dedicated_master_enabled()));
    let dedicated_master_count = if dedicated_master {
        or_unknown!(missing, Domain: dedicated_master_count = cluster.and_then(|c| c.dedicated_master_count()).map(i64::from))
    } else {
        0
    };
    let mut cloudwatch_logs: Vec<String> = status
        .log_publishing_options()
        .into_iter()
        .flatten()
        .filter(|(_, option)| {
            option.enabled() == Some(true) && option.cloud_watch_logs_log_group_arn().is_some()
        })
        .map(|(log_type, _)| log_type.as_str().to_owned())
        .collect();
    cloudwatch_logs.sort_unstable();
    Domain {
        name: status.domain_name().to_owned(),
        engine_version: status.engine_version().map(str::to_owned),
        deleted: or_unknown!(missing, Domain: deleted = status.deleted()),
        encrypted_at_rest: or_unknown!(missing, Domain: encrypted_at_rest = at_rest.and_then(|o| o.enabled())),
        kms_key_id: at_rest.and_then(|o| o.kms_key_id()).map(str::to_owned),
        node_to_node_encryption: or_unknown!(missing, Domain: node_to_node_encryption = status.node_to_node_encryption_options().and_then(|o| o.enabled())),
        // VPCOptions is present only for a domain whose endpoint is in a VPC.
        in_vpc: status
            .vpc_options()
            .is_some_and(|v| v.vpc_id().is_some() || !v.subnet_ids().is_empty()),
        enforce_https: or_unknown!(missing, Domain: enforce_https = endpoint.and_then(|o| o.enforce_https())),
        tls_policy: endpoint
            .and_then(|o| o.tls_security_policy())
            .map(|p| p.as_str().to_owned()),
        cloudwatch_logs,
        fine_grained_access_control: or_unknown!(missing, Domain: fine_grained_access_control = status.advanced_security_options().and_then(|o| o.enabled())),
        instance_count: or_unknown!(missing, Domain: instance_count = cluster.and_then(|c| c.instance_count()).map(i64::from)),
        zone_awareness: or_unknown!(missing, Domain: zone_awareness = cluster.and_then(|c| c.zone_awareness_enabled())),
        dedicated_master,
        dedicated_master_count,
        update_available: or_unknown!(missing, Domain: update_available = status.service_software_options().and_then(|o| o.update_available())),
    }
}
