//! Deterministic synthetic inventories for benchmarks and scale tests: the same seed and size
//! always give the same snapshot, with a realistic mix of resources (IAM users, roles and
//! policies; S3 buckets; KMS keys; security groups; EBS volumes) and failures.

use super::ec2::{Rule, SecurityGroup, Volume};
use super::iam::{AccessKey, InlinePolicy, ManagedPolicy, MfaDevice, PasswordPolicy, Role, User};
use super::kms::Key;
use super::policy::{PolicyDocument, Statement};
use super::s3::{Bucket, PublicAccessBlock};
use super::{
    Account, CollectionInfo, GLOBAL_REGION, Resource, ResourceData, SCHEMA_VERSION, Snapshot,
};
use chrono::{DateTime, Duration, Utc};

const ACCOUNT_ID: &str = "123456789012";
const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

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

/// The ARN, name and attributes of a resource.
type Generated = (String, String, ResourceData);

fn resource(kind: u64, index: usize, rng: &mut fastrand::Rng, now: DateTime<Utc>) -> Resource {
    let (region, (arn, name, data)) = if kind >= 70 {
        let region = REGIONS[index % REGIONS.len()];
        (region, regional(kind, index, region, rng))
    } else {
        (GLOBAL_REGION, iam(kind, index, rng, now))
    };
    Resource {
        arn,
        name,
        region: region.into(),
        account_id: ACCOUNT_ID.into(),
        data,
        unknown: Default::default(),
        sources: Default::default(),
    }
}

/// An IAM user, inline policy, managed policy or role.
fn iam(kind: u64, index: usize, rng: &mut fastrand::Rng, now: DateTime<Utc>) -> Generated {
    let arn = |suffix: String| format!("arn:aws:iam::{ACCOUNT_ID}:{suffix}");
    match kind {
        0..=39 => {
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
        40..=51 => {
            let name = format!("role-{index}/inline");
            let admin = rng.u8(0..20) == 0;
            let policy = InlinePolicy {
                name: "inline".into(),
                principal_type: "role".into(),
                principal_name: format!("role-{index}"),
                document: Some(document(admin)),
                grants_full_admin: Some(admin),
                decrypts_all_keys: Some(admin),
            };
            (
                arn(format!("role/role-{index}/inline-policy/inline")),
                name,
                ResourceData::IamInlinePolicy(policy),
            )
        }
        52..=59 => {
            let name = format!("policy-{index}");
            let admin = rng.u8(0..20) == 0;
            let policy = ManagedPolicy {
                name: name.clone(),
                aws_managed: false,
                attachment_count: rng.i64(0..3),
                default_version: Some("v1".into()),
                document: Some(document(admin)),
                grants_full_admin: Some(admin),
                decrypts_all_keys: Some(admin),
                service_wildcards: Some(Vec::new()),
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
    }
}

/// An S3 bucket, a KMS key, a security group or an EBS volume in `region`.
fn regional(kind: u64, index: usize, region: &str, rng: &mut fastrand::Rng) -> Generated {
    match kind {
        70..=79 => {
            let name = format!("bucket-{index}");
            let hardened = rng.u8(0..10) < 7;
            let all = |on: bool| PublicAccessBlock {
                block_public_acls: on,
                ignore_public_acls: on,
                block_public_policy: on,
                restrict_public_buckets: on,
            };
            let bucket = Bucket {
                name: name.clone(),
                encryption: Some(if hardened { "aws:kms" } else { "AES256" }.into()),
                kms_key_id: None,
                public_access_block: hardened.then(|| all(true)),
                policy: None,
                denies_insecure_transport: hardened,
                policy_public: rng.u8(0..50) == 0,
                acl_public: false,
                versioning: if hardened { "Enabled" } else { "Disabled" }.into(),
                mfa_delete: false,
                logging_target: hardened.then(|| "access-logs".into()),
                object_ownership: Some("BucketOwnerEnforced".into()),
                cross_account_actions: Vec::new(),
                replication_enabled: hardened,
                lifecycle_rules: i64::from(hardened),
                event_notifications: hardened,
                object_lock: false,
            };
            (
                format!("arn:aws:s3:::{name}"),
                name,
                ResourceData::S3Bucket(bucket),
            )
        }
        80..=87 => {
            let key_id = format!("{index:08x}-0000-4000-8000-000000000000");
            let customer = rng.u8(0..10) < 8;
            let key = Key {
                key_id: key_id.clone(),
                manager: if customer { "CUSTOMER" } else { "AWS" }.into(),
                spec: "SYMMETRIC_DEFAULT".into(),
                usage: "ENCRYPT_DECRYPT".into(),
                state: "Enabled".into(),
                origin: "AWS_KMS".into(),
                multi_region: Some(false),
                rotation_enabled: Some(rng.bool()),
                rotation_period_days: Some(365),
                policy: Some(document(false)),
                policy_public: Some(false),
            };
            (
                format!("arn:aws:kms:{region}:{ACCOUNT_ID}:key/{key_id}"),
                key_id,
                ResourceData::KmsKey(key),
            )
        }
        88..=95 => {
            let group_id = format!("sg-{index:017x}");
            let open = |port: i64| Rule {
                protocol: "tcp".into(),
                from_port: Some(port),
                to_port: Some(port),
                ipv4_ranges: vec!["0.0.0.0/0".into()],
                ..Default::default()
            };
            let group = SecurityGroup {
                group_id: group_id.clone(),
                name: format!("web-{index}"),
                vpc_id: Some("vpc-0123456789abcdef0".into()),
                is_default: false,
                ingress: if rng.u8(0..10) == 0 {
                    vec![open(443), open(22)]
                } else {
                    vec![open(443)]
                },
                egress: vec![Rule {
                    protocol: "-1".into(),
                    ipv4_ranges: vec!["0.0.0.0/0".into()],
                    ..Default::default()
                }],
            };
            (
                format!("arn:aws:ec2:{region}:{ACCOUNT_ID}:security-group/{group_id}"),
                group_id,
                ResourceData::Ec2SecurityGroup(group),
            )
        }
        _ => {
            let volume_id = format!("vol-{index:017x}");
            let volume = Volume {
                volume_id: volume_id.clone(),
                encrypted: rng.u8(0..10) < 9,
                kms_key_id: None,
                state: "in-use".into(),
                attached_to: vec![format!("i-{index:017x}")],
            };
            (
                format!("arn:aws:ec2:{region}:{ACCOUNT_ID}:volume/{volume_id}"),
                volume_id,
                ResourceData::Ec2Volume(volume),
            )
        }
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
        unknown: Default::default(),
        sources: Default::default(),
    });
    Snapshot {
        schema_version: SCHEMA_VERSION,
        account: Account {
            id: ACCOUNT_ID.into(),
            partition: "aws".into(),
        },
        regions: REGIONS.map(str::to_owned).to_vec(),
        regions_skipped: vec![],
        collection: CollectionInfo {
            started_at: now,
            finished_at: now,
            lockdown_version: env!("CARGO_PKG_VERSION").into(),
            api_calls: Default::default(),
            credential_report_generated_at: None,
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
