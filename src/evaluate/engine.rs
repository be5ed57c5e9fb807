//! Evaluates compiled checks over a snapshot in parallel. Each resource is converted to a CEL
//! value once and shared by every check on its type; data that could not be collected turns
//! into ERROR findings, never PASS.

use super::check::Check;
use super::finding::{Evidence, EvidenceInterner, Finding, FindingResource, Status, finding_id};
use crate::inventory::{
    Account, Cause, CollectionError, Resource, ResourceData, Snapshot, unknown,
};
use cel::objects::KeyRef;
use cel::{Context, Value};
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// Resources evaluated together: large enough to keep every core busy, small enough that the
/// findings in flight are a sliver of the total.
pub const EVALUATION_CHUNK: usize = 8192;

/// Resource types that could not be listed (in an error's region and account): the only data
/// gaps not recorded on resources themselves, since there is no resource to record them on.
struct Gaps<'s> {
    listing: Vec<(&'s str, Gap<'s>)>,
}

impl<'s> Gaps<'s> {
    fn new(errors: &'s [CollectionError]) -> Self {
        let listing = errors
            .iter()
            .flat_map(|error| {
                error
                    .affects
                    .iter()
                    .filter(|a| a.attributes.is_empty() && a.resource_arn.is_none())
                    .map(move |a| (a.resource_type.as_str(), Gap::new(error)))
            })
            .collect();
        Gaps { listing }
    }
}

/// What ERROR findings say about a collection error, built once and shared by all of them.
struct Gap<'s> {
    error: &'s CollectionError,
    cause: Arc<Cause>,
    reason: Arc<str>,
}

impl<'s> Gap<'s> {
    fn new(error: &'s CollectionError) -> Self {
        let cause = Cause::from(error);
        Self {
            error,
            reason: cause.reason().into(),
            cause: Arc::new(cause),
        }
    }
}

/// `value` without the attributes in `unknown`: reading one in any way the expression finds
/// (field, index, macro) is an evaluation error, never a default.
fn without_unknown(value: Value, unknown: &crate::inventory::Unknowns) -> Value {
    match value {
        Value::Map(map) if !unknown.is_empty() => {
            let kept = map
                .map
                .iter()
                .filter(|(key, _)| match key {
                    cel::objects::Key::String(name) => !unknown.contains_key(name.as_str()),
                    _ => true,
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<HashMap<_, _>>();
            Value::Map(cel::objects::Map {
                map: Arc::new(kept),
            })
        }
        other => other,
    }
}

/// A per-thread CEL context with `now` and the helper functions bound.
fn context(env: &Arc<cel::Env>, now: DateTime<Utc>) -> Context<'static, 'static> {
    let mut ctx = Context::with_env(env.clone());
    ctx.add_variable_from_value("now", Value::Timestamp(now.fixed_offset()));
    ctx.add_function("days", |n: i64| Value::Duration(chrono::Duration::days(n)))
        .expect("`days` is not a standard function");
    ctx.add_function("matches_any", matches_any)
        .expect("`matches_any` is not a standard function");
    ctx.add_function("covers", |pattern: Arc<String>, reference: Arc<String>| {
        super::filter_pattern::covers(&pattern, &reference)
    })
    .expect("`covers` is not a standard function");
    ctx
}

/// `matches_any(text, patterns)`: whether `text` matches any of the regular expressions. Unlike
/// CEL's `matches`, which compiles its pattern on every call, each pattern is compiled once per
/// thread, so a pattern list from `params` costs nothing per resource.
fn matches_any(text: Arc<String>, patterns: Arc<Vec<Value>>) -> Result<bool, cel::ExecutionError> {
    thread_local! {
        static COMPILED: std::cell::RefCell<HashMap<String, regex::Regex>> =
            std::cell::RefCell::default();
    }
    COMPILED.with_borrow_mut(|compiled| {
        for pattern in patterns.iter() {
            let Value::String(pattern) = pattern else {
                return Err(cel::ExecutionError::function_error(
                    "matches_any",
                    format!("patterns must be strings, got {pattern:?}"),
                ));
            };
            if !compiled.contains_key(pattern.as_str()) {
                // Patterns built from resource data could be endless: keep the cache bounded.
                if compiled.len() >= 1024 {
                    compiled.clear();
                }
                let regex = regex::Regex::new(pattern).map_err(|e| {
                    cel::ExecutionError::function_error(
                        "matches_any",
                        format!("'{pattern}' is not a valid regex: {e}"),
                    )
                })?;
                compiled.insert(pattern.to_string(), regex);
            }
            if compiled[pattern.as_str()].is_match(&text) {
                return Ok(true);
            }
        }
        Ok(false)
    })
}

/// Runs one check on one resource value already bound as `resource` in `ctx`.
fn run(check: &Check, ctx: &mut Context<'static, 'static>) -> (Status, Option<Arc<str>>) {
    if check.uses_params {
        ctx.add_variable_from_value("params", check.params.clone());
    }
    if let Some(applies) = &check.applies {
        match applies.execute(ctx) {
            Ok(Value::Bool(true)) => {}
            Ok(Value::Bool(false)) => {
                return (
                    Status::NotApplicable,
                    Some(check.shared.not_applicable.clone()),
                );
            }
            Ok(other) => {
                return (
                    Status::Error,
                    Some(format!("`applies` gave {other:?}, not a boolean").into()),
                );
            }
            Err(e) => return (Status::Error, Some(format!("`applies` failed: {e}").into())),
        }
    }
    match check.condition.execute(ctx) {
        Ok(Value::Bool(true)) => (Status::Pass, None),
        Ok(Value::Bool(false)) => (Status::Fail, None),
        Ok(other) => (
            Status::Error,
            Some(format!("`condition` gave {other:?}, not a boolean").into()),
        ),
        Err(e) => (
            Status::Error,
            Some(format!("`condition` failed: {e}").into()),
        ),
    }
}

/// Evaluates a check on bare attributes (for the check's own examples).
pub fn evaluate_example(
    check: &Check,
    env: &Arc<cel::Env>,
    data: &ResourceData,
    now: DateTime<Utc>,
) -> (Status, Option<Arc<str>>) {
    let mut ctx = context(env, now);
    match data.to_cel() {
        Ok(value) => {
            ctx.add_variable_from_value("resource", value);
            run(check, &mut ctx)
        }
        Err(e) => (Status::Error, Some(unreadable(&e))),
    }
}

/// The reason of an ERROR for a resource whose attributes cannot become a CEL value.
fn unreadable(error: &cel::SerializationError) -> Arc<str> {
    format!("resource cannot be evaluated: {error}").into()
}

/// The attributes of one resource as evidence: each attribute a check reads is redacted and
/// serialized once, however many checks read it.
struct EvidenceSource<'v, 'c> {
    /// The resource's attributes; `None` when its value is not a map (nothing to show).
    attributes: Option<&'v cel::objects::Map>,
    /// Attributes read from another source than the service's API, with that source.
    sources: &'v std::collections::BTreeMap<String, String>,
    fragments: HashMap<&'c str, Option<String>>,
}

impl<'v, 'c> EvidenceSource<'v, 'c> {
    fn new(resource: &'v Value, sources: &'v std::collections::BTreeMap<String, String>) -> Self {
        Self {
            attributes: match resource {
                Value::Map(map) => Some(map),
                _ => None,
            },
            sources,
            fragments: HashMap::new(),
        }
    }

    /// The attributes `check` read, as collected, with anything secret-looking redacted.
    fn evidence(&mut self, check: &'c Check, interner: &mut EvidenceInterner) -> Evidence {
        let Some(attributes) = self.attributes else {
            return Evidence::default();
        };
        for field in &check.reads {
            self.fragments.entry(field).or_insert_with(|| {
                let value = attributes.get(&KeyRef::String(field))?;
                let mut json = value.json().unwrap_or(serde_json::Value::Null);
                super::redact::redact_value(&mut json);
                Some(json.to_string())
            });
        }
        // Where attributes came from, when not from the service's own API (`_sources`).
        let sources: serde_json::Map<String, serde_json::Value> = check
            .reads
            .iter()
            .filter_map(|field| Some((field.clone(), self.sources.get(field)?.clone().into())))
            .collect();
        let sources = (!sources.is_empty()).then(|| serde_json::Value::Object(sources).to_string());
        let read = check.reads.iter().filter_map(|field| {
            let fragment = self.fragments.get(field.as_str())?.as_deref()?;
            Some((field.as_str(), fragment))
        });
        interner.object(read.chain(sources.as_deref().map(|s| ("_sources", s))))
    }
}

/// Shared inputs of one evaluation run.
struct Run<'a> {
    account: &'a Account,
    now: DateTime<Utc>,
}

/// The finding of `check` on `resource` with `status`: no reason, evidence or error yet.
pub fn finding_of(
    check: &Check,
    resource: Arc<FindingResource>,
    status: Status,
    now: DateTime<Utc>,
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
        reason: None,
        resource,
        evidence: Evidence::default(),
        error: None,
        remediation: check.shared.remediation.clone(),
        refs: check.shared.refs.clone(),
        controls: Arc::default(),
        compliance: Arc::default(),
        suppression: None,
        change: None,
        evaluated_at: now,
    }
}

impl Run<'_> {
    fn finding(
        &self,
        check: &Check,
        resource: Arc<FindingResource>,
        status: Status,
        reason: Option<Arc<str>>,
        evidence: Evidence,
        error: Option<Arc<Cause>>,
    ) -> Finding {
        Finding {
            reason,
            evidence,
            error,
            ..finding_of(check, resource, status, self.now)
        }
    }

    /// The ERROR finding of a check whose data a collection error left unknown.
    fn gap_finding(
        &self,
        check: &Check,
        resource: Arc<FindingResource>,
        cause: &Arc<Cause>,
        reason: Arc<str>,
    ) -> Finding {
        self.finding(
            check,
            resource,
            Status::Error,
            Some(reason),
            Evidence::default(),
            Some(cause.clone()),
        )
    }

    fn resource_findings(
        &self,
        (ctx, interner): &mut (Context<'static, 'static>, EvidenceInterner),
        resource: &Resource,
        checks: &[&Check],
    ) -> Vec<Finding> {
        let value = resource
            .data
            .to_cel()
            .map(|v| without_unknown(v, &resource.unknown));
        if let Ok(v) = &value {
            ctx.add_variable_from_value("resource", v.clone());
        }
        let mut evidence = None;
        let shared_target = Arc::new(FindingResource {
            arn: resource.arn.clone(),
            resource_type: resource.resource_type().to_owned(),
            name: resource.name.clone(),
            region: resource.region.clone(),
            account_id: resource.account_id.clone(),
        });
        checks
            .iter()
            .map(|&check| {
                let target = shared_target.clone();
                let reads = check.reads.iter().map(String::as_str);
                if let Some(cause) = unknown::cause_for(&resource.unknown, reads) {
                    let reason = cause.reason().into();
                    return self.gap_finding(check, target, cause, reason);
                }
                match &value {
                    Ok(v) => {
                        let (status, reason) = run(check, ctx);
                        let evidence = evidence
                            .get_or_insert_with(|| EvidenceSource::new(v, &resource.sources));
                        let evidence = evidence.evidence(check, interner);
                        self.finding(check, target, status, reason, evidence, None)
                    }
                    Err(e) => self.finding(
                        check,
                        target,
                        Status::Error,
                        Some(unreadable(e)),
                        Evidence::default(),
                        None,
                    ),
                }
            })
            .collect()
    }

    /// One ERROR per check whose resources could not be listed in a region.
    fn listing_findings(&self, checks: &[&Check], errors: &[CollectionError]) -> Vec<Finding> {
        let mut findings = Vec::new();
        for (resource_type, gap) in &Gaps::new(errors).listing {
            let resource_type = *resource_type;
            let region = gap.error.region.as_str();
            for check in checks.iter().filter(|c| c.def.resource == resource_type) {
                let service = resource_type.split('.').nth(1).unwrap_or("aws");
                let scope_region = if region == crate::inventory::GLOBAL_REGION {
                    ""
                } else {
                    region
                };
                let account_id = gap.error.account_id.as_ref().unwrap_or(&self.account.id);
                let target = Arc::new(FindingResource {
                    arn: format!(
                        "arn:{}:{service}:{scope_region}:{account_id}:*",
                        self.account.partition
                    ),
                    resource_type: resource_type.to_owned(),
                    name: format!("all {resource_type} in {region}"),
                    region: region.to_owned(),
                    account_id: account_id.clone(),
                });
                findings.push(self.gap_finding(check, target, &gap.cause, gap.reason.clone()));
            }
        }
        findings
    }
}

/// An evaluation that takes resources a chunk at a time, so that neither the resources nor the
/// findings of a whole snapshot need to be held at once: the checks by resource type, the
/// account and the clock.
pub struct Evaluator<'a> {
    checks: &'a [&'a Check],
    by_type: HashMap<&'a str, Vec<&'a Check>>,
    run: Run<'a>,
    env: &'a Arc<cel::Env>,
}

impl<'a> Evaluator<'a> {
    /// An evaluation of `checks` on the resources of `account`, at time `now`.
    pub fn new(
        account: &'a Account,
        checks: &'a [&'a Check],
        env: &'a Arc<cel::Env>,
        now: DateTime<Utc>,
    ) -> Self {
        let mut by_type: HashMap<&str, Vec<&Check>> = HashMap::new();
        for check in checks {
            by_type
                .entry(check.def.resource.as_str())
                .or_default()
                .push(check);
        }
        Self {
            checks,
            by_type,
            run: Run { account, now },
            env,
        }
    }

    /// How many findings evaluating `resources` gives (listing errors aside).
    pub fn count(&self, resources: &[Resource]) -> usize {
        resources
            .iter()
            .filter_map(|r| self.by_type.get(r.resource_type()).map(Vec::len))
            .sum()
    }

    /// Appends the findings of `chunk`, evaluated in parallel, in no particular order.
    pub fn extend(&self, findings: &mut Vec<Finding>, chunk: &[Resource]) {
        findings.par_extend(
            chunk
                .par_iter()
                .map_init(
                    || (context(self.env, self.run.now), EvidenceInterner::default()),
                    |ctx, resource| match self.by_type.get(resource.resource_type()) {
                        Some(checks) => self.run.resource_findings(ctx, resource, checks),
                        None => Vec::new(),
                    },
                )
                .flatten_iter(),
        );
    }

    /// One ERROR per check on each resource type `errors` say could not be listed in a region
    /// (known once every resource has been seen: see [`unknown::attach_chunk`]).
    pub fn listing_findings(&self, errors: &[CollectionError]) -> Vec<Finding> {
        self.run.listing_findings(self.checks, errors)
    }
}

/// Sorts findings by check, ARN and id (unique, so the order is total): the order of every
/// output.
pub fn sort(findings: &mut [Finding]) {
    findings.par_sort_unstable_by(order);
}

/// The order of [`sort`].
pub fn order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    (&a.check_id, &a.resource.arn, a.id).cmp(&(&b.check_id, &b.resource.arn, b.id))
}

/// Evaluates `checks` over every resource of `snapshot` at time `now`, sorted by check and ARN.
/// Resources are evaluated a chunk at a time into a vector of the exact final size: a single
/// parallel collect would hold every finding twice while it joins per-thread parts.
pub fn evaluate(
    snapshot: &Snapshot,
    checks: &[&Check],
    env: &Arc<cel::Env>,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let evaluator = Evaluator::new(&snapshot.account, checks, env, now);
    let listing = evaluator.listing_findings(&snapshot.errors);
    let mut findings = Vec::with_capacity(evaluator.count(&snapshot.resources) + listing.len());
    for chunk in snapshot.resources.chunks(EVALUATION_CHUNK) {
        evaluator.extend(&mut findings, chunk);
    }
    findings.extend(listing);
    sort(&mut findings);
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_evaluation_gives_the_findings_of_a_whole_one() {
        let catalog = crate::evaluate::Catalog::load(&[]).expect("built-in checks load");
        let checks: Vec<&Check> = catalog.checks.iter().collect();
        // More resources than one chunk, so that several chunks are evaluated.
        let snapshot = crate::inventory::synthetic::snapshot(EVALUATION_CHUNK * 2 + 7, 3);
        let now = snapshot.collection.finished_at;
        let whole = evaluate(&snapshot, &checks, &catalog.env, now);
        assert!(whole.len() > EVALUATION_CHUNK * 2);
        assert_eq!(whole.len(), whole.capacity(), "the exact size was reserved");
        let evaluator = Evaluator::new(&snapshot.account, &checks, &catalog.env, now);
        let mut chunked = Vec::new();
        for chunk in snapshot.resources.rchunks(1000) {
            evaluator.extend(&mut chunked, chunk);
        }
        chunked.extend(evaluator.listing_findings(&snapshot.errors));
        sort(&mut chunked);
        assert_eq!(whole, chunked);
    }

    #[test]
    fn matches_any_matches_each_pattern_and_rejects_invalid_ones() {
        let patterns = |list: &[&str]| {
            Arc::new(
                list.iter()
                    .map(|p| Value::String(Arc::new((*p).to_owned())))
                    .collect::<Vec<_>>(),
            )
        };
        let text = |t: &str| Arc::new(t.to_owned());
        assert_eq!(
            matches_any(text("prod-pii"), patterns(&["^dev-", "-pii$"])),
            Ok(true)
        );
        assert_eq!(
            matches_any(text("prod-logs"), patterns(&["^dev-", "-pii$"])),
            Ok(false)
        );
        assert_eq!(matches_any(text("prod-logs"), patterns(&[])), Ok(false));
        let error = matches_any(text("x"), patterns(&["(unclosed"])).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("'(unclosed' is not a valid regex"),
            "{error}"
        );
        assert!(matches_any(text("x"), Arc::new(vec![Value::Int(1)])).is_err());
    }
}
