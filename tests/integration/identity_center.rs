//! IAM Identity Center against moto (it creates an instance per region): permission sets with
//! their session durations, AWS managed, inline and customer-managed policies, assignments to
//! users and groups (group members counted through the identity store), and IAM users with
//! console passwords beside Identity Center. Denied reads give ERROR for exactly what they
//! provide, never PASS or NOT_APPLICABLE.

use crate::harness::{TempDir, TestAccount, scan_checks, status_of};
use aws_sdk_ssoadmin::types::{
    CustomerManagedPolicyReference, PrincipalType, ProvisionTargetType, TargetType,
};

const CHECKS: &str = "sso_*";
const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

/// A permission set: name, session duration, managed policy, inline policy, customer-managed
/// policy reference, and its holders (`"user:NAME"` or `"group:NAME"`).
struct Seed {
    name: &'static str,
    session: &'static str,
    managed: Option<&'static str>,
    inline: Option<&'static str>,
    customer: Option<&'static str>,
    holders: &'static [&'static str],
}

#[tokio::test(flavor = "multi_thread")]
async fn permission_sets_assignments_and_console_users() {
    let account = TestAccount::new().await;
    let config = account.sdk_config().await;
    let admin = aws_sdk_ssoadmin::Client::new(&config);
    let store = aws_sdk_identitystore::Client::new(&config);
    let instance = admin.list_instances().send().await.unwrap().instances()[0].clone();
    let (instance_arn, store_id) = (
        instance.instance_arn().unwrap(),
        instance.identity_store_id().unwrap(),
    );
    let mut principals = std::collections::BTreeMap::new();
    for user in ["ana", "ben", "cho", "dev", "eve", "fay", "gus"] {
        let id = store
            .create_user()
            .identity_store_id(store_id)
            .user_name(user)
            .display_name(user)
            .name(
                aws_sdk_identitystore::types::Name::builder()
                    .given_name(user)
                    .family_name("x")
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .user_id;
        principals.insert(format!("user:{user}"), id);
    }
    for (group, members) in [
        ("engineers", &["ana", "ben", "cho", "dev", "eve", "fay"][..]),
        ("break-glass", &["gus"][..]),
    ] {
        let id = store
            .create_group()
            .identity_store_id(store_id)
            .display_name(group)
            .send()
            .await
            .unwrap()
            .group_id;
        for member in members {
            store
                .create_group_membership()
                .identity_store_id(store_id)
                .group_id(&id)
                .member_id(aws_sdk_identitystore::types::MemberId::UserId(
                    principals[&format!("user:{member}")].clone(),
                ))
                .send()
                .await
                .unwrap();
        }
        principals.insert(format!("group:{group}"), id);
    }
    let everything =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let seeds = [
        Seed {
            name: "ReadOnly",
            session: "PT4H",
            managed: Some("arn:aws:iam::aws:policy/ReadOnlyAccess"),
            inline: None,
            customer: None,
            holders: &["group:engineers"],
        },
        Seed {
            name: "EngineersAdmin",
            session: "PT12H",
            managed: Some(ADMIN),
            inline: None,
            customer: None,
            holders: &["group:engineers"],
        },
        Seed {
            name: "BreakGlass",
            session: "PT1H",
            managed: Some(ADMIN),
            inline: None,
            customer: None,
            holders: &["group:break-glass", "user:ana"],
        },
        Seed {
            name: "HiddenAdmin",
            session: "PT2H",
            managed: None,
            inline: Some(everything),
            customer: None,
            holders: &["group:break-glass"],
        },
        Seed {
            name: "Custom",
            session: "PT2H",
            managed: None,
            inline: None,
            customer: Some("team-boundary"),
            holders: &["group:break-glass"],
        },
    ];
    for seed in &seeds {
        let set = admin
            .create_permission_set()
            .instance_arn(instance_arn)
            .name(seed.name)
            .session_duration(seed.session)
            .send()
            .await
            .unwrap()
            .permission_set
            .unwrap()
            .permission_set_arn
            .unwrap();
        if let Some(policy) = seed.managed {
            admin
                .attach_managed_policy_to_permission_set()
                .instance_arn(instance_arn)
                .permission_set_arn(&set)
                .managed_policy_arn(policy)
                .send()
                .await
                .unwrap();
        }
        if let Some(policy) = seed.inline {
            admin
                .put_inline_policy_to_permission_set()
                .instance_arn(instance_arn)
                .permission_set_arn(&set)
                .inline_policy(policy)
                .send()
                .await
                .unwrap();
        }
        if let Some(name) = seed.customer {
            admin
                .attach_customer_managed_policy_reference_to_permission_set()
                .instance_arn(instance_arn)
                .permission_set_arn(&set)
                .customer_managed_policy_reference(
                    CustomerManagedPolicyReference::builder()
                        .name(name)
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .unwrap();
        }
        for holder in seed.holders {
            let kind = if holder.starts_with("group:") {
                PrincipalType::Group
            } else {
                PrincipalType::User
            };
            admin
                .create_account_assignment()
                .instance_arn(instance_arn)
                .permission_set_arn(&set)
                .target_id(&account.id)
                .target_type(TargetType::AwsAccount)
                .principal_type(kind)
                .principal_id(&principals[*holder])
                .send()
                .await
                .unwrap();
        }
        admin
            .provision_permission_set()
            .instance_arn(instance_arn)
            .permission_set_arn(&set)
            .target_type(ProvisionTargetType::AllProvisionedAccounts)
            .send()
            .await
            .unwrap();
    }
    let iam = aws_sdk_iam::Client::new(&config);
    iam.create_user()
        .user_name("legacy-console")
        .send()
        .await
        .unwrap();
    iam.create_login_profile()
        .user_name("legacy-console")
        .password("Not-a-real-passw0rd")
        .send()
        .await
        .unwrap();

    let dir = TempDir::new("identity-center");
    let got = scan_checks(&account, &dir, "scan.json", "us-east-1", CHECKS);
    let expected = [
        ("sso_permission_set_session_duration", "ReadOnly", "PASS"),
        (
            "sso_permission_set_session_duration",
            "EngineersAdmin",
            "FAIL",
        ),
        (
            "sso_permission_set_no_inline_full_admin",
            "ReadOnly",
            "PASS",
        ),
        (
            "sso_permission_set_no_inline_full_admin",
            "HiddenAdmin",
            "FAIL",
        ),
        (
            "sso_admin_permission_set_few_users",
            "ReadOnly",
            "NOT_APPLICABLE",
        ),
        (
            "sso_admin_permission_set_few_users",
            "EngineersAdmin",
            "FAIL",
        ),
        ("sso_admin_permission_set_few_users", "BreakGlass", "PASS"),
        ("sso_admin_permission_set_few_users", "HiddenAdmin", "PASS"),
        // A customer-managed policy's document is not read here: unknown, never N/A.
        ("sso_admin_permission_set_few_users", "Custom", "ERROR"),
        (
            "sso_permission_set_assigned_to_groups",
            "EngineersAdmin",
            "PASS",
        ),
        (
            "sso_permission_set_assigned_to_groups",
            "BreakGlass",
            "FAIL",
        ),
    ];
    for (check, name, status) in expected {
        assert_eq!(status_of(&got, check, name), status, "{check} {name}");
    }
    let console = got
        .iter()
        .find(|((check, _), _)| check == "sso_no_iam_console_users")
        .map(|(_, status)| status.as_str());
    assert_eq!(console, Some("FAIL"), "{got:?}");

    // Group members unread: the people a set reaches are unknown wherever a group holds it.
    account.deny("identitystore:ListGroupMemberships");
    let denied = scan_checks(&account, &dir, "denied.json", "us-east-1", CHECKS);
    for ((check, name), status) in &denied {
        let expected = if check == "sso_admin_permission_set_few_users" {
            "ERROR"
        } else {
            got[&(check.clone(), name.clone())].as_str()
        };
        assert_eq!(status, expected, "{check} {name}");
    }
    // The credential report denied: the console users beside Identity Center are unknown.
    account.deny("iam:GetCredentialReport");
    let denied = scan_checks(
        &account,
        &dir,
        "no-report.json",
        "us-east-1",
        "sso_no_iam_console_users",
    );
    assert!(
        !denied.is_empty() && denied.values().all(|s| s == "ERROR"),
        "{denied:?}"
    );
}
