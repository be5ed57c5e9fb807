//! Values that could not be collected. An attribute whose source call failed, or whose answer
//! could not be read, is recorded on the resource itself as unknown, with its cause; evaluation
//! turns every check that reads it into ERROR. Nothing downstream matches errors to resources
//! by name: [`attach`] does it once, when a snapshot is assembled or loaded, and anything it
//! cannot place becomes a gap for the whole resource type (ERROR, never PASS).

use super::{ALL_REGIONS, CollectionError, ErrorKind, Resource, ResourceData};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

/// Why a value is unknown: the call that failed, where, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cause {
    /// The API action in IAM permission form, e.g. `s3:GetBucketPolicy`.
    pub action: String,
    /// The IAM permission that authorizes the action.
    pub permission: String,
    /// Where the call was made (absent in results written before it was recorded).
    #[serde(default)]
    pub region: String,
    pub kind: ErrorKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub message: String,
}

impl From<&CollectionError> for Cause {
    fn from(error: &CollectionError) -> Self {
        Self {
            action: error.action.clone(),
            permission: error.permission.clone(),
            region: error.region.clone(),
            kind: error.kind,
            code: error.code.clone(),
            message: error.message.clone(),
        }
    }
}

impl Cause {
    /// A sentence for an ERROR finding: what failed, where, and what to do.
    pub fn reason(&self) -> String {
        let (action, region) = (&self.action, &self.region);
        match self.kind {
            ErrorKind::AccessDenied => format!(
                "{action} was denied in {region}, so the data this check needs is unknown; grant lockdown the permission {}",
                self.permission
            ),
            ErrorKind::NotCollected => format!(
                "{}; scan again with this check selected to evaluate it",
                self.message
            ),
            ErrorKind::MissingData => format!(
                "{} ({action} in {region}), so this check cannot be evaluated",
                self.message
            ),
            kind => format!(
                "{action} failed in {region} ({}): {}; the data this check needs is unknown",
                self.code.clone().unwrap_or_else(|| format!("{kind:?}")),
                self.message
            ),
        }
    }
}

/// The key under which a resource none of whose attributes are known records its cause.
pub const WHOLE_RESOURCE: &str = "*";

/// Attributes of one resource that could not be collected, each with its cause.
pub type Unknowns = BTreeMap<String, Arc<Cause>>;

/// The names of fields of an attribute struct, checked by the compiler: a misspelt name does
/// not build. `attributes!(Bucket: encryption, kms_key_id)` is `&["encryption", "kms_key_id"]`.
#[macro_export]
macro_rules! attributes {
    ($ty:ty: $($field:ident),+ $(,)?) => {{
        #[allow(dead_code)]
        fn every_name_is_a_field(value: &$ty) {
            $(let _ = &value.$field;)+
        }
        &[$(stringify!($field)),+]
    }};
}

/// The attribute names of a resource type (the top-level keys of its attributes), or `None`
/// for a type this build does not know.
pub fn schema(resource_type: &str) -> Option<&'static [String]> {
    static SCHEMAS: OnceLock<HashMap<&'static str, Vec<String>>> = OnceLock::new();
    SCHEMAS
        .get_or_init(|| {
            ResourceData::TYPES
                .iter()
                .map(|&name| {
                    let keys = match ResourceData::default_json(name) {
                        Some(serde_json::Value::Object(fields)) => fields.keys().cloned().collect(),
                        _ => Vec::new(),
                    };
                    (name, keys)
                })
                .collect()
        })
        .get(resource_type)
        .map(Vec::as_slice)
}

/// Whether `attribute` is one of the attributes of `resource_type`.
pub fn is_attribute(resource_type: &str, attribute: &str) -> bool {
    schema(resource_type).is_some_and(|names| names.iter().any(|n| n == attribute))
}

/// Places every attribute-level collection error on the resources it is about, as unknown
/// values with their cause (first cause wins). An error about one resource (by ARN) that
/// matches none, or that names an attribute its type does not have, is not dropped: the first
/// becomes a gap for every resource of the type in that region, the second leaves the whole
/// resource unknown. Running it again changes nothing.
pub fn attach(resources: &mut [Resource], errors: &mut [CollectionError]) {
    let mut placed = Placed::default();
    attach_chunk(resources, errors, &mut placed);
    add_gaps(errors, &placed);
}

/// The `affects` entries (by error and entry index) that found a resource to be placed on.
#[derive(Debug, Default)]
pub struct Placed(std::collections::HashSet<(usize, usize)>);

/// [`attach`] for a snapshot read a chunk of resources at a time: places `errors` on the
/// resources of `chunk` and records in `placed` what found its resource. Once every chunk has
/// been seen, [`add_gaps`] turns what found none into gaps.
pub fn attach_chunk(chunk: &mut [Resource], errors: &[CollectionError], placed: &mut Placed) {
    for (error_index, affected_index, targets) in placements(chunk, errors) {
        if targets.is_empty() {
            continue;
        }
        placed.0.insert((error_index, affected_index));
        let error = &errors[error_index];
        let affected = &error.affects[affected_index];
        let keys: Vec<&str> = if affected.attributes.is_empty()
            || affected
                .attributes
                .iter()
                .any(|a| !is_attribute(&affected.resource_type, a))
        {
            vec![WHOLE_RESOURCE]
        } else {
            affected.attributes.iter().map(String::as_str).collect()
        };
        let cause = Arc::new(Cause::from(error));
        for index in targets {
            for key in &keys {
                chunk[index]
                    .unknown
                    .entry((*key).to_owned())
                    .or_insert_with(|| cause.clone());
            }
        }
    }
}

/// Makes each error about one resource (by ARN) that no resource matched a gap for every
/// resource of its type in its region (see [`attach`]).
pub fn add_gaps(errors: &mut [CollectionError], placed: &Placed) {
    for (error_index, error) in errors.iter_mut().enumerate() {
        let unplaced: Vec<super::Affected> = error
            .affects
            .iter()
            .enumerate()
            .filter(|(affected_index, affected)| {
                affected.resource_arn.is_some()
                    && !placed.0.contains(&(error_index, *affected_index))
            })
            .map(|(_, affected)| super::Affected {
                resource_type: affected.resource_type.clone(),
                resource_arn: None,
                attributes: Vec::new(),
            })
            .collect();
        for gap in unplaced {
            if !error.affects.contains(&gap) {
                error.affects.push(gap);
            }
        }
    }
}

/// For each attribute-level `affects` entry (by error and entry index), the resources it is
/// about: by ARN when it names one, else every resource of its type in its region.
fn placements(
    resources: &[Resource],
    errors: &[CollectionError],
) -> Vec<(usize, usize, Vec<usize>)> {
    let wanted: std::collections::HashSet<&str> = errors
        .iter()
        .flat_map(|e| &e.affects)
        .filter_map(|a| a.resource_arn.as_deref())
        .collect();
    let mut by_arn: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_type: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, resource) in resources.iter().enumerate() {
        if wanted.contains(resource.arn.as_str()) {
            by_arn.entry(resource.arn.as_str()).or_default().push(index);
        }
        by_type
            .entry(resource.resource_type())
            .or_default()
            .push(index);
    }
    let mut out = Vec::new();
    for (error_index, error) in errors.iter().enumerate() {
        for (affected_index, affected) in error.affects.iter().enumerate() {
            if affected.attributes.is_empty() && affected.resource_arn.is_none() {
                continue; // a listing gap: the engine reports it per check
            }
            let in_scope = |resource: &Resource| {
                resource.resource_type() == affected.resource_type
                    && error
                        .account_id
                        .as_deref()
                        .is_none_or(|a| a == resource.account_id)
            };
            let candidates = match &affected.resource_arn {
                Some(arn) => by_arn.get(arn.as_str()),
                None => by_type.get(affected.resource_type.as_str()),
            };
            let targets = candidates
                .into_iter()
                .flatten()
                .copied()
                .filter(|&i| {
                    let resource = &resources[i];
                    in_scope(resource)
                        && (affected.resource_arn.is_some()
                            || error.region == resource.region
                            || error.region == ALL_REGIONS)
                })
                .collect();
            out.push((error_index, affected_index, targets));
        }
    }
    out
}

/// The first cause, among `attributes`, that leaves one of them unknown on `resource`; the
/// whole-resource cause comes first.
pub fn cause_for<'r>(
    unknown: &'r Unknowns,
    attributes: impl IntoIterator<Item = &'r str>,
) -> Option<&'r Arc<Cause>> {
    if unknown.is_empty() {
        return None;
    }
    unknown
        .get(WHOLE_RESOURCE)
        .or_else(|| attributes.into_iter().find_map(|a| unknown.get(a)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::s3::Bucket;
    use crate::inventory::{Affected, GLOBAL_REGION};

    fn bucket(name: &str, region: &str) -> Resource {
        Resource {
            arn: format!("arn:aws:s3:::{name}"),
            name: name.into(),
            region: region.into(),
            account_id: "123456789012".into(),
            data: ResourceData::S3Bucket(Bucket::default()),
            unknown: Unknowns::new(),
            sources: Default::default(),
        }
    }

    fn error(region: &str, affected: Affected) -> CollectionError {
        CollectionError {
            action: "s3:GetBucketPolicy".into(),
            permission: "s3:GetBucketPolicy".into(),
            region: region.into(),
            kind: ErrorKind::AccessDenied,
            code: Some("AccessDenied".into()),
            message: "denied".into(),
            affects: vec![affected],
            account_id: None,
        }
    }

    fn about(arn: Option<&str>, attributes: &[&str]) -> Affected {
        Affected {
            resource_type: "aws.s3.bucket".into(),
            resource_arn: arn.map(str::to_owned),
            attributes: attributes.iter().map(|a| (*a).to_owned()).collect(),
        }
    }

    #[test]
    fn errors_land_on_their_resource_whatever_its_region() {
        let mut resources = vec![bucket("a", "eu-west-1"), bucket("b", "us-east-1")];
        let mut errors = vec![error(
            GLOBAL_REGION,
            about(Some("arn:aws:s3:::a"), &["policy_public"]),
        )];
        attach(&mut resources, &mut errors);
        assert_eq!(
            resources[0].unknown.keys().collect::<Vec<_>>(),
            ["policy_public"]
        );
        assert!(resources[1].unknown.is_empty());
        attach(&mut resources, &mut errors);
        assert_eq!(
            resources[0].unknown.len(),
            1,
            "attaching twice changes nothing"
        );
    }

    #[test]
    fn an_error_for_a_missing_resource_becomes_a_listing_gap() {
        let mut resources = vec![bucket("a", "us-east-1")];
        let mut errors = vec![error("us-east-1", about(Some("arn:aws:s3:::gone"), &[]))];
        attach(&mut resources, &mut errors);
        assert!(errors[0].affects.contains(&about(None, &[])));
        attach(&mut resources, &mut errors);
        assert_eq!(errors[0].affects.len(), 2);
    }

    #[test]
    fn an_undeclared_attribute_leaves_the_whole_resource_unknown() {
        let mut resources = vec![bucket("a", "us-east-1")];
        let mut errors = vec![error("us-east-1", about(None, &["polcy_public"]))];
        attach(&mut resources, &mut errors);
        assert!(resources[0].unknown.contains_key(WHOLE_RESOURCE));
    }

    #[test]
    fn type_wide_errors_stay_in_their_region() {
        let mut resources = vec![bucket("a", "us-east-1"), bucket("b", "eu-west-1")];
        let mut errors = vec![error("eu-west-1", about(None, &["logging_target"]))];
        attach(&mut resources, &mut errors);
        assert!(resources[0].unknown.is_empty());
        assert!(resources[1].unknown.contains_key("logging_target"));
    }

    #[test]
    fn attribute_names_are_checked_by_the_compiler() {
        let names: &[&str] = attributes!(Bucket: encryption, kms_key_id);
        assert_eq!(names, ["encryption", "kms_key_id"]);
        assert!(names.iter().all(|n| is_attribute("aws.s3.bucket", n)));
    }
}
