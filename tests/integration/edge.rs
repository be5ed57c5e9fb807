//! CloudFront distributions against moto (a global service): viewer and origin protocols,
//! origin TLS versions, S3 origins without an origin access control, web ACLs, custom
//! certificates, SNI, standard logging and the default root object (from
//! GetDistributionConfig). A denied configuration read turns exactly the logging and root-object
//! checks into ERROR; a denied listing turns every check into ERROR.

use crate::harness::{TempDir, TestAccount, scan_checks, status_of};
use aws_sdk_cloudfront::types::{
    CustomOriginConfig, DefaultCacheBehavior, DistributionConfig, LoggingConfig, Origin,
    OriginProtocolPolicy, OriginSslProtocols, Origins, S3OriginConfig, SslProtocol,
    ViewerCertificate, ViewerProtocolPolicy,
};

const CHECKS: &str = "cloudfront_*";

/// What a seeded distribution is made of.
struct Seed {
    comment: &'static str,
    viewer: ViewerProtocolPolicy,
    origin: Origin,
    logging: bool,
    web_acl: &'static str,
    certificate: Option<&'static str>,
}

fn custom_origin(protocol: OriginProtocolPolicy, ssl: &[SslProtocol]) -> Origin {
    Origin::builder()
        .id("app")
        .domain_name("app.example.com")
        .custom_origin_config(
            CustomOriginConfig::builder()
                .http_port(80)
                .https_port(443)
                .origin_protocol_policy(protocol)
                .origin_ssl_protocols(
                    OriginSslProtocols::builder()
                        .quantity(ssl.len() as i32)
                        .set_items(Some(ssl.to_vec()))
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

/// Creates the distribution; returns its id.
async fn distribution(client: &aws_sdk_cloudfront::Client, seed: Seed) -> String {
    let mut config = DistributionConfig::builder()
        .caller_reference(seed.comment)
        .comment(seed.comment)
        .enabled(true)
        .default_root_object(if seed.logging { "index.html" } else { "" })
        .web_acl_id(seed.web_acl)
        .origins(
            Origins::builder()
                .quantity(1)
                .items(seed.origin)
                .build()
                .unwrap(),
        )
        .default_cache_behavior(
            DefaultCacheBehavior::builder()
                .target_origin_id("app")
                .viewer_protocol_policy(seed.viewer)
                .cache_policy_id("658327ea-f89d-4fab-a63d-7e88639e58f6")
                .build()
                .unwrap(),
        )
        .logging(
            LoggingConfig::builder()
                .enabled(seed.logging)
                .include_cookies(false)
                .bucket("cf-logs.s3.amazonaws.com")
                .prefix(seed.comment)
                .build(),
        );
    if let Some(arn) = seed.certificate {
        config = config.viewer_certificate(
            ViewerCertificate::builder()
                .cloud_front_default_certificate(false)
                .acm_certificate_arn(arn)
                .ssl_support_method(aws_sdk_cloudfront::types::SslSupportMethod::SniOnly)
                .minimum_protocol_version(
                    aws_sdk_cloudfront::types::MinimumProtocolVersion::TlSv122021,
                )
                .build(),
        );
    }
    client
        .create_distribution()
        .distribution_config(config.build().unwrap())
        .send()
        .await
        .unwrap()
        .distribution
        .unwrap()
        .id
}

#[tokio::test(flavor = "multi_thread")]
async fn distributions_and_their_origins() {
    let account = TestAccount::new().await;
    let client = aws_sdk_cloudfront::Client::new(&account.sdk_config().await);
    let secure = distribution(
        &client,
        Seed {
            comment: "secure",
            viewer: ViewerProtocolPolicy::RedirectToHttps,
            origin: custom_origin(OriginProtocolPolicy::HttpsOnly, &[SslProtocol::TlSv12]),
            logging: true,
            web_acl: "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/1",
            certificate: Some("arn:aws:acm:us-east-1:123456789012:certificate/1"),
        },
    )
    .await;
    let legacy = distribution(
        &client,
        Seed {
            comment: "legacy",
            viewer: ViewerProtocolPolicy::AllowAll,
            origin: custom_origin(
                OriginProtocolPolicy::MatchViewer,
                &[SslProtocol::SsLv3, SslProtocol::TlSv1],
            ),
            logging: false,
            web_acl: "",
            certificate: None,
        },
    )
    .await;
    // moto keeps no origin access control on an origin: a bucket origin reads as without one.
    let bucket = distribution(
        &client,
        Seed {
            comment: "bucket",
            viewer: ViewerProtocolPolicy::HttpsOnly,
            origin: Origin::builder()
                .id("app")
                .domain_name("media.s3.us-east-1.amazonaws.com")
                .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
                .build()
                .unwrap(),
            logging: true,
            web_acl: "",
            certificate: None,
        },
    )
    .await;

    let dir = TempDir::new("edge");
    let got = scan_checks(&account, &dir, "scan.json", "us-east-1", CHECKS);
    let expected = [
        ("cloudfront_viewer_https", &secure, "PASS"),
        ("cloudfront_viewer_https", &legacy, "FAIL"),
        ("cloudfront_viewer_https", &bucket, "PASS"),
        ("cloudfront_origin_https", &secure, "PASS"),
        ("cloudfront_origin_https", &legacy, "FAIL"),
        ("cloudfront_origin_https", &bucket, "PASS"),
        ("cloudfront_origin_no_deprecated_ssl", &secure, "PASS"),
        ("cloudfront_origin_no_deprecated_ssl", &legacy, "FAIL"),
        (
            "cloudfront_origin_no_deprecated_ssl",
            &bucket,
            "NOT_APPLICABLE",
        ),
        ("cloudfront_s3_origin_access_control", &bucket, "FAIL"),
        (
            "cloudfront_s3_origin_access_control",
            &secure,
            "NOT_APPLICABLE",
        ),
        ("cloudfront_waf", &secure, "PASS"),
        ("cloudfront_waf", &legacy, "FAIL"),
        ("cloudfront_custom_certificate", &secure, "PASS"),
        ("cloudfront_custom_certificate", &legacy, "FAIL"),
        ("cloudfront_tls_policy", &secure, "PASS"),
        ("cloudfront_tls_policy", &legacy, "NOT_APPLICABLE"),
        ("cloudfront_logging", &secure, "PASS"),
        ("cloudfront_logging", &legacy, "FAIL"),
        ("cloudfront_origin_failover", &secure, "FAIL"),
        ("cloudfront_default_root_object", &secure, "PASS"),
        ("cloudfront_default_root_object", &legacy, "FAIL"),
        ("cloudfront_sni", &secure, "PASS"),
        ("cloudfront_sni", &legacy, "NOT_APPLICABLE"),
    ];
    for (check, id, status) in expected {
        assert_eq!(status_of(&got, check, id), status, "{check} {id}");
    }

    // The configuration read denied: logging and the root object are unknown, the listing's checks keep theirs.
    account.deny("cloudfront:GetDistributionConfig");
    let denied = scan_checks(&account, &dir, "denied.json", "us-east-1", CHECKS);
    for ((check, id), status) in &denied {
        let before = &got[&(check.clone(), id.clone())];
        let expected =
            if ["cloudfront_logging", "cloudfront_default_root_object"].contains(&check.as_str()) {
                "ERROR"
            } else {
                before.as_str()
            };
        assert_eq!(status, expected, "{check} {id}");
    }
    // The listing denied: ERROR for every check, never an account without distributions.
    account.deny("cloudfront:ListDistributions");
    let unlisted = scan_checks(&account, &dir, "unlisted.json", "us-east-1", CHECKS);
    assert!(!unlisted.is_empty());
    assert!(unlisted.values().all(|s| s == "ERROR"), "{unlisted:?}");
}
