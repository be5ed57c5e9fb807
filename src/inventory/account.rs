//! AWS Account Management attributes.

use serde::{Deserialize, Serialize};

/// The account's alternate contacts, as AWS Account Management keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Contacts {
    /// A security alternate contact is registered: AWS has someone to tell about security
    /// issues in the account.
    pub security_contact: bool,
}
