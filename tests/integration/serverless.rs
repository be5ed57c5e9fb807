//! Lambda functions, ECR repositories and CodeBuild projects against moto, in two regions:
//! public function policies (through the one policy analysis), deprecated runtimes, VPC
//! attachment and Availability Zones, image scanning (the repository's and the registry's),
//! tag immutability, lifecycle policies, and build projects' credentials, logging and
//! privileged mode. Denied reads turn exactly their checks into ERROR, and no credential of a
//! project reaches the snapshot or the report.

use crate::harness::{TempDir, TestAccount, run, scan_checks, status_of};
use aws_config::{Region, SdkConfig};
use aws_sdk_codebuild::types::{
    ArtifactsType, CloudWatchLogsConfig, ComputeType, EnvironmentType, EnvironmentVariable,
    EnvironmentVariableType, LogsConfig, LogsConfigStatusType, ProjectArtifacts,
    ProjectEnvironment, ProjectSource, S3LogsConfig, SourceType,
};
use aws_sdk_ecr::types::{
    ImageScanningConfiguration, ImageTagMutability, RegistryScanningRule, ScanFrequency, ScanType,
    ScanningRepositoryFilter, ScanningRepositoryFilterType,
};
use aws_sdk_lambda::types::{FunctionCode, PackageType, Runtime, VpcConfig};

const CHECKS: &str = "lambda_*,ecr_*,codebuild_*";
/// A credential in a project's source URL and the value of a plain-text key variable: neither
/// may appear in anything lockdown writes.
const URL_TOKEN: &str = "bbTOKENnotforeyes42";
const KEY_VALUE: &str = "AKIAEXAMPLEPLAINTEXT";

fn in_region(base: &SdkConfig, region: &str) -> SdkConfig {
    base.to_builder()
        .region(Region::new(region.to_owned()))
        .build()
}

/// Two subnets in `zones[0]`'s first zone and one in its second, in a new VPC: their ids.
async fn subnets(ec2: &aws_sdk_ec2::Client, zones: [&str; 2]) -> [String; 3] {
    let (_, ids) =
        crate::harness::vpc_with_subnets(ec2, "10.0.0.0/16", &[zones[0], zones[0], zones[1]]).await;
    ids.try_into().unwrap()
}

/// A function `name` with `runtime` (a container image when `None`) in `subnets`.
async fn function(
    lambda: &aws_sdk_lambda::Client,
    role: &str,
    name: &str,
    runtime: Option<Runtime>,
    subnets: &[&str],
) {
    let mut create = lambda.create_function().function_name(name).role(role);
    create = match runtime {
        Some(runtime) => create.runtime(runtime).handler("index.handler").code(
            FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(EMPTY_ZIP))
                .build(),
        ),
        None => create.package_type(PackageType::Image).code(
            FunctionCode::builder()
                .image_uri("123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1")
                .build(),
        ),
    };
    if !subnets.is_empty() {
        create = create.vpc_config(
            VpcConfig::builder()
                .set_subnet_ids(Some(subnets.iter().map(|s| (*s).to_owned()).collect()))
                .security_group_ids("sg-1")
                .build(),
        );
    }
    create.send().await.unwrap();
}

/// An empty .zip archive (its end-of-central-directory record).
const EMPTY_ZIP: &[u8] = &[
    0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

async fn allow(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
    principal: &str,
    source_arn: Option<&str>,
    source_account: Option<&str>,
) {
    lambda
        .add_permission()
        .function_name(name)
        .statement_id("invoke")
        .action("lambda:InvokeFunction")
        .principal(principal)
        .set_source_arn(source_arn.map(str::to_owned))
        .set_source_account(source_account.map(str::to_owned))
        .send()
        .await
        .unwrap();
}

async fn seed_lambda(account: &TestAccount, base: &SdkConfig) {
    let iam = aws_sdk_iam::Client::new(base);
    let role = iam
        .create_role()
        .role_name("fn-role")
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .arn;
    let east = aws_sdk_lambda::Client::new(base);
    let [a1, a2, b] = subnets(
        &aws_sdk_ec2::Client::new(base),
        ["us-east-1a", "us-east-1b"],
    )
    .await;
    function(
        &east,
        &role,
        "public-api",
        Some(Runtime::Python313),
        &[&a1, &b],
    )
    .await;
    allow(&east, "public-api", "*", None, None).await;
    function(&east, &role, "s3-trigger", Some(Runtime::Python39), &[]).await;
    allow(
        &east,
        "s3-trigger",
        "s3.amazonaws.com",
        Some("arn:aws:s3:::uploads"),
        None,
    )
    .await;
    function(
        &east,
        &role,
        "scoped",
        Some(Runtime::Nodejs22x),
        &[&a1, &a2],
    )
    .await;
    allow(&east, "scoped", "s3.amazonaws.com", None, Some(&account.id)).await;
    function(&east, &role, "image-fn", None, &[]).await;
    let west = aws_sdk_lambda::Client::new(&in_region(base, "eu-west-1"));
    function(&west, &role, "eu-fn", Some(Runtime::Nodejs20x), &[]).await;
}

async fn seed_ecr(base: &SdkConfig) {
    let east = aws_sdk_ecr::Client::new(base);
    for (name, scan, mutability) in [
        ("app", true, ImageTagMutability::Immutable),
        ("legacy", false, ImageTagMutability::Mutable),
    ] {
        east.create_repository()
            .repository_name(name)
            .image_scanning_configuration(
                ImageScanningConfiguration::builder()
                    .scan_on_push(scan)
                    .build(),
            )
            .image_tag_mutability(mutability)
            .send()
            .await
            .unwrap();
    }
    east.put_lifecycle_policy()
        .repository_name("app")
        .lifecycle_policy_text(
            r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}"#,
        )
        .send()
        .await
        .unwrap();
    let west = aws_sdk_ecr::Client::new(&in_region(base, "eu-west-1"));
    west.put_registry_scanning_configuration()
        .scan_type(ScanType::Basic)
        .rules(
            RegistryScanningRule::builder()
                .scan_frequency(ScanFrequency::ScanOnPush)
                .repository_filters(
                    ScanningRepositoryFilter::builder()
                        .filter("prod-*")
                        .filter_type(ScanningRepositoryFilterType::Wildcard)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    for name in ["prod-web", "dev-web"] {
        west.create_repository()
            .repository_name(name)
            .image_tag_mutability(ImageTagMutability::Immutable)
            .send()
            .await
            .unwrap();
    }
}

fn logs(cloudwatch: bool, s3: Option<bool>) -> LogsConfig {
    let status = |on: bool| {
        if on {
            LogsConfigStatusType::Enabled
        } else {
            LogsConfigStatusType::Disabled
        }
    };
    let mut s3_logs = S3LogsConfig::builder().status(status(s3.is_some()));
    if let Some(encryption_disabled) = s3 {
        s3_logs = s3_logs
            .location("build-logs/app")
            .encryption_disabled(encryption_disabled);
    }
    LogsConfig::builder()
        .cloud_watch_logs(
            CloudWatchLogsConfig::builder()
                .status(status(cloudwatch))
                .build()
                .unwrap(),
        )
        .s3_logs(s3_logs.build().unwrap())
        .build()
}

fn variable(name: &str, value: &str, kind: EnvironmentVariableType) -> EnvironmentVariable {
    EnvironmentVariable::builder()
        .name(name)
        .value(value)
        .r#type(kind)
        .build()
        .unwrap()
}

async fn project(
    client: &aws_sdk_codebuild::Client,
    account: &TestAccount,
    name: &str,
    source: ProjectSource,
    variables: Vec<EnvironmentVariable>,
    privileged: bool,
    logs: LogsConfig,
) {
    client
        .create_project()
        .name(name)
        .source(source)
        .artifacts(
            ProjectArtifacts::builder()
                .r#type(ArtifactsType::NoArtifacts)
                .build()
                .unwrap(),
        )
        .environment(
            ProjectEnvironment::builder()
                .r#type(EnvironmentType::LinuxContainer)
                .image("aws/codebuild/standard:7.0")
                .compute_type(ComputeType::BuildGeneral1Small)
                .set_environment_variables(Some(variables))
                .privileged_mode(privileged)
                .build()
                .unwrap(),
        )
        .service_role(format!("arn:aws:iam::{}:role/build", account.id))
        .logs_config(logs)
        .send()
        .await
        .unwrap();
}

fn source(kind: SourceType, location: &str) -> ProjectSource {
    ProjectSource::builder()
        .r#type(kind)
        .location(location)
        .build()
        .unwrap()
}

async fn seed_codebuild(account: &TestAccount, base: &SdkConfig) {
    let east = aws_sdk_codebuild::Client::new(base);
    project(
        &east,
        account,
        "clean",
        source(SourceType::Github, "https://github.com/org/app.git"),
        vec![
            variable("STAGE", "prod", EnvironmentVariableType::Plaintext),
            variable(
                "AWS_SECRET_ACCESS_KEY",
                "build/secret",
                EnvironmentVariableType::SecretsManager,
            ),
        ],
        false,
        logs(true, None),
    )
    .await;
    project(
        &east,
        account,
        "leaky",
        source(
            SourceType::Bitbucket,
            &format!("https://x-token-auth:{URL_TOKEN}@bitbucket.org/team/app.git"),
        ),
        vec![variable(
            "AWS_ACCESS_KEY_ID",
            KEY_VALUE,
            EnvironmentVariableType::Plaintext,
        )],
        true,
        logs(false, Some(true)),
    )
    .await;
    let west = aws_sdk_codebuild::Client::new(&in_region(base, "eu-west-1"));
    project(
        &west,
        account,
        "nolog",
        source(
            SourceType::Codecommit,
            "https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/app",
        ),
        vec![],
        false,
        logs(false, None),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn functions_repositories_and_build_projects() {
    let account = TestAccount::new().await;
    let base = account.sdk_config().await;
    seed_lambda(&account, &base).await;
    seed_ecr(&base).await;
    seed_codebuild(&account, &base).await;

    let dir = TempDir::new("serverless");
    let scan = |name: &str| scan_checks(&account, &dir, name, "us-east-1,eu-west-1", CHECKS);
    let got = scan("scan.json");
    let expected = [
        ("lambda_function_not_public", "public-api", "FAIL"),
        ("lambda_function_not_public", "s3-trigger", "FAIL"),
        ("lambda_function_not_public", "scoped", "PASS"),
        ("lambda_function_not_public", "image-fn", "PASS"),
        ("lambda_function_not_public", "eu-fn", "PASS"),
        ("lambda_function_supported_runtime", "public-api", "PASS"),
        ("lambda_function_supported_runtime", "s3-trigger", "FAIL"),
        ("lambda_function_supported_runtime", "scoped", "PASS"),
        (
            "lambda_function_supported_runtime",
            "image-fn",
            "NOT_APPLICABLE",
        ),
        ("lambda_function_supported_runtime", "eu-fn", "FAIL"),
        ("lambda_function_in_vpc", "public-api", "PASS"),
        ("lambda_function_in_vpc", "s3-trigger", "FAIL"),
        ("lambda_function_in_vpc", "scoped", "PASS"),
        ("lambda_function_in_vpc", "eu-fn", "FAIL"),
        ("lambda_function_multi_az", "public-api", "PASS"),
        ("lambda_function_multi_az", "s3-trigger", "NOT_APPLICABLE"),
        ("lambda_function_multi_az", "scoped", "FAIL"),
        ("ecr_repository_image_scanning", "app", "PASS"),
        ("ecr_repository_image_scanning", "legacy", "FAIL"),
        ("ecr_repository_image_scanning", "prod-web", "PASS"),
        ("ecr_repository_image_scanning", "dev-web", "FAIL"),
        ("ecr_repository_tag_immutability", "app", "PASS"),
        ("ecr_repository_tag_immutability", "legacy", "FAIL"),
        ("ecr_repository_tag_immutability", "prod-web", "PASS"),
        ("ecr_repository_lifecycle_policy", "app", "PASS"),
        ("ecr_repository_lifecycle_policy", "legacy", "FAIL"),
        ("ecr_repository_lifecycle_policy", "dev-web", "FAIL"),
        ("codebuild_source_no_credentials", "clean", "PASS"),
        ("codebuild_source_no_credentials", "leaky", "FAIL"),
        ("codebuild_no_plaintext_aws_keys", "clean", "PASS"),
        ("codebuild_no_plaintext_aws_keys", "leaky", "FAIL"),
        ("codebuild_s3_logs_encrypted", "clean", "NOT_APPLICABLE"),
        ("codebuild_s3_logs_encrypted", "leaky", "FAIL"),
        ("codebuild_logging_enabled", "clean", "PASS"),
        ("codebuild_logging_enabled", "leaky", "PASS"),
        ("codebuild_logging_enabled", "nolog", "FAIL"),
        ("codebuild_privileged_mode_disabled", "clean", "PASS"),
        ("codebuild_privileged_mode_disabled", "leaky", "FAIL"),
    ];
    for (check, name, status) in expected {
        assert_eq!(status_of(&got, check, name), status, "{check} {name}");
    }
    let report = std::fs::read_to_string(dir.path("scan.json")).unwrap();
    assert!(report.contains("https://[REDACTED]@bitbucket.org/team/app.git"));

    // The snapshot keeps names and types, never a credential.
    let snapshot = dir.path("snapshot.json");
    let mut collect = account.lockdown();
    collect
        .args(["collect", "--quiet", "--regions", "us-east-1", "-o"])
        .arg(&snapshot);
    let output = run(&mut collect);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    for file in [snapshot, dir.path("scan.json")] {
        let text = std::fs::read_to_string(&file).unwrap();
        for secret in [URL_TOKEN, KEY_VALUE, "build/secret", "prod\""] {
            assert!(!text.contains(secret), "{secret} in {}", file.display());
        }
    }

    // Each denied read turns exactly the checks reading its data into ERROR.
    account.deny("lambda:GetPolicy");
    account.deny("ecr:GetLifecyclePolicy");
    account.deny("codebuild:BatchGetProjects");
    let denied = scan("denied.json");
    assert_eq!(denied.len(), got.len(), "{denied:?}");
    for ((check, name), status) in &denied {
        let errors = check == "lambda_function_not_public"
            || check == "ecr_repository_lifecycle_policy"
            || check.starts_with("codebuild_");
        let before = &got[&(check.clone(), name.clone())];
        let expected = if errors { "ERROR" } else { before.as_str() };
        assert_eq!(status, expected, "{check} {name}");
    }
}
