//! IAM: the credential report, authorization details, password policy, account summary, MFA
//! devices, attached AWS managed policies and server certificates, in as few calls as the
//! data allows (GetAccountAuthorizationDetails instead of per-principal listing, the
//! credential report instead of per-user key and login-profile calls).

use super::{CallError, CallRecorder, Collected, affects, drain, utc};
use crate::attributes;
use crate::inventory::credential_report::{self, ROOT_ROW};
use crate::inventory::iam::{
    self, AUTHORIZATION_ATTRIBUTES, CREDENTIAL_REPORT_ATTRIBUTES, MfaDevice,
};
use crate::inventory::policy::{PolicyDocument, decode_document};
use crate::inventory::{Account, Affected, ErrorKind, GLOBAL_REGION, Resource, ResourceData};
use aws_config::SdkConfig;
use aws_sdk_iam::Client;
use aws_sdk_iam::types::{
    EntityType, ManagedPolicyDetail, PolicyDetail, PolicyScopeType, ReportStateType, SummaryKeyType,
};
use futures::StreamExt;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &[
    "iam:GenerateCredentialReport",
    "iam:GetAccountAuthorizationDetails",
    "iam:GetAccountPasswordPolicy",
    "iam:GetAccountSummary",
    "iam:GetCredentialReport",
    "iam:GetPolicyVersion",
    "iam:ListMFADevices",
    "iam:ListPolicies",
    "iam:ListServerCertificates",
    "iam:ListVirtualMFADevices",
];

const SUPPORT_POLICY_SUFFIX: &str = ":policy/AWSSupportAccess";
/// How long to wait for IAM to generate the credential report.
const REPORT_WAIT: Duration = Duration::from_secs(120);
/// Concurrent per-policy and per-user calls.
const FAN_OUT: usize = 8;

/// The entities of GetAccountAuthorizationDetails, all pages merged.
#[derive(Default)]
struct AuthorizationDetails {
    users: Vec<aws_sdk_iam::types::UserDetail>,
    groups: Vec<aws_sdk_iam::types::GroupDetail>,
    roles: Vec<aws_sdk_iam::types::RoleDetail>,
    policies: Vec<ManagedPolicyDetail>,
}

/// The credential report's rows and when IAM generated it.
struct CredentialReport {
    rows: Vec<credential_report::Row>,
    generated_at: Option<chrono::DateTime<chrono::Utc>>,
}

async fn credential_report(client: &Client) -> Result<CredentialReport, CallError> {
    let deadline = tokio::time::Instant::now() + REPORT_WAIT;
    let mut wait = Duration::from_millis(250);
    loop {
        let state = client
            .generate_credential_report()
            .send()
            .await
            .map_err(|e| CallError::from_sdk("iam:GenerateCredentialReport", &e))?
            .state;
        if state == Some(ReportStateType::Complete) {
            break;
        }
        if tokio::time::Instant::now() + wait > deadline {
            return Err(CallError::data(
                "iam:GenerateCredentialReport",
                ErrorKind::Timeout,
                format!(
                    "the credential report was not ready after {}s",
                    REPORT_WAIT.as_secs()
                ),
            ));
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(4));
    }
    let report = client
        .get_credential_report()
        .send()
        .await
        .map_err(|e| CallError::from_sdk("iam:GetCredentialReport", &e))?;
    let generated_at = report.generated_time.as_ref().and_then(utc);
    let content = report.content.map(|b| b.into_inner()).unwrap_or_default();
    let rows = credential_report::parse(&content).map_err(|e| {
        CallError::data("iam:GetCredentialReport", ErrorKind::Decode, e.to_string())
    })?;
    Ok(CredentialReport { rows, generated_at })
}

async fn authorization_details(client: &Client) -> Result<AuthorizationDetails, CallError> {
    let mut pages = client
        .get_account_authorization_details()
        .filter(EntityType::User)
        .filter(EntityType::Group)
        .filter(EntityType::Role)
        .filter(EntityType::LocalManagedPolicy)
        .max_items(1000)
        .into_paginator()
        .send();
    let mut details = AuthorizationDetails::default();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| CallError::from_sdk("iam:GetAccountAuthorizationDetails", &e))?;
        details
            .users
            .extend(page.user_detail_list.unwrap_or_default());
        details
            .groups
            .extend(page.group_detail_list.unwrap_or_default());
        details
            .roles
            .extend(page.role_detail_list.unwrap_or_default());
        details.policies.extend(page.policies.unwrap_or_default());
    }
    Ok(details)
}

/// AWS managed policies attached in the account, with their default version's document.
async fn attached_aws_policies(
    client: &Client,
) -> Result<Vec<(aws_sdk_iam::types::Policy, Result<String, CallError>)>, CallError> {
    let stream = client
        .list_policies()
        .scope(PolicyScopeType::Aws)
        .only_attached(true)
        .into_paginator()
        .items()
        .send();
    let policies = drain(stream, "iam:ListPolicies").await?;
    Ok(futures::stream::iter(policies)
        .map(|policy| async move {
            let document = client
                .get_policy_version()
                .policy_arn(policy.arn().unwrap_or_default())
                .version_id(policy.default_version_id().unwrap_or("v1"))
                .send()
                .await
                .map_err(|e| CallError::from_sdk("iam:GetPolicyVersion", &e))
                .map(|out| {
                    out.policy_version
                        .and_then(|v| v.document)
                        .unwrap_or_default()
                });
            (policy, document)
        })
        .buffer_unordered(FAN_OUT)
        .collect()
        .await)
}

async fn password_policy(client: &Client) -> Result<iam::PasswordPolicy, CallError> {
    match client.get_account_password_policy().send().await {
        Ok(out) => {
            let Some(p) = out.password_policy else {
                return Err(CallError::data(
                    "iam:GetAccountPasswordPolicy",
                    ErrorKind::MissingData,
                    "the answer holds no PasswordPolicy",
                ));
            };
            Ok(iam::PasswordPolicy {
                present: true,
                minimum_length: p.minimum_password_length().map(i64::from),
                require_symbols: p.require_symbols(),
                require_numbers: p.require_numbers(),
                require_uppercase: p.require_uppercase_characters(),
                require_lowercase: p.require_lowercase_characters(),
                allow_users_to_change: p.allow_users_to_change_password(),
                expire_passwords: p.expire_passwords(),
                max_password_age: p.max_password_age().map(i64::from),
                password_reuse_prevention: p.password_reuse_prevention().map(i64::from),
                hard_expiry: p.hard_expiry().unwrap_or(false),
            })
        }
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_entity_exception()) =>
        {
            Ok(iam::PasswordPolicy::default())
        }
        Err(e) => Err(CallError::from_sdk("iam:GetAccountPasswordPolicy", &e)),
    }
}

async fn account_summary(client: &Client) -> Result<BTreeMap<String, i64>, CallError> {
    let out = client
        .get_account_summary()
        .send()
        .await
        .map_err(|e| CallError::from_sdk("iam:GetAccountSummary", &e))?;
    Ok(out
        .summary_map
        .unwrap_or_default()
        .into_iter()
        .map(|(key, value): (SummaryKeyType, i32)| (key.as_str().to_owned(), i64::from(value)))
        .collect())
}

/// Virtual MFA devices by the ARN of the user they are assigned to.
async fn virtual_mfa_devices(client: &Client) -> Result<HashMap<String, String>, CallError> {
    let stream = client
        .list_virtual_mfa_devices()
        .into_paginator()
        .items()
        .send();
    let devices = drain(stream, "iam:ListVirtualMFADevices").await?;
    Ok(devices
        .iter()
        .filter_map(|d| {
            d.user()
                .map(|u| (u.arn().to_owned(), d.serial_number().to_owned()))
        })
        .collect())
}

async fn server_certificates(
    client: &Client,
) -> Result<Vec<aws_sdk_iam::types::ServerCertificateMetadata>, CallError> {
    let stream = client
        .list_server_certificates()
        .into_paginator()
        .items()
        .send();
    drain(stream, "iam:ListServerCertificates").await
}

/// Non-virtual MFA devices of users whose MFA is active but who hold no virtual device:
/// the only users for whom a per-user call is needed.
async fn hardware_mfa_devices(
    client: &Client,
    user_names: Vec<String>,
) -> Vec<(String, Result<Vec<String>, CallError>)> {
    futures::stream::iter(user_names)
        .map(|name| async move {
            let serials = client
                .list_mfa_devices()
                .user_name(&name)
                .send()
                .await
                .map_err(|e| CallError::from_sdk("iam:ListMFADevices", &e))
                .map(|out| {
                    out.mfa_devices
                        .into_iter()
                        .map(|d| d.serial_number)
                        .collect()
                });
            (name, serials)
        })
        .buffer_unordered(FAN_OUT)
        .collect()
        .await
}

/// Builds resources in one account, recording each failure against the data it leaves unknown.
struct Builder<'a> {
    account: &'a Account,
    out: &'a mut Collected,
}

impl Builder<'_> {
    fn push(&mut self, arn: String, name: String, data: ResourceData) {
        self.out.resources.push(Resource {
            arn,
            name,
            region: GLOBAL_REGION.to_owned(),
            account_id: self.account.id.clone(),
            data,
            unknown: Default::default(),
            sources: Default::default(),
        });
    }

    fn fail(&mut self, error: &CallError, affected: Vec<Affected>) {
        self.out
            .errors
            .push(error.affecting(GLOBAL_REGION, affected));
    }

    fn arn(&self, suffix: &str) -> String {
        format!(
            "arn:{}:iam::{}:{suffix}",
            self.account.partition, self.account.id
        )
    }

    /// Parses a policy document, recording a decode error against `arn` when it is unreadable.
    fn document(
        &mut self,
        raw: Option<&str>,
        resource_type: &str,
        arn: &str,
        attributes: &[&str],
    ) -> Option<PolicyDocument> {
        match PolicyDocument::parse(&decode_document(raw.unwrap_or_default())) {
            Ok(doc) => Some(doc),
            Err(e) => {
                let error = CallError::data(
                    "iam:GetAccountAuthorizationDetails",
                    ErrorKind::Decode,
                    e.to_string(),
                );
                let mut affected = affects(resource_type, attributes);
                affected.resource_arn = Some(arn.to_owned());
                self.fail(&error, vec![affected]);
                None
            }
        }
    }

    fn managed_policy(
        &mut self,
        arn: String,
        name: String,
        aws_managed: bool,
        attachment_count: Option<i64>,
        default_version: Option<String>,
        raw_document: Option<&str>,
    ) {
        let document = self.document(
            raw_document,
            "aws.iam.managed_policy",
            &arn,
            attributes!(iam::ManagedPolicy: document, grants_full_admin, decrypts_all_keys, service_wildcards),
        );
        let grants_full_admin = document.as_ref().map(PolicyDocument::grants_full_admin);
        let decrypts_all_keys = document.as_ref().map(decrypts_all_keys);
        let service_wildcards = document
            .as_ref()
            .map(PolicyDocument::allowed_service_wildcards);
        let mut missing = Vec::new();
        let attachment_count =
            crate::or_unknown!(missing, iam::ManagedPolicy: attachment_count = attachment_count);
        let action = if aws_managed {
            "iam:ListPolicies"
        } else {
            "iam:GetAccountAuthorizationDetails"
        };
        self.out.left_out(
            action,
            GLOBAL_REGION,
            "aws.iam.managed_policy",
            &arn,
            &missing,
        );
        let data = iam::ManagedPolicy {
            name: name.clone(),
            aws_managed,
            attachment_count,
            default_version,
            document,
            grants_full_admin,
            decrypts_all_keys,
            service_wildcards,
        };
        self.push(arn, name, ResourceData::IamManagedPolicy(data));
    }

    fn inline_policies(
        &mut self,
        principal_type: &str,
        principal_name: &str,
        principal_arn: &str,
        policies: &[PolicyDetail],
    ) -> Vec<String> {
        let mut names = Vec::new();
        for policy in policies {
            let name = policy.policy_name().unwrap_or_default().to_owned();
            let arn = format!("{principal_arn}/inline-policy/{name}");
            let document = self.document(
                policy.policy_document(),
                "aws.iam.inline_policy",
                &arn,
                attributes!(iam::InlinePolicy: document, grants_full_admin, decrypts_all_keys),
            );
            let grants_full_admin = document.as_ref().map(PolicyDocument::grants_full_admin);
            let decrypts_all_keys = document.as_ref().map(decrypts_all_keys);
            self.push(
                arn,
                format!("{principal_name}/{name}"),
                ResourceData::IamInlinePolicy(iam::InlinePolicy {
                    name: name.clone(),
                    principal_type: principal_type.to_owned(),
                    principal_name: principal_name.to_owned(),
                    document,
                    grants_full_admin,
                    decrypts_all_keys,
                }),
            );
            names.push(name);
        }
        names
    }
}

fn attached_arns(attached: &[aws_sdk_iam::types::AttachedPolicy]) -> Vec<String> {
    attached
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_owned))
        .collect()
}

/// Collects IAM for the scope's account.
pub async fn collect(scope: &super::Scope<'_>) -> Collected {
    let mut out = Collected::default();
    collect_into(&scope.config, scope.recorder, scope.account, &mut out).await;
    out
}

async fn collect_into(
    config: &SdkConfig,
    recorder: &CallRecorder,
    account: &Account,
    out: &mut Collected,
) {
    let client = sdk_client!(aws_sdk_iam, config, recorder);
    let (report, details, aws_policies, password, summary, virtual_mfa, certificates) = tokio::join!(
        credential_report(&client),
        authorization_details(&client),
        attached_aws_policies(&client),
        password_policy(&client),
        account_summary(&client),
        virtual_mfa_devices(&client),
        server_certificates(&client),
    );
    let mut b = Builder { account, out };
    if let Ok(report) = &report {
        b.out.credential_report_generated_at = report.generated_at;
    }

    // Root user: only the credential report knows it.
    match &report {
        Ok(CredentialReport { rows, .. }) => match rows.iter().find(|r| r.user == ROOT_ROW) {
            Some(root) => {
                let virtual_mfa = virtual_mfa
                    .as_ref()
                    .ok()
                    .map(|devices| devices.contains_key(&root.arn));
                let data = iam::RootUser {
                    mfa_active: root.mfa_active,
                    password_present: summary
                        .as_ref()
                        .ok()
                        .and_then(|s| s.get("AccountPasswordPresent"))
                        .map(|present| *present > 0),
                    virtual_mfa,
                    password_last_used: root.password_last_used,
                    access_keys: root.access_keys.clone(),
                };
                b.push(
                    root.arn.clone(),
                    "root".into(),
                    ResourceData::IamRootUser(data),
                );
            }
            None => {
                let missing = CallError::data(
                    "iam:GetCredentialReport",
                    ErrorKind::MissingData,
                    "the credential report has no <root_account> row",
                );
                b.fail(&missing, vec![affects("aws.iam.root_user", &[])]);
            }
        },
        Err(e) => b.fail(e, vec![affects("aws.iam.root_user", &[])]),
    }
    if let Err(e) = &virtual_mfa {
        b.fail(
            e,
            vec![
                affects("aws.iam.root_user", attributes!(iam::RootUser: virtual_mfa)),
                affects("aws.iam.user", attributes!(iam::User: mfa_devices)),
            ],
        );
    }

    // Users: listed by the credential report and by the authorization details; each source
    // that fails leaves its attributes unknown, both failing leaves the users unknown.
    let listed_by_other = |other_ok: bool, attributes: &[&str]| {
        if other_ok {
            affects("aws.iam.user", attributes)
        } else {
            affects("aws.iam.user", &[])
        }
    };
    if let Err(e) = &report {
        let affected = listed_by_other(details.is_ok(), CREDENTIAL_REPORT_ATTRIBUTES);
        b.fail(e, vec![affected]);
    }
    let mut users: BTreeMap<String, iam::User> = BTreeMap::new();
    for row in report
        .iter()
        .flat_map(|r| &r.rows)
        .filter(|r| r.user != ROOT_ROW)
    {
        users.insert(
            row.arn.clone(),
            iam::User {
                name: row.user.clone(),
                created: row.created,
                password_enabled: row.password_enabled,
                password_last_used: row.password_last_used,
                password_last_changed: row.password_last_changed,
                mfa_active: Some(row.mfa_active),
                access_keys: row.access_keys.clone(),
                ..Default::default()
            },
        );
    }
    match &details {
        Ok(details) => {
            for detail in &details.users {
                let arn = detail.arn().unwrap_or_default().to_owned();
                let name = detail.user_name().unwrap_or_default().to_owned();
                let inline = b.inline_policies("user", &name, &arn, detail.user_policy_list());
                if let (Ok(report), false) = (&report, users.contains_key(&arn)) {
                    // Created after the report was generated (AWS serves one up to 4 hours
                    // old): its passwords, keys and MFA are unknown, not absent.
                    let missing = CallError::data(
                        "iam:GetCredentialReport",
                        ErrorKind::MissingData,
                        format!(
                            "user {name} is not in the credential report generated at {}; it was probably created since",
                            report
                                .generated_at
                                .map_or_else(|| "an unknown time".to_owned(), |t| t.to_rfc3339())
                        ),
                    );
                    let mut affected = affects("aws.iam.user", CREDENTIAL_REPORT_ATTRIBUTES);
                    affected.resource_arn = Some(arn.clone());
                    b.fail(&missing, vec![affected]);
                }
                let user = users.entry(arn).or_insert_with(|| iam::User {
                    name: name.clone(),
                    created: detail.create_date().and_then(utc),
                    ..Default::default()
                });
                user.user_id = detail.user_id().map(str::to_owned);
                user.path = detail.path().map(str::to_owned);
                user.groups = detail.group_list().to_vec();
                user.attached_policies = attached_arns(detail.attached_managed_policies());
                user.inline_policies = inline;
            }
            for group in &details.groups {
                let arn = group.arn().unwrap_or_default().to_owned();
                let name = group.group_name().unwrap_or_default().to_owned();
                let inline = b.inline_policies("group", &name, &arn, group.group_policy_list());
                let data = iam::Group {
                    name: name.clone(),
                    attached_policies: attached_arns(group.attached_managed_policies()),
                    inline_policies: inline,
                };
                b.push(arn, name, ResourceData::IamGroup(data));
            }
            for role in &details.roles {
                let arn = role.arn().unwrap_or_default().to_owned();
                let name = role.role_name().unwrap_or_default().to_owned();
                let inline = b.inline_policies("role", &name, &arn, role.role_policy_list());
                let trust_policy = b.document(
                    role.assume_role_policy_document(),
                    "aws.iam.role",
                    &arn,
                    attributes!(iam::Role: trust_policy),
                );
                let path = role.path().unwrap_or("/").to_owned();
                let data = iam::Role {
                    name: name.clone(),
                    service_linked: path.starts_with("/aws-service-role/"),
                    path,
                    created: role.create_date().and_then(utc),
                    trust_policy,
                    attached_policies: attached_arns(role.attached_managed_policies()),
                    inline_policies: inline,
                };
                b.push(arn, name, ResourceData::IamRole(data));
            }
            for policy in &details.policies {
                let default = policy
                    .policy_version_list()
                    .iter()
                    .find(|v| v.is_default_version());
                let arn = policy.arn().unwrap_or_default().to_owned();
                // The name is the ARN's last segment; some endpoints (moto) omit PolicyName.
                let name = policy
                    .policy_name()
                    .or_else(|| arn.rsplit('/').next())
                    .unwrap_or_default()
                    .to_owned();
                b.managed_policy(
                    arn.clone(),
                    name,
                    false,
                    policy.attachment_count().map(i64::from),
                    policy.default_version_id().map(str::to_owned),
                    default.and_then(|v| v.document()),
                );
            }
        }
        Err(e) => {
            let mut affected = vec![listed_by_other(report.is_ok(), AUTHORIZATION_ATTRIBUTES)];
            affected.extend(
                [
                    "aws.iam.group",
                    "aws.iam.role",
                    "aws.iam.inline_policy",
                    "aws.iam.managed_policy",
                ]
                .map(|t| affects(t, &[])),
            );
            affected.push(affects(
                "aws.iam.account",
                attributes!(iam::Account: support_roles),
            ));
            b.fail(e, affected);
        }
    }

    // MFA devices: virtual ones from the account-wide list; a per-user call only where MFA
    // is active and no virtual device explains it.
    if let Ok(virtual_by_user) = &virtual_mfa {
        let mut need_listing = Vec::new();
        for (arn, user) in users.iter_mut() {
            match virtual_by_user.get(arn) {
                Some(serial) => user.mfa_devices.push(MfaDevice {
                    serial: serial.clone(),
                    kind: "virtual".into(),
                }),
                None if user.mfa_active == Some(true) => need_listing.push(user.name.clone()),
                None => {}
            }
        }
        for (name, serials) in hardware_mfa_devices(&client, need_listing).await {
            let Some((arn, user)) = users.iter_mut().find(|(_, u)| u.name == name) else {
                continue;
            };
            match serials {
                Ok(serials) => {
                    user.mfa_devices
                        .extend(serials.into_iter().map(|serial| MfaDevice {
                            serial,
                            kind: "hardware".into(),
                        }))
                }
                Err(e) => {
                    let mut affected = affects("aws.iam.user", attributes!(iam::User: mfa_devices));
                    affected.resource_arn = Some(arn.clone());
                    b.out
                        .errors
                        .push(e.affecting(GLOBAL_REGION, vec![affected]));
                }
            }
        }
    }
    for (arn, user) in users {
        let name = user.name.clone();
        b.push(arn, name, ResourceData::IamUser(user));
    }

    match aws_policies {
        Ok(policies) => {
            for (policy, document) in policies {
                let arn = policy.arn().unwrap_or_default().to_owned();
                let document = match document {
                    Ok(doc) => Some(doc),
                    Err(e) => {
                        let mut affected = affects(
                            "aws.iam.managed_policy",
                            attributes!(iam::ManagedPolicy: document, grants_full_admin, decrypts_all_keys, service_wildcards),
                        );
                        affected.resource_arn = Some(arn.clone());
                        b.fail(&e, vec![affected]);
                        None
                    }
                };
                b.managed_policy(
                    arn,
                    policy.policy_name().unwrap_or_default().to_owned(),
                    true,
                    policy.attachment_count().map(i64::from),
                    policy.default_version_id().map(str::to_owned),
                    document.as_deref(),
                );
            }
        }
        Err(e) => b.fail(&e, vec![affects("aws.iam.managed_policy", &[])]),
    }

    match password {
        Ok(policy) => {
            let arn = b.arn("password-policy");
            b.push(
                arn,
                "password-policy".into(),
                ResourceData::IamPasswordPolicy(policy),
            );
        }
        Err(e) => b.fail(&e, vec![affects("aws.iam.password_policy", &[])]),
    }

    let support_roles = details
        .as_ref()
        .map(|d| {
            d.roles
                .iter()
                .filter(|r| {
                    r.attached_managed_policies().iter().any(|p| {
                        p.policy_arn()
                            .is_some_and(|a| a.ends_with(SUPPORT_POLICY_SUFFIX))
                    })
                })
                .filter_map(|r| r.role_name().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if let Err(e) = &summary {
        b.fail(
            e,
            vec![
                affects("aws.iam.account", attributes!(iam::Account: summary)),
                affects(
                    "aws.iam.root_user",
                    attributes!(iam::RootUser: password_present),
                ),
            ],
        );
    }
    let account_data = iam::Account {
        support_roles,
        summary: summary.unwrap_or_default(),
    };
    let arn = b.arn("account");
    b.push(
        arn,
        account.id.clone(),
        ResourceData::IamAccount(account_data),
    );

    match certificates {
        Ok(certificates) => {
            for cert in certificates {
                let data = iam::ServerCertificate {
                    name: cert.server_certificate_name().to_owned(),
                    expiration: cert.expiration().and_then(utc),
                    uploaded: cert.upload_date().and_then(utc),
                };
                b.push(
                    cert.arn().to_owned(),
                    data.name.clone(),
                    ResourceData::IamServerCertificate(data),
                );
            }
        }
        Err(e) => b.fail(&e, vec![affects("aws.iam.server_certificate", &[])]),
    }
}

/// Whether a policy allows decrypting with every KMS key (Security Hub KMS.1 and KMS.2).
fn decrypts_all_keys(document: &PolicyDocument) -> bool {
    document.allows_on_every_resource(&["kms:Decrypt", "kms:ReEncryptFrom"])
}
