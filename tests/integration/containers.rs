//! ECS clusters, services and task definitions against moto: the latest active revision of each
//! family judged (an older, insecure revision is not), privileged and root containers with host
//! networking or the host's PID namespace, read-only root file systems, log configurations,
//! AWS keys in plain environment variables (whose values never reach the report), public IPs
//! of services, Fargate platform versions and Container Insights. Denied reads turn exactly
//! their checks into ERROR.

use crate::harness::{TempDir, TestAccount, scan_checks, status_of};
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, ClusterSetting, ClusterSettingName, ContainerDefinition,
    KeyValuePair, LaunchType, LogConfiguration, LogDriver, NetworkConfiguration, NetworkMode,
    PidMode,
};

const CHECKS: &str = "ecs_*";
const SECRET: &str = "wJalrXUtnFEMIEXAMPLEKEY";

fn container(name: &str) -> aws_sdk_ecs::types::builders::ContainerDefinitionBuilder {
    ContainerDefinition::builder()
        .name(name)
        .image("public.ecr.aws/nginx/nginx:1.27")
        .memory(256)
}

fn logs() -> LogConfiguration {
    LogConfiguration::builder()
        .log_driver(LogDriver::Awslogs)
        .options("awslogs-group", "/ecs/app")
        .build()
        .unwrap()
}

async fn register(
    client: &aws_sdk_ecs::Client,
    family: &str,
    network: NetworkMode,
    pid: Option<PidMode>,
    containers: Vec<ContainerDefinition>,
) {
    client
        .register_task_definition()
        .family(family)
        .network_mode(network)
        .set_pid_mode(pid)
        .set_container_definitions(Some(containers))
        .send()
        .await
        .unwrap();
}

fn vpc((subnet, group): (&str, &str), public: bool) -> NetworkConfiguration {
    NetworkConfiguration::builder()
        .awsvpc_configuration(
            AwsVpcConfiguration::builder()
                .subnets(subnet)
                .security_groups(group)
                .assign_public_ip(if public {
                    AssignPublicIp::Enabled
                } else {
                    AssignPublicIp::Disabled
                })
                .build()
                .unwrap(),
        )
        .build()
}

#[tokio::test(flavor = "multi_thread")]
async fn clusters_services_and_task_definitions() {
    let account = TestAccount::new().await;
    let config = account.sdk_config().await;
    let client = aws_sdk_ecs::Client::new(&config);
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let (vpc_id, subnets) =
        crate::harness::vpc_with_subnets(&ec2, "10.2.0.0/16", &["us-east-1a"]).await;
    let subnet = subnets[0].clone();
    let group = ec2
        .create_security_group()
        .group_name("tasks")
        .description("tasks")
        .vpc_id(&vpc_id)
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    // `hardened`: revision 1 privileged and without logs, revision 2 fixed: only 2 is judged.
    register(
        &client,
        "hardened",
        NetworkMode::Awsvpc,
        None,
        vec![container("app").privileged(true).build()],
    )
    .await;
    register(
        &client,
        "hardened",
        NetworkMode::Awsvpc,
        None,
        vec![
            container("app")
                .user("1000")
                .readonly_root_filesystem(true)
                .log_configuration(logs())
                .environment(KeyValuePair::builder().name("STAGE").value("prod").build())
                .build(),
        ],
    )
    .await;
    // `legacy`: host networking and PID namespace, root, privileged sidecar, writable root,
    // no logs on the sidecar, an AWS key in plain text.
    register(
        &client,
        "legacy",
        NetworkMode::Host,
        Some(PidMode::Host),
        vec![
            container("app")
                .log_configuration(logs())
                .environment(
                    KeyValuePair::builder()
                        .name("AWS_SECRET_ACCESS_KEY")
                        .value(SECRET)
                        .build(),
                )
                .build(),
            container("sidecar").privileged(true).build(),
        ],
    )
    .await;
    client
        .create_cluster()
        .cluster_name("prod")
        .settings(
            ClusterSetting::builder()
                .name(ClusterSettingName::ContainerInsights)
                .value("enhanced")
                .build(),
        )
        .send()
        .await
        .unwrap();
    client
        .create_cluster()
        .cluster_name("dev")
        .send()
        .await
        .unwrap();
    for (name, public, platform) in [("api", false, "LATEST"), ("web", true, "1.3.0")] {
        client
            .create_service()
            .cluster("prod")
            .service_name(name)
            .task_definition("hardened")
            .desired_count(0)
            .launch_type(LaunchType::Fargate)
            .platform_version(platform)
            .network_configuration(vpc((&subnet, &group), public))
            .send()
            .await
            .unwrap();
    }

    let dir = TempDir::new("containers");
    let scan = |name: &str| scan_checks(&account, &dir, name, "us-east-1", CHECKS);
    let got = scan("scan.json");
    let expected = [
        (
            "ecs_task_definition_no_privileged_containers",
            "hardened:2",
            "PASS",
        ),
        (
            "ecs_task_definition_no_privileged_containers",
            "legacy:1",
            "FAIL",
        ),
        ("ecs_task_definition_read_only_root", "hardened:2", "PASS"),
        ("ecs_task_definition_read_only_root", "legacy:1", "FAIL"),
        ("ecs_task_definition_logging", "hardened:2", "PASS"),
        ("ecs_task_definition_logging", "legacy:1", "FAIL"),
        ("ecs_task_definition_no_host_pid", "hardened:2", "PASS"),
        ("ecs_task_definition_no_host_pid", "legacy:1", "FAIL"),
        (
            "ecs_task_definition_host_network_user",
            "hardened:2",
            "NOT_APPLICABLE",
        ),
        ("ecs_task_definition_host_network_user", "legacy:1", "FAIL"),
        (
            "ecs_task_definition_no_secrets_in_environment",
            "hardened:2",
            "PASS",
        ),
        (
            "ecs_task_definition_no_secrets_in_environment",
            "legacy:1",
            "FAIL",
        ),
        ("ecs_service_no_public_ip", "api", "PASS"),
        ("ecs_service_no_public_ip", "web", "FAIL"),
        ("ecs_fargate_latest_platform", "api", "PASS"),
        ("ecs_fargate_latest_platform", "web", "FAIL"),
        ("ecs_cluster_container_insights", "prod", "PASS"),
        ("ecs_cluster_container_insights", "dev", "FAIL"),
    ];
    for (check, name, status) in expected {
        assert_eq!(status_of(&got, check, name), status, "{check} {name}");
    }
    assert!(
        !got.keys().any(|(_, name)| name == "hardened:1"),
        "only the latest revision is judged"
    );
    let report = std::fs::read_to_string(dir.path("scan.json")).unwrap();
    assert!(
        !report.contains(SECRET),
        "an environment value reached the report"
    );

    // Each denied read turns exactly the checks reading its data into ERROR.
    account.deny("ecs:DescribeTaskDefinition");
    account.deny("ecs:DescribeServices");
    let denied = scan("denied.json");
    for ((check, name), status) in &denied {
        let reads_denied = check.starts_with("ecs_task_definition_")
            || (check.starts_with("ecs_")
                && (check.contains("service")
                    || check.contains("fargate")
                    || check.contains("task_set")));
        if reads_denied {
            assert_eq!(status, "ERROR", "{check} {name}");
        } else {
            assert_eq!(
                status,
                &got[&(check.clone(), name.clone())],
                "{check} {name}"
            );
        }
    }
    assert_eq!(
        status_of(&denied, "ecs_cluster_container_insights", "prod"),
        "PASS"
    );
}
