//! AWS Account Management, once per account: one GetAlternateContact for the security contact
//! ("no such contact" is an answer: none is registered).

use super::{CallError, Collected, Scope};
use crate::inventory::ResourceData;
use crate::inventory::account::Contacts;
use aws_sdk_account::operation::get_alternate_contact::GetAlternateContactError;
use aws_sdk_account::types::AlternateContactType;

/// The API actions this module calls.
pub const ACTIONS: &[&str] = &["account:GetAlternateContact"];

const TYPE: &str = "aws.account.contacts";

/// Collects whether the account has a security contact.
pub async fn collect(scope: &Scope<'_>) -> Collected {
    let client = sdk_client!(aws_sdk_account, &scope.config, scope.recorder);
    let mut out = Collected::default();
    let answer = client
        .get_alternate_contact()
        .alternate_contact_type(AlternateContactType::Security)
        .send()
        .await;
    let arn = format!(
        "arn:{}:account::{}:account",
        scope.account.partition, scope.account.id
    );
    let mut missing = Vec::new();
    let security_contact = match answer {
        Ok(answer) => crate::or_unknown!(
            missing,
            Contacts: security_contact = answer.alternate_contact().map(|_| true)
        ),
        Err(e)
            if matches!(
                e.as_service_error(),
                Some(GetAlternateContactError::ResourceNotFoundException(_))
            ) =>
        {
            false
        }
        Err(e) => {
            out.unlisted(&CallError::from_sdk(ACTIONS[0], &e), &scope.region, TYPE);
            return out;
        }
    };
    out.left_out(ACTIONS[0], &scope.region, TYPE, &arn, &missing);
    let name = format!("Contacts of account {}", scope.account.id);
    let data = ResourceData::AccountContacts(Contacts { security_contact });
    out.resources.push(scope.resource(arn, name, data));
    out
}
