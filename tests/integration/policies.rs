//! Identity-policy breadth (whole-service wildcards, decryption with every KMS key), IAM users'
//! MFA and GuardDuty protection plans against moto; a denied GetDetector makes the plan
//! checks ERROR.

use crate::harness::{TempDir, TestAccount, scan_checks, status_of};
use aws_sdk_guardduty::types::{DetectorFeature, DetectorFeatureConfiguration, FeatureStatus};

#[tokio::test(flavor = "multi_thread")]
async fn policy_breadth_user_mfa_and_guardduty_plans() {
    let account = TestAccount::new().await;
    let base = account.sdk_config().await;
    let iam = aws_sdk_iam::Client::new(&base);
    for (name, document) in [
        (
            "decrypt-everything",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}"#,
        ),
        (
            "bucket-admin",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::data/*"}]}"#,
        ),
        (
            "narrow",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Decrypt","s3:GetObject"],"Resource":"arn:aws:kms:us-east-1:111122223333:key/1"}]}"#,
        ),
    ] {
        iam.create_policy()
            .policy_name(name)
            .policy_document(document)
            .send()
            .await
            .unwrap();
    }
    iam.create_user().user_name("no-mfa").send().await.unwrap();
    aws_sdk_guardduty::Client::new(&base)
        .create_detector()
        .enable(true)
        .features(
            DetectorFeatureConfiguration::builder()
                .name(DetectorFeature::S3DataEvents)
                .status(FeatureStatus::Enabled)
                .build(),
        )
        // Runtime Monitoring with the agent managed for EC2 only.
        .features(
            DetectorFeatureConfiguration::builder()
                .name(DetectorFeature::RuntimeMonitoring)
                .status(FeatureStatus::Enabled)
                .additional_configuration(
                    aws_sdk_guardduty::types::DetectorAdditionalConfiguration::builder()
                        .name(aws_sdk_guardduty::types::FeatureAdditionalConfiguration::Ec2AgentManagement)
                        .status(FeatureStatus::Enabled)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();

    let dir = TempDir::new("policies");
    let scan = |name: &str| {
        scan_checks(
            &account,
            &dir,
            name,
            "us-east-1",
            "kms_customer_policy_no_decrypt_all,iam_customer_policy_no_service_wildcards,iam_user_mfa_enabled,guardduty_*",
        )
    };
    let got = scan("scan.json");
    for (check, name, expected) in [
        (
            "kms_customer_policy_no_decrypt_all",
            "decrypt-everything",
            "FAIL",
        ),
        ("kms_customer_policy_no_decrypt_all", "narrow", "PASS"),
        ("kms_customer_policy_no_decrypt_all", "bucket-admin", "PASS"),
        (
            "iam_customer_policy_no_service_wildcards",
            "bucket-admin",
            "FAIL",
        ),
        ("iam_customer_policy_no_service_wildcards", "narrow", "PASS"),
        ("iam_user_mfa_enabled", "no-mfa", "FAIL"),
        ("guardduty_s3_protection", "GuardDuty (us-east-1)", "PASS"),
        ("guardduty_rds_protection", "GuardDuty (us-east-1)", "FAIL"),
        (
            "guardduty_runtime_monitoring",
            "GuardDuty (us-east-1)",
            "PASS",
        ),
        (
            "guardduty_ec2_runtime_monitoring",
            "GuardDuty (us-east-1)",
            "PASS",
        ),
        (
            "guardduty_ecs_runtime_monitoring",
            "GuardDuty (us-east-1)",
            "FAIL",
        ),
        (
            "guardduty_eks_runtime_monitoring",
            "GuardDuty (us-east-1)",
            "FAIL",
        ),
        ("guardduty_eks_audit_logs", "GuardDuty (us-east-1)", "FAIL"),
        (
            "guardduty_lambda_protection",
            "GuardDuty (us-east-1)",
            "FAIL",
        ),
        (
            "guardduty_ec2_malware_protection",
            "GuardDuty (us-east-1)",
            "FAIL",
        ),
    ] {
        assert_eq!(status_of(&got, check, name), expected, "{check} {name}");
    }

    account.deny("guardduty:GetDetector");
    let denied = scan("denied.json");
    for check in [
        "guardduty_s3_protection",
        "guardduty_rds_protection",
        "guardduty_ec2_runtime_monitoring",
        "guardduty_lambda_protection",
    ] {
        assert_eq!(
            status_of(&denied, check, "GuardDuty (us-east-1)"),
            "ERROR",
            "{check}"
        );
    }
    assert_eq!(
        status_of(
            &denied,
            "kms_customer_policy_no_decrypt_all",
            "decrypt-everything"
        ),
        "FAIL"
    );
}
