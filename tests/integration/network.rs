//! EC2 and VPC inventory beyond instances and groups, against moto: Elastic IPs, subnets,
//! unused network ACLs, transit gateways, launch templates, VPC endpoints, AMIs, instances'
//! public addresses, ENIs and virtualization, and a denied listing turning exactly its checks
//! into ERROR.

use crate::harness::{TempDir, TestAccount, scan_report, status_of, statuses, vpc_with_subnets};
use aws_sdk_ec2::types::{
    LaunchTemplateInstanceNetworkInterfaceSpecificationRequest, RequestLaunchTemplateData,
    TransitGatewayRequestOptions,
};

fn scan(account: &TestAccount, dir: &TempDir, name: &str) -> serde_json::Value {
    let mut command = account.lockdown();
    command.args([
        "scan",
        "--quiet",
        "--regions",
        "us-east-1",
        "--checks",
        "ec2_eip_in_use,ec2_subnet_no_auto_public_ip,ec2_nacl_in_use,ec2_transit_gateway_no_auto_accept,ec2_launch_template_*,ec2_vpc_endpoint_for_*,ec2_ami_not_public,ec2_instance_no_public_ip,ec2_instance_single_eni,ec2_instance_not_paravirtual,ec2_sg_no_high_risk_ports,ec2_sg_unrestricted_only_authorized_ports,ec2_sg_no_cifs_public,ec2_instance_profile_attached",
    ]);
    scan_report(&mut command, &dir.path(name))
}

#[tokio::test(flavor = "multi_thread")]
async fn network_inventory_of_a_region() {
    let account = TestAccount::new().await;
    let ec2 = aws_sdk_ec2::Client::new(&account.sdk_config().await);
    let (vpc, subnets) = vpc_with_subnets(&ec2, "10.9.0.0/16", &["us-east-1a"]).await;
    let subnet = subnets[0].clone();
    for service in ["ec2", "ecr.dkr"] {
        ec2.create_vpc_endpoint()
            .vpc_id(&vpc)
            .service_name(format!("com.amazonaws.us-east-1.{service}"))
            .send()
            .await
            .unwrap();
    }
    let idle_acl = ec2
        .create_network_acl()
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap()
        .network_acl
        .unwrap()
        .network_acl_id
        .unwrap();
    let idle_ip = ec2
        .allocate_address()
        .send()
        .await
        .unwrap()
        .allocation_id
        .unwrap();
    let open_gateway = ec2
        .create_transit_gateway()
        .options(
            TransitGatewayRequestOptions::builder()
                .auto_accept_shared_attachments(
                    aws_sdk_ec2::types::AutoAcceptSharedAttachmentsValue::Enable,
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .transit_gateway
        .unwrap()
        .transit_gateway_id
        .unwrap();
    // The public template leaves IMDSv1 on and attaches an unencrypted volume; the private
    // one requires IMDSv2 and encrypts its volume.
    for (name, public) in [("public-web", true), ("private-app", false)] {
        let tokens = if public {
            aws_sdk_ec2::types::LaunchTemplateHttpTokensState::Optional
        } else {
            aws_sdk_ec2::types::LaunchTemplateHttpTokensState::Required
        };
        ec2.create_launch_template()
            .launch_template_name(name)
            .launch_template_data(
                RequestLaunchTemplateData::builder()
                    .network_interfaces(
                        LaunchTemplateInstanceNetworkInterfaceSpecificationRequest::builder()
                            .device_index(0)
                            .associate_public_ip_address(public)
                            .build(),
                    )
                    .metadata_options(
                        aws_sdk_ec2::types::LaunchTemplateInstanceMetadataOptionsRequest::builder()
                            .http_tokens(tokens)
                            .build(),
                    )
                    .block_device_mappings(
                        aws_sdk_ec2::types::LaunchTemplateBlockDeviceMappingRequest::builder()
                            .device_name("/dev/xvda")
                            .ebs(
                                aws_sdk_ec2::types::LaunchTemplateEbsBlockDeviceRequest::builder()
                                    .volume_size(8)
                                    .encrypted(!public)
                                    .build(),
                            )
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
    let group = ec2
        .create_security_group()
        .group_name("db-open")
        .description("d")
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    ec2.authorize_security_group_ingress()
        .group_id(&group)
        .ip_protocol("tcp")
        .from_port(5432)
        .to_port(5432)
        .cidr_ip("0.0.0.0/0")
        .send()
        .await
        .unwrap();
    // SMB from any IPv6 address, over UDP on a range covering 445.
    ec2.authorize_security_group_ingress()
        .group_id(&group)
        .ip_permissions(
            aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("udp")
                .from_port(400)
                .to_port(500)
                .ipv6_ranges(
                    aws_sdk_ec2::types::Ipv6Range::builder()
                        .cidr_ipv6("::/0")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let iam = aws_sdk_iam::Client::new(&account.sdk_config().await);
    let profile = iam
        .create_instance_profile()
        .instance_profile_name("web")
        .send()
        .await
        .unwrap()
        .instance_profile
        .unwrap()
        .arn;
    iam.create_role()
        .role_name("web")
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .unwrap();
    iam.add_role_to_instance_profile()
        .instance_profile_name("web")
        .role_name("web")
        .send()
        .await
        .unwrap();
    // An instance in the default VPC gets a public address; one in the new subnet does not.
    // moto (without its AMI catalog) reports instances of an image it does not know as
    // paravirtual, and gives an image registered without one no virtualization type.
    let bare_image = ec2
        .register_image()
        .name("bare")
        .send()
        .await
        .unwrap()
        .image_id
        .unwrap();
    let mut launched = Vec::new();
    for (subnet, image) in [
        (None, "ami-12c6146b"),
        (Some(&subnet), "ami-12c6146b"),
        (Some(&subnet), bare_image.as_str()),
    ] {
        // Only the instance in the default VPC runs with a role.
        let role = subnet.is_none().then(|| {
            aws_sdk_ec2::types::IamInstanceProfileSpecification::builder()
                .arn(&profile)
                .build()
        });
        let answer = ec2
            .run_instances()
            .image_id(image)
            .min_count(1)
            .max_count(1)
            .set_subnet_id(subnet.cloned())
            .set_iam_instance_profile(role)
            .send()
            .await
            .unwrap();
        launched.push(answer.instances()[0].instance_id().unwrap().to_owned());
    }
    let [public_instance, private_instance, bare_instance] =
        <[String; 3]>::try_from(launched).unwrap();
    // Two AMIs of the private instance, one shared with everyone.
    let mut images = Vec::new();
    for name in ["shared-image", "own-image"] {
        let image = ec2
            .create_image()
            .instance_id(&private_instance)
            .name(name)
            .send()
            .await
            .unwrap()
            .image_id
            .unwrap();
        images.push(image);
    }
    ec2.modify_image_attribute()
        .image_id(&images[0])
        .launch_permission(
            aws_sdk_ec2::types::LaunchPermissionModifications::builder()
                .add(
                    aws_sdk_ec2::types::LaunchPermission::builder()
                        .group(aws_sdk_ec2::types::PermissionGroup::All)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();

    let dir = TempDir::new("network");
    let got = statuses(&scan(&account, &dir, "scan.json"));
    let status = |check: &str, name: &str| status_of(&got, check, name);
    assert_eq!(status("ec2_eip_in_use", &idle_ip), "FAIL");
    assert_eq!(status("ec2_nacl_in_use", &idle_acl), "FAIL");
    assert_eq!(status("ec2_subnet_no_auto_public_ip", &subnet), "PASS");
    assert_eq!(
        status("ec2_transit_gateway_no_auto_accept", &open_gateway),
        "FAIL"
    );
    assert_eq!(
        status("ec2_launch_template_no_public_ip", "public-web"),
        "FAIL"
    );
    assert_eq!(
        status("ec2_launch_template_no_public_ip", "private-app"),
        "PASS"
    );
    for (check, public, private) in [
        ("ec2_launch_template_imdsv2", "FAIL", "PASS"),
        ("ec2_launch_template_ebs_encrypted", "FAIL", "PASS"),
    ] {
        assert_eq!(status(check, "public-web"), public, "{check}");
        assert_eq!(status(check, "private-app"), private, "{check}");
    }
    assert_eq!(status("ec2_vpc_endpoint_for_ec2", &vpc), "PASS");
    assert_eq!(status("ec2_vpc_endpoint_for_ecr_dkr", &vpc), "PASS");
    assert_eq!(status("ec2_vpc_endpoint_for_ecr_api", &vpc), "FAIL");
    assert_eq!(status("ec2_vpc_endpoint_for_ssm", &vpc), "FAIL");
    let db_open = format!("db-open ({group})");
    assert_eq!(status("ec2_sg_no_high_risk_ports", &db_open), "FAIL");
    assert_eq!(
        status("ec2_sg_unrestricted_only_authorized_ports", &db_open),
        "FAIL"
    );
    assert_eq!(
        status("ec2_instance_no_public_ip", &public_instance),
        "FAIL"
    );
    assert_eq!(
        status("ec2_instance_no_public_ip", &private_instance),
        "PASS"
    );
    assert_eq!(status("ec2_sg_no_cifs_public", &db_open), "FAIL");
    assert_eq!(
        status("ec2_instance_profile_attached", &public_instance),
        "PASS"
    );
    assert_eq!(
        status("ec2_instance_profile_attached", &private_instance),
        "FAIL"
    );
    for instance in [&public_instance, &private_instance] {
        assert_eq!(status("ec2_instance_single_eni", instance), "PASS");
        assert_eq!(status("ec2_instance_not_paravirtual", instance), "FAIL");
    }
    assert_eq!(
        status("ec2_instance_not_paravirtual", &bare_instance),
        "ERROR"
    );
    assert_eq!(status("ec2_ami_not_public", &images[0]), "FAIL");
    assert_eq!(status("ec2_ami_not_public", &images[1]), "PASS");
    // The default VPC's subnets hand out public addresses and it has no EC2 endpoint.
    assert!(
        got.iter().any(
            |((check, _), status)| check == "ec2_subnet_no_auto_public_ip" && status == "FAIL"
        ),
        "{got:?}"
    );

    // Elastic IPs unlisted: the EIP check is ERROR; the instance profile unread: the role
    // check is ERROR for the instance that has one; the rest keep their statuses.
    account.deny("ec2:DescribeAddresses");
    account.deny("iam:GetInstanceProfile");
    let denied = statuses(&scan(&account, &dir, "denied.json"));
    for ((check, name), status) in &denied {
        if check == "ec2_eip_in_use"
            || (check == "ec2_instance_profile_attached" && name == &public_instance)
        {
            assert_eq!(status, "ERROR", "{name}");
        } else {
            assert_eq!(
                status,
                &got[&(check.clone(), name.clone())],
                "{check} {name}"
            );
        }
    }
    assert!(denied.keys().any(|(check, _)| check == "ec2_eip_in_use"));
}
