//! Property: no path leads from an unknown value to PASS. Random attribute gaps on random
//! resources of every type (taken from the built-in checks' examples) are evaluated with every
//! check; a check on a resource with an unknown attribute it reads must report ERROR.

use super::{Catalog, Check, Status, evaluate};
use crate::inventory::unknown::{self, Cause, WHOLE_RESOURCE};
use crate::inventory::{
    Account, CollectionInfo, ErrorKind, Resource, ResourceData, SCHEMA_VERSION, Snapshot,
};
use proptest::prelude::*;
use std::sync::{Arc, OnceLock};

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::load(&[]).expect("built-in checks load"))
}

/// Every example resource of every built-in check: all resource types that checks read.
fn example_resources() -> &'static [ResourceData] {
    static EXAMPLES: OnceLock<Vec<ResourceData>> = OnceLock::new();
    EXAMPLES.get_or_init(|| {
        catalog()
            .checks
            .iter()
            .flat_map(|c| c.examples.iter().map(|e| e.data.clone()))
            .collect()
    })
}

fn cause() -> Arc<Cause> {
    Arc::new(Cause {
        action: "s3:GetBucketPolicy".into(),
        permission: "s3:GetBucketPolicy".into(),
        region: "us-east-1".into(),
        kind: ErrorKind::AccessDenied,
        code: None,
        message: "denied".into(),
    })
}

/// A resource from example `index` with the attributes picked by `mask` (bit i: the i-th
/// attribute of its type; bit 63: the whole resource) unknown.
fn resource(index: usize, mask: u64) -> Resource {
    let data = example_resources()[index % example_resources().len()].clone();
    let names = unknown::schema(data.type_name()).unwrap_or_default();
    let mut gaps = unknown::Unknowns::new();
    for (bit, name) in names.iter().enumerate().take(63) {
        if mask & (1 << bit) != 0 {
            gaps.insert(name.clone(), cause());
        }
    }
    if mask & (1 << 63) != 0 {
        gaps.insert(WHOLE_RESOURCE.to_owned(), cause());
    }
    Resource {
        arn: format!("arn:aws:test:::{index}"),
        name: format!("r{index}"),
        region: "us-east-1".into(),
        account_id: "123456789012".into(),
        data,
        unknown: gaps,
        sources: Default::default(),
    }
}

fn snapshot(resources: Vec<Resource>) -> Snapshot {
    let now = super::example_now();
    Snapshot {
        schema_version: SCHEMA_VERSION,
        account: Account {
            id: "123456789012".into(),
            partition: "aws".into(),
        },
        regions: vec!["us-east-1".into()],
        regions_skipped: vec![],
        collection: CollectionInfo {
            started_at: now,
            finished_at: now,
            lockdown_version: "test".into(),
            api_calls: Default::default(),
            credential_report_generated_at: None,
        },
        resources,
        errors: vec![],
        organization: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_check_passes_on_a_resource_whose_read_attributes_are_unknown(
        picks in proptest::collection::vec((any::<usize>(), any::<u64>()), 1..12)
    ) {
        let resources: Vec<Resource> = picks
            .iter()
            .enumerate()
            .map(|(i, &(index, mask))| {
                let mut r = resource(index, mask);
                r.arn.push_str(&format!("/{i}"));
                r
            })
            .collect();
        let by_arn: std::collections::HashMap<String, Resource> =
            resources.iter().map(|r| (r.arn.clone(), r.clone())).collect();
        let checks: Vec<&Check> = catalog().checks.iter().collect();
        let findings = evaluate(&snapshot(resources), &checks, &catalog().env, super::example_now());
        for finding in &findings {
            let resource = &by_arn[&finding.resource.arn];
            let check = catalog().get(&finding.check_id).expect("a loaded check");
            let blind = resource.unknown.contains_key(WHOLE_RESOURCE)
                || check.reads.iter().any(|a| resource.unknown.contains_key(a));
            if blind {
                prop_assert_eq!(
                    finding.status,
                    Status::Error,
                    "{} on {:?} with unknown {:?}",
                    &*finding.check_id,
                    resource.data,
                    resource.unknown.keys().collect::<Vec<_>>()
                );
                prop_assert!(finding.error.is_some());
            }
        }
    }
}

#[test]
fn checks_that_read_attributes_they_cannot_name_do_not_load() {
    let env = super::check::environment();
    let file = |condition: &str| {
        format!(
            r#"id = "t"
title = "t"
severity = "low"
resource = "aws.s3.bucket"
description = "d"
risk = "r"
condition = "{condition}"
remediation = {{ text = "x" }}
[[examples]]
expect = "PASS"
resource = {{ policy_public = false }}
[[examples]]
expect = "FAIL"
resource = {{ policy_public = true }}
"#
        )
    };
    let load = |condition: &str| {
        Check::from_toml(
            &file(condition),
            std::path::Path::new("checks/t.toml"),
            &env,
        )
    };
    for (condition, needle) in [
        ("!resource.polcy_public", "`resource.polcy_public`"),
        ("!resource['polcy_public']", "`resource.polcy_public`"),
        ("!has(resource.polcy_public)", "`resource.polcy_public`"),
        ("resource.all(k, k != 'x')", "used whole"),
        ("size(resource) > 0", "used whole"),
        ("!resource['policy' + '_public']", "computed at run time"),
    ] {
        let error = load(condition).expect_err(condition).to_string();
        assert!(error.contains("checks/t.toml"), "{error}");
        assert!(error.contains(needle), "{condition}: {error}");
    }
    let bracket = load("!resource['policy_public']").expect("a declared attribute by index loads");
    assert!(bracket.reads.contains("policy_public"));
}

#[test]
fn bracket_access_to_an_unknown_attribute_is_error() {
    let env = super::check::environment();
    let text = std::fs::read_to_string("checks/s3/s3_bucket_not_public.toml").unwrap();
    let text = text.replace("!resource.policy_public", "!resource['policy_public']");
    assert!(text.contains("resource['policy_public']"));
    let check = Check::from_toml(&text, std::path::Path::new("t.toml"), &env).unwrap();
    let mut bucket = resource(0, 0);
    bucket.data = ResourceData::S3Bucket(Default::default());
    bucket.unknown.insert("policy_public".into(), cause());
    let findings = evaluate(
        &snapshot(vec![bucket]),
        &[&check],
        &env,
        super::example_now(),
    );
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].status, Status::Error);
    assert_eq!(findings[0].evidence, Default::default());
}

#[test]
fn framework_parameters_must_name_a_parameter_of_the_right_type() {
    let env = super::check::environment();
    let text = std::fs::read_to_string("checks/iam/iam_password_policy_min_length.toml").unwrap();
    assert!(text.contains("min_length = 12"));
    for (bad, needle) in [
        ("min_lenght = 12", "has no parameter `min_lenght`"),
        ("min_length = \"12\"", "is not of the type"),
    ] {
        let broken = text.replace("min_length = 12", bad);
        let error = Check::from_toml(&broken, std::path::Path::new("t.toml"), &env)
            .unwrap_err()
            .to_string();
        assert!(error.contains(needle), "{error}");
    }
    let check = Check::from_toml(&text, std::path::Path::new("t.toml"), &env).unwrap();
    let pci = check.for_framework("pci_dss_4_0_1", &env).unwrap().unwrap();
    assert_eq!(pci.def.params["min_length"].as_integer(), Some(12));
    assert!(check.for_framework("soc2", &env).is_none());
}
