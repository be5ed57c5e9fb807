//! Evaluates compiled checks over a snapshot in parallel. Each resource is converted to a CEL
//! value once and shared by every check on its type; data that could not be collected turns
//! into ERROR findings, never PASS.

use super::check::Check;
use super::finding::{CollectionFailure, Finding, FindingResource, Status, finding_id};
use crate::inventory::{
    Account, Affected, CollectionError, ErrorKind, Resource, ResourceData, Snapshot,
};
use cel::objects::KeyRef;
use cel::{Context, Value};
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// The data gaps of a snapshot, indexed for look-up during evaluation.
struct Gaps<'s> {
    /// Resources of a type that could not be listed, per (type, region).
    listing: Vec<(&'s str, &'s str, &'s CollectionError)>,
    /// Attributes (or single resources) that could not be collected.
    attributes: Vec<(&'s Affected, &'s CollectionError)>,
}

impl<'s> Gaps<'s> {
    fn new(errors: &'s [CollectionError]) -> Self {
        let mut gaps = Gaps {
            listing: Vec::new(),
            attributes: Vec::new(),
        };
        for error in errors {
            for affected in &error.affects {
                if affected.attributes.is_empty() && affected.resource_arn.is_none() {
                    gaps.listing
                        .push((&affected.resource_type, &error.region, error));
                } else {
                    gaps.attributes.push((affected, error));
                }
            }
        }
        gaps
    }

    /// The collection error that leaves data this check reads on this resource unknown.
    fn for_resource(&self, check: &Check, resource: &Resource) -> Option<&'s CollectionError> {
        self.attributes
            .iter()
            .find(|(affected, error)| {
                affected.resource_type == check.def.resource
                    && error
                        .account_id
                        .as_deref()
                        .is_none_or(|a| a == resource.account_id)
                    && (error.region == resource.region
                        || error.region == crate::inventory::ALL_REGIONS)
                    && affected
                        .resource_arn
                        .as_deref()
                        .is_none_or(|a| a == resource.arn)
                    && (affected.attributes.is_empty()
                        || affected.attributes.iter().any(|a| check.reads.contains(a)))
            })
            .map(|(_, error)| *error)
    }
}

fn failure(error: &CollectionError) -> CollectionFailure {
    CollectionFailure {
        action: error.action.clone(),
        permission: error.permission.clone(),
        kind: error.kind,
        code: error.code.clone(),
        message: error.message.clone(),
    }
}

fn error_reason(error: &CollectionError) -> String {
    let (action, region) = (&error.action, &error.region);
    match error.kind {
        ErrorKind::AccessDenied => format!(
            "{action} was denied in {region}, so the data this check needs is unknown; grant lockdown the permission {}",
            error.permission
        ),
        ErrorKind::MissingData => format!(
            "{} ({action} in {region}), so this check cannot be evaluated",
            error.message
        ),
        kind => format!(
            "{action} failed in {region} ({}): {}; the data this check needs is unknown",
            error.code.clone().unwrap_or_else(|| format!("{kind:?}")),
            error.message
        ),
    }
}

/// A per-thread CEL context with `now` and the helper functions bound.
fn context(env: &Arc<cel::Env>, now: DateTime<Utc>) -> Context<'static, 'static> {
    let mut ctx = Context::with_env(env.clone());
    ctx.add_variable_from_value("now", Value::Timestamp(now.fixed_offset()));
    ctx.add_function("days", |n: i64| Value::Duration(chrono::Duration::days(n)))
        .expect("`days` is not a standard function");
    ctx
}

/// Runs one check on one resource value already bound as `resource` in `ctx`.
fn run(check: &Check, ctx: &mut Context<'static, 'static>) -> (Status, Option<String>) {
    if check.uses_params {
        ctx.add_variable_from_value("params", check.params.clone());
    }
    if let Some(applies) = &check.applies {
        match applies.execute(ctx) {
            Ok(Value::Bool(true)) => {}
            Ok(Value::Bool(false)) => {
                return (
                    Status::NotApplicable,
                    Some(check.def.not_applicable_reason.clone().unwrap_or_else(|| {
                        format!(
                            "`{}` is false for this resource",
                            check.def.applies.as_deref().unwrap_or_default()
                        )
                    })),
                );
            }
            Ok(other) => {
                return (
                    Status::Error,
                    Some(format!("`applies` gave {other:?}, not a boolean")),
                );
            }
            Err(e) => return (Status::Error, Some(format!("`applies` failed: {e}"))),
        }
    }
    match check.condition.execute(ctx) {
        Ok(Value::Bool(true)) => (Status::Pass, None),
        Ok(Value::Bool(false)) => (Status::Fail, None),
        Ok(other) => (
            Status::Error,
            Some(format!("`condition` gave {other:?}, not a boolean")),
        ),
        Err(e) => (Status::Error, Some(format!("`condition` failed: {e}"))),
    }
}

/// Evaluates a check on bare attributes (for the check's own examples).
pub fn evaluate_example(
    check: &Check,
    env: &Arc<cel::Env>,
    data: &ResourceData,
    now: DateTime<Utc>,
) -> (Status, Option<String>) {
    let mut ctx = context(env, now);
    match data.to_cel() {
        Ok(value) => {
            ctx.add_variable_from_value("resource", value);
            run(check, &mut ctx)
        }
        Err(e) => (
            Status::Error,
            Some(format!("resource cannot be evaluated: {e}")),
        ),
    }
}

/// The attributes `check` read, as collected, with anything secret-looking redacted.
fn evidence(check: &Check, value: &Value) -> serde_json::Map<String, serde_json::Value> {
    let Value::Map(map) = value else {
        return serde_json::Map::new();
    };
    let mut attributes = check
        .reads
        .iter()
        .filter_map(|field| {
            let v = map.get(&KeyRef::String(field))?;
            Some((field.clone(), v.json().unwrap_or(serde_json::Value::Null)))
        })
        .collect();
    super::redact::redact_attributes(&mut attributes);
    attributes
}

/// Shared inputs of one evaluation run.
struct Run<'a> {
    account: &'a Account,
    now: DateTime<Utc>,
    gaps: Gaps<'a>,
}

impl Run<'_> {
    fn finding(
        &self,
        check: &Check,
        resource: Arc<FindingResource>,
        status: Status,
        reason: Option<String>,
        evidence: serde_json::Map<String, serde_json::Value>,
        error: Option<CollectionFailure>,
    ) -> Finding {
        Finding {
            id: finding_id(
                &check.def.id,
                &resource.account_id,
                &resource.region,
                &resource.arn,
            ),
            check_id: check.shared.id.clone(),
            title: check.shared.title.clone(),
            status,
            severity: check.def.severity,
            reason,
            resource,
            evidence,
            error,
            remediation: check.shared.remediation.clone(),
            refs: check.shared.refs.clone(),
            controls: Arc::default(),
            compliance: Arc::default(),
            suppression: None,
            change: None,
            evaluated_at: self.now,
        }
    }

    fn resource_findings(
        &self,
        ctx: &mut Context<'static, 'static>,
        resource: &Resource,
        checks: &[&Check],
    ) -> Vec<Finding> {
        let value = resource.data.to_cel();
        if let Ok(v) = &value {
            ctx.add_variable_from_value("resource", v.clone());
        }
        let shared_target = Arc::new(FindingResource {
            arn: resource.arn.clone(),
            resource_type: resource.resource_type().to_owned(),
            name: resource.name.clone(),
            region: resource.region.clone(),
            account_id: resource.account_id.clone(),
        });
        checks
            .iter()
            .map(|check| {
                let target = shared_target.clone();
                if let Some(gap) = self.gaps.for_resource(check, resource) {
                    return self.finding(
                        check,
                        target,
                        Status::Error,
                        Some(error_reason(gap)),
                        Default::default(),
                        Some(failure(gap)),
                    );
                }
                match &value {
                    Ok(v) => {
                        let (status, reason) = run(check, ctx);
                        self.finding(check, target, status, reason, evidence(check, v), None)
                    }
                    Err(e) => self.finding(
                        check,
                        target,
                        Status::Error,
                        Some(format!("resource cannot be evaluated: {e}")),
                        Default::default(),
                        None,
                    ),
                }
            })
            .collect()
    }

    /// One ERROR per check whose resources could not be listed in a region.
    fn listing_findings(&self, checks: &[&Check]) -> Vec<Finding> {
        let mut findings = Vec::new();
        for (resource_type, region, error) in &self.gaps.listing {
            for check in checks.iter().filter(|c| c.def.resource == *resource_type) {
                let service = resource_type.split('.').nth(1).unwrap_or("aws");
                let scope_region = if *region == crate::inventory::GLOBAL_REGION {
                    ""
                } else {
                    region
                };
                let account_id = error.account_id.as_ref().unwrap_or(&self.account.id);
                let target = Arc::new(FindingResource {
                    arn: format!(
                        "arn:{}:{service}:{scope_region}:{account_id}:*",
                        self.account.partition
                    ),
                    resource_type: (*resource_type).to_owned(),
                    name: format!("all {resource_type} in {region}"),
                    region: (*region).to_owned(),
                    account_id: account_id.clone(),
                });
                findings.push(self.finding(
                    check,
                    target,
                    Status::Error,
                    Some(error_reason(error)),
                    Default::default(),
                    Some(failure(error)),
                ));
            }
        }
        findings
    }
}

/// Evaluates `checks` over every resource of `snapshot` at time `now`, sorted by check and ARN.
pub fn evaluate(
    snapshot: &Snapshot,
    checks: &[&Check],
    env: &Arc<cel::Env>,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let mut by_type: HashMap<&str, Vec<&Check>> = HashMap::new();
    for check in checks {
        by_type
            .entry(check.def.resource.as_str())
            .or_default()
            .push(check);
    }
    let run = Run {
        account: &snapshot.account,
        now,
        gaps: Gaps::new(&snapshot.errors),
    };
    let mut findings: Vec<Finding> = snapshot
        .resources
        .par_iter()
        .map_init(
            || context(env, now),
            |ctx, resource| match by_type.get(resource.resource_type()) {
                Some(checks) => run.resource_findings(ctx, resource, checks),
                None => Vec::new(),
            },
        )
        .flatten_iter()
        .collect();
    findings.extend(run.listing_findings(checks));
    findings.par_sort_unstable_by(|a, b| {
        (&a.check_id, &a.resource.arn).cmp(&(&b.check_id, &b.resource.arn))
    });
    findings
}
