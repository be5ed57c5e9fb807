//! Redshift clusters against moto: public access, encryption, snapshot retention, version
//! upgrades, enhanced VPC routing, the default admin name and audit logging (one
//! DescribeLoggingStatus per cluster). moto does not return MultiAZ: unknown, so ERROR. A
//! denied logging read turns exactly the audit-logging check into ERROR.

use crate::harness::{TempDir, TestAccount, scan_checks, status_of};

const CHECKS: &str = "redshift_*";

#[tokio::test(flavor = "multi_thread")]
async fn clusters_settings_and_audit_logging() {
    let account = TestAccount::new().await;
    let client = aws_sdk_redshift::Client::new(&account.sdk_config().await);
    for (id, hardened) in [("secure", true), ("open", false)] {
        client
            .create_cluster()
            .cluster_identifier(id)
            .node_type("ra3.xlplus")
            .cluster_type("single-node")
            .master_username(if hardened { "wh_admin" } else { "awsuser" })
            .master_user_password("Passw0rd-not-real")
            .publicly_accessible(!hardened)
            .encrypted(hardened)
            .automated_snapshot_retention_period(if hardened { 7 } else { 1 })
            .allow_version_upgrade(hardened)
            .enhanced_vpc_routing(hardened)
            .send()
            .await
            .unwrap();
    }
    client
        .enable_logging()
        .cluster_identifier("secure")
        .bucket_name("audit-logs")
        .send()
        .await
        .unwrap();

    let dir = TempDir::new("warehouse");
    let got = scan_checks(&account, &dir, "scan.json", "us-east-1", CHECKS);
    for (check, secure, open) in [
        ("redshift_cluster_not_public", "PASS", "FAIL"),
        ("redshift_cluster_encrypted", "PASS", "FAIL"),
        ("redshift_cluster_automatic_snapshots", "PASS", "FAIL"),
        ("redshift_cluster_major_version_upgrade", "PASS", "FAIL"),
        ("redshift_cluster_enhanced_vpc_routing", "PASS", "FAIL"),
        ("redshift_cluster_custom_admin_username", "PASS", "FAIL"),
        ("redshift_cluster_audit_logging", "PASS", "FAIL"),
        ("redshift_cluster_multi_az", "ERROR", "ERROR"),
    ] {
        assert_eq!(status_of(&got, check, "secure"), secure, "{check}");
        assert_eq!(status_of(&got, check, "open"), open, "{check}");
    }

    account.deny("redshift:DescribeLoggingStatus");
    let denied = scan_checks(&account, &dir, "denied.json", "us-east-1", CHECKS);
    for ((check, name), status) in &denied {
        let expected = if check == "redshift_cluster_audit_logging" {
            "ERROR"
        } else {
            got[&(check.clone(), name.clone())].as_str()
        };
        assert_eq!(status, expected, "{check} {name}");
    }
}
