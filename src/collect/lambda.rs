//! AWS Lambda, once per region: functions from one paginated ListFunctions (runtime, package
//! type, VPC subnets), one GetPolicy per function (no listing carries resource policies) and
//! one paginated DescribeSubnets for the subnets the functions use (their Availability Zones),
//! each made only when a selected check reads what it provides.

use super::{CallError, Collected, Scope, drain, per_resource, resource_policy};
use crate::inventory::lambda::Function;
use crate::inventory::{ErrorKind, ResourceData};
use crate::or_unknown;
use aws_sdk_lambda::operation::get_policy::GetPolicyError;
use std::collections::{BTreeMap, BTreeSet};

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &[
    "ec2:DescribeSubnets",
    "lambda:GetPolicy",
    "lambda:ListFunctions",
];

const TYPE: &str = "aws.lambda.function";
const LIST: &str = "lambda:ListFunctions";
const POLICY: &str = "lambda:GetPolicy";
const SUBNETS: &str = "ec2:DescribeSubnets";
/// Values one EC2 filter accepts.
const SUBNET_FILTER_VALUES: usize = 200;

/// Collects the region's functions.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_lambda, &scope.config, scope.recorder);
    let mut out = Collected::default();
    let pages = client.list_functions().into_paginator().items().send();
    let Some(listed) = out.listed(&scope.region, TYPE, drain(pages, LIST).await) else {
        return out;
    };
    let mut functions = Vec::new();
    for f in &listed {
        let name = f.function_name().unwrap_or_default().to_owned();
        let arn = f
            .function_arn()
            .map(str::to_owned)
            .unwrap_or_else(|| scope.arn("lambda", &format!("function:{name}")));
        let mut missing = Vec::new();
        let package_type = or_unknown!(
            missing,
            Function: package_type = f.package_type().map(|t| t.as_str().to_owned())
        );
        let runtime = f.runtime().map(|r| r.as_str().to_owned());
        // A .zip function always has a runtime: an answer without one leaves it unknown.
        if package_type == "Zip" && runtime.is_none() {
            missing.extend(crate::attributes!(Function: runtime));
        }
        let vpc = f.vpc_config();
        let data = Function {
            name: name.clone(),
            package_type,
            runtime,
            vpc_id: vpc
                .and_then(|v| v.vpc_id())
                .filter(|id| !id.is_empty())
                .map(str::to_owned),
            subnet_ids: vpc.map(|v| v.subnet_ids().to_vec()).unwrap_or_default(),
            ..Default::default()
        };
        out.left_out(LIST, &scope.region, TYPE, &arn, &missing);
        functions.push((arn, data));
    }
    availability_zones(scope, &mut functions, &mut out).await;
    let client = &client;
    let names = functions.iter().map(|(_, f)| f.name.clone()).collect();
    let mut policies: BTreeMap<String, _> =
        per_resource(scope, &mut out, POLICY, &[TYPE], names, |name| async move {
            let answer = match client.get_policy().function_name(&name).send().await {
                Ok(answer) => match answer.policy() {
                    Some(policy) => Ok(Some(policy.to_owned())),
                    None => Err(CallError::data(
                        POLICY,
                        ErrorKind::MissingData,
                        format!("the {POLICY} answer has no policy"),
                    )),
                },
                Err(e)
                    if matches!(
                        e.as_service_error(),
                        Some(GetPolicyError::ResourceNotFoundException(_))
                    ) =>
                {
                    Ok(None)
                }
                Err(e) => Err(CallError::from_sdk(POLICY, &e)),
            };
            (name, answer)
        })
        .await
        .into_iter()
        .collect();
    for (arn, mut data) in functions {
        match policies.remove(&data.name).flatten() {
            None => {}
            Some(Ok(text)) => {
                (data.policy, data.policy_public) = resource_policy(
                    &mut out,
                    POLICY,
                    scope,
                    (TYPE, &arn),
                    text.as_deref(),
                    crate::attributes!(Function: policy, policy_public),
                );
                data.policy_public |= data
                    .policy
                    .as_ref()
                    .is_some_and(|p| p.allows_service_for_any_account());
            }
            Some(Err(error)) => {
                let attributes = crate::attributes!(Function: policy, policy_public);
                out.unknown(&error, &scope.region, TYPE, &arn, attributes);
            }
        }
        let name = data.name.clone();
        out.resources
            .push(scope.resource(arn, name, ResourceData::LambdaFunction(data)));
    }
    out
}

/// Fills each VPC function's Availability Zones from one DescribeSubnets of the subnets the
/// functions use; a subnet the answer leaves out leaves its functions' zones unknown.
async fn availability_zones(
    scope: &Scope<'_>,
    functions: &mut [(String, Function)],
    out: &mut Collected,
) {
    let used: BTreeSet<String> = functions
        .iter()
        .flat_map(|(_, f)| f.subnet_ids.iter().cloned())
        .collect();
    if used.is_empty() {
        return;
    }
    if !scope.plan.wants(SUBNETS) {
        return out.skipped(SUBNETS, &scope.region, TYPE);
    }
    let zones = crate::attributes!(Function: availability_zones);
    let client = sdk_client!(aws_sdk_ec2, &scope.config, scope.recorder);
    let used: Vec<String> = used.into_iter().collect();
    let mut subnets = BTreeMap::new();
    for ids in used.chunks(SUBNET_FILTER_VALUES) {
        let filter = aws_sdk_ec2::types::Filter::builder()
            .name("subnet-id")
            .set_values(Some(ids.to_vec()))
            .build();
        let pages = client
            .describe_subnets()
            .filters(filter)
            .into_paginator()
            .items()
            .send();
        match drain(pages, SUBNETS).await {
            Ok(page) => subnets.extend(page.iter().filter_map(|s| {
                Some((s.subnet_id()?.to_owned(), s.availability_zone()?.to_owned()))
            })),
            Err(error) => {
                for (arn, _) in functions.iter().filter(|(_, f)| !f.subnet_ids.is_empty()) {
                    out.unknown(&error, &scope.region, TYPE, arn, zones);
                }
                return;
            }
        }
    }
    for (arn, f) in functions.iter_mut() {
        let found: Option<BTreeSet<&String>> =
            f.subnet_ids.iter().map(|id| subnets.get(id)).collect();
        match found {
            Some(found) => f.availability_zones = found.into_iter().cloned().collect(),
            None => {
                let error = CallError::data(
                    SUBNETS,
                    ErrorKind::MissingData,
                    format!("{SUBNETS} did not describe every subnet of the function"),
                );
                out.unknown(&error, &scope.region, TYPE, arn, zones);
            }
        }
    }
}
