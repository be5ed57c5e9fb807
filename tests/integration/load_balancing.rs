//! Load balancers of both generations and Auto Scaling against moto, in two regions: HTTP
//! listeners that redirect or forward, load balancer attributes set and left out (moto's v2
//! load balancers answer without access logs, desync mode and header dropping until they are
//! set: unknown, so ERROR), zones, Classic listeners' protocols and certificates, groups'
//! health checks, zones and launch sources, and launch configurations' metadata options and
//! public addresses. A denied read turns exactly its checks into ERROR.

use crate::harness::{TempDir, TestAccount, scan_checks, status_of, vpc_with_subnets};
use aws_config::{Region, SdkConfig};
use aws_sdk_autoscaling::types::{InstanceMetadataHttpTokensState, InstanceMetadataOptions};
use aws_sdk_elasticloadbalancing::types::{
    AccessLog, ConnectionDraining, CrossZoneLoadBalancing, Listener as ClassicListener,
    LoadBalancerAttributes,
};
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, LoadBalancerAttribute, LoadBalancerTypeEnum, ProtocolEnum,
    RedirectActionConfig, RedirectActionStatusCodeEnum, TargetGroup,
};

const CHECKS: &str = "elb_*,elbv2_*,autoscaling_*";

fn in_region(base: &SdkConfig, region: &str) -> SdkConfig {
    base.to_builder()
        .region(Region::new(region.to_owned()))
        .build()
}

fn attribute(key: &str, value: &str) -> LoadBalancerAttribute {
    LoadBalancerAttribute::builder()
        .key(key)
        .value(value)
        .build()
}

fn redirect_to_https() -> Action {
    Action::builder()
        .r#type(ActionTypeEnum::Redirect)
        .redirect_config(
            RedirectActionConfig::builder()
                .protocol("HTTPS")
                .port("443")
                .status_code(RedirectActionStatusCodeEnum::Http301)
                .build(),
        )
        .build()
}

/// A v2 load balancer `name` of `kind` in `subnets`: its ARN.
async fn load_balancer(
    elbv2: &aws_sdk_elasticloadbalancingv2::Client,
    name: &str,
    kind: LoadBalancerTypeEnum,
    subnets: &[String],
) -> String {
    elbv2
        .create_load_balancer()
        .name(name)
        .r#type(kind)
        .set_subnets(Some(subnets.to_vec()))
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned()
}

/// An HTTP listener on port 80 of `arn` with `action`.
async fn http_listener(elbv2: &aws_sdk_elasticloadbalancingv2::Client, arn: &str, action: Action) {
    elbv2
        .create_listener()
        .load_balancer_arn(arn)
        .protocol(ProtocolEnum::Http)
        .port(80)
        .default_actions(action)
        .send()
        .await
        .unwrap();
}

/// `web` (two zones, redirecting, every attribute set and on), `plain` (two zones, forwarding,
/// attributes as moto leaves them) and `tcp` (a Network Load Balancer in one zone): the
/// target group `web` forwards to.
async fn seed_v2(base: &SdkConfig) -> TargetGroup {
    let (vpc, subnets) = vpc_with_subnets(
        &aws_sdk_ec2::Client::new(base),
        "10.1.0.0/16",
        &["us-east-1a", "us-east-1b"],
    )
    .await;
    let elbv2 = aws_sdk_elasticloadbalancingv2::Client::new(base);
    let group = elbv2
        .create_target_group()
        .name("web")
        .protocol(ProtocolEnum::Http)
        .port(80)
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .clone();
    let forward = Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .target_group_arn(group.target_group_arn().unwrap())
        .build();
    let web = load_balancer(&elbv2, "web", LoadBalancerTypeEnum::Application, &subnets).await;
    http_listener(&elbv2, &web, redirect_to_https()).await;
    elbv2
        .modify_load_balancer_attributes()
        .load_balancer_arn(&web)
        .attributes(attribute("deletion_protection.enabled", "true"))
        .attributes(attribute("access_logs.s3.enabled", "true"))
        .attributes(attribute("access_logs.s3.bucket", "lb-logs"))
        .attributes(attribute(
            "routing.http.desync_mitigation_mode",
            "defensive",
        ))
        .attributes(attribute(
            "routing.http.drop_invalid_header_fields.enabled",
            "true",
        ))
        .send()
        .await
        .unwrap();
    let plain = load_balancer(&elbv2, "plain", LoadBalancerTypeEnum::Application, &subnets).await;
    http_listener(&elbv2, &plain, forward).await;
    load_balancer(&elbv2, "tcp", LoadBalancerTypeEnum::Network, &subnets[..1]).await;
    group
}

/// `legacy` (HTTP only, one zone, attributes at their defaults) in us-east-1; `eu-web` (an
/// SSL listener with an IAM certificate, two zones, every attribute on) in eu-west-1.
async fn seed_classic(account: &TestAccount, base: &SdkConfig) {
    let east = aws_sdk_elasticloadbalancing::Client::new(base);
    east.create_load_balancer()
        .load_balancer_name("legacy")
        .listeners(
            ClassicListener::builder()
                .protocol("HTTP")
                .load_balancer_port(80)
                .instance_protocol("HTTP")
                .instance_port(8080)
                .build()
                .unwrap(),
        )
        .availability_zones("us-east-1a")
        .send()
        .await
        .unwrap();
    let west = aws_sdk_elasticloadbalancing::Client::new(&in_region(base, "eu-west-1"));
    west.create_load_balancer()
        .load_balancer_name("eu-web")
        .listeners(
            ClassicListener::builder()
                .protocol("SSL")
                .load_balancer_port(443)
                .instance_protocol("TCP")
                .instance_port(8443)
                .ssl_certificate_id(format!(
                    "arn:aws:iam::{}:server-certificate/web",
                    account.id
                ))
                .build()
                .unwrap(),
        )
        .availability_zones("eu-west-1a")
        .availability_zones("eu-west-1b")
        .send()
        .await
        .unwrap();
    west.modify_load_balancer_attributes()
        .load_balancer_name("eu-web")
        .load_balancer_attributes(
            LoadBalancerAttributes::builder()
                .cross_zone_load_balancing(CrossZoneLoadBalancing::builder().enabled(true).build())
                .connection_draining(ConnectionDraining::builder().enabled(true).build())
                .access_log(
                    AccessLog::builder()
                        .enabled(true)
                        .s3_bucket_name("lb-logs")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// Launch configurations `hardened` (IMDSv2, hop limit 1, no public address) and `open`
/// (tokens optional, hop limit 3, public addresses); groups `web` (from `hardened`, two zones,
/// ELB health checks on the target group) and `batch` (from `open`, one zone, EC2 health
/// checks on the target group).
async fn seed_autoscaling(base: &SdkConfig, target_group: &TargetGroup) {
    let autoscaling = aws_sdk_autoscaling::Client::new(base);
    for (name, tokens, hops, public) in [
        (
            "hardened",
            InstanceMetadataHttpTokensState::Required,
            1,
            false,
        ),
        ("open", InstanceMetadataHttpTokensState::Optional, 3, true),
    ] {
        autoscaling
            .create_launch_configuration()
            .launch_configuration_name(name)
            .image_id("ami-12c6146b")
            .instance_type("t3.micro")
            .metadata_options(
                InstanceMetadataOptions::builder()
                    .http_tokens(tokens)
                    .http_put_response_hop_limit(hops)
                    .build(),
            )
            .associate_public_ip_address(public)
            .send()
            .await
            .unwrap();
    }
    for (name, configuration, zones, health_check) in [
        ("web", "hardened", &["us-east-1a", "us-east-1b"][..], "ELB"),
        ("batch", "open", &["us-east-1a"][..], "EC2"),
    ] {
        autoscaling
            .create_auto_scaling_group()
            .auto_scaling_group_name(name)
            .launch_configuration_name(configuration)
            .min_size(0)
            .max_size(2)
            .desired_capacity(0)
            .set_availability_zones(Some(zones.iter().map(|z| (*z).to_owned()).collect()))
            .health_check_type(health_check)
            .target_group_arns(target_group.target_group_arn().unwrap())
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn load_balancers_and_auto_scaling() {
    let account = TestAccount::new().await;
    let base = account.sdk_config().await;
    let target_group = seed_v2(&base).await;
    seed_classic(&account, &base).await;
    seed_autoscaling(&base, &target_group).await;

    let dir = TempDir::new("load-balancing");
    let scan = |name: &str| scan_checks(&account, &dir, name, "us-east-1,eu-west-1", CHECKS);
    let got = scan("scan.json");
    let expected = [
        ("elbv2_alb_http_to_https_redirect", "web", "PASS"),
        ("elbv2_alb_http_to_https_redirect", "plain", "FAIL"),
        ("elbv2_alb_http_to_https_redirect", "tcp", "NOT_APPLICABLE"),
        ("elbv2_deletion_protection", "web", "PASS"),
        ("elbv2_deletion_protection", "plain", "FAIL"),
        ("elbv2_deletion_protection", "tcp", "FAIL"),
        ("elbv2_alb_access_logs", "web", "PASS"),
        ("elbv2_alb_access_logs", "plain", "ERROR"),
        ("elbv2_alb_desync_mitigation", "web", "PASS"),
        ("elbv2_alb_desync_mitigation", "plain", "ERROR"),
        ("elbv2_alb_drop_invalid_headers", "web", "PASS"),
        ("elbv2_alb_drop_invalid_headers", "plain", "ERROR"),
        ("elbv2_alb_drop_invalid_headers", "tcp", "NOT_APPLICABLE"),
        ("elbv2_multi_az", "web", "PASS"),
        ("elbv2_multi_az", "tcp", "FAIL"),
        // HTTP listeners fail ELB.18 even when they redirect; no TLS listener: ELB.17 N/A.
        ("elbv2_listener_secure_protocols", "web", "FAIL"),
        ("elbv2_listener_secure_protocols", "plain", "FAIL"),
        ("elbv2_listener_secure_protocols", "tcp", "NOT_APPLICABLE"),
        (
            "elbv2_listener_recommended_tls_policy",
            "web",
            "NOT_APPLICABLE",
        ),
        ("elb_https_listeners", "legacy", "FAIL"),
        ("elb_https_listeners", "eu-web", "PASS"),
        ("elb_acm_certificate", "legacy", "NOT_APPLICABLE"),
        ("elb_acm_certificate", "eu-web", "FAIL"),
        ("elb_multi_az", "legacy", "FAIL"),
        ("elb_multi_az", "eu-web", "PASS"),
        ("elb_cross_zone", "legacy", "FAIL"),
        ("elb_cross_zone", "eu-web", "PASS"),
        ("elb_connection_draining", "legacy", "FAIL"),
        ("elb_connection_draining", "eu-web", "PASS"),
        ("elb_access_logs", "legacy", "FAIL"),
        ("elb_access_logs", "eu-web", "PASS"),
        // moto answers without a desync mode until the attributes are modified.
        ("elb_desync_mitigation", "legacy", "ERROR"),
        ("elb_desync_mitigation", "eu-web", "PASS"),
        ("autoscaling_group_elb_health_check", "web", "PASS"),
        ("autoscaling_group_elb_health_check", "batch", "FAIL"),
        ("autoscaling_group_multi_az", "web", "PASS"),
        ("autoscaling_group_multi_az", "batch", "FAIL"),
        ("autoscaling_group_launch_template", "web", "FAIL"),
        ("autoscaling_group_multiple_instance_types", "web", "FAIL"),
        ("autoscaling_launch_config_imdsv2", "hardened", "PASS"),
        ("autoscaling_launch_config_imdsv2", "open", "FAIL"),
        ("autoscaling_launch_config_hop_limit", "hardened", "PASS"),
        ("autoscaling_launch_config_hop_limit", "open", "FAIL"),
        ("autoscaling_launch_config_no_public_ip", "hardened", "PASS"),
        ("autoscaling_launch_config_no_public_ip", "open", "FAIL"),
    ];
    for (check, name, status) in expected {
        assert_eq!(status_of(&got, check, name), status, "{check} {name}");
    }

    // Each denied read turns exactly the checks reading its data into ERROR: attributes in
    // one region, listeners everywhere, launch configurations everywhere.
    account.deny_in(
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "eu-west-1",
    );
    account.deny("elasticloadbalancing:DescribeListeners");
    account.deny("autoscaling:DescribeLaunchConfigurations");
    let denied = scan("denied.json");
    for ((check, name), status) in &denied {
        if check.starts_with("autoscaling_launch_config_") {
            // A denied listing judges no configuration: ERROR for the region, never a pass.
            assert_eq!(status, "ERROR", "{check} {name}");
            continue;
        }
        let errors = (name == "eu-web"
            && !matches!(
                check.as_str(),
                "elb_https_listeners" | "elb_acm_certificate" | "elb_multi_az"
            ))
            // Unknown listeners are ERROR even for the Network Load Balancer the check would
            // not apply to: an evaluation that reads unknown data never concludes.
            || check == "elbv2_alb_http_to_https_redirect"
            || check.starts_with("elbv2_listener_");
        let before = &got[&(check.clone(), name.clone())];
        let expected = if errors { "ERROR" } else { before.as_str() };
        assert_eq!(status, expected, "{check} {name}");
    }
    for check in [
        "autoscaling_launch_config_imdsv2",
        "autoscaling_launch_config_hop_limit",
        "autoscaling_launch_config_no_public_ip",
    ] {
        assert!(
            denied.keys().any(|(c, _)| c == check),
            "{check}: {denied:?}"
        );
    }
}
