//! Elastic Load Balancing, once per region. Both generations share the IAM prefix
//! `elasticloadbalancing` and its action names, so they are one service here with two resource
//! types. Application, Network and Gateway Load Balancers (v2 API): one paginated
//! DescribeLoadBalancers, then per load balancer one DescribeLoadBalancerAttributes (no listing
//! carries them) and one paginated DescribeListeners, plus one paginated DescribeRules per HTTP
//! listener of an Application Load Balancer whose default action redirects to HTTPS (its rules
//! could still forward plain HTTP). Classic Load Balancers: one paginated DescribeLoadBalancers
//! (listeners included) and one DescribeLoadBalancerAttributes per load balancer. Per-resource
//! reads are made only when a selected check reads what they provide.

use super::{CallError, Collected, Scope, drain, per_resource};
use crate::attributes;
use crate::inventory::ResourceData;
use crate::inventory::elb::{ClassicListener, ClassicLoadBalancer, Listener, LoadBalancer};
use crate::or_unknown;
use aws_sdk_elasticloadbalancingv2::types::{Action, ActionTypeEnum};

/// The API actions this module calls (the same IAM permissions for both API versions).
pub const ACTIONS: &[&str] = &[
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeRules",
];

const V2: &str = "aws.elbv2.load_balancer";
const CLASSIC: &str = "aws.elb.load_balancer";
const LISTING: &str = "elasticloadbalancing:DescribeLoadBalancers";
const ATTRIBUTES: &str = "elasticloadbalancing:DescribeLoadBalancerAttributes";
const LISTENERS: &str = "elasticloadbalancing:DescribeListeners";
const RULES: &str = "elasticloadbalancing:DescribeRules";

/// Collects the region's load balancers of both generations.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let mut parts: [Collected; 2] = Default::default();
    let [v2, classic] = &mut parts;
    tokio::join!(
        v2_load_balancers(scope, v2),
        classic_load_balancers(scope, classic)
    );
    let mut out = Collected::default();
    for part in parts {
        out.merge(part);
    }
    out
}

/// The attributes of a v2 load balancer that its type has, by DescribeLoadBalancerAttributes
/// key: an answer without one leaves it unknown; the others stay null.
fn expected_attributes(load_balancer_type: &str) -> &'static [(&'static str, &'static str)] {
    const DELETION: (&str, &str) = ("deletion_protection.enabled", "deletion_protection");
    const LOGS: (&str, &str) = ("access_logs.s3.enabled", "access_logs");
    match load_balancer_type {
        "application" => &[
            DELETION,
            LOGS,
            (
                "routing.http.desync_mitigation_mode",
                "desync_mitigation_mode",
            ),
            (
                "routing.http.drop_invalid_header_fields.enabled",
                "drop_invalid_header_fields",
            ),
        ],
        "network" => &[DELETION, LOGS],
        _ => &[DELETION],
    }
}

/// Lays a DescribeLoadBalancerAttributes answer (`key → value`) over a v2 load balancer;
/// returns the attributes its type has that the answer left out.
fn apply_attributes(
    data: &mut LoadBalancer,
    answer: &std::collections::HashMap<String, String>,
) -> Vec<&'static str> {
    let mut missing = Vec::new();
    for &(key, attribute) in expected_attributes(&data.load_balancer_type) {
        let Some(value) = answer.get(key) else {
            missing.push(attribute);
            continue;
        };
        let enabled = value == "true";
        // Every attribute of the table above has its arm; the last is the header setting.
        match attribute {
            "deletion_protection" => data.deletion_protection = enabled,
            "access_logs" => data.access_logs = Some(enabled),
            "desync_mitigation_mode" => data.desync_mitigation_mode = Some(value.clone()),
            _ => data.drop_invalid_header_fields = Some(enabled),
        }
    }
    missing
}

/// Whether actions send the request to HTTPS by a redirect (the one final action is then the
/// redirect: authentication actions may come before it).
fn redirects_to_https(actions: &[Action]) -> bool {
    actions.iter().any(|action| {
        action.r#type() == Some(&ActionTypeEnum::Redirect)
            && action.redirect_config().and_then(|r| r.protocol()) == Some("HTTPS")
    })
}

/// A v2 load balancer's listeners, and the listener ARNs whose rules decide whether they
/// redirect every request to HTTPS.
async fn listeners(
    client: &aws_sdk_elasticloadbalancingv2::Client,
    arn: &str,
    application: bool,
) -> Result<Vec<Listener>, CallError> {
    let pages = client
        .describe_listeners()
        .load_balancer_arn(arn)
        .into_paginator()
        .send();
    let mut listeners = Vec::new();
    for listener in drain(pages, LISTENERS)
        .await?
        .iter()
        .flat_map(|p| p.listeners())
    {
        let protocol = listener.protocol().map(|p| p.as_str().to_owned());
        let mut redirects = redirects_to_https(listener.default_actions());
        if redirects && application && protocol.as_deref() == Some("HTTP") {
            let pages = client
                .describe_rules()
                .listener_arn(listener.listener_arn().unwrap_or_default())
                .into_paginator()
                .send();
            redirects = drain(pages, RULES)
                .await?
                .iter()
                .flat_map(|p| p.rules())
                .all(|rule| redirects_to_https(rule.actions()));
        }
        listeners.push(Listener {
            port: listener.port().map(i64::from),
            protocol,
            redirects_to_https: redirects,
            ssl_policy: listener.ssl_policy().map(str::to_owned),
            certificate_arns: listener
                .certificates()
                .iter()
                .filter_map(|c| c.certificate_arn().map(str::to_owned))
                .collect(),
        });
    }
    Ok(listeners)
}

async fn v2_load_balancers(scope: &Scope<'_>, out: &mut Collected) {
    let client = sdk_client!(
        aws_sdk_elasticloadbalancingv2,
        &scope.config,
        scope.recorder
    );
    let pages = client.describe_load_balancers().into_paginator().send();
    let pages = match drain(pages, LISTING).await {
        Ok(pages) => pages,
        Err(error) => return out.unlisted(&error, &scope.region, V2),
    };
    let mut listed = Vec::new();
    for lb in pages.iter().flat_map(|page| page.load_balancers()) {
        let name = lb.load_balancer_name().unwrap_or_default().to_owned();
        let arn = lb
            .load_balancer_arn()
            .map(str::to_owned)
            .unwrap_or_else(|| scope.arn("elasticloadbalancing", &format!("loadbalancer/{name}")));
        let mut missing = Vec::new();
        let data = LoadBalancer {
            name,
            load_balancer_type: or_unknown!(missing, LoadBalancer: load_balancer_type = lb.r#type().map(|t| t.as_str().to_owned())),
            scheme: or_unknown!(missing, LoadBalancer: scheme = lb.scheme().map(|s| s.as_str().to_owned())),
            availability_zones: lb
                .availability_zones()
                .iter()
                .filter_map(|z| z.zone_name().map(str::to_owned))
                .collect(),
            ..Default::default()
        };
        out.left_out(LISTING, &scope.region, V2, &arn, &missing);
        listed.push((arn, data));
    }
    let client = &client;
    let read = per_resource(
        scope,
        out,
        ATTRIBUTES,
        &[V2],
        listed,
        |(arn, data)| async move {
            let answer = client
                .describe_load_balancer_attributes()
                .load_balancer_arn(&arn)
                .send()
                .await
                .map(|a| {
                    a.attributes()
                        .iter()
                        .filter_map(|a| Some((a.key()?.to_owned(), a.value()?.to_owned())))
                        .collect::<std::collections::HashMap<_, _>>()
                })
                .map_err(|e| CallError::from_sdk(ATTRIBUTES, &e));
            ((arn, data), answer)
        },
    )
    .await;
    let mut read_listeners = Vec::new();
    for ((arn, mut data), answer) in read {
        match answer {
            None => {}
            Some(Ok(attributes)) => {
                let missing = apply_attributes(&mut data, &attributes);
                out.left_out(ATTRIBUTES, &scope.region, V2, &arn, &missing);
            }
            Some(Err(error)) => {
                let affected: Vec<&str> = expected_attributes(&data.load_balancer_type)
                    .iter()
                    .map(|(_, attribute)| *attribute)
                    .collect();
                out.unknown(&error, &scope.region, V2, &arn, &affected);
            }
        }
        read_listeners.push((arn, data));
    }
    let read = per_resource(
        scope,
        out,
        LISTENERS,
        &[V2],
        read_listeners,
        |(arn, data)| async move {
            let answer = listeners(client, &arn, data.load_balancer_type == "application").await;
            ((arn, data), answer)
        },
    )
    .await;
    for ((arn, mut data), answer) in read {
        let source = (LISTENERS, scope.region.as_str(), V2);
        let answer = answer.map(|a| a.map(Some));
        if let Some(listeners) =
            out.read_value(source, &arn, attributes!(LoadBalancer: listeners), answer)
        {
            data.listeners = listeners;
        }
        let name = data.name.clone();
        out.resources
            .push(scope.resource(arn, name, ResourceData::Elbv2LoadBalancer(data)));
    }
}

async fn classic_load_balancers(scope: &Scope<'_>, out: &mut Collected) {
    let client = sdk_client!(aws_sdk_elasticloadbalancing, &scope.config, scope.recorder);
    let pages = client.describe_load_balancers().into_paginator().send();
    let pages = match drain(pages, LISTING).await {
        Ok(pages) => pages,
        Err(error) => return out.unlisted(&error, &scope.region, CLASSIC),
    };
    let mut listed = Vec::new();
    for lb in pages
        .iter()
        .flat_map(|page| page.load_balancer_descriptions())
    {
        let name = lb.load_balancer_name().unwrap_or_default().to_owned();
        let arn = scope.arn("elasticloadbalancing", &format!("loadbalancer/{name}"));
        let mut missing = Vec::new();
        let data = ClassicLoadBalancer {
            name,
            scheme: or_unknown!(missing, ClassicLoadBalancer: scheme = lb.scheme().map(str::to_owned)),
            availability_zones: lb.availability_zones().to_vec(),
            listeners: lb
                .listener_descriptions()
                .iter()
                .filter_map(|d| {
                    let listener = d.listener()?;
                    Some(ClassicListener {
                        protocol: listener.protocol().to_uppercase(),
                        port: i64::from(listener.load_balancer_port()),
                        instance_protocol: listener.instance_protocol().map(str::to_uppercase),
                        certificate_id: listener.ssl_certificate_id().map(str::to_owned),
                        policy_names: d.policy_names().to_vec(),
                    })
                })
                .collect(),
            ..Default::default()
        };
        out.left_out(LISTING, &scope.region, CLASSIC, &arn, &missing);
        listed.push((arn, data));
    }
    let client = &client;
    let read = per_resource(
        scope,
        out,
        ATTRIBUTES,
        &[CLASSIC],
        listed,
        |(arn, data)| async move {
            let answer = client
                .describe_load_balancer_attributes()
                .load_balancer_name(&data.name)
                .send()
                .await
                .map_err(|e| CallError::from_sdk(ATTRIBUTES, &e));
            ((arn, data), answer)
        },
    )
    .await;
    for ((arn, mut data), answer) in read {
        match answer {
            None => {}
            Some(Ok(answer)) => {
                let attributes = answer.load_balancer_attributes();
                let mut missing = Vec::new();
                data.access_logs = or_unknown!(missing, ClassicLoadBalancer: access_logs = attributes.and_then(|a| a.access_log()).map(|l| l.enabled()));
                data.connection_draining = or_unknown!(missing, ClassicLoadBalancer: connection_draining = attributes.and_then(|a| a.connection_draining()).map(|d| d.enabled()));
                data.cross_zone = or_unknown!(missing, ClassicLoadBalancer: cross_zone = attributes.and_then(|a| a.cross_zone_load_balancing()).map(|c| c.enabled()));
                let desync = attributes
                    .map(|a| a.additional_attributes())
                    .unwrap_or_default()
                    .iter()
                    .find(|a| a.key() == Some("elb.http.desyncmitigationmode"))
                    .and_then(|a| a.value())
                    .map(str::to_owned);
                data.desync_mitigation_mode = or_unknown!(missing, ClassicLoadBalancer: desync_mitigation_mode = desync);
                out.left_out(ATTRIBUTES, &scope.region, CLASSIC, &arn, &missing);
            }
            Some(Err(error)) => out.unknown(
                &error,
                &scope.region,
                CLASSIC,
                &arn,
                attributes!(ClassicLoadBalancer: access_logs, connection_draining, cross_zone, desync_mitigation_mode),
            ),
        }
        let name = data.name.clone();
        out.resources
            .push(scope.resource(arn, name, ResourceData::ElbLoadBalancer(data)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_elasticloadbalancingv2::types::RedirectActionConfig;

    fn redirect(protocol: &str) -> Action {
        Action::builder()
            .r#type(ActionTypeEnum::Redirect)
            .redirect_config(
                RedirectActionConfig::builder()
                    .protocol(protocol)
                    .status_code("HTTP_301".into())
                    .build(),
            )
            .build()
    }

    #[test]
    fn only_a_redirect_to_https_counts() {
        let forward = Action::builder().r#type(ActionTypeEnum::Forward).build();
        assert!(redirects_to_https(&[redirect("HTTPS")]));
        assert!(!redirects_to_https(&[redirect("#{protocol}")]));
        assert!(!redirects_to_https(&[forward]));
        assert!(!redirects_to_https(&[]));
    }

    #[test]
    fn attributes_a_type_lacks_stay_null_and_missing_ones_are_named() {
        let answer = [("deletion_protection.enabled", "true")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let mut gateway = LoadBalancer {
            load_balancer_type: "gateway".into(),
            ..Default::default()
        };
        assert!(apply_attributes(&mut gateway, &answer).is_empty());
        assert!(gateway.deletion_protection);
        assert_eq!(gateway.access_logs, None);
        let mut application = LoadBalancer {
            load_balancer_type: "application".into(),
            ..Default::default()
        };
        assert_eq!(
            apply_attributes(&mut application, &answer),
            [
                "access_logs",
                "desync_mitigation_mode",
                "drop_invalid_header_fields"
            ]
        );
    }
}
