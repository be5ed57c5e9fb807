//! Detection services, once per region: whether Security Hub is enabled (DescribeHub),
//! GuardDuty's detectors (ListDetectors, then GetDetector for each) and IAM Access Analyzer's
//! analyzers (ListAnalyzers).

use super::{CallError, Collected, Scope, drain};
use crate::attributes;
use crate::inventory::ResourceData;
use crate::inventory::detection::{AccessAnalyzer, GuardDuty, SecurityHub};

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &[
    "access-analyzer:ListAnalyzers",
    "guardduty:GetDetector",
    "guardduty:ListDetectors",
    "securityhub:DescribeHub",
];

const HUB_TYPE: &str = "aws.securityhub.hub";
const DETECTOR_TYPE: &str = "aws.guardduty.detector";
const ANALYZER_TYPE: &str = "aws.accessanalyzer.analyzers";
/// Security Hub's answer when the account has not enabled it in the region.
const NOT_SUBSCRIBED: &str = "InvalidAccessException";

async fn security_hub(scope: &Scope<'_>, out: &mut Collected) {
    let client = sdk_client!(aws_sdk_securityhub, &scope.config, scope.recorder);
    let region = scope.region.as_str();
    let arn = scope.arn("securityhub", "hub/default");
    let hub = match client.describe_hub().send().await {
        Ok(answer) => SecurityHub {
            enabled: true,
            hub_arn: answer.hub_arn().map(str::to_owned),
        },
        Err(e) => {
            let error = CallError::from_sdk("securityhub:DescribeHub", &e);
            if error.code.as_deref() != Some(NOT_SUBSCRIBED) {
                out.unknown(&error, region, HUB_TYPE, &arn, &[]);
            }
            SecurityHub::default()
        }
    };
    out.resources.push(scope.resource(
        arn,
        format!("Security Hub ({region})"),
        ResourceData::SecurityHub(hub),
    ));
}

async fn guardduty(scope: &Scope<'_>, out: &mut Collected) {
    let client = sdk_client!(aws_sdk_guardduty, &scope.config, scope.recorder);
    let region = scope.region.as_str();
    let arn = scope.arn("guardduty", "detectors");
    let mut detectors = GuardDuty::default();
    match drain(
        client.list_detectors().into_paginator().send(),
        "guardduty:ListDetectors",
    )
    .await
    {
        Ok(pages) => {
            for id in pages.iter().flat_map(|page| page.detector_ids()) {
                detectors.detectors += 1;
                match client.get_detector().detector_id(id).send().await {
                    Ok(detector) => {
                        let enabled = detector.status().map(|s| s.as_str()) == Some("ENABLED");
                        detectors.enabled |= enabled;
                        match &detector.features {
                            Some(features) if enabled => {
                                for feature in features
                                    .iter()
                                    .filter(|f| f.status().map(|s| s.as_str()) == Some("ENABLED"))
                                {
                                    let Some(name) = feature.name().map(|n| n.as_str()) else {
                                        continue;
                                    };
                                    detectors.features.push(name.to_owned());
                                    detectors.feature_configurations.extend(
                                        feature
                                            .additional_configuration()
                                            .iter()
                                            .filter(|c| {
                                                c.status().map(|s| s.as_str()) == Some("ENABLED")
                                            })
                                            .filter_map(|c| {
                                                Some(format!("{name}/{}", c.name()?.as_str()))
                                            }),
                                    );
                                }
                            }
                            Some(_) => {}
                            None => out.left_out(
                                "guardduty:GetDetector",
                                region,
                                DETECTOR_TYPE,
                                &arn,
                                attributes!(GuardDuty: features, feature_configurations),
                            ),
                        }
                    }
                    Err(e) => out.unknown(
                        &CallError::from_sdk("guardduty:GetDetector", &e),
                        region,
                        DETECTOR_TYPE,
                        &arn,
                        attributes!(GuardDuty: enabled, features, feature_configurations),
                    ),
                }
            }
        }
        Err(error) => out.unknown(&error, region, DETECTOR_TYPE, &arn, &[]),
    }
    out.resources.push(scope.resource(
        arn,
        format!("GuardDuty ({region})"),
        ResourceData::GuardDuty(detectors),
    ));
}

async fn access_analyzer(scope: &Scope<'_>, out: &mut Collected) {
    let client = sdk_client!(aws_sdk_accessanalyzer, &scope.config, scope.recorder);
    let region = scope.region.as_str();
    let arn = scope.arn("access-analyzer", "analyzers");
    let mut analyzers = AccessAnalyzer::default();
    match drain(
        client.list_analyzers().into_paginator().send(),
        "access-analyzer:ListAnalyzers",
    )
    .await
    {
        Ok(pages) => {
            for analyzer in pages.iter().flat_map(|page| page.analyzers()) {
                analyzers.analyzers += 1;
                if analyzer.status().as_str() == "ACTIVE" {
                    analyzers.active += 1;
                    // External access analyzers; the unused- and internal-access kinds
                    // (`*_UNUSED_ACCESS`, `*_INTERNAL_ACCESS`) find something else.
                    if matches!(analyzer.r#type().as_str(), "ACCOUNT" | "ORGANIZATION") {
                        analyzers.external_access_active += 1;
                    }
                }
            }
        }
        Err(error) => out.unknown(&error, region, ANALYZER_TYPE, &arn, &[]),
    }
    out.resources.push(scope.resource(
        arn,
        format!("IAM Access Analyzer ({region})"),
        ResourceData::AccessAnalyzer(analyzers),
    ));
}

/// Collects the region's Security Hub, GuardDuty and Access Analyzer state.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let (mut hub, mut detectors, mut analyzers) = Default::default();
    tokio::join!(
        security_hub(scope, &mut hub),
        guardduty(scope, &mut detectors),
        access_analyzer(scope, &mut analyzers),
    );
    let mut out: Collected = hub;
    out.merge(detectors);
    out.merge(analyzers);
    out
}
