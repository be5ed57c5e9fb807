//! Seeding an emulated account with resources of the common kinds.

use aws_config::{Region, SdkConfig};

/// How many resources of each kind to create.
pub struct Counts {
    pub users: usize,
    pub buckets: usize,
    pub keys_per_region: usize,
    pub groups_per_region: usize,
}

/// Creates IAM users, S3 buckets (named `{prefix}-{n}`) and, in each region, KMS keys and
/// security groups in the account of `config`.
pub async fn account(config: &SdkConfig, regions: &[&'static str], prefix: &str, counts: Counts) {
    let iam = aws_sdk_iam::Client::new(config);
    for user in 0..counts.users {
        iam.create_user()
            .user_name(format!("user-{user}"))
            .send()
            .await
            .unwrap();
    }
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    );
    for bucket in 0..counts.buckets {
        s3.create_bucket()
            .bucket(format!("{prefix}-{bucket}"))
            .send()
            .await
            .unwrap();
    }
    for region in regions {
        let regional = config.to_builder().region(Region::new(*region)).build();
        let kms = aws_sdk_kms::Client::new(&regional);
        for _ in 0..counts.keys_per_region {
            kms.create_key().send().await.unwrap();
        }
        let ec2 = aws_sdk_ec2::Client::new(&regional);
        for group in 0..counts.groups_per_region {
            ec2.create_security_group()
                .group_name(format!("group-{group}"))
                .description("bench")
                .send()
                .await
                .unwrap();
        }
    }
}
