//! CloudTrail: trails in their home region, whether they log, which events they record (basic
//! and advanced event selectors), and an account-wide summary across regions.

use super::s3;
use super::{CallError, Collected, Scope, affects, monitoring};
use crate::inventory::cloudtrail::{AccountTrails, SELECTOR_ATTRIBUTES, STATUS_ATTRIBUTES, Trail};
use crate::inventory::monitoring::TrailMetricFilter;
use crate::inventory::s3::Bucket;
use crate::inventory::{Account, Cause, GLOBAL_REGION, Resource, ResourceData, Unknowns, unknown};
use crate::{attributes, or_unknown};
use aws_sdk_cloudtrail::types::{AdvancedEventSelector, EventSelector};
use std::collections::HashMap;
use std::sync::Arc;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &[
    "cloudtrail:DescribeTrails",
    "cloudtrail:GetEventSelectors",
    "cloudtrail:GetTrailStatus",
];

const TYPE: &str = "aws.cloudtrail.trail";

/// Read/write coverage accumulated over selectors.
#[derive(Default, Clone, Copy)]
struct Coverage {
    read: bool,
    write: bool,
}

impl Coverage {
    fn add(&mut self, read_write: Option<&str>) {
        match read_write {
            Some("ReadOnly") => self.read = true,
            Some("WriteOnly") => self.write = true,
            _ => (self.read, self.write) = (true, true),
        }
    }

    fn label(self) -> String {
        match (self.read, self.write) {
            (true, true) => "All",
            (true, false) => "ReadOnly",
            (false, true) => "WriteOnly",
            (false, false) => "None",
        }
        .to_owned()
    }
}

/// The `readOnly` field of an advanced selector: `true` → reads only, `false` → writes only.
fn advanced_read_write(selector: &AdvancedEventSelector) -> Option<&'static str> {
    let field = selector
        .field_selectors()
        .iter()
        .find(|f| f.field() == "readOnly")?;
    match field.equals().first().map(String::as_str) {
        Some("true") => Some("ReadOnly"),
        Some("false") => Some("WriteOnly"),
        _ => None,
    }
}

fn advanced_matches(selector: &AdvancedEventSelector, field: &str, value: &str) -> bool {
    selector
        .field_selectors()
        .iter()
        .any(|f| f.field() == field && f.equals().iter().any(|v| v == value))
}

/// Whether a basic selector's S3 data resource value names every bucket, current and future
/// (`arn:aws:s3`, or `arn:aws:s3:::`), rather than one bucket or prefix.
fn all_buckets(value: &str) -> bool {
    value
        .strip_prefix("arn:")
        .and_then(|rest| rest.split_once(':'))
        .is_some_and(|(_, rest)| rest == "s3" || rest == "s3:::")
}

/// (management events, S3 object-level events) recorded by a trail's selectors: S3 object
/// events count only when a selector takes them for every bucket (CIS v5.0.0 3.8/3.9), not
/// for some buckets, prefixes or event names.
fn recorded(basic: &[EventSelector], advanced: &[AdvancedEventSelector]) -> (String, String) {
    let (mut management, mut s3) = (Coverage::default(), Coverage::default());
    for selector in basic {
        let read_write = selector.read_write_type().map(|t| t.as_str());
        if selector.include_management_events().unwrap_or(true) {
            management.add(read_write);
        }
        if selector.data_resources().iter().any(|d| {
            d.r#type() == Some("AWS::S3::Object") && d.values().iter().any(|v| all_buckets(v))
        }) {
            s3.add(read_write);
        }
    }
    for selector in advanced {
        if advanced_matches(selector, "eventCategory", "Management") {
            management.add(advanced_read_write(selector));
        }
        if advanced_matches(selector, "eventCategory", "Data")
            && advanced_matches(selector, "resources.type", "AWS::S3::Object")
            && selector
                .field_selectors()
                .iter()
                .all(|f| matches!(f.field(), "eventCategory" | "resources.type" | "readOnly"))
        {
            s3.add(advanced_read_write(selector));
        }
    }
    (management.label(), s3.label())
}

/// Collects the trails whose home is this region.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_cloudtrail, &scope.config, scope.recorder);
    let mut out = Collected::default();
    let region = scope.region.as_str();
    let trails = match client
        .describe_trails()
        .include_shadow_trails(false)
        .send()
        .await
    {
        Ok(answer) => answer.trail_list.unwrap_or_default(),
        Err(e) => {
            out.unlisted(
                &CallError::from_sdk("cloudtrail:DescribeTrails", &e),
                region,
                TYPE,
            );
            return out;
        }
    };
    for trail in trails
        .into_iter()
        .filter(|t| t.home_region().is_none_or(|h| h == region))
    {
        let arn = trail.trail_arn().unwrap_or_default().to_owned();
        let mut missing = Vec::new();
        let mut data = Trail {
            name: trail.name().unwrap_or_default().to_owned(),
            home_region: region.to_owned(),
            multi_region: or_unknown!(missing, Trail: multi_region = trail.is_multi_region_trail()),
            organization_trail: or_unknown!(missing, Trail: organization_trail = trail.is_organization_trail()),
            log_file_validation: or_unknown!(missing, Trail: log_file_validation = trail.log_file_validation_enabled()),
            kms_key_id: trail.kms_key_id().map(str::to_owned),
            cloudwatch_logs_group_arn: trail.cloud_watch_logs_log_group_arn().map(str::to_owned),
            s3_bucket: trail.s3_bucket_name().map(str::to_owned),
            ..Default::default()
        };
        out.left_out("cloudtrail:DescribeTrails", region, TYPE, &arn, &missing);
        let (status, selectors) = tokio::join!(
            client.get_trail_status().name(&arn).send(),
            client.get_event_selectors().trail_name(&arn).send(),
        );
        match status {
            Ok(status) => data.is_logging = status.is_logging(),
            Err(e) => out.unknown(
                &CallError::from_sdk("cloudtrail:GetTrailStatus", &e),
                region,
                TYPE,
                &arn,
                STATUS_ATTRIBUTES,
            ),
        }
        match selectors {
            Ok(selectors) => {
                let (management, s3) = recorded(
                    selectors.event_selectors(),
                    selectors.advanced_event_selectors(),
                );
                data.management_events = Some(management);
                data.s3_data_events = Some(s3);
            }
            Err(e) => out.unknown(
                &CallError::from_sdk("cloudtrail:GetEventSelectors", &e),
                region,
                TYPE,
                &arn,
                SELECTOR_ATTRIBUTES,
            ),
        }
        let name = data.name.clone();
        out.resources
            .push(scope.resource(arn, name, ResourceData::CloudTrailTrail(data)));
    }
    out
}

/// Bucket attributes a trail's bucket facts come from, and the trail attribute each fills.
const BUCKET_FACTS: [(&[&str], &str); 2] = [
    (
        attributes!(Bucket: logging_target),
        attributes!(Trail: s3_bucket_access_logging)[0],
    ),
    (
        attributes!(Bucket: policy_public, acl_public),
        attributes!(Trail: s3_bucket_public)[0],
    ),
];

/// Fills each trail's facts about its S3 bucket from the collected bucket, when the bucket is
/// in this account. Run after [`crate::inventory::unknown::attach`]: a bucket attribute left
/// unknown leaves the trail fact it feeds unknown, with the same cause, wherever the bucket
/// lives; when the buckets could not be listed at all, every trail's bucket facts are unknown.
pub fn link_buckets(out: &mut Collected) {
    let listing_failed: Option<Arc<Cause>> = out
        .errors
        .iter()
        .find(|e| {
            e.affects.iter().any(|a| {
                a.resource_type == s3::TYPE && a.attributes.is_empty() && a.resource_arn.is_none()
            })
        })
        .map(|e| Arc::new(Cause::from(e)));
    let buckets: HashMap<String, (bool, bool, Unknowns)> = out
        .resources
        .iter()
        .filter_map(|r| match &r.data {
            ResourceData::S3Bucket(b) => Some((
                b.name.clone(),
                (
                    b.logging_target.is_some(),
                    b.policy_public || b.acl_public,
                    r.unknown.clone(),
                ),
            )),
            _ => None,
        })
        .collect();
    for resource in &mut out.resources {
        let ResourceData::CloudTrailTrail(trail) = &mut resource.data else {
            continue;
        };
        let Some(bucket) = trail.s3_bucket.as_ref() else {
            continue;
        };
        match buckets.get(bucket) {
            Some((logging, public, bucket_unknown)) => {
                trail.s3_bucket_access_logging = Some(*logging);
                trail.s3_bucket_public = Some(*public);
                for (sources, attribute) in BUCKET_FACTS {
                    if let Some(cause) = unknown::cause_for(bucket_unknown, sources.iter().copied())
                    {
                        resource
                            .unknown
                            .entry(attribute.to_owned())
                            .or_insert_with(|| cause.clone());
                    }
                }
            }
            None => {
                if let Some(cause) = &listing_failed {
                    for (_, attribute) in BUCKET_FACTS {
                        resource
                            .unknown
                            .entry(attribute.to_owned())
                            .or_insert_with(|| cause.clone());
                    }
                }
            }
        }
    }
}

/// `(region, log group name)` of a CloudWatch Logs log group ARN
/// (`arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*`).
fn log_group(arn: &str) -> Option<(&str, &str)> {
    let region = arn.split(':').nth(3)?;
    let name = arn.split_once(":log-group:")?.1;
    Some((region, name.strip_suffix(":*").unwrap_or(name)))
}

/// Copies errors about `from_type` in `regions` into errors leaving `attribute` of the
/// account-wide summary unknown.
fn carry_errors(out: &mut Collected, from_type: &str, regions: Option<&[&str]>, attribute: &str) {
    let carried: Vec<_> = out
        .errors
        .iter()
        .filter(|e| e.affects.iter().any(|a| a.resource_type == from_type))
        .filter(|e| regions.is_none_or(|r| r.contains(&e.region.as_str())))
        .map(|e| {
            let mut summary = e.clone();
            summary.region = GLOBAL_REGION.to_owned();
            summary.affects = vec![affects("aws.cloudtrail.account", &[attribute])];
            summary
        })
        .collect();
    out.errors.extend(carried);
}

/// Adds the account-wide trail summary: the qualifying trails and the metric filters on the
/// log groups they deliver to. Without a qualifying trail, any failed trail call leaves the
/// answer unknown (ERROR), since the missing data might hold one; a failed metric-filter or
/// alarm listing in a region holding such a log group leaves the filters unknown.
pub fn account_summary(account: &Account, out: &mut Collected) {
    let qualifying: Vec<&Trail> = out
        .resources
        .iter()
        .filter_map(|r| match &r.data {
            ResourceData::CloudTrailTrail(t)
                if t.multi_region
                    && t.is_logging == Some(true)
                    && t.management_events.as_deref() == Some("All") =>
            {
                Some(t)
            }
            _ => None,
        })
        .collect();
    let groups: Vec<(&str, &str)> = qualifying
        .iter()
        .filter_map(|t| t.cloudwatch_logs_group_arn.as_deref().and_then(log_group))
        .collect();
    let metric_filters: Vec<TrailMetricFilter> = out
        .resources
        .iter()
        .filter_map(|r| match &r.data {
            ResourceData::LogsMetricFilter(f)
                if groups.contains(&(r.region.as_str(), f.log_group.as_str())) =>
            {
                Some(TrailMetricFilter::of(f))
            }
            _ => None,
        })
        .collect();
    let trail_names: Vec<String> = qualifying.iter().map(|t| t.name.clone()).collect();
    let group_regions: Vec<String> = groups
        .iter()
        .map(|(region, _)| (*region).to_owned())
        .collect();
    let records = |kinds: [&str; 2]| {
        qualifying.iter().any(|t| {
            t.s3_data_events
                .as_deref()
                .is_some_and(|k| kinds.contains(&k))
        })
    };
    let s3_write_data_events = records(["All", "WriteOnly"]);
    let s3_read_data_events = records(["All", "ReadOnly"]);
    if trail_names.is_empty() {
        let trail_facts = attributes!(AccountTrails:
            multi_region_logging_trails,
            s3_write_data_events,
            s3_read_data_events,
        );
        for attribute in trail_facts {
            carry_errors(out, TYPE, None, attribute);
        }
    }
    let regions: Vec<&str> = group_regions.iter().map(String::as_str).collect();
    let metric_filters_attribute = attributes!(AccountTrails: metric_filters)[0];
    carry_errors(
        out,
        monitoring::TYPE,
        Some(&regions),
        metric_filters_attribute,
    );
    out.resources.push(Resource {
        arn: format!(
            "arn:{}:cloudtrail::{}:trails",
            account.partition, account.id
        ),
        name: "CloudTrail (all regions)".into(),
        region: GLOBAL_REGION.into(),
        account_id: account.id.clone(),
        data: ResourceData::CloudTrailAccount(AccountTrails {
            multi_region_logging_trails: trail_names,
            metric_filters,
            s3_write_data_events,
            s3_read_data_events,
        }),
        unknown: Default::default(),
        sources: Default::default(),
    });
}

#[cfg(test)]
mod tests {
    use super::{log_group, recorded};
    use aws_sdk_cloudtrail::types::{
        AdvancedEventSelector, AdvancedFieldSelector, DataResource, EventSelector,
    };

    fn basic(value: &str) -> EventSelector {
        EventSelector::builder()
            .include_management_events(false)
            .data_resources(
                DataResource::builder()
                    .r#type("AWS::S3::Object")
                    .values(value)
                    .build(),
            )
            .build()
    }

    fn field(name: &str, equals: Option<&str>, starts_with: Option<&str>) -> AdvancedFieldSelector {
        AdvancedFieldSelector::builder()
            .field(name)
            .set_equals(equals.map(|v| vec![v.to_owned()]))
            .set_starts_with(starts_with.map(|v| vec![v.to_owned()]))
            .build()
            .unwrap()
    }

    #[test]
    fn s3_object_events_count_only_for_every_bucket() {
        let none = recorded(&[], &[]).1;
        for all in ["arn:aws:s3", "arn:aws:s3:::", "arn:aws-us-gov:s3"] {
            assert_ne!(recorded(&[basic(all)], &[]).1, none, "{all}");
        }
        for some in ["arn:aws:s3:::one-bucket/", "arn:aws:s3:::one-bucket/logs/"] {
            assert_eq!(recorded(&[basic(some)], &[]).1, none, "{some}");
        }
        let advanced = |extra: Option<AdvancedFieldSelector>| {
            AdvancedEventSelector::builder()
                .set_field_selectors(Some(
                    [
                        field("eventCategory", Some("Data"), None),
                        field("resources.type", Some("AWS::S3::Object"), None),
                    ]
                    .into_iter()
                    .chain(extra)
                    .collect(),
                ))
                .build()
                .unwrap()
        };
        assert_ne!(recorded(&[], &[advanced(None)]).1, none);
        let one_bucket = field("resources.ARN", None, Some("arn:aws:s3:::one-bucket/"));
        assert_eq!(recorded(&[], &[advanced(Some(one_bucket))]).1, none);
    }

    #[test]
    fn log_group_arns_give_region_and_name() {
        assert_eq!(
            log_group("arn:aws:logs:eu-west-1:111122223333:log-group:aws/trail:events:*"),
            Some(("eu-west-1", "aws/trail:events"))
        );
        assert_eq!(log_group("not-an-arn"), None);
    }
}
