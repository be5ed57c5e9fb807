//! Deterministic synthetic inventories for benchmarks and scale tests: the same seed and size
//! always give the same snapshot, with a realistic mix of IAM resources and failures.

use super::iam::{AccessKey, InlinePolicy, ManagedPolicy, MfaDevice, PasswordPolicy, Role, User};
use super::policy::{PolicyDocument, Statement};
use super::{
    Account, CollectionInfo, GLOBAL_REGION, Resource, ResourceData, SCHEMA_VERSION, Snapshot,
};
use chrono::{DateTime, Duration, Utc};

const ACCOUNT_ID: &str = "123456789012";

fn document(admin: bool) -> PolicyDocument {
    let actions = if admin {
        vec!["*".to_owned()]
    } else {
        vec!["s3:GetObject".to_owned(), "s3:ListBucket".to_owned()]
    };
    PolicyDocument {
        statements: vec![Statement {
            actions,
            resources: vec!["*".into()],
            ..Default::default()
        }],
    }
}

fn key(rng: &mut fastrand::Rng, slot: u8, now: DateTime<Utc>) -> AccessKey {
    let rotated = now - Duration::days(rng.i64(0..400));
    AccessKey {
        slot,
        active: rng.u8(0..10) < 8,
        last_rotated: Some(rotated),
        last_used: rng.bool().then(|| rotated + Duration::days(rng.i64(0..30))),
        last_used_service: Some("s3".into()),
    }
}

fn resource(kind: u64, index: usize, rng: &mut fastrand::Rng, now: DateTime<Utc>) -> Resource {
    let arn = |suffix: String| format!("arn:aws:iam::{ACCOUNT_ID}:{suffix}");
    let (arn, name, data) = match kind {
        0..=59 => {
            let name = format!("user-{index}");
            let console = rng.bool();
            let mfa = console && rng.u8(0..10) < 7;
            let keys = (1..=rng.u8(0..3)).map(|slot| key(rng, slot, now)).collect();
            let user = User {
                name: name.clone(),
                user_id: Some(format!("AIDA{index:016}")),
                path: Some("/".into()),
                created: Some(now - Duration::days(rng.i64(1..1000))),
                password_enabled: Some(console),
                password_last_used: console.then(|| now - Duration::days(rng.i64(0..200))),
                password_last_changed: None,
                mfa_active: Some(mfa),
                mfa_devices: if mfa {
                    vec![MfaDevice {
                        serial: arn(format!("mfa/{name}")),
                        kind: "virtual".into(),
                    }]
                } else {
                    vec![]
                },
                access_keys: keys,
                groups: vec!["developers".into()],
                attached_policies: if rng.u8(0..10) == 0 {
                    vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into()]
                } else {
                    vec![]
                },
                inline_policies: vec![],
            };
            (
                arn(format!("user/{name}")),
                name,
                ResourceData::IamUser(user),
            )
        }
        60..=74 => {
            let name = format!("role-{index}/inline");
            let admin = rng.u8(0..20) == 0;
            let policy = InlinePolicy {
                name: "inline".into(),
                principal_type: "role".into(),
                principal_name: format!("role-{index}"),
                document: Some(document(admin)),
                grants_full_admin: Some(admin),
            };
            (
                arn(format!("role/role-{index}/inline-policy/inline")),
                name,
                ResourceData::IamInlinePolicy(policy),
            )
        }
        75..=84 => {
            let name = format!("policy-{index}");
            let admin = rng.u8(0..20) == 0;
            let policy = ManagedPolicy {
                name: name.clone(),
                aws_managed: false,
                attachment_count: rng.i64(0..3),
                default_version: Some("v1".into()),
                document: Some(document(admin)),
                grants_full_admin: Some(admin),
            };
            (
                arn(format!("policy/{name}")),
                name,
                ResourceData::IamManagedPolicy(policy),
            )
        }
        _ => {
            let name = format!("role-{index}");
            let role = Role {
                name: name.clone(),
                path: "/".into(),
                created: Some(now - Duration::days(rng.i64(1..1000))),
                service_linked: false,
                trust_policy: None,
                attached_policies: vec![],
                inline_policies: vec!["inline".into()],
            };
            (
                arn(format!("role/{name}")),
                name,
                ResourceData::IamRole(role),
            )
        }
    };
    Resource {
        arn,
        name,
        region: GLOBAL_REGION.into(),
        account_id: ACCOUNT_ID.into(),
        data,
    }
}

/// A snapshot of `size` resources (plus one password policy) generated from `seed`.
pub fn snapshot(size: usize, seed: u64) -> Snapshot {
    let mut rng = fastrand::Rng::with_seed(seed);
    let now = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .expect("valid constant")
        .with_timezone(&Utc);
    let mut resources: Vec<Resource> = (0..size)
        .map(|i| resource(rng.u64(0..100), i, &mut rng, now))
        .collect();
    resources.push(Resource {
        arn: format!("arn:aws:iam::{ACCOUNT_ID}:password-policy"),
        name: "password-policy".into(),
        region: GLOBAL_REGION.into(),
        account_id: ACCOUNT_ID.into(),
        data: ResourceData::IamPasswordPolicy(PasswordPolicy {
            present: true,
            minimum_length: Some(8),
            ..Default::default()
        }),
    });
    Snapshot {
        schema_version: SCHEMA_VERSION,
        account: Account {
            id: ACCOUNT_ID.into(),
            partition: "aws".into(),
        },
        regions: vec!["us-east-1".into()],
        regions_skipped: vec![],
        collection: CollectionInfo {
            started_at: now,
            finished_at: now,
            lockdown_version: env!("CARGO_PKG_VERSION").into(),
            api_calls: Default::default(),
        },
        resources,
        errors: vec![],
        organization: None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn same_seed_same_snapshot_and_sizes_match() {
        let a = super::snapshot(500, 7);
        assert_eq!(a, super::snapshot(500, 7));
        assert_ne!(a, super::snapshot(500, 8));
        assert_eq!(a.resources.len(), 501);
    }
}
