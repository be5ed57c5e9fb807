//! AWS IAM Identity Center, once per region (an instance lives in one region): one paginated
//! ListInstances; per instance, the identity store's users and groups (one paginated ListUsers
//! and ListGroups, to name principals and count people) and its permission sets (one paginated
//! ListPermissionSets). Per permission set, each read only when a selected check needs it:
//! DescribePermissionSet (name, session duration), ListManagedPoliciesInPermissionSet,
//! GetInlinePolicyForPermissionSet (judged by the one policy analysis), and the assignments
//! (ListAccountsForProvisionedPermissionSet, then ListAccountAssignments per account). Groups
//! that hold an assignment have their members listed once (ListGroupMemberships) to count the
//! people a permission set reaches. IAM users with console passwords are linked in after
//! collection ([`link_console_users`]).

use super::{CallError, Collected, PerResource, Scope, drain, per_resource};
use crate::attributes;
use crate::inventory::identity_center::{Assignment, Instance, PermissionSet};
use crate::inventory::policy::PolicyDocument;
use crate::inventory::{Cause, ErrorKind, ResourceData, unknown};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &[
    "identitystore:ListGroupMemberships",
    "identitystore:ListGroups",
    "identitystore:ListUsers",
    "sso:DescribePermissionSet",
    "sso:GetInlinePolicyForPermissionSet",
    "sso:ListAccountAssignments",
    "sso:ListAccountsForProvisionedPermissionSet",
    "sso:ListCustomerManagedPolicyReferencesInPermissionSet",
    "sso:ListInstances",
    "sso:ListManagedPoliciesInPermissionSet",
    "sso:ListPermissionSets",
];

/// The resource type of instances.
pub const INSTANCE: &str = "aws.sso.instance";
const PERMISSION_SET: &str = "aws.sso.permission_set";
const INSTANCES: &str = "sso:ListInstances";
const PERMISSION_SETS: &str = "sso:ListPermissionSets";
const DESCRIBE: &str = "sso:DescribePermissionSet";
const MANAGED: &str = "sso:ListManagedPoliciesInPermissionSet";
const INLINE: &str = "sso:GetInlinePolicyForPermissionSet";
const CUSTOMER: &str = "sso:ListCustomerManagedPolicyReferencesInPermissionSet";
const ACCOUNTS: &str = "sso:ListAccountsForProvisionedPermissionSet";
const ASSIGNMENTS: &str = "sso:ListAccountAssignments";
const USERS: &str = "identitystore:ListUsers";
const GROUPS: &str = "identitystore:ListGroups";
const MEMBERSHIPS: &str = "identitystore:ListGroupMemberships";
/// The AWS managed policy that grants every action on every resource.
const ADMINISTRATOR_ACCESS: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

type AdminClient = aws_sdk_ssoadmin::Client;
type StoreClient = aws_sdk_identitystore::Client;

/// Minutes in an ISO 8601 duration of hours and minutes (`PT8H`, `PT1H30M`, `PT45M`).
fn duration_minutes(duration: &str) -> Option<i64> {
    let mut rest = duration.strip_prefix("PT")?;
    let mut minutes = 0;
    if let Some((hours, after)) = rest.split_once('H') {
        minutes += hours.parse::<i64>().ok()? * 60;
        rest = after;
    }
    if let Some((mins, after)) = rest.split_once('M') {
        minutes += mins.parse::<i64>().ok()?;
        rest = after;
    }
    (rest.is_empty() && duration.len() > 2).then_some(minutes)
}

/// What one per-resource read gave (see [`Collected::read_value`]).
type Read<T> = Option<Result<Option<T>, CallError>>;
/// Names by id (identity-store users or groups).
type Names = BTreeMap<String, String>;
/// The members of each group that holds an assignment, or why they are unknown.
type Members = BTreeMap<String, Option<Result<BTreeSet<String>, CallError>>>;

/// `(account, principal type, principal id)`.
type RawAssignment = (String, String, String);

/// What the per-permission-set reads gave, gathered as they run.
#[derive(Default)]
struct Gathered {
    arn: String,
    described: Read<(String, i64)>,
    managed: Read<Vec<String>>,
    inline: Read<Option<String>>,
    customer: Read<Vec<String>>,
    assignments: Read<Vec<RawAssignment>>,
}

/// The identity store's users and groups by id; `None` when the listing failed.
struct Directory {
    users: Option<Names>,
    groups: Option<Names>,
}

/// Stores each read's answer on its permission set.
fn keep<T>(
    read: PerResource<Gathered, T>,
    store: impl Fn(&mut Gathered, Read<T>),
) -> Vec<Gathered> {
    read.into_iter()
        .map(|(mut gathered, answer)| {
            store(&mut gathered, answer.map(|a| a.map(Some)));
            gathered
        })
        .collect()
}

/// Every assignment of a permission set.
async fn assignments(
    client: &AdminClient,
    instance: &str,
    permission_set: &str,
) -> Result<Vec<RawAssignment>, CallError> {
    let accounts = client
        .list_accounts_for_provisioned_permission_set()
        .instance_arn(instance)
        .permission_set_arn(permission_set)
        .into_paginator()
        .items()
        .send();
    let mut found = Vec::new();
    for account in drain(accounts, ACCOUNTS).await? {
        let pages = client
            .list_account_assignments()
            .instance_arn(instance)
            .account_id(&account)
            .permission_set_arn(permission_set)
            .into_paginator()
            .items()
            .send();
        for a in drain(pages, ASSIGNMENTS).await? {
            found.push((
                account.clone(),
                a.principal_type()
                    .map(|t| t.as_str().to_owned())
                    .unwrap_or_default(),
                a.principal_id().unwrap_or_default().to_owned(),
            ));
        }
    }
    Ok(found)
}

/// Collects the region's instances and their permission sets.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let admin = sdk_client!(aws_sdk_ssoadmin, &scope.config, scope.recorder);
    let store = sdk_client!(aws_sdk_identitystore, &scope.config, scope.recorder);
    let mut out = Collected::default();
    let instances = drain(
        admin.list_instances().into_paginator().items().send(),
        INSTANCES,
    )
    .await;
    let instances = match instances {
        Ok(instances) => instances,
        Err(error) => {
            out.unlisted(&error, &scope.region, INSTANCE);
            out.unlisted(&error, &scope.region, PERMISSION_SET);
            return out;
        }
    };
    for instance in &instances {
        let (Some(arn), Some(store_id)) = (instance.instance_arn(), instance.identity_store_id())
        else {
            continue;
        };
        collect_instance(scope, (&admin, &store), (arn, store_id), &mut out).await;
    }
    out
}

/// Names of the identity store's users and groups by id; the count of each, or the error.
async fn people(
    store: &StoreClient,
    store_id: &str,
) -> (Result<Names, CallError>, Result<Names, CallError>) {
    let users = drain(
        store
            .list_users()
            .identity_store_id(store_id)
            .into_paginator()
            .items()
            .send(),
        USERS,
    )
    .await
    .map(|users| {
        users
            .iter()
            .map(|u| {
                (
                    u.user_id().to_owned(),
                    u.user_name().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    });
    let groups = drain(
        store
            .list_groups()
            .identity_store_id(store_id)
            .into_paginator()
            .items()
            .send(),
        GROUPS,
    )
    .await
    .map(|groups| {
        groups
            .iter()
            .map(|g| {
                (
                    g.group_id().to_owned(),
                    g.display_name().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    });
    (users, groups)
}

async fn collect_instance(
    scope: &Scope<'_>,
    (admin, store): (&AdminClient, &StoreClient),
    (instance_arn, store_id): (&str, &str),
    out: &mut Collected,
) {
    let region = scope.region.as_str();
    let (users, groups) = people(store, store_id).await;
    let mut instance = Instance {
        identity_store_id: store_id.to_owned(),
        ..Default::default()
    };
    match &users {
        Ok(users) => instance.users = users.len() as i64,
        Err(error) => out.unknown(
            error,
            region,
            INSTANCE,
            instance_arn,
            attributes!(Instance: users),
        ),
    }
    match &groups {
        Ok(groups) => instance.groups = groups.len() as i64,
        Err(error) => out.unknown(
            error,
            region,
            INSTANCE,
            instance_arn,
            attributes!(Instance: groups),
        ),
    }
    out.resources.push(scope.resource(
        instance_arn.to_owned(),
        store_id.to_owned(),
        ResourceData::IdentityCenterInstance(instance),
    ));

    let listed = admin
        .list_permission_sets()
        .instance_arn(instance_arn)
        .into_paginator()
        .items()
        .send();
    let listed = match drain(listed, PERMISSION_SETS).await {
        Ok(listed) => listed,
        Err(error) => {
            out.unlisted(&error, region, PERMISSION_SET);
            return;
        }
    };
    let gathered: Vec<Gathered> = listed
        .into_iter()
        .map(|arn| Gathered {
            arn,
            ..Default::default()
        })
        .collect();
    let types = &[PERMISSION_SET];
    let read = per_resource(scope, out, DESCRIBE, types, gathered, |g| async move {
        let answer = admin
            .describe_permission_set()
            .instance_arn(instance_arn)
            .permission_set_arn(&g.arn)
            .send()
            .await
            .map(|a| {
                let set = a.permission_set()?;
                // No session duration in the answer is the service default, one hour.
                let minutes = set.session_duration().map_or(Some(60), duration_minutes)?;
                Some((set.name()?.to_owned(), minutes))
            })
            .map_err(|e| CallError::from_sdk(DESCRIBE, &e));
        (g, answer)
    })
    .await;
    let gathered = keep(read, |g, a| g.described = a.map(|r| r.map(Option::flatten)));
    let read = per_resource(scope, out, MANAGED, types, gathered, |g| async move {
        let pages = admin
            .list_managed_policies_in_permission_set()
            .instance_arn(instance_arn)
            .permission_set_arn(&g.arn)
            .into_paginator()
            .items()
            .send();
        let answer = drain(pages, MANAGED).await.map(|policies| {
            policies
                .iter()
                .filter_map(|p| p.arn().map(str::to_owned))
                .collect::<Vec<_>>()
        });
        (g, answer)
    })
    .await;
    let gathered = keep(read, |g, a| g.managed = a);
    let read = per_resource(scope, out, INLINE, types, gathered, |g| async move {
        let answer = admin
            .get_inline_policy_for_permission_set()
            .instance_arn(instance_arn)
            .permission_set_arn(&g.arn)
            .send()
            .await
            .map(|a| {
                a.inline_policy()
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
            })
            .map_err(|e| CallError::from_sdk(INLINE, &e));
        (g, answer)
    })
    .await;
    let gathered = keep(read, |g, a| g.inline = a);
    let read = per_resource(scope, out, CUSTOMER, types, gathered, |g| async move {
        let pages = admin
            .list_customer_managed_policy_references_in_permission_set()
            .instance_arn(instance_arn)
            .permission_set_arn(&g.arn)
            .into_paginator()
            .items()
            .send();
        let answer = drain(pages, CUSTOMER).await.map(|references| {
            references
                .iter()
                .map(|r| format!("{}{}", r.path().unwrap_or("/"), r.name()))
                .collect::<Vec<_>>()
        });
        (g, answer)
    })
    .await;
    let gathered = keep(read, |g, a| g.customer = a);
    let read = per_resource(scope, out, ASSIGNMENTS, types, gathered, |g| async move {
        let answer = assignments(admin, instance_arn, &g.arn).await;
        (g, answer)
    })
    .await;
    let gathered = keep(read, |g, a| g.assignments = a);

    let assigned_groups: BTreeSet<String> = gathered
        .iter()
        .filter_map(|g| g.assignments.as_ref()?.as_ref().ok()?.as_ref())
        .flatten()
        .filter(|(_, kind, _)| kind == "GROUP")
        .map(|(_, _, id)| id.clone())
        .collect();
    let members = per_resource(
        scope,
        out,
        MEMBERSHIPS,
        types,
        assigned_groups.into_iter().collect(),
        |group: String| async move {
            let pages = store
                .list_group_memberships()
                .identity_store_id(store_id)
                .group_id(&group)
                .into_paginator()
                .items()
                .send();
            let answer = drain(pages, MEMBERSHIPS).await.map(|members| {
                members
                    .iter()
                    .filter_map(|m| m.member_id()?.as_user_id().ok().cloned())
                    .collect::<BTreeSet<String>>()
            });
            (group, answer)
        },
    )
    .await;
    let members: Members = members.into_iter().collect();
    let names = Directory {
        users: users.ok(),
        groups: groups.ok(),
    };
    for g in gathered {
        let (arn, data) = permission_set(scope, out, g, &members, &names);
        let name = Some(data.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| arn.rsplit('/').next().unwrap_or_default().to_owned());
        out.resources.push(scope.resource(
            arn,
            name,
            ResourceData::IdentityCenterPermissionSet(data),
        ));
    }
}

/// A permission set from what its reads gave; what they left unknown is recorded.
fn permission_set(
    scope: &Scope<'_>,
    out: &mut Collected,
    g: Gathered,
    members: &Members,
    names: &Directory,
) -> (String, PermissionSet) {
    let region = scope.region.as_str();
    let arn = g.arn;
    let mut data = PermissionSet::default();
    let described = attributes!(PermissionSet: name, session_duration_minutes);
    if let Some((name, minutes)) = out.read_value(
        (DESCRIBE, region, PERMISSION_SET),
        &arn,
        described,
        g.described,
    ) {
        data.name = name;
        data.session_duration_minutes = minutes;
    }
    let managed_read = attributes!(PermissionSet: managed_policies, grants_full_admin);
    let managed = out.read_value(
        (MANAGED, region, PERMISSION_SET),
        &arn,
        managed_read,
        g.managed,
    );
    let inline_read =
        attributes!(PermissionSet: inline_policy, inline_full_admin, grants_full_admin);
    let inline = out.read_value(
        (INLINE, region, PERMISSION_SET),
        &arn,
        inline_read,
        g.inline,
    );
    let inline = inline.map(|text| match text.as_deref().map(PolicyDocument::parse) {
        None => Some(None),
        Some(Ok(policy)) => Some(Some(policy)),
        Some(Err(e)) => {
            let error = CallError::data(INLINE, ErrorKind::Decode, e.to_string());
            out.unknown(&error, region, PERMISSION_SET, &arn, inline_read);
            None
        }
    });
    if let Some(Some(policy)) = &inline {
        data.inline_full_admin = policy
            .as_ref()
            .is_some_and(PolicyDocument::grants_full_admin);
        data.inline_policy = policy.clone();
    }
    if let Some(managed) = managed {
        data.grants_full_admin =
            data.inline_full_admin || managed.iter().any(|p| p == ADMINISTRATOR_ACCESS);
        data.managed_policies = managed;
    }
    let customer_read = attributes!(PermissionSet: customer_managed_policies, grants_full_admin);
    if let Some(customer) = out.read_value(
        (CUSTOMER, region, PERMISSION_SET),
        &arn,
        customer_read,
        g.customer,
    ) {
        // Their documents live in each account the set is provisioned to: what they grant
        // is not known here, so full admin is unknown unless granted by the rest already.
        if !customer.is_empty() && !data.grants_full_admin {
            let error = CallError::data(
                CUSTOMER,
                ErrorKind::MissingData,
                format!(
                    "customer-managed policies ({}) are defined in each account the permission set is provisioned to; lockdown does not read their documents here",
                    customer.join(", ")
                ),
            );
            out.unknown(
                &error,
                region,
                PERMISSION_SET,
                &arn,
                attributes!(PermissionSet: grants_full_admin),
            );
        }
        data.customer_managed_policies = customer;
    }
    let assignment_read = attributes!(PermissionSet: assignments, assigned_users);
    let Some(assigned) = out.read_value(
        (ASSIGNMENTS, region, PERMISSION_SET),
        &arn,
        assignment_read,
        g.assignments,
    ) else {
        return (arn, data);
    };
    let mut people = BTreeSet::new();
    for (account_id, principal_type, principal_id) in assigned {
        let directory = if principal_type == "GROUP" {
            &names.groups
        } else {
            &names.users
        };
        let principal_name = directory
            .as_ref()
            .and_then(|d| d.get(&principal_id))
            .cloned();
        if principal_type == "GROUP" {
            match members.get(&principal_id) {
                Some(Some(Ok(group_members))) => people.extend(group_members.iter().cloned()),
                Some(Some(Err(error))) => {
                    out.unknown(
                        error,
                        region,
                        PERMISSION_SET,
                        &arn,
                        attributes!(PermissionSet: assigned_users),
                    );
                }
                // Not read: recorded as skipped for the resource type already.
                Some(None) | None => {}
            }
        } else {
            people.insert(principal_id.clone());
        }
        data.assignments.push(Assignment {
            account_id,
            principal_type,
            principal_id,
            principal_name,
        });
    }
    data.assigned_users = people.len() as i64;
    (arn, data)
}

/// Sets every instance's IAM console users from the IAM users collected: unknown when the IAM
/// users could not be listed or a user's password state is unknown.
pub fn link_console_users(out: &mut Collected) {
    let mut unknown_cause: Option<Arc<Cause>> = out
        .errors
        .iter()
        .find(|e| {
            e.affects.iter().any(|a| {
                a.resource_type == "aws.iam.user"
                    && a.resource_arn.is_none()
                    && (a.attributes.is_empty()
                        || a.attributes.iter().any(|x| x == "password_enabled"))
            })
        })
        .map(|e| Arc::new(Cause::from(e)));
    let mut console_users = Vec::new();
    for resource in &out.resources {
        let ResourceData::IamUser(user) = &resource.data else {
            continue;
        };
        if let Some(cause) = unknown::cause_for(&resource.unknown, ["password_enabled"]) {
            unknown_cause = unknown_cause.or_else(|| Some(cause.clone()));
        } else if user.password_enabled == Some(true) {
            console_users.push(user.name.clone());
        }
    }
    for resource in &mut out.resources {
        if let ResourceData::IdentityCenterInstance(instance) = &mut resource.data {
            instance.iam_console_users = console_users.clone();
            if let Some(cause) = &unknown_cause {
                resource
                    .unknown
                    .entry("iam_console_users".to_owned())
                    .or_insert_with(|| cause.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::duration_minutes;

    #[test]
    fn session_durations_are_read_in_minutes() {
        assert_eq!(duration_minutes("PT1H"), Some(60));
        assert_eq!(duration_minutes("PT12H"), Some(720));
        assert_eq!(duration_minutes("PT1H30M"), Some(90));
        assert_eq!(duration_minutes("PT45M"), Some(45));
        assert_eq!(duration_minutes("PT"), None);
        assert_eq!(duration_minutes("P1D"), None);
        assert_eq!(duration_minutes("PT8X"), None);
    }
}
