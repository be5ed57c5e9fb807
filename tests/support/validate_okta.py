"""Checks that every answer of the Okta stand-in is what Okta sends: each object is parsed by
the official `okta` SDK's models (generated from Okta's OpenAPI description) and every field it
carries must be one the model knows, recursively. Exits non-zero naming the first stray field.

Usage: validate_okta.py BASE_URL TOKEN [CLIENT_ID PRIVATE_KEY_PEM]
(with a service app, the token endpoint's answer is checked too)
"""
import json
import sys
import urllib.request

import okta.models as models
from pydantic import BaseModel

BASE, TOKEN = sys.argv[1], sys.argv[2]
APP = sys.argv[3:5]


def get(path):
    request = urllib.request.Request(BASE + path, headers={"Authorization": f"SSWS {TOKEN}"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def fields_by_wire_name(model):
    return {(f.alias or name): name for name, f in type(model).model_fields.items()}


def stray_fields(original, parsed, where):
    """Fields of `original` the model does not know (made up or misspelt), recursively.
    A nested object typed by a base class with a discriminator (e.g. `verificationMethod`)
    is judged by the subclass its discriminator names, as Okta's SDK resolves it."""
    if isinstance(parsed, BaseModel) and isinstance(original, dict):
        known = fields_by_wire_name(parsed)
        if any(key not in known for key in original) and hasattr(type(parsed), "get_discriminator_value"):
            resolved = type(parsed).from_dict(original)
            if resolved is not None and type(resolved) is not type(parsed):
                parsed, known = resolved, fields_by_wire_name(resolved)
        stray = []
        for key, value in original.items():
            if key not in known:
                stray.append(f"{where}.{key}")
            else:
                stray += stray_fields(value, getattr(parsed, known[key]), f"{where}.{key}")
        return stray
    if isinstance(original, list) and isinstance(parsed, list):
        return [s for i, (o, p) in enumerate(zip(original, parsed)) for s in stray_fields(o, p, f"{where}[{i}]")]
    return []


def check(model, obj, where):
    parsed = model.from_dict(obj)
    if parsed is None:
        sys.exit(f"{where}: {model.__name__} did not parse {obj}")
    stray = stray_fields(obj, parsed, where)
    if stray:
        sys.exit(f"fields the {type(parsed).__name__} model does not know: {', '.join(stray)}")
    return parsed


count = 0


def check_all(model, path, kind):
    """Checks every object of the listing at `path` against `model`."""
    global count
    _, objects = get(path)
    for obj in objects:
        check(model, obj, f"{kind} {obj['id']}")
        count += 1
    return objects


for policy_type in ["OKTA_SIGN_ON", "ACCESS_POLICY", "PASSWORD", "MFA_ENROLL"]:
    for policy in check_all(models.Policy, f"/api/v1/policies?type={policy_type}", "policy"):
        if policy_type in ("OKTA_SIGN_ON", "ACCESS_POLICY"):
            check_all(models.PolicyRule, f"/api/v1/policies/{policy['id']}/rules", "rule")
# User-lifecycle automations are policies of type USER_LIFECYCLE, a type okta 3.4.6's Policy
# and PolicyRule models do not list: their envelopes are checked against the base models'
# fields and their conditions parsed by PolicyRuleConditions (which holds `users.inactivity`).
for policy in get("/api/v1/policies?type=USER_LIFECYCLE")[1]:
    for obj, model in [(policy, models.Policy)] + [(r, models.PolicyRule) for r in get(f"/api/v1/policies/{policy['id']}/rules")[1]]:
        known = {(f.alias or name) for name, f in model.model_fields.items()}
        stray = [f"{obj['id']}.{k}" for k in obj if k not in known and k != "conditions"]
        if "conditions" in obj:
            stray += stray_fields(obj["conditions"], check(models.PolicyRuleConditions, obj["conditions"], obj["id"]), f"{obj['id']}.conditions")
        if stray:
            sys.exit(f"fields the policy models do not know: {', '.join(stray)}")
        count += 1
check_all(models.NetworkZone, "/api/v1/zones", "network zone")
check_all(models.User, "/api/v1/users?limit=200", "user")
_, assignees = get("/api/v1/iam/assignees/users?limit=100")
check(models.RoleAssignedUsers, assignees, "role assignees"); count += 1
for assignee in assignees["value"]:
    _, user = get(f"/api/v1/users/{assignee['id']}")
    check(models.User, user, f"user {user['id']}"); count += 1
    check_all(models.StandardRole, f"/api/v1/users/{assignee['id']}/roles", "role")
    check_all(models.UserFactor, f"/api/v1/users/{assignee['id']}/factors", "factor")
check_all(models.ApiToken, "/api/v1/api-tokens", "api token")
check_all(models.AuthenticatorBase, "/api/v1/authenticators", "authenticator")
# The SDK's log-stream settings models refuse what Okta answers (okta 3.4.6: the EventBridge
# eventSourceName pattern allows one character; the Splunk token, never returned, is required):
# the stream is parsed without its settings, and the settings' field names are checked against
# the model of its type.
SETTINGS = {"aws_eventbridge": models.LogStreamSettingsAws, "splunk_cloud_logstreaming": models.LogStreamSettingsSplunk}
_, streams = get("/api/v1/logStreams")
for stream in streams:
    where = f"log stream {stream['id']}"
    bare = {k: v for k, v in stream.items() if k != "settings"}
    parsed = models.LogStream.model_validate(bare)
    stray = stray_fields(bare, parsed, where)
    settings_model = SETTINGS[stream["type"]]
    known = {(f.alias or name) for name, f in settings_model.model_fields.items()}
    stray += [f"{where}.settings.{k}" for k in stream.get("settings", {}) if k not in known]
    if stray:
        sys.exit(f"fields the log stream models do not know: {', '.join(stray)}")
    count += 1
if APP:
    import base64, time, urllib.parse
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    encode = lambda data: base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    key = serialization.load_pem_private_key(open(APP[1], "rb").read(), None)
    audience = BASE + "/oauth2/v1/token"
    claims = {"iss": APP[0], "sub": APP[0], "aud": audience, "iat": int(time.time()), "exp": int(time.time()) + 300, "jti": "validate"}
    signing = encode(json.dumps({"alg": "RS256"}).encode()) + "." + encode(json.dumps(claims).encode())
    assertion = signing + "." + encode(key.sign(signing.encode(), padding.PKCS1v15(), hashes.SHA256()))
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "scope": "okta.users.read",
                                   "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                                   "client_assertion": assertion}).encode()
    with urllib.request.urlopen(urllib.request.Request(audience, data=form)) as response:
        check(models.TokenResponse, json.load(response), "token answer"); count += 1
status, body = get("/api/v1/nowhere")
check(models.Error, body, f"error {status}"); count += 1
print(f"{count} objects parsed by the okta SDK models")
