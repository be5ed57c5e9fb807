//! The account's security contact against moto: none registered (FAIL), registered (PASS),
//! and GetAlternateContact denied (ERROR, never FAIL).

use crate::harness::{TempDir, TestAccount, scan_checks};
use aws_sdk_account::types::AlternateContactType;

#[tokio::test(flavor = "multi_thread")]
async fn security_contact() {
    let account = TestAccount::new().await;
    let dir = TempDir::new("security-contact");
    let contacts = format!("Contacts of account {}", account.id);
    let scan = |file: &str| scan_checks(&account, &dir, file, "us-east-1", "account_*");
    let only = |status: &str, name: &str| {
        [(
            ("account_security_contact".to_owned(), name.to_owned()),
            status.to_owned(),
        )]
        .into_iter()
        .collect()
    };
    assert_eq!(scan("none.json"), only("FAIL", &contacts));

    aws_sdk_account::Client::new(&account.sdk_config().await)
        .put_alternate_contact()
        .alternate_contact_type(AlternateContactType::Security)
        .name("Security team")
        .title("Security")
        .email_address("security@example.com")
        .phone_number("+1-555-0100")
        .send()
        .await
        .unwrap();
    assert_eq!(scan("registered.json"), only("PASS", &contacts));

    // Denied: the contacts are not listed at all, so the check is ERROR on the whole type.
    account.deny("account:GetAlternateContact");
    assert_eq!(
        scan("denied.json"),
        only("ERROR", "all aws.account.contacts in global")
    );
}
