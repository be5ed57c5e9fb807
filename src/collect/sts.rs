//! STS: who the credentials belong to.

use super::{CallError, CallRecorder};
use crate::inventory::Account;
use aws_config::SdkConfig;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &["sts:GetCallerIdentity"];

/// The account (and partition) of the caller.
pub async fn caller_account(
    config: &SdkConfig,
    recorder: &CallRecorder,
) -> Result<Account, CallError> {
    let client = sdk_client!(aws_sdk_sts, config, recorder);
    let identity = client.get_caller_identity().send().await.map_err(|e| {
        // Credentials of a role that could not be assumed: name that call, not this one.
        super::org::assume_role_failure(&e)
            .unwrap_or_else(|| CallError::from_sdk("sts:GetCallerIdentity", &e))
    })?;
    let id = identity.account().unwrap_or_default().to_owned();
    // arn:PARTITION:sts::ACCOUNT:assumed-role/...
    let partition = identity
        .arn()
        .and_then(|arn| arn.split(':').nth(1))
        .unwrap_or("aws")
        .to_owned();
    Ok(Account { id, partition })
}
