//! Okta, a second identity provider beside AWS: global session and authentication policies
//! with their rules, password policies, users, administrators (their roles and factors), API
//! token metadata, network zones, log streams and user-lifecycle automations, read
//! through Okta's Management API ([`client`]). Only the resource types that selected checks
//! read are collected; a refused or failed request makes exactly what it would have provided
//! unknown (ERROR), never absent.

pub mod auth;
pub mod client;

use super::{CallError, CallRecorder, Collected};
use crate::inventory::okta::{
    AccessRule, Admin, ApiToken, Authenticator, MfaEnrollmentPolicy, NetworkZone, Org,
    PasswordPolicy, SignOnRule, User,
};
use crate::inventory::{GLOBAL_REGION, Resource, ResourceData};
use crate::or_unknown;
use chrono::{DateTime, Utc};
use client::{OktaClient, PAGE_SIZE};
use futures::StreamExt;
use reqwest::Url;
use serde_json::Value;
use std::collections::BTreeSet;
use std::net::IpAddr;

pub use auth::TOKEN_VARIABLE;

/// The Management API operations lockdown calls (all GET), with the OAuth scope each needs.
pub const ACTIONS: &[(&str, &str)] = &[
    ("okta:ListPolicies", "okta.policies.read"),
    ("okta:ListPolicyRules", "okta.policies.read"),
    ("okta:ListUsers", "okta.users.read"),
    ("okta:ListApiTokens", "okta.apiTokens.read"),
    ("okta:ListLogStreams", "okta.logStreams.read"),
    ("okta:ListRoleAssignees", "okta.roles.read"),
    ("okta:ListAssignedRolesForUser", "okta.roles.read"),
    ("okta:GetUser", "okta.users.read"),
    ("okta:ListFactors", "okta.users.read"),
    ("okta:ListAuthenticators", "okta.authenticators.read"),
    ("okta:ListNetworkZones", "okta.networkZones.read"),
];

const POLICIES: &str = "okta:ListPolicies";
const RULES: &str = "okta:ListPolicyRules";
const USERS: &str = "okta:ListUsers";
const TOKENS: &str = "okta:ListApiTokens";
const LOG_STREAMS: &str = "okta:ListLogStreams";
const ASSIGNEES: &str = "okta:ListRoleAssignees";
const ROLES: &str = "okta:ListAssignedRolesForUser";
const GET_USER: &str = "okta:GetUser";
const FACTORS: &str = "okta:ListFactors";
const AUTHENTICATORS: &str = "okta:ListAuthenticators";
const ZONES: &str = "okta:ListNetworkZones";
/// Factor types that resist phishing: WebAuthn/FIDO2, U2F and Okta FastPass.
const PHISHING_RESISTANT: &[&str] = &["webauthn", "u2f", "signed_nonce"];
/// Admins whose details are read at once.
const ADMIN_FAN_OUT: usize = 8;

const SIGN_ON_RULE: &str = "okta.sign_on_rule";
const ACCESS_RULE: &str = "okta.access_rule";
const PASSWORD_POLICY: &str = "okta.password_policy";
const USER: &str = "okta.user";
const API_TOKEN: &str = "okta.api_token";
const ADMIN: &str = "okta.admin";
const AUTHENTICATOR: &str = "okta.authenticator";
const MFA_ENROLLMENT: &str = "okta.mfa_enrollment_policy";
const NETWORK_ZONE: &str = "okta.network_zone";
const ORG: &str = "okta.org";
/// The resource types this provider produces.
pub const RESOURCE_TYPES: &[&str] = &[
    SIGN_ON_RULE,
    ACCESS_RULE,
    PASSWORD_POLICY,
    USER,
    API_TOKEN,
    ADMIN,
    AUTHENTICATOR,
    MFA_ENROLLMENT,
    NETWORK_ZONE,
    ORG,
];

/// Where the Okta org is and how to authenticate (the secret is never printed).
#[derive(Clone)]
pub struct OktaOptions {
    pub org: Url,
    credentials: auth::Credentials,
}

impl std::fmt::Debug for OktaOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OktaOptions")
            .field("org", &self.org.as_str())
            .finish_non_exhaustive()
    }
}

impl OktaOptions {
    /// The org at `org` (`https://ORG.okta.com`), with credentials from the environment.
    pub fn from_env(org: &str) -> Result<Self, String> {
        let url = Url::parse(org).map_err(|e| format!("--okta-org {org}: not a URL: {e}"))?;
        if !url.username().is_empty() || url.password().is_some() || url.query().is_some() {
            return Err(format!(
                "--okta-org {org}: give the org's address only (https://ORG.okta.com); the token goes in {TOKEN_VARIABLE}"
            ));
        }
        if !crate::http::may_carry_token(url.as_str()) {
            return Err(format!(
                "--okta-org {org}: must be https:// (the API token is sent to it)"
            ));
        }
        let credentials = auth::Credentials::from_env()?;
        Ok(Self {
            org: url,
            credentials,
        })
    }

    /// The org's host, which stands for the account in findings (`acme.okta.com`).
    pub fn host(&self) -> String {
        self.org.host_str().unwrap_or_default().to_owned()
    }
}

/// Collects the resource types in `wanted` (`okta.*`) from the org.
pub async fn collect(
    options: &OktaOptions,
    recorder: CallRecorder,
    wanted: &BTreeSet<&'static str>,
) -> Collected {
    let mut out = Collected::default();
    let client = match connect(options, recorder).await {
        Ok(client) => client,
        Err(error) => {
            for resource_type in wanted {
                out.unlisted(&error, GLOBAL_REGION, resource_type);
            }
            return out;
        }
    };
    let collector = Collector {
        client,
        org: options.org.clone(),
        host: options.host(),
    };
    let wants = |t: &'static str| wanted.contains(t);
    if wants(SIGN_ON_RULE) {
        collector
            .policy_rules(&mut out, "OKTA_SIGN_ON", SIGN_ON_RULE, sign_on_rule)
            .await;
    }
    if wants(ACCESS_RULE) {
        collector
            .policy_rules(&mut out, "ACCESS_POLICY", ACCESS_RULE, access_rule)
            .await;
    }
    // The resource types whose listing's items are the resources.
    let users = format!("/api/v1/users?limit={PAGE_SIZE}");
    let listings: [(&str, &'static str, &str, Build); 5] = [
        (
            PASSWORD_POLICY,
            POLICIES,
            "/api/v1/policies?type=PASSWORD",
            password_policy,
        ),
        (
            MFA_ENROLLMENT,
            POLICIES,
            "/api/v1/policies?type=MFA_ENROLL",
            mfa_enrollment_policy,
        ),
        (
            AUTHENTICATOR,
            AUTHENTICATORS,
            "/api/v1/authenticators",
            authenticator,
        ),
        (USER, USERS, &users, user),
        (API_TOKEN, TOKENS, "/api/v1/api-tokens", api_token),
    ];
    for (resource_type, action, path, build) in listings {
        if wants(resource_type) {
            collector
                .listing(&mut out, action, path, resource_type, build)
                .await;
        }
    }
    // The org's super-admin count comes from the admins' roles.
    let admins = if wants(ADMIN) || wants(ORG) {
        Some(collector.admins(&mut out, wants(ADMIN)).await)
    } else {
        None
    };
    // Zones are resources of their own and tell the org which anonymizers it blocks.
    let zones = if wants(NETWORK_ZONE) || wants(ORG) {
        Some(collector.client.list(ZONES, "/api/v1/zones").await)
    } else {
        None
    };
    if wants(NETWORK_ZONE) {
        match &zones {
            Some(Ok(zones)) => {
                for zone in zones {
                    let path = format!("/api/v1/zones/{}", str_at(zone, "/id").unwrap_or_default());
                    collector.push(&mut out, ZONES, &path, NETWORK_ZONE, zone, network_zone);
                }
            }
            Some(Err(error)) => out.unlisted(error, GLOBAL_REGION, NETWORK_ZONE),
            None => {}
        }
    }
    if wants(ORG) {
        let admins = admins.unwrap_or(Ok(0));
        let zones = zones.unwrap_or(Ok(Vec::new()));
        collector.org(&mut out, admins, zones).await;
    }
    out
}

/// A client authenticated to the org: the API token as is, or a service app's access token
/// for every scope lockdown reads with.
async fn connect(options: &OktaOptions, recorder: CallRecorder) -> Result<OktaClient, CallError> {
    let http = crate::http::client()
        .map_err(|message| CallError::data(USERS, crate::inventory::ErrorKind::Network, message))?;
    let scopes: BTreeSet<&str> = ACTIONS.iter().map(|(_, scope)| *scope).collect();
    let scopes: Vec<&str> = scopes.into_iter().collect();
    let authorization = options
        .credentials
        .authorization(&http, &options.org, &scopes, &recorder)
        .await?;
    Ok(OktaClient::new(http, &options.org, authorization, recorder))
}

/// What a JSON object's builder fills in: the resource's name and data, with the attributes
/// the object lacks recorded in `missing`.
type Build = fn(&Value, &mut Vec<&'static str>) -> (String, ResourceData);

struct Collector {
    client: OktaClient,
    org: Url,
    host: String,
}

impl Collector {
    /// The identifier of the object at `path`: its Management API address.
    fn arn(&self, path: &str) -> String {
        self.org
            .join(path)
            .map(String::from)
            .unwrap_or_else(|_| path.to_owned())
    }

    fn resource(&self, path: &str, name: String, data: ResourceData) -> Resource {
        Resource {
            arn: self.arn(path),
            name,
            region: GLOBAL_REGION.to_owned(),
            account_id: self.host.clone(),
            data,
            unknown: Default::default(),
            sources: Default::default(),
        }
    }

    /// A listing whose items are the resources, each under `/api/v1/...{id}`.
    async fn listing(
        &self,
        out: &mut Collected,
        action: &'static str,
        path: &str,
        resource_type: &str,
        build: Build,
    ) {
        match self.client.list(action, path).await {
            Err(error) => out.unlisted(&error, GLOBAL_REGION, resource_type),
            Ok(items) => {
                let base = path.split('?').next().unwrap_or(path);
                for item in &items {
                    let id = str_at(item, "/id").unwrap_or_default();
                    self.push(
                        out,
                        action,
                        &format!("{base}/{id}"),
                        resource_type,
                        item,
                        build,
                    );
                }
            }
        }
    }

    fn push(
        &self,
        out: &mut Collected,
        action: &'static str,
        path: &str,
        resource_type: &str,
        item: &Value,
        build: Build,
    ) {
        let mut missing = Vec::new();
        let (name, data) = build(item, &mut missing);
        let resource = self.resource(path, name, data);
        out.left_out(
            action,
            GLOBAL_REGION,
            resource_type,
            &resource.arn,
            &missing,
        );
        out.resources.push(resource);
    }

    /// The rules of every policy of `policy_type`, each with its policy's name and status
    /// under `_policy` and its own address under `_path`.
    async fn rules(&self, policy_type: &str) -> Result<Vec<Value>, CallError> {
        let path = format!("/api/v1/policies?type={policy_type}");
        let mut all = Vec::new();
        for policy in self.client.list(POLICIES, &path).await? {
            let id = str_at(&policy, "/id").unwrap_or_default();
            let path = format!("/api/v1/policies/{id}/rules");
            for mut rule in self.client.list(RULES, &path).await? {
                let rule_id = str_at(&rule, "/id").unwrap_or_default();
                rule["_policy"] = serde_json::json!({
                    "name": policy["name"],
                    "status": policy["status"],
                });
                rule["_path"] = Value::String(format!("{path}/{rule_id}"));
                all.push(rule);
            }
        }
        Ok(all)
    }

    /// The rules of every policy of `policy_type` as resources.
    async fn policy_rules(
        &self,
        out: &mut Collected,
        policy_type: &str,
        resource_type: &str,
        build: Build,
    ) {
        match self.rules(policy_type).await {
            Err(error) => out.unlisted(&error, GLOBAL_REGION, resource_type),
            Ok(rules) => {
                for rule in &rules {
                    let path = str_at(rule, "/_path").unwrap_or_default();
                    self.push(out, RULES, &path, resource_type, rule, build);
                }
            }
        }
    }

    /// The users holding admin roles, each with its status, roles and factors (as resources
    /// when `keep`); returns how many hold Super Administrator, or why that is unknown.
    async fn admins(&self, out: &mut Collected, keep: bool) -> Result<i64, CallError> {
        let path = "/api/v1/iam/assignees/users?limit=100";
        let assignees = match self.client.list_enveloped(ASSIGNEES, path).await {
            Ok(assignees) => assignees,
            Err(error) => {
                out.unlisted(&error, GLOBAL_REGION, ADMIN);
                return Err(error);
            }
        };
        let ids: Vec<String> = assignees.iter().filter_map(|a| str_at(a, "/id")).collect();
        let client = &self.client;
        let read = futures::stream::iter(ids)
            .map(|id| async move {
                let user = client.get(GET_USER, &format!("/api/v1/users/{id}")).await;
                let roles = client
                    .list(ROLES, &format!("/api/v1/users/{id}/roles"))
                    .await;
                let factors = client
                    .list(FACTORS, &format!("/api/v1/users/{id}/factors"))
                    .await;
                (id, user, roles, factors)
            })
            .buffer_unordered(ADMIN_FAN_OUT)
            .collect::<Vec<_>>()
            .await;
        let mut super_admins = Ok(0);
        for (id, user, roles, factors) in read {
            let path = format!("/api/v1/users/{id}");
            let arn = self.arn(&path);
            let mut admin = Admin::default();
            match user {
                Ok(user) => {
                    let mut missing = Vec::new();
                    admin.login = str_at(&user, "/profile/login").unwrap_or_else(|| id.clone());
                    admin.status = or_unknown!(missing, Admin: status = str_at(&user, "/status"));
                    out.left_out(GET_USER, GLOBAL_REGION, ADMIN, &arn, &missing);
                }
                Err(error) => {
                    admin.login = id.clone();
                    out.unknown(
                        &error,
                        GLOBAL_REGION,
                        ADMIN,
                        &arn,
                        crate::attributes!(Admin: status),
                    );
                }
            }
            match roles {
                Ok(roles) => {
                    admin.roles = roles.iter().filter_map(|r| str_at(r, "/type")).collect();
                    if let Ok(count) = &mut super_admins {
                        *count += i64::from(admin.roles.iter().any(|r| r == "SUPER_ADMIN"));
                    }
                }
                Err(error) => {
                    out.unknown(
                        &error,
                        GLOBAL_REGION,
                        ADMIN,
                        &arn,
                        crate::attributes!(Admin: roles),
                    );
                    super_admins = Err(error);
                }
            }
            match factors {
                Ok(factors) => {
                    admin.factor_types = factors
                        .iter()
                        .filter(|f| str_at(f, "/status").as_deref() == Some("ACTIVE"))
                        .filter_map(|f| str_at(f, "/factorType"))
                        .collect();
                    admin.phishing_resistant = admin
                        .factor_types
                        .iter()
                        .any(|t| PHISHING_RESISTANT.contains(&t.as_str()));
                }
                Err(error) => {
                    let read = crate::attributes!(Admin: factor_types, phishing_resistant);
                    out.unknown(&error, GLOBAL_REGION, ADMIN, &arn, read);
                }
            }
            if keep {
                let name = admin.login.clone();
                out.resources
                    .push(self.resource(&path, name, ResourceData::OktaAdmin(admin)));
            }
        }
        super_admins
    }

    /// The org as one resource: its super-admin count, active log streams, the anonymizers
    /// its blocklist zones block and its shortest inactivity automation; each part whose
    /// read failed is unknown.
    async fn org(
        &self,
        out: &mut Collected,
        super_admins: Result<i64, CallError>,
        zones: Result<Vec<Value>, CallError>,
    ) {
        let streams = self.client.list(LOG_STREAMS, "/api/v1/logStreams").await;
        let automations = self.rules("USER_LIFECYCLE").await;
        let arn = self.arn("/");
        let active_streams = |streams: Vec<Value>| {
            let active = streams
                .iter()
                .filter(|s| str_at(s, "/status").as_deref() == Some("ACTIVE"));
            Some(
                active
                    .map(|s| str_at(s, "/name").unwrap_or_default())
                    .collect(),
            )
        };
        let org = Org {
            super_admins: out
                .read_value(
                    (ROLES, GLOBAL_REGION, ORG),
                    &arn,
                    crate::attributes!(Org: super_admins),
                    Some(super_admins.map(Some)),
                )
                .unwrap_or_default(),
            active_log_streams: out
                .read_value(
                    (LOG_STREAMS, GLOBAL_REGION, ORG),
                    &arn,
                    crate::attributes!(Org: active_log_streams),
                    Some(streams.map(active_streams)),
                )
                .unwrap_or_default(),
            blocked_anonymizers: out
                .read_value(
                    (ZONES, GLOBAL_REGION, ORG),
                    &arn,
                    crate::attributes!(Org: blocked_anonymizers),
                    Some(zones.map(|zones| Some(blocked_anonymizers(&zones)))),
                )
                .unwrap_or_default(),
            inactivity_automation_days: out
                .read_value(
                    (RULES, GLOBAL_REGION, ORG),
                    &arn,
                    crate::attributes!(Org: inactivity_automation_days),
                    Some(automations.map(|rules| inactivity_automation_days(&rules))),
                )
                .flatten(),
        };
        let host = self.host.clone();
        out.resources
            .push(self.resource("/", host, ResourceData::OktaOrg(org)));
    }
}

fn str_at(value: &Value, pointer: &str) -> Option<String> {
    value.pointer(pointer)?.as_str().map(str::to_owned)
}

fn int_at(value: &Value, pointer: &str) -> Option<i64> {
    value.pointer(pointer)?.as_i64()
}

fn bool_at(value: &Value, pointer: &str) -> Option<bool> {
    value.pointer(pointer)?.as_bool()
}

/// A timestamp that is present and readable; `null` or absent is `None`.
fn time_at(value: &Value, pointer: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value.pointer(pointer)?.as_str()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Whether the rule and its policy are both active; unknown when either status is missing.
fn active(rule: &Value) -> Option<bool> {
    Some(str_at(rule, "/status")? == "ACTIVE" && str_at(rule, "/_policy/status")? == "ACTIVE")
}

fn sign_on_rule(rule: &Value, missing: &mut Vec<&'static str>) -> (String, ResourceData) {
    let signon = "/actions/signon";
    let data = SignOnRule {
        policy: str_at(rule, "/_policy/name").unwrap_or_default(),
        rule: str_at(rule, "/name").unwrap_or_default(),
        active: or_unknown!(missing, SignOnRule: active = active(rule)),
        access: or_unknown!(missing, SignOnRule: access = str_at(rule, &format!("{signon}/access"))),
        require_factor: or_unknown!(missing, SignOnRule: require_factor = bool_at(rule, &format!("{signon}/requireFactor"))),
        max_session_lifetime_minutes: or_unknown!(missing, SignOnRule: max_session_lifetime_minutes = int_at(rule, &format!("{signon}/session/maxSessionLifetimeMinutes"))),
        max_session_idle_minutes: or_unknown!(missing, SignOnRule: max_session_idle_minutes = int_at(rule, &format!("{signon}/session/maxSessionIdleMinutes"))),
        persistent_cookie: or_unknown!(missing, SignOnRule: persistent_cookie = bool_at(rule, &format!("{signon}/session/usePersistentCookie"))),
    };
    (
        format!("{} / {}", data.policy, data.rule),
        ResourceData::OktaSignOnRule(data),
    )
}

/// Whether any possession constraint of an assurance requires phishing resistance.
fn phishing_resistant(method: &Value) -> bool {
    method["constraints"].as_array().is_some_and(|constraints| {
        constraints.iter().any(|c| {
            c.pointer("/possession/phishingResistant")
                .and_then(Value::as_str)
                == Some("REQUIRED")
        })
    })
}

fn access_rule(rule: &Value, missing: &mut Vec<&'static str>) -> (String, ResourceData) {
    let method = rule.pointer("/actions/appSignOn/verificationMethod");
    let data = AccessRule {
        policy: str_at(rule, "/_policy/name").unwrap_or_default(),
        rule: str_at(rule, "/name").unwrap_or_default(),
        active: or_unknown!(missing, AccessRule: active = active(rule)),
        access: or_unknown!(missing, AccessRule: access = str_at(rule, "/actions/appSignOn/access")),
        factor_mode: or_unknown!(missing, AccessRule: factor_mode = method.and_then(|m| str_at(m, "/factorMode"))),
        phishing_resistant: or_unknown!(missing, AccessRule: phishing_resistant = method.map(phishing_resistant)),
    };
    (
        format!("{} / {}", data.policy, data.rule),
        ResourceData::OktaAccessRule(data),
    )
}

fn password_policy(policy: &Value, missing: &mut Vec<&'static str>) -> (String, ResourceData) {
    let password = "/settings/password";
    let at = |field: &str| int_at(policy, &format!("{password}/{field}"));
    let data = PasswordPolicy {
        name: str_at(policy, "/name").unwrap_or_default(),
        active: or_unknown!(missing, PasswordPolicy: active = str_at(policy, "/status").map(|s| s == "ACTIVE")),
        min_length: or_unknown!(missing, PasswordPolicy: min_length = at("complexity/minLength")),
        min_lower_case: or_unknown!(missing, PasswordPolicy: min_lower_case = at("complexity/minLowerCase")),
        min_upper_case: or_unknown!(missing, PasswordPolicy: min_upper_case = at("complexity/minUpperCase")),
        min_number: or_unknown!(missing, PasswordPolicy: min_number = at("complexity/minNumber")),
        min_symbol: or_unknown!(missing, PasswordPolicy: min_symbol = at("complexity/minSymbol")),
        history_count: or_unknown!(missing, PasswordPolicy: history_count = at("age/historyCount")),
        max_attempts: or_unknown!(missing, PasswordPolicy: max_attempts = at("lockout/maxAttempts")),
        max_age_days: or_unknown!(missing, PasswordPolicy: max_age_days = at("age/maxAgeDays")),
    };
    (data.name.clone(), ResourceData::OktaPasswordPolicy(data))
}

fn mfa_enrollment_policy(
    policy: &Value,
    missing: &mut Vec<&'static str>,
) -> (String, ResourceData) {
    let required = policy
        .pointer("/settings/authenticators")
        .and_then(Value::as_array)
        .map(|authenticators| {
            authenticators
                .iter()
                .filter(|a| a.pointer("/enroll/self").and_then(Value::as_str) == Some("REQUIRED"))
                .filter_map(|a| str_at(a, "/key"))
                .collect()
        });
    let data = MfaEnrollmentPolicy {
        name: str_at(policy, "/name").unwrap_or_default(),
        active: or_unknown!(missing, MfaEnrollmentPolicy: active = str_at(policy, "/status").map(|s| s == "ACTIVE")),
        required_authenticators: or_unknown!(missing, MfaEnrollmentPolicy: required_authenticators = required),
    };
    (
        data.name.clone(),
        ResourceData::OktaMfaEnrollmentPolicy(data),
    )
}

fn authenticator(item: &Value, missing: &mut Vec<&'static str>) -> (String, ResourceData) {
    let data = Authenticator {
        key: or_unknown!(missing, Authenticator: key = str_at(item, "/key")),
        name: str_at(item, "/name").unwrap_or_default(),
        status: or_unknown!(missing, Authenticator: status = str_at(item, "/status")),
    };
    (data.name.clone(), ResourceData::OktaAuthenticator(data))
}

fn user(item: &Value, missing: &mut Vec<&'static str>) -> (String, ResourceData) {
    let data = User {
        login: str_at(item, "/profile/login").unwrap_or_default(),
        status: or_unknown!(missing, User: status = str_at(item, "/status")),
        created: Some(or_unknown!(missing, User: created = time_at(item, "/created"))),
        // `lastLogin` is null for a user who never signed in; absent is unknown.
        last_login: match item.get("lastLogin") {
            Some(Value::Null) => None,
            Some(_) => Some(or_unknown!(missing, User: last_login = time_at(item, "/lastLogin"))),
            None => {
                missing.push(crate::attributes!(User: last_login)[0]);
                None
            }
        },
    };
    (data.login.clone(), ResourceData::OktaUser(data))
}

fn api_token(item: &Value, missing: &mut Vec<&'static str>) -> (String, ResourceData) {
    let data = ApiToken {
        name: str_at(item, "/name").unwrap_or_default(),
        user_id: or_unknown!(missing, ApiToken: user_id = str_at(item, "/userId")),
        created: Some(or_unknown!(missing, ApiToken: created = time_at(item, "/created"))),
        expires_at: time_at(item, "/expiresAt"),
    };
    (data.name.clone(), ResourceData::OktaApiToken(data))
}

fn network_zone(zone: &Value, missing: &mut Vec<&'static str>) -> (String, ResourceData) {
    let zone_type = str_at(zone, "/type");
    let spans = match zone_type.as_deref() {
        Some("IP") => zone["gateways"].as_array().and_then(|gateways| {
            gateways
                .iter()
                .map(|g| address_span(g.get("value")?.as_str()?))
                .collect::<Option<Vec<_>>>()
        }),
        Some(_) => Some(Vec::new()),
        None => None,
    };
    let data = NetworkZone {
        name: str_at(zone, "/name").unwrap_or_default(),
        zone_type: or_unknown!(missing, NetworkZone: zone_type = zone_type),
        status: or_unknown!(missing, NetworkZone: status = str_at(zone, "/status")),
        usage: or_unknown!(missing, NetworkZone: usage = str_at(zone, "/usage")),
        ipv4_addresses: or_unknown!(missing, NetworkZone: ipv4_addresses = spans.as_deref().map(ipv4_addresses)),
        shortest_ipv6_prefix: or_unknown!(missing, NetworkZone: shortest_ipv6_prefix = spans.as_deref().map(shortest_ipv6_prefix)),
    };
    (data.name.clone(), ResourceData::OktaNetworkZone(data))
}

/// The first and last address of a gateway written as a CIDR block, a range `a-b` or one
/// address; `None` when it is none of these.
fn address_span(value: &str) -> Option<(IpAddr, IpAddr)> {
    if let Some((first, last)) = value.split_once('-') {
        let (first, last): (IpAddr, IpAddr) =
            (first.trim().parse().ok()?, last.trim().parse().ok()?);
        return (first.is_ipv4() == last.is_ipv4() && first <= last).then_some((first, last));
    }
    let (address, prefix) = value.split_once('/').unwrap_or((value, ""));
    let address: IpAddr = address.trim().parse().ok()?;
    let bits = if address.is_ipv4() { 32 } else { 128 };
    let prefix: u32 = if prefix.is_empty() {
        bits
    } else {
        prefix.trim().parse().ok()?
    };
    let host_bits = bits.checked_sub(prefix)?;
    let host_mask = u128::MAX.checked_shr(128 - host_bits).unwrap_or(0);
    Some(match address {
        IpAddr::V4(a) => {
            let start = u128::from(u32::from(a)) & !host_mask;
            let end = start | host_mask;
            (
                IpAddr::V4((start as u32).into()),
                IpAddr::V4((end as u32).into()),
            )
        }
        IpAddr::V6(a) => {
            let start = u128::from(a) & !host_mask;
            (
                IpAddr::V6(start.into()),
                IpAddr::V6((start | host_mask).into()),
            )
        }
    })
}

/// How many IPv4 addresses the spans cover, overlaps counted once.
fn ipv4_addresses(spans: &[(IpAddr, IpAddr)]) -> i64 {
    let mut ranges: Vec<(i64, i64)> = spans
        .iter()
        .filter_map(|span| match span {
            (IpAddr::V4(a), IpAddr::V4(b)) => Some((u32::from(*a).into(), u32::from(*b).into())),
            _ => None,
        })
        .collect();
    ranges.sort_unstable();
    let (mut total, mut covered_to) = (0, -1);
    for (start, end) in ranges {
        let start = start.max(covered_to + 1);
        if end >= start {
            total += end - start + 1;
            covered_to = end;
        }
    }
    total
}

/// The shortest prefix length that holds one of the IPv6 spans; `None` without IPv6 spans.
fn shortest_ipv6_prefix(spans: &[(IpAddr, IpAddr)]) -> Option<i64> {
    spans
        .iter()
        .filter_map(|span| match span {
            (IpAddr::V6(a), IpAddr::V6(b)) => {
                Some(i64::from((u128::from(*b) - u128::from(*a)).leading_zeros()))
            }
            _ => None,
        })
        .min()
}

/// The kinds of anonymizing proxy (`tor`, `other`) that active blocklist zones block for
/// every location and network; a zone narrowed to some locations or networks does not count.
fn blocked_anonymizers(zones: &[Value]) -> Vec<String> {
    let unrestricted = |v: &Value| match v {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(o) => o
            .values()
            .all(|v| v.is_null() || v.as_array().is_some_and(Vec::is_empty)),
        _ => false,
    };
    let mut kinds = BTreeSet::new();
    for zone in zones {
        let blocking = str_at(zone, "/status").as_deref() == Some("ACTIVE")
            && str_at(zone, "/usage").as_deref() == Some("BLOCKLIST")
            && ["asns", "locations"]
                .iter()
                .all(|k| zone.get(*k).is_none_or(unrestricted));
        if !blocking {
            continue;
        }
        let categories = zone
            .pointer("/ipServiceCategories/include")
            .and_then(Value::as_array);
        let blocks = |category: &str| categories.is_some_and(|c| c.iter().any(|v| v == category));
        match str_at(zone, "/proxyType").as_deref() {
            Some("Any") => kinds.extend(["tor", "other"]),
            Some("Tor") => kinds.extend(["tor"]),
            Some("NotTorAnonymizer") => kinds.extend(["other"]),
            _ if blocks("ALL_ANONYMIZERS") => kinds.extend(["tor", "other"]),
            _ if blocks("ALL_ANONYMIZERS_EXCEPT_TOR") => kinds.extend(["other"]),
            _ => {}
        }
    }
    kinds.into_iter().map(str::to_owned).collect()
}

/// The shortest inactivity period, in days, among the active rules of active user-lifecycle
/// policies: `Some(None)` when no such rule has an inactivity condition, `None` when a
/// condition is in a unit other than days.
fn inactivity_automation_days(rules: &[Value]) -> Option<Option<i64>> {
    let mut shortest: Option<i64> = None;
    for rule in rules.iter().filter(|rule| active(rule) == Some(true)) {
        let Some(inactivity) = rule.pointer("/conditions/users/inactivity") else {
            continue;
        };
        if str_at(inactivity, "/unit")? != "DAYS" {
            return None;
        }
        let days = int_at(inactivity, "/number")?;
        shortest = Some(shortest.map_or(days, |s| s.min(days)));
    }
    Some(shortest)
}

#[cfg(test)]
mod tests {
    use super::{OktaOptions, sign_on_rule};
    use crate::inventory::ResourceData;

    #[test]
    fn the_token_goes_only_over_https_to_a_bare_org_address() {
        // SAFETY: tests in this module are the only ones touching this variable.
        unsafe { std::env::set_var(super::TOKEN_VARIABLE, "00abc-test-token") };
        assert!(OktaOptions::from_env("https://acme.okta.com").is_ok());
        assert!(OktaOptions::from_env("http://acme.okta.com").is_err());
        assert!(OktaOptions::from_env("https://user:pw@acme.okta.com").is_err());
        let options = OktaOptions::from_env("https://acme.okta.com").unwrap();
        assert!(!format!("{options:?}").contains("00abc"), "{options:?}");
    }

    #[test]
    fn zone_addresses_are_counted_once_and_ipv6_by_prefix() {
        let spans: Vec<_> = [
            "10.0.0.0/24",
            "10.0.0.128-10.0.1.255",
            "192.0.2.7",
            "2001:db8::/48",
            "2001:db8::1-2001:db8::ff",
        ]
        .iter()
        .map(|v| super::address_span(v).unwrap())
        .collect();
        assert_eq!(super::ipv4_addresses(&spans), 512 + 1);
        assert_eq!(super::shortest_ipv6_prefix(&spans), Some(48));
        let everything = [super::address_span("0.0.0.0/0").unwrap()];
        assert_eq!(super::ipv4_addresses(&everything), 1 << 32);
        assert_eq!(super::shortest_ipv6_prefix(&everything), None);
        let ipv6_everything = [super::address_span("::/0").unwrap()];
        assert_eq!(super::shortest_ipv6_prefix(&ipv6_everything), Some(0));
        for bad in ["10.0.0.0/33", "10.0.0.9-10.0.0.1", "10.0.0.1-::1", "office"] {
            assert_eq!(super::address_span(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_blocklist_narrowed_to_some_locations_blocks_no_anonymizer_everywhere() {
        let zone = |extra: serde_json::Value| {
            let mut zone = serde_json::json!({ "type": "DYNAMIC_V2", "status": "ACTIVE", "usage": "BLOCKLIST",
                "ipServiceCategories": { "include": ["ALL_ANONYMIZERS"] } });
            zone.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            zone
        };
        let everywhere = zone(serde_json::json!({ "locations": { "include": [], "exclude": [] } }));
        assert_eq!(super::blocked_anonymizers(&[everywhere]), ["other", "tor"]);
        let narrowed =
            zone(serde_json::json!({ "locations": { "include": [{ "country": "US" }] } }));
        assert!(super::blocked_anonymizers(&[narrowed]).is_empty());
        let inactive = zone(serde_json::json!({ "status": "INACTIVE" }));
        assert!(super::blocked_anonymizers(&[inactive]).is_empty());
    }

    #[test]
    fn a_rule_without_its_session_settings_leaves_them_unknown() {
        let rule = serde_json::json!({
            "id": "0pr1", "name": "Default Rule", "status": "ACTIVE",
            "_policy": { "name": "Default Policy", "status": "ACTIVE" },
            "actions": { "signon": { "access": "ALLOW", "requireFactor": false } }
        });
        let mut missing = Vec::new();
        let (name, data) = sign_on_rule(&rule, &mut missing);
        assert_eq!(name, "Default Policy / Default Rule");
        assert!(
            matches!(data, ResourceData::OktaSignOnRule(ref r) if !r.require_factor && r.active)
        );
        assert_eq!(
            missing,
            [
                "max_session_lifetime_minutes",
                "max_session_idle_minutes",
                "persistent_cookie"
            ]
        );
    }
}
