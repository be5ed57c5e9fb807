//! KMS, EC2 and CloudTrail in two regions against moto: exact statuses per resource, and one
//! region's denied calls turning exactly that region's findings into ERROR.

use crate::support::{TempDir, TestAccount, describe, read_report, run};
use std::collections::BTreeMap;

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

struct Seeded {
    /// key id → role in the scenario
    keys: BTreeMap<String, &'static str>,
    /// volume id → encrypted?
    volumes: BTreeMap<String, bool>,
    /// open security group id per region
    open_groups: BTreeMap<&'static str, String>,
}

async fn seed(account: &TestAccount) -> Seeded {
    let base = account.sdk_config().await;
    let mut seeded = Seeded {
        keys: BTreeMap::new(),
        volumes: BTreeMap::new(),
        open_groups: BTreeMap::new(),
    };
    for region in REGIONS {
        let config = base
            .to_builder()
            .region(aws_config::Region::new(region))
            .build();
        let kms = aws_sdk_kms::Client::new(&config);
        let rotating = kms
            .create_key()
            .send()
            .await
            .unwrap()
            .key_metadata
            .unwrap()
            .key_id;
        kms.enable_key_rotation()
            .key_id(&rotating)
            .send()
            .await
            .unwrap();
        let stale = kms
            .create_key()
            .send()
            .await
            .unwrap()
            .key_metadata
            .unwrap()
            .key_id;
        let signing = kms
            .create_key()
            .key_spec(aws_sdk_kms::types::KeySpec::Rsa2048)
            .key_usage(aws_sdk_kms::types::KeyUsageType::SignVerify)
            .send()
            .await
            .unwrap()
            .key_metadata
            .unwrap()
            .key_id;
        seeded.keys.insert(rotating, "rotating");
        seeded.keys.insert(stale, "stale");
        seeded.keys.insert(signing, "signing");

        let ec2 = aws_sdk_ec2::Client::new(&config);
        if region == "us-east-1" {
            ec2.enable_ebs_encryption_by_default().send().await.unwrap();
        }
        let zone = format!("{region}a");
        for encrypted in [true, false] {
            let volume = ec2
                .create_volume()
                .availability_zone(&zone)
                .size(8)
                .encrypted(encrypted)
                .send()
                .await
                .unwrap();
            seeded.volumes.insert(volume.volume_id.unwrap(), encrypted);
        }
        let vpc = ec2.describe_vpcs().send().await.unwrap().vpcs.unwrap()[0]
            .vpc_id
            .clone()
            .unwrap();
        let open = ec2
            .create_security_group()
            .group_name("open-ssh")
            .description("d")
            .vpc_id(&vpc)
            .send()
            .await
            .unwrap()
            .group_id
            .unwrap();
        ec2.authorize_security_group_ingress()
            .group_id(&open)
            .ip_protocol("tcp")
            .from_port(22)
            .to_port(22)
            .cidr_ip("0.0.0.0/0")
            .send()
            .await
            .unwrap();
        seeded.open_groups.insert(region, open);
    }

    // Bucket names are global across moto's accounts, like on AWS.
    let bucket = format!("trail-logs-{}", account.id);
    account.create_bucket(&bucket);
    let trail = aws_sdk_cloudtrail::Client::new(&base);
    trail
        .create_trail()
        .name("main")
        .s3_bucket_name(&bucket)
        .is_multi_region_trail(true)
        .enable_log_file_validation(true)
        .send()
        .await
        .unwrap();
    // AWS gives a new trail a default selector (all management events); moto gives none.
    trail
        .put_event_selectors()
        .trail_name("main")
        .event_selectors(
            aws_sdk_cloudtrail::types::EventSelector::builder()
                .read_write_type(aws_sdk_cloudtrail::types::ReadWriteType::All)
                .include_management_events(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    trail.start_logging().name("main").send().await.unwrap();
    seeded
}

fn by_check<'r>(report: &'r serde_json::Value, check: &str) -> Vec<&'r serde_json::Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check_id"] == check)
        .collect()
}

fn scan(account: &TestAccount, dir: &TempDir, name: &str) -> serde_json::Value {
    let out = dir.path(name);
    let output = run(account
        .lockdown()
        .args([
            "scan",
            "--quiet",
            "--regions",
            "us-east-1,eu-west-1",
            "--output",
        ])
        .arg(&out));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    read_report(&out)
}

#[tokio::test(flavor = "multi_thread")]
async fn two_regions_give_exact_statuses() {
    let account = TestAccount::new().await;
    let seeded = seed(&account).await;
    let dir = TempDir::new("regional");
    let report = scan(&account, &dir, "scan.json");
    assert_eq!(
        report["regions"],
        serde_json::json!(["us-east-1", "eu-west-1"])
    );

    // moto also creates the EBS default key (and lists it as customer managed): look only at
    // the keys this test made.
    let rotation: Vec<_> = by_check(&report, "kms_cmk_rotation_enabled")
        .into_iter()
        .filter(|f| {
            seeded
                .keys
                .contains_key(f["resource"]["name"].as_str().unwrap())
        })
        .collect();
    assert_eq!(rotation.len(), 6);
    for finding in rotation {
        let role = seeded.keys[finding["resource"]["name"].as_str().unwrap()];
        let want = match role {
            "rotating" => "PASS",
            "stale" => "FAIL",
            _ => "NOT_APPLICABLE",
        };
        assert_eq!(finding["status"], want, "{role}: {finding}");
    }

    let ebs: BTreeMap<String, String> = by_check(&report, "ec2_ebs_default_encryption")
        .iter()
        .map(|f| {
            (
                f["resource"]["region"].as_str().unwrap().to_owned(),
                f["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        ebs,
        BTreeMap::from([
            ("eu-west-1".into(), "FAIL".into()),
            ("us-east-1".into(), "PASS".into())
        ])
    );

    for finding in by_check(&report, "ec2_volume_encrypted") {
        let encrypted = seeded.volumes[finding["resource"]["name"].as_str().unwrap()];
        assert_eq!(
            finding["status"],
            if encrypted { "PASS" } else { "FAIL" },
            "{finding}"
        );
    }
    let ssh_failures: Vec<String> = by_check(&report, "ec2_sg_no_admin_ports_ipv4")
        .iter()
        .filter(|f| f["status"] == "FAIL")
        .map(|f| f["resource"]["name"].as_str().unwrap().to_owned())
        .collect();
    let mut expected: Vec<String> = seeded
        .open_groups
        .values()
        .map(|id| format!("open-ssh ({id})"))
        .collect();
    expected.sort();
    assert_eq!(ssh_failures, expected);

    let trail = by_check(&report, "cloudtrail_log_file_validation");
    assert_eq!(
        trail.len(),
        1,
        "the multi-region trail is collected once, in its home region"
    );
    assert_eq!(trail[0]["status"], "PASS");
    assert_eq!(
        by_check(&report, "cloudtrail_kms_encryption")[0]["status"],
        "FAIL"
    );
    let account_trails = by_check(&report, "cloudtrail_multi_region_logging");
    assert_eq!(account_trails[0]["status"], "PASS", "{}", account_trails[0]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_denied_region_turns_only_that_region_to_error() {
    let account = TestAccount::new().await;
    seed(&account).await;
    account.deny_in("kms:ListKeys", "eu-west-1");
    account.deny_in("ec2:DescribeSecurityGroups", "eu-west-1");
    let dir = TempDir::new("regional-denied");
    let report = scan(&account, &dir, "scan.json");

    for check in ["kms_cmk_rotation_enabled", "ec2_sg_no_admin_ports_ipv4"] {
        for finding in by_check(&report, check) {
            let region = finding["resource"]["region"].as_str().unwrap();
            if region == "eu-west-1" {
                assert_eq!(finding["status"], "ERROR", "{finding}");
                assert_eq!(
                    finding["resource"]["name"],
                    format!(
                        "all {} in eu-west-1",
                        finding["resource"]["type"].as_str().unwrap()
                    )
                );
                assert!(
                    finding["error"]["permission"]
                        .as_str()
                        .unwrap()
                        .starts_with(&check[..3]),
                    "{finding}"
                );
            } else {
                assert_ne!(finding["status"], "ERROR", "{finding}");
            }
        }
        assert!(
            by_check(&report, check)
                .iter()
                .any(|f| f["resource"]["region"] == "us-east-1")
        );
    }
    // Volumes in the denied region were still collected.
    assert!(
        by_check(&report, "ec2_volume_encrypted")
            .iter()
            .any(|f| f["resource"]["region"] == "eu-west-1" && f["status"] == "FAIL")
    );
}
