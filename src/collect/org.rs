//! AWS Organizations: lists the member accounts, assumes the scanning role in each and collects
//! them a few at a time into one snapshot. An account whose role cannot be assumed is recorded
//! as failed, with an error that turns every check of that account into ERROR.

use super::{CallError, CallRecorder, CollectError, CollectOptions, drain};
use crate::inventory::organization::{MemberAccount, MemberStatus, Organization};
use crate::inventory::{ALL_REGIONS, Account, CollectionError, ResourceData, Snapshot};
use aws_config::SdkConfig;
use aws_sdk_organizations::types::{AccountState, AccountStatus};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use futures::StreamExt;

/// The API actions an organization scan adds, made with the caller's own credentials.
pub const ACTIONS: &[&str] = &[
    "organizations:ListAccounts",
    "organizations:ListAccountsForParent",
    "organizations:ListOrganizationalUnitsForParent",
    "sts:AssumeRole",
];

/// The IAM statements the principal running an organization scan needs besides the scan's
/// own read-only policy: listing accounts, and assuming `role_name` in member accounts.
pub fn policy_statements(role_name: &str) -> [serde_json::Value; 2] {
    let (list, assume): (Vec<&str>, Vec<&str>) = ACTIONS
        .iter()
        .partition(|a| a.starts_with("organizations:"));
    [
        serde_json::json!({
            "Sid": "LockdownListOrganization",
            "Effect": "Allow",
            "Action": list,
            "Resource": "*",
        }),
        serde_json::json!({
            "Sid": "LockdownAssumeMemberRole",
            "Effect": "Allow",
            "Action": assume,
            "Resource": format!("arn:aws:iam::*:role/{role_name}"),
        }),
    ]
}

/// The role assumed in member accounts unless another is named.
pub const DEFAULT_ROLE_NAME: &str = "LockdownScanRole";
/// Accounts collected at once.
pub const DEFAULT_ACCOUNT_CONCURRENCY: usize = 4;

/// Which accounts of the organization to scan, and how to enter them.
#[derive(Debug, Clone)]
pub struct OrgOptions {
    /// Exactly these account ids, entered without listing the organization (all when empty).
    pub accounts: Vec<String>,
    /// Never these account ids.
    pub exclude_accounts: Vec<String>,
    /// Only accounts under these organizational units, at any depth (all when empty).
    pub units: Vec<String>,
    /// The role assumed in each account (same name everywhere, e.g. deployed by a StackSet).
    pub role_name: String,
    pub external_id: Option<String>,
    /// Accounts collected at once.
    pub account_concurrency: usize,
}

/// An account as Organizations lists it.
struct Listed {
    id: String,
    name: String,
    /// `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`, `CLOSED`...
    state: String,
}

impl From<aws_sdk_organizations::types::Account> for Listed {
    fn from(account: aws_sdk_organizations::types::Account) -> Self {
        // `State` replaces the deprecated `Status`; older answers carry only the latter.
        let state = match (account.state(), account.status()) {
            (Some(state), _) => state.as_str().to_owned(),
            (None, Some(status)) => status.as_str().to_owned(),
            (None, None) => AccountState::Active.as_str().to_owned(),
        };
        debug_assert_eq!(
            AccountStatus::Active.as_str(),
            AccountState::Active.as_str()
        );
        Listed {
            id: account.id.unwrap_or_default(),
            name: account.name.unwrap_or_default(),
            state,
        }
    }
}

/// Every account of the organization, or those under `units` (recursively).
async fn list_accounts(
    client: &aws_sdk_organizations::Client,
    units: &[String],
) -> Result<Vec<Listed>, CallError> {
    if units.is_empty() {
        let pages = client.list_accounts().into_paginator().send();
        let pages = drain(pages, "organizations:ListAccounts").await?;
        return Ok(pages
            .into_iter()
            .flat_map(|page| page.accounts.unwrap_or_default())
            .map(Listed::from)
            .collect());
    }
    let mut listed = Vec::new();
    let mut parents = units.to_vec();
    while let Some(parent) = parents.pop() {
        let pages = client
            .list_accounts_for_parent()
            .parent_id(&parent)
            .into_paginator()
            .send();
        let pages = drain(pages, "organizations:ListAccountsForParent").await?;
        listed.extend(
            pages
                .into_iter()
                .flat_map(|page| page.accounts.unwrap_or_default())
                .map(Listed::from),
        );
        let pages = client
            .list_organizational_units_for_parent()
            .parent_id(&parent)
            .into_paginator()
            .send();
        let pages = drain(pages, "organizations:ListOrganizationalUnitsForParent").await?;
        parents.extend(
            pages
                .into_iter()
                .flat_map(|page| page.organizational_units.unwrap_or_default())
                .filter_map(|unit| unit.id),
        );
    }
    listed.sort_by(|a, b| a.id.cmp(&b.id));
    listed.dedup_by(|a, b| a.id == b.id);
    Ok(listed)
}

/// Why an account is not scanned, if it is not.
fn skip_reason(account: &Listed, options: &OrgOptions) -> Option<String> {
    if account.state != AccountState::Active.as_str() {
        return Some(format!("account is {}", account.state));
    }
    if options.exclude_accounts.contains(&account.id) {
        return Some("excluded by --exclude-accounts".to_owned());
    }
    None
}

/// The SDK configuration of `base` with credentials of `role_arn`, assumed (and refreshed
/// before they expire) by the SDK's own provider.
pub async fn assume_role(
    base: &SdkConfig,
    role_arn: &str,
    session_name: &str,
    external_id: Option<&str>,
) -> SdkConfig {
    let mut assume = aws_config::sts::AssumeRoleProvider::builder(role_arn)
        .session_name(session_name)
        .configure(base);
    if let Some(external_id) = external_id {
        assume = assume.external_id(external_id);
    }
    let provider = assume.build().await;
    base.clone()
        .into_builder()
        .credentials_provider(aws_sdk_sts::config::SharedCredentialsProvider::new(
            provider,
        ))
        .build()
}

/// The AssumeRole failure inside an error whose credentials could not be resolved.
pub fn assume_role_failure(error: &(dyn std::error::Error + 'static)) -> Option<CallError> {
    let mut source = Some(error);
    while let Some(current) = source {
        if let Some(sdk) = current.downcast_ref::<SdkError<
            aws_sdk_sts::operation::assume_role::AssumeRoleError,
            HttpResponse,
        >>() {
            return Some(CallError::from_sdk("sts:AssumeRole", sdk));
        }
        source = current.source();
    }
    None
}

/// A member account that could not be entered: every resource type of it is unknown.
fn unreachable_account(account_id: &str, failure: &CallError) -> CollectionError {
    let mut error = failure.affecting(
        ALL_REGIONS,
        ResourceData::TYPES
            .iter()
            .map(|t| super::affects(t, &[]))
            .collect(),
    );
    error.account_id = Some(account_id.to_owned());
    error
}

/// Collects one member account through its scanning role.
async fn collect_member(
    base: &SdkConfig,
    options: &CollectOptions,
    config_items: Option<&super::config_items::ConfigSource>,
    org: &OrgOptions,
    management: &Account,
    listed: &Listed,
    recorder: CallRecorder,
) -> Result<Snapshot, CallError> {
    let role_arn = format!(
        "arn:{}:iam::{}:role/{}",
        management.partition, listed.id, org.role_name
    );
    let config = assume_role(
        base,
        &role_arn,
        &options.session_name,
        org.external_id.as_deref(),
    )
    .await;
    // Boxed: an account's collection is a deep future, too big for the stack in debug builds.
    Box::pin(super::collect_account(
        config,
        options,
        config_items,
        recorder,
    ))
    .await
    .map_err(|e| match e {
        CollectError::NoIdentity(call) => call,
        other => CallError::data(
            "sts:AssumeRole",
            crate::inventory::ErrorKind::Service,
            other.to_string(),
        ),
    })
}

/// Merges the members' snapshots into one snapshot of the organization.
fn merge(
    management: Account,
    started_at: chrono::DateTime<chrono::Utc>,
    role_name: &str,
    members: Vec<(MemberAccount, Option<Snapshot>)>,
    mut errors: Vec<CollectionError>,
) -> Snapshot {
    let mut snapshot = Snapshot::empty(management.clone(), started_at);
    snapshot.collection.finished_at = chrono::Utc::now();
    let mut accounts = Vec::with_capacity(members.len());
    for (member, collected) in members {
        if let Some(part) = collected {
            snapshot.regions.extend(part.regions);
            snapshot.regions_skipped.extend(part.regions_skipped);
            for (action, n) in part.collection.api_calls {
                *snapshot.collection.api_calls.entry(action).or_default() += n;
            }
            snapshot.resources.extend(part.resources);
            errors.extend(part.errors.into_iter().map(|mut error| {
                error.account_id = Some(member.id.clone());
                error
            }));
        }
        accounts.push(member);
    }
    snapshot.regions.sort();
    snapshot.regions.dedup();
    snapshot
        .regions_skipped
        .sort_by(|a, b| a.region.cmp(&b.region));
    snapshot.regions_skipped.dedup();
    snapshot.errors = errors;
    snapshot.organization = Some(Organization {
        management_account: management.id,
        role_name: role_name.to_owned(),
        accounts,
    });
    snapshot
}

/// Collects every selected, active account of the organization the credentials manage.
pub async fn collect(
    options: &CollectOptions,
    org: &OrgOptions,
    recorder: CallRecorder,
) -> Result<Snapshot, CollectError> {
    let started_at = chrono::Utc::now();
    let base = super::sdk_config(options).await;
    let management = super::sts::caller_account(&base, &recorder)
        .await
        .map_err(CollectError::NoIdentity)?;
    let client = sdk_client!(aws_sdk_organizations, &base, recorder);
    // Named accounts are entered directly: no Organizations call, no listing permission needed.
    let listed = if org.accounts.is_empty() {
        list_accounts(&client, &org.units)
            .await
            .map_err(CollectError::Organization)?
    } else {
        org.accounts
            .iter()
            .map(|id| Listed {
                id: id.clone(),
                name: String::new(),
                state: AccountState::Active.as_str().to_owned(),
            })
            .collect()
    };

    let mut members = Vec::new();
    let mut to_scan = Vec::new();
    for account in listed {
        match skip_reason(&account, org) {
            Some(reason) => members.push((
                MemberAccount {
                    id: account.id,
                    name: account.name,
                    status: MemberStatus::Skipped,
                    reason: Some(reason),
                },
                None,
            )),
            None => to_scan.push(account),
        }
    }
    // An aggregator is reached with the caller's own credentials, not a member's.
    let items = super::config_items::ConfigSource::of(options, &base);
    let (base, management_ref, items) = (&base, &management, items.as_ref());
    let results: Vec<(Listed, Result<Snapshot, CallError>)> = futures::stream::iter(to_scan)
        .map(|account| {
            let recorder = recorder.split();
            async move {
                let result = collect_member(
                    base,
                    options,
                    items,
                    org,
                    management_ref,
                    &account,
                    recorder,
                )
                .await;
                (account, result)
            }
        })
        .buffer_unordered(org.account_concurrency.max(1))
        .collect()
        .await;

    let mut errors = Vec::new();
    for (account, result) in results {
        let (status, reason, snapshot) = match result {
            Ok(snapshot) => (MemberStatus::Scanned, None, Some(snapshot)),
            Err(failure) => {
                tracing::warn!(account = %account.id, "{}: {}", failure.action, failure.message);
                errors.push(unreachable_account(&account.id, &failure));
                (
                    MemberStatus::Failed,
                    Some(format!("{}: {}", failure.action, failure.message)),
                    None,
                )
            }
        };
        members.push((
            MemberAccount {
                id: account.id,
                name: account.name,
                status,
                reason,
            },
            snapshot,
        ));
    }
    members.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    let mut snapshot = merge(management, started_at, &org.role_name, members, errors);
    for (action, n) in recorder.counts() {
        *snapshot.collection.api_calls.entry(action).or_default() += n;
    }
    Ok(snapshot)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(id: &str, state: &str) -> Listed {
        Listed {
            id: id.into(),
            name: format!("account {id}"),
            state: state.into(),
        }
    }

    fn options(exclude: &[&str]) -> OrgOptions {
        OrgOptions {
            accounts: vec![],
            exclude_accounts: exclude.iter().map(|s| (*s).to_owned()).collect(),
            units: vec![],
            role_name: "LockdownScanRole".into(),
            external_id: None,
            account_concurrency: 4,
        }
    }

    #[test]
    fn only_active_accounts_not_excluded_are_scanned() {
        let options = options(&["222222222222"]);
        assert_eq!(
            skip_reason(&listed("111111111111", "ACTIVE"), &options),
            None
        );
        assert_eq!(
            skip_reason(&listed("222222222222", "ACTIVE"), &options).as_deref(),
            Some("excluded by --exclude-accounts")
        );
        for state in ["SUSPENDED", "PENDING_CLOSURE", "CLOSED"] {
            assert_eq!(
                skip_reason(&listed("333333333333", state), &options),
                Some(format!("account is {state}"))
            );
        }
    }

    #[test]
    fn an_unreachable_account_leaves_every_resource_type_unknown_in_that_account_only() {
        let failure = CallError::data(
            "sts:AssumeRole",
            crate::inventory::ErrorKind::AccessDenied,
            "not authorized",
        );
        let error = unreachable_account("444444444444", &failure);
        assert_eq!(error.account_id.as_deref(), Some("444444444444"));
        assert_eq!(error.region, ALL_REGIONS);
        assert_eq!(error.permission, "sts:AssumeRole");
        assert_eq!(error.affects.len(), ResourceData::TYPES.len());
        assert!(error.affects.iter().all(|a| a.attributes.is_empty()));
    }
}
