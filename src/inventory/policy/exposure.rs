//! Who a resource policy opens a resource to, decided the way S3 Block Public Access and IAM
//! Access Analyzer define "public": a statement that allows everyone (`"*"`, `{"AWS": "*"}`,
//! a wildcard account, or any `NotPrincipal`) is public unless a condition pins the caller to
//! a fixed value of a key that actually narrows who can call (`aws:SourceVpc`,
//! `aws:PrincipalOrgID`, `aws:SourceIp` short of the whole internet, ...). Conditions on keys
//! such as `aws:SecureTransport`, `aws:UserAgent` or `aws:Referer` narrow nothing: anyone can
//! meet them. When unsure, the verdict is "public" (a false FAIL, never a false PASS).

use super::{Condition, Effect, PolicyDocument, Statement};

/// Condition keys whose fixed values restrict who (or what network) can make a request.
const NARROWING_KEYS: &[&str] = &[
    "aws:sourceip",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceowner",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:userid",
    "s3:dataaccesspointaccount",
    "s3:dataaccesspointarn",
    "kms:calleraccount",
];

/// IPv4 prefixes shorter than this (and IPv6 shorter than [`MIN_IPV6_PREFIX`]) cover so much
/// of the internet that S3 treats them as public.
const MIN_IPV4_PREFIX: u8 = 8;
const MIN_IPV6_PREFIX: u8 = 32;

/// True for a principal entry that means "anyone": `*`, `AWS:*`, or an ARN with a wildcard
/// account.
fn is_everyone(principal: &str) -> bool {
    principal == "*"
        || principal
            .strip_prefix("AWS:")
            .is_some_and(|id| id == "*" || (id.contains('*') && !fixed_arn_account(id)))
}

/// True when an ARN pattern still pins the account (`arn:aws:iam::123456789012:role/*`).
fn fixed_arn_account(arn: &str) -> bool {
    arn.split(':')
        .nth(4)
        .is_some_and(|account| account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
}

/// A value with no wildcard and no policy variable: it names one thing.
fn is_fixed(value: &str) -> bool {
    !value.is_empty() && !value.contains(['*', '?']) && !value.contains("${")
}

/// A CIDR (or address) narrow enough not to count as "the internet".
fn is_narrow_cidr(value: &str) -> bool {
    let (address, prefix) = match value.split_once('/') {
        Some((address, prefix)) => (address, prefix.parse::<u8>().ok()),
        None => (value, None),
    };
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => prefix.is_none_or(|p| (MIN_IPV4_PREFIX..=32).contains(&p)),
        Ok(std::net::IpAddr::V6(_)) => prefix.is_none_or(|p| (MIN_IPV6_PREFIX..=128).contains(&p)),
        Err(_) => false,
    }
}

/// The operator without its `ForAnyValue:` / `ForAllValues:` set prefix, and whether it had
/// `IfExists` (true when the key is absent: no restriction on callers that omit the key).
fn operator_parts(operator: &str) -> (String, bool, bool) {
    let lower = operator.to_ascii_lowercase();
    let (set_all, rest) = if let Some(rest) = lower.strip_prefix("forallvalues:") {
        (true, rest)
    } else {
        (false, lower.strip_prefix("foranyvalue:").unwrap_or(&lower))
    };
    match rest.strip_suffix("ifexists") {
        Some(base) => (base.to_owned(), true, set_all),
        None => (rest.to_owned(), false, set_all),
    }
}

/// Whether this condition, in an Allow statement, restricts callers to fixed narrowing values.
/// `IfExists` and `ForAllValues:` pass requests that lack the key, so they narrow nothing;
/// negated operators (`StringNotEquals`, `NotIpAddress`) let everyone else in.
fn allow_narrows(condition: &Condition) -> bool {
    let key = condition.key.to_ascii_lowercase();
    let (operator, if_exists, set_all) = operator_parts(&condition.operator);
    if if_exists || set_all || !NARROWING_KEYS.contains(&key.as_str()) {
        return false;
    }
    if condition.values.is_empty() {
        return false;
    }
    if key == "aws:sourceip" {
        return operator == "ipaddress" && condition.values.iter().all(|v| is_narrow_cidr(v));
    }
    matches!(
        operator.as_str(),
        "stringequals" | "stringequalsignorecase" | "stringlike" | "arnequals" | "arnlike"
    ) && condition.values.iter().all(|v| is_fixed(v))
}

/// Whether this condition, in a Deny statement, denies every caller outside fixed narrowing
/// values ("deny unless from vpc-1"): a negated test of a narrowing key.
fn deny_narrows(condition: &Condition) -> bool {
    let key = condition.key.to_ascii_lowercase();
    let (operator, _, set_all) = operator_parts(&condition.operator);
    if set_all || !NARROWING_KEYS.contains(&key.as_str()) || condition.values.is_empty() {
        return false;
    }
    if key == "aws:sourceip" {
        return operator == "notipaddress" && condition.values.iter().all(|v| is_narrow_cidr(v));
    }
    matches!(
        operator.as_str(),
        "stringnotequals"
            | "stringnotequalsignorecase"
            | "stringnotlike"
            | "arnnotequals"
            | "arnnotlike"
    ) && condition.values.iter().all(|v| is_fixed(v))
}

/// Whether this condition pins the account of the resource a service acts for: a narrowing
/// key other than `aws:SourceArn`, or `aws:SourceArn` values that each name an account (an S3
/// bucket's ARN names none: anyone may own a bucket of that name).
fn pins_source_account(condition: &Condition) -> bool {
    allow_narrows(condition)
        && (!condition.key.eq_ignore_ascii_case("aws:SourceArn")
            || condition.values.iter().all(|v| fixed_arn_account(v)))
}

fn applies_to_everyone(statement: &Statement) -> bool {
    !statement.not_principals.is_empty() || statement.principals.iter().any(|p| is_everyone(p))
}

/// An Allow statement that opens the resource to anyone.
fn allows_everyone(statement: &Statement) -> bool {
    statement.effect == Effect::Allow
        && applies_to_everyone(statement)
        && !statement.conditions.iter().any(allow_narrows)
}

/// A Deny statement that shuts out everyone except fixed narrowing values (or everyone) from
/// every action on every resource of the policy, so no Allow can open anything to the public.
fn denies_all_outsiders(statement: &Statement) -> bool {
    statement.effect == Effect::Deny
        && statement.not_principals.is_empty()
        && statement
            .principals
            .iter()
            .any(|p| p == "*" || p == "AWS:*")
        && statement.not_actions.is_empty()
        && statement
            .actions
            .iter()
            .any(|a| a == "*" || (a.ends_with(":*") && !a.starts_with('*')))
        && statement.not_resources.is_empty()
        && statement.resources.iter().any(|r| r == "*")
        && (statement.conditions.is_empty() || statement.conditions.iter().all(deny_narrows))
}

/// Whether `pattern` (an ARN with `*` and `?` wildcards, case-sensitive as IAM compares
/// resources) matches `arn`.
fn arn_matches(pattern: &str, arn: &str) -> bool {
    globset::GlobBuilder::new(pattern)
        .literal_separator(false)
        .backslash_escape(false)
        .build()
        .is_ok_and(|glob| glob.compile_matcher().is_match(arn))
}

/// True for an AWS principal outside `account`: everyone, an account id or an ARN of another
/// account (service, federated and canonical-user principals are not accounts).
fn is_other_account(principal: &str, account: &str) -> bool {
    if is_everyone(principal) {
        return true;
    }
    let Some(id) = principal.strip_prefix("AWS:") else {
        return false;
    };
    let owner = if id.starts_with("arn:") {
        id.split(':').nth(4).unwrap_or_default()
    } else {
        id
    };
    owner != account
}

/// Whether an action pattern of a policy (`s3:Put*`, `*`) covers `action`; IAM compares
/// actions case-insensitively.
fn action_matches(pattern: &str, action: &str) -> bool {
    globset::GlobBuilder::new(&pattern.to_ascii_lowercase())
        .literal_separator(false)
        .backslash_escape(false)
        .build()
        .is_ok_and(|glob| glob.compile_matcher().is_match(action.to_ascii_lowercase()))
}

/// Whether a statement's `Action` (or `NotAction`) covers `action`.
fn covers_action(statement: &Statement, action: &str) -> bool {
    statement
        .actions
        .iter()
        .any(|pattern| action_matches(pattern, action))
        || (!statement.not_actions.is_empty()
            && !statement
                .not_actions
                .iter()
                .any(|pattern| action_matches(pattern, action)))
}

impl PolicyDocument {
    /// Which of `actions` an Allow statement grants to principals of accounts other than
    /// `account` (everyone included). Conditions are not read: a grant narrowed only by a
    /// condition still counts (a false FAIL, never a false PASS).
    pub fn actions_granted_to_other_accounts(
        &self,
        account: &str,
        actions: &[&str],
    ) -> Vec<String> {
        let outside: Vec<&Statement> = self
            .statements
            .iter()
            .filter(|s| {
                s.effect == Effect::Allow
                    && (!s.not_principals.is_empty()
                        || s.principals.iter().any(|p| is_other_account(p, account)))
            })
            .collect();
        actions
            .iter()
            .filter(|action| outside.iter().any(|s| covers_action(s, action)))
            .map(|action| (*action).to_owned())
            .collect()
    }

    /// Whether an Allow statement grants one of `actions` on every resource (`"Resource": "*"`).
    /// Conditions are not read (a false FAIL at worst, never a false PASS).
    pub fn allows_on_every_resource(&self, actions: &[&str]) -> bool {
        self.statements.iter().any(|s| {
            s.effect == Effect::Allow
                && s.not_resources.is_empty()
                && s.resources.iter().any(|r| r == "*")
                && actions.iter().any(|action| covers_action(s, action))
        })
    }

    /// The whole-service wildcard actions (`s3:*`) that Allow statements grant, as written.
    pub fn allowed_service_wildcards(&self) -> Vec<String> {
        self.statements
            .iter()
            .filter(|s| s.effect == Effect::Allow)
            .flat_map(|s| s.actions.iter())
            .filter(|a| a.len() > 2 && a.ends_with(":*"))
            .cloned()
            .collect()
    }

    /// True when the policy grants access to anyone: an Allow to everyone without a narrowing
    /// condition, not cancelled by a Deny that shuts out every outsider.
    pub fn allows_public(&self) -> bool {
        self.statements.iter().any(allows_everyone)
            && !self.statements.iter().any(denies_all_outsiders)
    }

    /// True when an Allow statement lets an AWS service (`{"Service": "s3.amazonaws.com"}`)
    /// act without a condition pinning the account it acts for, so any customer's resource of
    /// that service can use the grant (the confused deputy).
    pub fn allows_service_for_any_account(&self) -> bool {
        self.statements.iter().any(|s| {
            s.effect == Effect::Allow
                && s.principals.iter().any(|p| p.starts_with("Service:"))
                && !s.conditions.iter().any(pins_source_account)
        })
    }

    /// True when one Deny statement refuses every S3 request made without TLS: every principal,
    /// every action (`*` or `s3:*`), the bucket and its objects, conditioned only on
    /// `aws:SecureTransport` being false.
    pub fn denies_insecure_transport(&self, bucket_arn: &str) -> bool {
        let object_arn = format!("{bucket_arn}/any-object");
        self.statements.iter().any(|s| {
            s.effect == Effect::Deny
                && s.not_principals.is_empty()
                && s.principals.iter().any(|p| p == "*" || p == "AWS:*")
                && s.not_actions.is_empty()
                && s.actions
                    .iter()
                    .any(|a| a == "*" || a.eq_ignore_ascii_case("s3:*"))
                && s.not_resources.is_empty()
                && s.resources.iter().any(|r| arn_matches(r, bucket_arn))
                && s.resources.iter().any(|r| arn_matches(r, &object_arn))
                && !s.conditions.is_empty()
                && s.conditions.iter().all(|c| {
                    let (operator, _, _) = operator_parts(&c.operator);
                    operator == "bool"
                        && c.key.eq_ignore_ascii_case("aws:SecureTransport")
                        && !c.values.is_empty()
                        && c.values.iter().all(|v| v.eq_ignore_ascii_case("false"))
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_grants_need_a_condition_pinning_the_source_account() {
        let invoke = r#""Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:111122223333:function:f""#;
        let service = r#""Principal":{"Service":"s3.amazonaws.com"}"#;
        let cases = [
            (String::new(), true, "no condition"),
            (r#","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::uploads"}}"#.to_owned(), true, "a bucket ARN names no account"),
            (r#","Condition":{"StringEquals":{"AWS:SourceAccount":"111122223333"}}"#.to_owned(), false, "source account pinned"),
            (r#","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:sns:us-east-1:111122223333:topic"}}"#.to_owned(), false, "a source ARN naming an account"),
            (r#","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:sns:us-east-1:*:topic"}}"#.to_owned(), true, "a wildcard account"),
            (r#","Condition":{"StringEqualsIfExists":{"AWS:SourceAccount":"111122223333"}}"#.to_owned(), true, "IfExists pins nothing"),
        ];
        for (condition, unscoped, why) in cases {
            let policy = statement("Allow", service, &format!("{invoke}{condition}"));
            let policy = PolicyDocument::parse(&policy).unwrap();
            assert_eq!(policy.allows_service_for_any_account(), unscoped, "{why}");
            assert!(!policy.allows_public(), "{why}: a service is not everyone");
        }
        let account = statement("Allow", r#""Principal":{"AWS":"111122223333"}"#, invoke);
        assert!(
            !PolicyDocument::parse(&account)
                .unwrap()
                .allows_service_for_any_account()
        );
    }

    const BUCKET: &str = "arn:aws:s3:::b";

    /// A one-statement policy.
    fn statement(effect: &str, principal: &str, rest: &str) -> String {
        format!(r#"{{"Statement":[{{"Effect":"{effect}",{principal},{rest}}}]}}"#)
    }

    /// (policy, public?, why)
    fn public_table() -> Vec<(String, bool, &'static str)> {
        let get = r#""Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*""#;
        let allow = |principal: &str, condition: &str| {
            let condition = if condition.is_empty() {
                String::new()
            } else {
                format!(r#","Condition":{condition}"#)
            };
            statement("Allow", principal, &format!("{get}{condition}"))
        };
        vec![
            (allow(r#""Principal":"*""#, ""), true, "Principal * without condition"),
            (allow(r#""Principal":{"AWS":"*"}"#, ""), true, "AWS * as a string"),
            (allow(r#""Principal":{"AWS":["*"]}"#, ""), true, "AWS * in a list"),
            (allow(r#""Principal":{"AWS":["arn:aws:iam::111122223333:root","*"]}"#, ""), true, "* among accounts"),
            (allow(r#""Principal":{"AWS":"arn:aws:iam::*:root"}"#, ""), true, "wildcard account"),
            (allow(r#""Principal":{"AWS":"arn:aws:iam::111122223333:role/*"}"#, ""), false, "wildcard role in a fixed account"),
            (allow(r#""Principal":{"AWS":"111122223333"}"#, ""), false, "one account"),
            (allow(r#""Principal":{"Service":"cloudtrail.amazonaws.com"}"#, ""), false, "a service principal"),
            (allow(r#""Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbaced"}"#, ""), false, "a canonical user"),
            (allow(r#""NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"}"#, ""), true, "Allow with NotPrincipal grants everyone else"),
            (allow(r#""Principal":"*""#, r#"{"Bool":{"aws:SecureTransport":"true"}}"#), true, "TLS does not say who"),
            (allow(r#""Principal":"*""#, r#"{"StringLike":{"aws:UserAgent":"aws-cli*"}}"#), true, "user agent is chosen by the caller"),
            (allow(r#""Principal":"*""#, r#"{"StringLike":{"aws:Referer":"https://example.com/*"}}"#), true, "referer is chosen by the caller"),
            (allow(r#""Principal":"*""#, r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}"#), false, "organization pinned"),
            (allow(r#""Principal":"*""#, r#"{"StringEquals":{"aws:PrincipalOrgID":["o-abc123","o-def456"]}}"#), false, "two organizations pinned"),
            (allow(r#""Principal":"*""#, r#"{"StringLike":{"aws:PrincipalOrgID":"o-*"}}"#), true, "wildcard organization"),
            (allow(r#""Principal":"*""#, r#"{"StringEquals":{"aws:SourceVpc":"vpc-1"}}"#), false, "one VPC"),
            (allow(r#""Principal":"*""#, r#"{"StringEquals":{"aws:SourceVpce":"vpce-1"}}"#), false, "one VPC endpoint"),
            (allow(r#""Principal":"*""#, r#"{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}"#), true, "IfExists passes internet callers, who have no VPC"),
            (allow(r#""Principal":"*""#, r#"{"StringNotEquals":{"aws:SourceVpc":"vpc-1"}}"#), true, "negated: everyone but one VPC"),
            (allow(r#""Principal":"*""#, r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#), false, "one /24"),
            (allow(r#""Principal":"*""#, r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","198.51.100.7"]}}"#), false, "a CIDR and an address"),
            (allow(r#""Principal":"*""#, r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}"#), true, "the whole IPv4 internet"),
            (allow(r#""Principal":"*""#, r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/1"}}"#), true, "half the internet"),
            (allow(r#""Principal":"*""#, r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","::/0"]}}"#), true, "one narrow and one IPv6-wide range"),
            (allow(r#""Principal":"*""#, r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#), true, "everyone outside one range"),
            (allow(r#""Principal":"*""#, r#"{"StringEquals":{"aws:SourceAccount":"111122223333"}}"#), false, "source account pinned"),
            (allow(r#""Principal":"*""#, r#"{"ArnLike":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111122223333:trail/main"}}"#), false, "source ARN pinned"),
            (allow(r#""Principal":"*""#, r#"{"ArnLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:*:trail/*"}}"#), true, "source ARN with wildcards"),
            (allow(r#""Principal":"*""#, r#"{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/reader"}}"#), false, "principal ARN pinned"),
            (allow(r#""Principal":"*""#, r#"{"StringEquals":{"aws:PrincipalAccount":"${aws:SourceAccount}"}}"#), true, "a policy variable is not a fixed value"),
            (allow(r#""Principal":"*""#, r#"{"StringEquals":{"aws:userid":"AIDAEXAMPLE"}}"#), false, "one user id"),
            (allow(r#""Principal":"*""#, r#"{"StringEquals":{"s3:DataAccessPointAccount":"111122223333"}}"#), false, "access points of one account"),
            (allow(r#""Principal":"*""#, r#"{"ForAnyValue:StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}"#), false, "ForAnyValue on a pinned organization"),
            (allow(r#""Principal":"*""#, r#"{"ForAllValues:StringEquals":{"aws:PrincipalOrgPaths":"o-a/r-b/"}}"#), true, "ForAllValues is true when the key is absent"),
            (allow(r#""Principal":"*""#, r#"{"Null":{"aws:SourceVpc":"false"}}"#), true, "Null only says the key is present"),
            (allow(r#""Principal":"*""#, r#"{"Bool":{"aws:SecureTransport":"true"},"StringEquals":{"aws:SourceVpce":"vpce-1"}}"#), false, "one narrowing key among others is enough"),
            (allow(r#""Principal":"*""#, r#"{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}"#), true, "a region is not a caller"),
            (statement("Allow", r#""Principal":"*""#, r#""NotAction":"s3:DeleteObject","Resource":"*""#), true, "NotAction still grants to everyone"),
            (statement("Allow", r#""Principal":"*""#, r#""Action":"s3:GetObject","NotResource":"arn:aws:s3:::b/private/*""#), true, "NotResource still grants to everyone"),
            (statement("Deny", r#""Principal":"*""#, get), false, "a Deny alone grants nothing"),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpc":"vpc-1"}}}]}"#.into(),
                false,
                "Deny to everyone outside one VPC overrides the Allow",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#.into(),
                true,
                "a TLS-only Deny leaves the Allow public",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"},{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::1:user/bob"},"Action":"s3:*","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpc":"vpc-1"}}}]}"#.into(),
                true,
                "a Deny for one user does not narrow everyone",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpc":"vpc-1"}}}]}"#.into(),
                true,
                "a Deny on other actions leaves the Allow public",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"},{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}]}"#.into(),
                true,
                "one public statement among private ones",
            ),
            (r#"{"Statement":[]}"#.into(), false, "no statements"),
        ]
    }

    #[test]
    fn sensitive_actions_granted_to_other_accounts_are_named() {
        let sensitive = [
            "s3:PutBucketPolicy",
            "s3:PutObjectAcl",
            "s3:DeleteBucketPolicy",
        ];
        let granted = |principal: &str, action: &str| {
            let json = statement(
                "Allow",
                principal,
                &format!(r#""Action":"{action}","Resource":"arn:aws:s3:::b/*""#),
            );
            PolicyDocument::parse(&json)
                .unwrap()
                .actions_granted_to_other_accounts("111122223333", &sensitive)
        };
        let other = r#""Principal":{"AWS":"arn:aws:iam::444455556666:root"}"#;
        let own = r#""Principal":{"AWS":"arn:aws:iam::111122223333:role/app"}"#;
        assert_eq!(
            granted(other, "s3:Put*"),
            ["s3:PutBucketPolicy", "s3:PutObjectAcl"]
        );
        assert_eq!(
            granted(other, "S3:*").len(),
            3,
            "actions compare case-insensitively"
        );
        assert!(
            granted(own, "s3:*").is_empty(),
            "the bucket owner's own principals"
        );
        assert!(granted(other, "s3:GetObject").is_empty());
        assert_eq!(granted(r#""Principal":"*""#, "*").len(), 3, "everyone");
        assert_eq!(
            granted(
                r#""Principal":{"AWS":"444455556666"}"#,
                "s3:DeleteBucketPolicy"
            ),
            ["s3:DeleteBucketPolicy"]
        );
        assert!(
            granted(
                r#""Principal":{"Service":"logging.s3.amazonaws.com"}"#,
                "s3:*"
            )
            .is_empty(),
            "a service principal is not another account"
        );
    }

    #[test]
    fn public_verdicts_follow_block_public_access_semantics() {
        let table = public_table();
        assert!(table.len() >= 40, "the table keeps at least 40 rows");
        for (json, public, why) in table {
            let doc = PolicyDocument::parse(&json).unwrap_or_else(|e| panic!("{why}: {e}: {json}"));
            assert_eq!(doc.allows_public(), public, "{why}: {json}");
        }
    }

    #[test]
    fn insecure_transport_denials_cover_everyone_the_bucket_and_its_objects() {
        let deny = |principal: &str, action: &str, resource: &str, condition: &str| {
            format!(
                r#"{{"Statement":[{{"Effect":"Deny","Principal":{principal},"Action":{action},"Resource":{resource},"Condition":{condition}}}]}}"#
            )
        };
        let tls = r#"{"Bool":{"aws:SecureTransport":"false"}}"#;
        let both = r#"["arn:aws:s3:::b","arn:aws:s3:::b/*"]"#;
        let rows = [
            (deny(r#""*""#, r#""s3:*""#, both, tls), true, "the canonical statement"),
            (deny(r#"{"AWS":"*"}"#, r#""*""#, r#""*""#, r#"{"Bool":{"aws:SecureTransport":false}}"#), true, "AWS * and a boolean value"),
            (deny(r#""*""#, r#""s3:*""#, r#""arn:aws:s3:::b*""#, tls), true, "one pattern covering both"),
            (deny(r#"{"AWS":"arn:aws:iam::1:user/bob"}"#, r#""s3:*""#, both, tls), false, "only one user is denied"),
            (deny(r#""*""#, r#""s3:GetObject""#, both, tls), false, "only reads are denied"),
            (deny(r#""*""#, r#""s3:*""#, r#""arn:aws:s3:::b/*""#, tls), false, "objects only, not the bucket"),
            (deny(r#""*""#, r#""s3:*""#, r#""arn:aws:s3:::b""#, tls), false, "the bucket only, not its objects"),
            (deny(r#""*""#, r#""s3:*""#, r#""arn:aws:s3:::other/*""#, tls), false, "another bucket"),
            (deny(r#""*""#, r#""s3:*""#, both, r#"{"Bool":{"aws:SecureTransport":"true"}}"#), false, "denies TLS requests instead"),
            (
                deny(r#""*""#, r#""s3:*""#, both, r#"{"Bool":{"aws:SecureTransport":"false"},"StringEquals":{"aws:SourceVpc":"vpc-1"}}"#),
                false,
                "narrowed to one VPC: requests from elsewhere are not refused",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#.into(),
                false,
                "an Allow on TLS is not a Deny without it",
            ),
        ];
        for (json, expected, why) in rows {
            let doc = PolicyDocument::parse(&json).unwrap_or_else(|e| panic!("{why}: {e}"));
            assert_eq!(
                doc.denies_insecure_transport(BUCKET),
                expected,
                "{why}: {json}"
            );
        }
    }

    #[test]
    fn cidrs_wider_than_the_limits_are_the_internet() {
        assert!(is_narrow_cidr("10.0.0.0/8"));
        assert!(!is_narrow_cidr("10.0.0.0/7"));
        assert!(is_narrow_cidr("2001:db8::/32"));
        assert!(!is_narrow_cidr("2001:db8::/31"));
        assert!(!is_narrow_cidr("not-an-ip"));
    }
}
