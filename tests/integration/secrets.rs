//! Secrets Manager secrets and SQS queues against moto: rotation, unused secrets, queue
//! encryption and public queue policies (through the one policy analysis); a denied listing
//! or attribute read turns exactly its checks into ERROR.

use crate::harness::{TempDir, TestAccount, scan_checks, status_of};
use aws_sdk_sqs::types::QueueAttributeName;

#[tokio::test(flavor = "multi_thread")]
async fn secrets_and_queues() {
    let account = TestAccount::new().await;
    let base = account.sdk_config().await;
    let secrets = aws_sdk_secretsmanager::Client::new(&base);
    secrets
        .create_secret()
        .name("db-password")
        .secret_string("correct-horse")
        .send()
        .await
        .unwrap();
    let sqs = aws_sdk_sqs::Client::new(&base);
    sqs.create_queue()
        .queue_name("orders")
        .attributes(QueueAttributeName::SqsManagedSseEnabled, "true")
        .send()
        .await
        .unwrap();
    let open = sqs
        .create_queue()
        .queue_name("inbox")
        .attributes(QueueAttributeName::SqsManagedSseEnabled, "false")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    sqs.set_queue_attributes()
        .queue_url(&open)
        .attributes(
            QueueAttributeName::Policy,
            format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:{}:inbox"}}]}}"#,
                account.id
            ),
        )
        .send()
        .await
        .unwrap();

    let dir = TempDir::new("secrets");
    let scan =
        |name: &str| scan_checks(&account, &dir, name, "us-east-1", "secretsmanager_*,sqs_*");
    let got = scan("scan.json");
    for (check, name, expected) in [
        ("secretsmanager_rotation_enabled", "db-password", "FAIL"),
        (
            "secretsmanager_rotation_on_schedule",
            "db-password",
            "NOT_APPLICABLE",
        ),
        ("secretsmanager_secret_used", "db-password", "PASS"),
        ("secretsmanager_rotated_recently", "db-password", "PASS"),
        ("sqs_queue_encrypted", "orders", "PASS"),
        ("sqs_queue_encrypted", "inbox", "FAIL"),
        ("sqs_queue_not_public", "orders", "PASS"),
        ("sqs_queue_not_public", "inbox", "FAIL"),
    ] {
        assert_eq!(status_of(&got, check, name), expected, "{check} {name}");
    }

    account.deny("secretsmanager:ListSecrets");
    account.deny("sqs:GetQueueAttributes");
    let denied = scan("denied.json");
    assert!(!denied.is_empty());
    for ((check, name), status) in &denied {
        assert_eq!(status, "ERROR", "{check} {name}");
    }
}
