//! S3 data-protection settings against moto: replication, lifecycle, event notifications,
//! Object Lock and grants to other accounts, each read only when a selected check needs it,
//! and one denied read turning exactly its checks into ERROR.

use crate::harness::{TempDir, TestAccount, s3_client, scan_report};
use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, BucketVersioningStatus, DeleteMarkerReplication,
    DeleteMarkerReplicationStatus, Destination, Event, ExpirationStatus, LifecycleExpiration,
    LifecycleRule, LifecycleRuleFilter, NotificationConfiguration, QueueConfiguration,
    ReplicationConfiguration, ReplicationRule, ReplicationRuleFilter, ReplicationRuleStatus,
    VersioningConfiguration,
};
use std::collections::BTreeMap;

const CHECKS: [&str; 6] = [
    "s3_bucket_cross_account_restricted",
    "s3_bucket_replication",
    "s3_bucket_lifecycle",
    "s3_bucket_versioned_lifecycle",
    "s3_bucket_event_notifications",
    "s3_bucket_object_lock",
];

/// `(check, bucket) → status` for the checks above.
fn statuses(report: &serde_json::Value) -> BTreeMap<(String, String), String> {
    crate::harness::statuses(report)
        .into_iter()
        .filter(|((check, _), _)| CHECKS.contains(&check.as_str()))
        .collect()
}

async fn versioned(s3: &aws_sdk_s3::Client, bucket: &str) {
    set_versioning(s3, bucket, BucketVersioningStatus::Enabled).await;
}

async fn set_versioning(s3: &aws_sdk_s3::Client, bucket: &str, status: BucketVersioningStatus) {
    s3.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(VersioningConfiguration::builder().status(status).build())
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn data_protection_settings_of_buckets() {
    let account = TestAccount::new().await;
    let s3 = s3_client(&account.sdk_config().await, "us-east-1");
    let (guarded, plain, replica) = (
        format!("guarded-{}", account.id),
        format!("plain-{}", account.id),
        format!("replica-{}", account.id),
    );
    s3.create_bucket()
        .bucket(&guarded)
        .object_lock_enabled_for_bucket(true)
        .send()
        .await
        .unwrap();
    for bucket in [&plain, &replica] {
        s3.create_bucket().bucket(bucket).send().await.unwrap();
    }
    for bucket in [&guarded, &replica, &plain] {
        versioned(&s3, bucket).await;
    }
    s3.put_bucket_replication()
        .bucket(&guarded)
        .replication_configuration(
            ReplicationConfiguration::builder()
                .role(format!("arn:aws:iam::{}:role/replication", account.id))
                .rules(
                    ReplicationRule::builder()
                        .id("all")
                        .status(ReplicationRuleStatus::Enabled)
                        .filter(ReplicationRuleFilter::builder().prefix("").build())
                        .delete_marker_replication(
                            DeleteMarkerReplication::builder()
                                .status(DeleteMarkerReplicationStatus::Disabled)
                                .build(),
                        )
                        .destination(
                            Destination::builder()
                                .bucket(format!("arn:aws:s3:::{replica}"))
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    s3.put_bucket_lifecycle_configuration()
        .bucket(&guarded)
        .lifecycle_configuration(
            BucketLifecycleConfiguration::builder()
                .rules(
                    LifecycleRule::builder()
                        .id("expire")
                        .status(ExpirationStatus::Enabled)
                        .filter(LifecycleRuleFilter::builder().prefix("").build())
                        .expiration(LifecycleExpiration::builder().days(365).build())
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    s3.put_bucket_notification_configuration()
        .bucket(&guarded)
        .notification_configuration(
            // moto keeps an EventBridge configuration but does not return it: a queue.
            NotificationConfiguration::builder()
                .queue_configurations(
                    QueueConfiguration::builder()
                        .queue_arn(format!("arn:aws:sqs:us-east-1:{}:uploads", account.id))
                        .events(Event::S3ObjectCreated)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    // Another account may rewrite the plain bucket's policy: FAIL; the guarded one grants
    // another account only reads: PASS.
    let grant = |bucket: &str, action: &str| {
        format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::444455556666:root"}},"Action":"{action}","Resource":["arn:aws:s3:::{bucket}","arn:aws:s3:::{bucket}/*"]}}]}}"#
        )
    };
    for (bucket, action) in [(&plain, "s3:Put*"), (&guarded, "s3:GetObject")] {
        s3.put_bucket_policy()
            .bucket(bucket)
            .policy(grant(bucket, action))
            .send()
            .await
            .unwrap();
    }

    let dir = TempDir::new("storage");
    let scan = |name: &str| {
        let mut command = account.lockdown();
        command.args(["scan", "--quiet", "--checks", &CHECKS.join(",")]);
        scan_report(&mut command, &dir.path(name))
    };
    let got = statuses(&scan("scan.json"));
    let expect = |bucket: &str, statuses: [&str; 6]| {
        for (check, status) in CHECKS.iter().zip(statuses) {
            assert_eq!(
                got[&((*check).to_owned(), bucket.to_owned())],
                status,
                "{check} {bucket}: {got:?}"
            );
        }
    };
    expect(&guarded, ["PASS", "PASS", "PASS", "PASS", "PASS", "PASS"]);
    expect(&plain, ["FAIL", "FAIL", "FAIL", "FAIL", "FAIL", "FAIL"]);

    // Lifecycle reads denied: the two lifecycle checks are ERROR for every bucket, naming the
    // permission; the other four keep their statuses.
    account.deny("s3:GetBucketLifecycleConfiguration");
    let report = scan("denied.json");
    let denied = statuses(&report);
    for ((check, bucket), status) in &denied {
        if check.contains("lifecycle") {
            assert_eq!(status, "ERROR", "{check} {bucket}");
        } else {
            assert_eq!(
                status,
                &got[&(check.clone(), bucket.clone())],
                "{check} {bucket}"
            );
        }
    }
    let reason = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check_id"] == "s3_bucket_lifecycle")
        .unwrap()["reason"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(reason.contains("s3:GetLifecycleConfiguration"), "{reason}");
}

/// Object Lock and replication need versioning Enabled, and S3 refuses to change the
/// versioning state of a bucket with either: when versioning is read (a selected check reads
/// it), a bucket read as unversioned (never versioned, or suspended) is not asked for them, and
/// its findings say where the value came from.
#[tokio::test(flavor = "multi_thread")]
async fn unversioned_buckets_are_not_asked_for_object_lock_or_replication() {
    let account = TestAccount::new().await;
    let s3 = s3_client(&account.sdk_config().await, "us-east-1");
    let (never, suspended, locked) = (
        format!("never-{}", account.id),
        format!("suspended-{}", account.id),
        format!("locked-{}", account.id),
    );
    for bucket in [&never, &suspended] {
        s3.create_bucket().bucket(bucket).send().await.unwrap();
    }
    versioned(&s3, &suspended).await;
    set_versioning(&s3, &suspended, BucketVersioningStatus::Suspended).await;
    s3.create_bucket()
        .bucket(&locked)
        .object_lock_enabled_for_bucket(true)
        .send()
        .await
        .unwrap();

    let dir = TempDir::new("unversioned");
    let mut command = account.lockdown();
    command.args([
        "scan",
        "--quiet",
        "--checks",
        "s3_bucket_object_lock,s3_bucket_replication,s3_bucket_versioning",
    ]);
    let report = scan_report(&mut command, &dir.path("scan.json"));
    let calls = &report["collection"]["api_calls"];
    assert_eq!(calls["s3:GetBucketVersioning"], 3, "{calls}");
    assert_eq!(calls["s3:GetObjectLockConfiguration"], 1, "{calls}");
    assert_eq!(calls["s3:GetBucketReplication"], 1, "{calls}");
    let got = crate::harness::statuses(&report);
    let status = |check: &str, bucket: &str| crate::harness::status_of(&got, check, bucket);
    for bucket in [&never, &suspended] {
        assert_eq!(status("s3_bucket_object_lock", bucket), "FAIL");
        assert_eq!(status("s3_bucket_replication", bucket), "FAIL");
    }
    assert_eq!(status("s3_bucket_object_lock", &locked), "PASS");
    assert_eq!(status("s3_bucket_replication", &locked), "FAIL");
    let evidence = |check: &str, bucket: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["check_id"] == check && f["resource"]["name"] == bucket)
            .unwrap()["evidence"]
            .clone()
    };
    let source = evidence("s3_bucket_object_lock", &suspended)["_sources"]["object_lock"].clone();
    assert!(
        source
            .as_str()
            .is_some_and(|s| s.contains("derived from versioning (Suspended)")),
        "{source}"
    );
    assert!(evidence("s3_bucket_object_lock", &locked)["_sources"].is_null());
}
