//! CloudWatch monitoring (CIS 4.x), Security Hub, GuardDuty and RDS in two regions against moto.

use crate::harness::{TempDir, TestAccount, scan_report};
use std::collections::BTreeMap;

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
const ROOT_USAGE: &str = r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;
const TRAIL_CHANGES: &str = "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }";
const AUTH_FAILURES: &str =
    r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#;

async fn regional(account: &TestAccount, region: &'static str) -> aws_config::SdkConfig {
    account
        .sdk_config()
        .await
        .to_builder()
        .region(aws_config::Region::new(region))
        .build()
}

/// A metric filter on `group` in `config`'s region. (Alarms cannot be seeded: the AWS SDK
/// speaks RPCv2 CBOR to CloudWatch, which moto 5.2.5 does not serve.)
async fn metric_filter(config: &aws_config::SdkConfig, group: &str, name: &str, pattern: &str) {
    aws_sdk_cloudwatchlogs::Client::new(config)
        .put_metric_filter()
        .log_group_name(group)
        .filter_name(name)
        .filter_pattern(pattern)
        .metric_transformations(
            aws_sdk_cloudwatchlogs::types::MetricTransformation::builder()
                .metric_name(name)
                .metric_namespace("CISBenchmark")
                .metric_value("1")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// us-east-1: the trail's log group with root-usage and trail-changes filters, Security Hub,
/// an enabled GuardDuty detector and a well-kept database. eu-west-1: an auth-failures filter
/// on a log group no trail uses, a disabled detector, no Security Hub, and a neglected public
/// database.
async fn seed(account: &TestAccount) {
    let east = regional(account, "us-east-1").await;
    let west = regional(account, "eu-west-1").await;
    for config in [&east, &west] {
        aws_sdk_cloudwatchlogs::Client::new(config)
            .create_log_group()
            .log_group_name("trail-events")
            .send()
            .await
            .unwrap();
    }
    metric_filter(&east, "trail-events", "root-usage", ROOT_USAGE).await;
    metric_filter(&east, "trail-events", "trail-changes", TRAIL_CHANGES).await;
    metric_filter(&west, "trail-events", "auth-failures", AUTH_FAILURES).await;

    let bucket = format!("trail-{}", account.id);
    account.create_bucket(&bucket);
    let trail = aws_sdk_cloudtrail::Client::new(&east);
    trail
        .create_trail()
        .name("main")
        .s3_bucket_name(&bucket)
        .is_multi_region_trail(true)
        .cloud_watch_logs_log_group_arn(format!(
            "arn:aws:logs:us-east-1:{}:log-group:trail-events:*",
            account.id
        ))
        .cloud_watch_logs_role_arn(format!("arn:aws:iam::{}:role/trail-logs", account.id))
        .send()
        .await
        .unwrap();
    crate::harness::log_all_management_events(&trail, "main").await;

    aws_sdk_securityhub::Client::new(&east)
        .enable_security_hub()
        .send()
        .await
        .unwrap();
    for (config, enable) in [(&east, true), (&west, false)] {
        aws_sdk_guardduty::Client::new(config)
            .create_detector()
            .enable(enable)
            .send()
            .await
            .unwrap();
    }
    let rds_east = aws_sdk_rds::Client::new(&east);
    rds_east
        .create_db_instance()
        .db_instance_identifier("orders")
        .db_instance_class("db.t3.micro")
        .engine("postgres")
        .master_username("admin_user")
        .master_user_password("not-a-real-password-1")
        .allocated_storage(20)
        .storage_encrypted(true)
        .publicly_accessible(false)
        .backup_retention_period(7)
        .auto_minor_version_upgrade(true)
        .deletion_protection(true)
        .send()
        .await
        .unwrap();
    aws_sdk_rds::Client::new(&west)
        .create_db_instance()
        .db_instance_identifier("legacy")
        .db_instance_class("db.t3.micro")
        .engine("postgres")
        .master_username("admin_user")
        .master_user_password("not-a-real-password-1")
        .allocated_storage(20)
        .storage_encrypted(false)
        .publicly_accessible(true)
        .backup_retention_period(0)
        .auto_minor_version_upgrade(false)
        .deletion_protection(false)
        .send()
        .await
        .unwrap();
}

/// `(check, resource name) -> status` for the checks of this module.
fn statuses(report: &serde_json::Value) -> BTreeMap<(String, String), String> {
    crate::harness::statuses(report)
        .into_iter()
        .filter(|((check, _), _)| {
            check.starts_with("cloudwatch_alarm_")
                || ["securityhub_enabled", "guardduty_enabled"].contains(&check.as_str())
                || RDS_CHECKS.contains(&check.as_str())
        })
        .collect()
}

fn scan(account: &TestAccount, dir: &TempDir, extra: &[&str]) -> serde_json::Value {
    let mut command = account.lockdown();
    command
        .args(["scan", "--quiet", "--regions", &REGIONS.join(",")])
        .args([
            "--checks",
            "cloudwatch_alarm_*,securityhub_*,guardduty_*,rds_*",
        ])
        .args(extra);
    scan_report(&mut command, &dir.path("scan.json"))
}

fn expected(entries: &[(&str, &str, &str)]) -> BTreeMap<(String, String), String> {
    entries
        .iter()
        .map(|(check, name, status)| ((check.to_string(), name.to_string()), status.to_string()))
        .collect()
}

const RDS_CHECKS: [&str; 5] = [
    "rds_storage_encrypted",
    "rds_not_publicly_accessible",
    "rds_automated_backups",
    "rds_auto_minor_version_upgrade",
    "rds_deletion_protection",
];

#[tokio::test(flavor = "multi_thread")]
async fn monitoring_detection_and_rds_give_exact_statuses_in_two_regions() {
    let account = TestAccount::new().await;
    seed(&account).await;
    let dir = TempDir::new("monitoring");
    let snapshot_path = dir.path("snapshot.json");
    let report = scan(
        &account,
        &dir,
        &["--save-snapshot", snapshot_path.to_str().unwrap()],
    );

    let mut want = vec![
        ("securityhub_enabled", "Security Hub (us-east-1)", "PASS"),
        ("securityhub_enabled", "Security Hub (eu-west-1)", "FAIL"),
        ("guardduty_enabled", "GuardDuty (us-east-1)", "PASS"),
        ("guardduty_enabled", "GuardDuty (eu-west-1)", "FAIL"),
    ];
    for check in RDS_CHECKS {
        want.push((check, "orders", "PASS"));
        want.push((check, "legacy", "FAIL"));
    }
    let got = statuses(&report);
    let monitoring: Vec<_> = got
        .iter()
        .filter(|((check, _), _)| check.starts_with("cloudwatch_alarm_"))
        .collect();
    assert_eq!(monitoring.len(), 15, "{monitoring:?}");
    let others: BTreeMap<_, _> = got
        .iter()
        .filter(|((check, _), _)| !check.starts_with("cloudwatch_alarm_"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(others, expected(&want));

    // moto cannot answer CloudWatch's RPCv2 CBOR protocol, so DescribeAlarms fails there: every
    // CIS 4.x check is ERROR naming the call, never PASS (their PASS/FAIL logic is verified on
    // fixtures: the check examples and the demo account).
    for finding in report["findings"].as_array().unwrap() {
        if finding["check_id"]
            .as_str()
            .unwrap()
            .starts_with("cloudwatch_alarm_")
        {
            assert_eq!(finding["status"], "ERROR", "{finding}");
            assert_eq!(finding["error"]["permission"], "cloudwatch:DescribeAlarms");
        }
    }
    // The filters on the trail's log group (us-east-1) are joined to the account; the one on
    // a same-named group in another region is not.
    let snapshot: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&snapshot_path).unwrap()).unwrap();
    let account_trails = snapshot["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "aws.cloudtrail.account")
        .unwrap();
    let filters: Vec<&str> = account_trails["attributes"]["metric_filters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["filter"].as_str().unwrap())
        .collect();
    assert_eq!(filters, ["root-usage", "trail-changes"]);
    let root = &account_trails["attributes"]["metric_filters"][0]["pattern"];
    assert_eq!(
        root,
        "{$.userIdentity.type=Root&&$.userIdentity.invokedByNOTEXISTS&&$.eventType!=AwsServiceEvent}"
    );
    let calls = snapshot["collection"]["api_calls"].as_object().unwrap();
    assert_eq!(calls["logs:DescribeMetricFilters"], 2);
    assert_eq!(calls["rds:DescribeDBInstances"], 2);
    assert_eq!(calls["securityhub:DescribeHub"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn denied_calls_turn_exactly_the_affected_findings_to_error() {
    let account = TestAccount::new().await;
    seed(&account).await;
    account.deny_in("rds:DescribeDBInstances", "eu-west-1");
    account.deny_in("securityhub:DescribeHub", "eu-west-1");
    account.deny_in("guardduty:ListDetectors", "us-east-1");
    let dir = TempDir::new("monitoring-denied");
    let report = scan(&account, &dir, &[]);
    let got = statuses(&report);

    let mut want = vec![
        ("securityhub_enabled", "Security Hub (us-east-1)", "PASS"),
        // Denied is not "not subscribed": ERROR, never FAIL or PASS.
        ("securityhub_enabled", "Security Hub (eu-west-1)", "ERROR"),
        ("guardduty_enabled", "GuardDuty (us-east-1)", "ERROR"),
        ("guardduty_enabled", "GuardDuty (eu-west-1)", "FAIL"),
    ];
    for check in RDS_CHECKS {
        want.push((check, "orders", "PASS"));
        want.push((check, "all aws.rds.db_instance in eu-west-1", "ERROR"));
    }
    let others: BTreeMap<_, _> = got
        .into_iter()
        .filter(|((check, _), _)| !check.starts_with("cloudwatch_alarm_"))
        .collect();
    assert_eq!(others, expected(&want));
    let permissions: std::collections::BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["status"] == "ERROR" && !f["check_id"].as_str().unwrap().starts_with("cloudwatch_")
        })
        .map(|f| f["error"]["permission"].as_str().unwrap())
        .collect();
    assert_eq!(
        permissions,
        [
            "guardduty:ListDetectors",
            "rds:DescribeDBInstances",
            "securityhub:DescribeHub"
        ]
        .into_iter()
        .collect()
    );
}
