//! SNS topics and EFS access points against moto: encryption, delivery-status logging and
//! public topic policies (through the one policy analysis), access points' root directory and
//! user identity; denied per-resource reads give ERROR for exactly their checks.

use crate::harness::{TempDir, TestAccount, scan_checks, status_of};
use aws_sdk_efs::types::{PosixUser, RootDirectory};

#[tokio::test(flavor = "multi_thread")]
async fn topics_and_access_points() {
    let account = TestAccount::new().await;
    let base = account.sdk_config().await;
    let sns = aws_sdk_sns::Client::new(&base);
    let guarded = sns
        .create_topic()
        .name("guarded")
        .attributes("KmsMasterKeyId", "alias/aws/sns")
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    sns.set_topic_attributes()
        .topic_arn(&guarded)
        .attribute_name("HTTPFailureFeedbackRoleArn")
        .attribute_value(format!("arn:aws:iam::{}:role/sns-logs", account.id))
        .send()
        .await
        .unwrap();
    let open = sns
        .create_topic()
        .name("open")
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    sns.set_topic_attributes()
        .topic_arn(&open)
        .attribute_name("Policy")
        .attribute_value(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"sns:Publish","Resource":"{open}"}}]}}"#
        ))
        .send()
        .await
        .unwrap();

    let efs = aws_sdk_efs::Client::new(&base);
    let fs = efs
        .create_file_system()
        .creation_token("shared")
        .encrypted(true)
        .send()
        .await
        .unwrap()
        .file_system_id;
    efs.create_access_point()
        .file_system_id(&fs)
        .tags(
            aws_sdk_efs::types::Tag::builder()
                .key("Name")
                .value("app")
                .build()
                .unwrap(),
        )
        .root_directory(RootDirectory::builder().path("/app").build())
        .posix_user(PosixUser::builder().uid(1000).gid(1000).build().unwrap())
        .send()
        .await
        .unwrap();
    efs.create_access_point()
        .file_system_id(&fs)
        .tags(
            aws_sdk_efs::types::Tag::builder()
                .key("Name")
                .value("everything")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    let dir = TempDir::new("messaging");
    let scan = |name: &str| scan_checks(&account, &dir, name, "us-east-1", "sns_*,efs_*");
    let got = scan("scan.json");
    for (check, name, expected) in [
        ("sns_topic_encrypted", "guarded", "PASS"),
        ("sns_topic_encrypted", "open", "FAIL"),
        // moto stores feedback roles but never returns them: PASS is verified on examples.
        ("sns_topic_delivery_status_logging", "guarded", "FAIL"),
        ("sns_topic_delivery_status_logging", "open", "FAIL"),
        ("sns_topic_not_public", "guarded", "PASS"),
        ("sns_topic_not_public", "open", "FAIL"),
        ("efs_access_point_root_directory", "app", "PASS"),
        ("efs_access_point_root_directory", "everything", "FAIL"),
        ("efs_access_point_user_identity", "app", "PASS"),
        ("efs_access_point_user_identity", "everything", "FAIL"),
    ] {
        assert_eq!(status_of(&got, check, name), expected, "{check} {name}");
    }

    // Topic attributes and access points denied: their checks are ERROR, the file system's
    // encryption check is not.
    account.deny("sns:GetTopicAttributes");
    account.deny("elasticfilesystem:DescribeAccessPoints");
    let denied = scan("denied.json");
    for ((check, name), status) in &denied {
        let expected = if check == "efs_encrypted_at_rest" {
            "PASS"
        } else {
            "ERROR"
        };
        assert_eq!(status, expected, "{check} {name}");
    }
    assert!(
        denied
            .keys()
            .any(|(check, _)| check == "sns_topic_not_public")
    );
}
