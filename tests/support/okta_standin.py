"""A local stand-in for Okta's Management API, answering in Okta's own shapes.

Serves the org in tests/data/okta/org.json (its objects are checked against the official
`okta` SDK's models by validate_okta.py). Okta's behaviours that a client must handle:
- `Authorization: SSWS <token>` or 401 (E0000011);
- pagination of users by `limit`/`after` with `Link: <...>; rel="next"` headers;
- 429 (E0000047) with `X-Rate-Limit-Limit/Remaining/Reset` when a throttle is armed;
- 403 (E0000006) on denied paths.

Usage: okta_standin.py TOKEN [CLIENT_ID PUBLIC_KEY_PEM] (prints `READY PORT`). With a service
app, `POST /oauth2/v1/token` takes a client assertion signed with its key (RS256, RFC 7523) and
issues access tokens for the granted scopes, accepted as `Authorization: Bearer ...`. Control (no token): POST /__standin/deny?path=P,
POST /__standin/throttle?count=N, POST /__standin/users?count=N (replace the users with N
generated ones), POST /__standin/corrupt (add a field Okta never sends, to prove the
validator fails), GET /__standin/calls.
"""
import base64
import json
import os
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ORG = json.load(open(os.path.join(os.path.dirname(__file__), "..", "data", "okta", "org.json")))
TOKEN = sys.argv[1]
APP = (sys.argv[2], open(sys.argv[3], "rb").read()) if len(sys.argv) > 3 else None
GRANTED = {"okta.policies.read", "okta.users.read", "okta.roles.read", "okta.apiTokens.read",
           "okta.logStreams.read", "okta.authenticators.read", "okta.networkZones.read"}
state = {"denied": [], "throttle": 0, "calls": 0, "port": 0, "access_tokens": set(), "granted": set(GRANTED)}
lock = threading.Lock()


def error(code, summary):
    return {"errorCode": code, "errorSummary": summary, "errorLink": code,
            "errorId": "oae" + str(int(time.time() * 1000)), "errorCauses": []}


def generated_users(count):
    template = ORG["users"][0]
    users = []
    for i in range(count):
        user = json.loads(json.dumps(template))
        user["id"] = f"00u{i:017d}"
        login = f"user{i}@acme.example"
        user["profile"].update(login=login, email=login, firstName=f"User{i}")
        user["_links"]["self"]["href"] = f"https://acme.okta.com/api/v1/users/{user['id']}"
        users.append(user)
    return users


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def token(self):
        """The org authorization server's token endpoint for a service app (client_credentials
        with a private-key JWT)."""
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding

        length = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        def oauth_error(status, code, description):
            return self.reply(status, {"error": code, "error_description": description})
        if APP is None or form.get("grant_type") != ["client_credentials"]:
            return oauth_error(400, "unsupported_grant_type", "The grant type is not supported.")
        try:
            head, body, signature = form["client_assertion"][0].split(".")
            unpad = lambda part: base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
            key = serialization.load_pem_public_key(APP[1])
            key.verify(unpad(signature), f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
            claims = json.loads(unpad(body))
        except Exception:
            return oauth_error(401, "invalid_client", "The client_assertion signature is invalid.")
        audience = f"http://127.0.0.1:{state['port']}/oauth2/v1/token"
        if claims.get("iss") != APP[0] or claims.get("sub") != APP[0] or claims.get("aud") != audience or claims.get("exp", 0) < time.time():
            return oauth_error(401, "invalid_client", "The client_assertion token is invalid.")
        requested = set(form.get("scope", [""])[0].split())
        if not requested <= state["granted"]:
            return oauth_error(400, "invalid_scope", f"The following scopes are not allowed: {sorted(requested - state['granted'])}")
        access_token = secrets.token_urlsafe(32)
        state["access_tokens"].add(access_token)
        self.reply(200, {"token_type": "Bearer", "expires_in": 3600, "access_token": access_token, "scope": " ".join(sorted(requested))})

    def do_POST(self):
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path == "/oauth2/v1/token":
            return self.token()
        with lock:
            if url.path == "/__standin/deny":
                state["denied"].append(query["path"][0])
            elif url.path == "/__standin/throttle":
                state["throttle"] = int(query["count"][0])
            elif url.path == "/__standin/users":
                ORG["users"] = generated_users(int(query["count"][0]))
            elif url.path == "/__standin/grant":
                state["granted"] = set(query.get("scopes", [""])[0].split())
            elif url.path == "/__standin/corrupt":
                ORG["users"][0]["mfaEnrolled"] = True
            else:
                return self.reply(404, error("E0000022", "The endpoint does not support the provided HTTP method"))
        self.reply(200, {})

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path == "/__standin/calls":
            return self.reply(200, {"calls": state["calls"]})
        with lock:
            state["calls"] += 1
            throttled = state["throttle"] > 0
            if throttled:
                state["throttle"] -= 1
            denied = any(url.path.startswith(p) for p in state["denied"])
        authorization = self.headers.get("Authorization", "")
        bearer = authorization.removeprefix("Bearer ")
        if authorization != f"SSWS {TOKEN}" and bearer not in state["access_tokens"]:
            return self.reply(401, error("E0000011", "Invalid token provided"))
        if throttled:
            reset = str(int(time.time()) + 1)
            return self.reply(429, error("E0000047", "API call exceeded rate limit due to too many requests."),
                              [("X-Rate-Limit-Limit", "600"), ("X-Rate-Limit-Remaining", "0"), ("X-Rate-Limit-Reset", reset)])
        if denied:
            return self.reply(403, error("E0000006", "You do not have permission to perform the requested action"))
        parts = url.path.strip("/").split("/")
        if url.path == "/api/v1/policies":
            return self.reply(200, ORG["policies"].get(query.get("type", [""])[0], []))
        if len(parts) == 5 and parts[:3] == ["api", "v1", "policies"] and parts[4] == "rules":
            if parts[3] not in ORG["rules"]:
                return self.reply(404, error("E0000007", f"Not found: Resource not found: {parts[3]} (Policy)"))
            return self.reply(200, ORG["rules"][parts[3]])
        if url.path == "/api/v1/users":
            limit = int(query.get("limit", ["200"])[0])
            users = ORG["users"]
            start = 0
            if "after" in query:
                start = next(i for i, u in enumerate(users) if u["id"] == query["after"][0]) + 1
            page = users[start:start + limit]
            base = f"http://127.0.0.1:{state['port']}/api/v1/users"
            links = [f'<{base}?limit={limit}>; rel="self"']
            if start + limit < len(users):
                links.append(f'<{base}?after={page[-1]["id"]}&limit={limit}>; rel="next"')
            return self.reply(200, page, [("Link", ", ".join(links))])
        if url.path == "/api/v1/iam/assignees/users":
            limit = int(query.get("limit", ["100"])[0])
            ids = [a["id"] for a in ORG["roleAssignees"]]
            start = ids.index(query["after"][0]) + 1 if "after" in query else 0
            page = ORG["roleAssignees"][start:start + limit]
            body = {"value": page, "_links": {}}
            if start + limit < len(ids):
                body["_links"]["next"] = {"href": f"http://127.0.0.1:{state['port']}/api/v1/iam/assignees/users?after={page[-1]['id']}&limit={limit}"}
            return self.reply(200, body)
        if len(parts) == 4 and parts[:3] == ["api", "v1", "users"]:
            user = next((u for u in ORG["users"] + ORG["deprovisionedUsers"] if u["id"] == parts[3]), None)
            if user is None:
                return self.reply(404, error("E0000007", f"Not found: Resource not found: {parts[3]} (User)"))
            return self.reply(200, user)
        if len(parts) == 5 and parts[:3] == ["api", "v1", "users"] and parts[4] in ("roles", "factors"):
            return self.reply(200, ORG[parts[4]].get(parts[3], []))
        if url.path == "/api/v1/api-tokens":
            return self.reply(200, ORG["apiTokens"])
        if url.path == "/api/v1/authenticators":
            return self.reply(200, ORG["authenticators"])
        if url.path == "/api/v1/logStreams":
            return self.reply(200, ORG["logStreams"])
        if url.path == "/api/v1/zones":
            return self.reply(200, ORG["zones"])
        self.reply(404, error("E0000022", "The endpoint does not support the provided HTTP method"))


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
state["port"] = server.server_address[1]
print(f"READY {state['port']}", flush=True)
server.serve_forever()
