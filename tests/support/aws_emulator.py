"""Starts moto server and a loopback fault proxy in front of it, for lockdown's tests.

Prints one line `READY <moto_port> <proxy_port>` on stdout, then serves until stdin closes
(the test process exiting closes it), so no server outlives the tests.

The proxy forwards every request to moto unchanged, except where a rule says otherwise.
Rules are per access key id, so tests sharing one server do not disturb each other:

  POST /__proxy/rules  {"access_key": "...", "action": "iam:GenerateCredentialReport",
                        "region": "eu-west-1" (optional, default every region),
                        "respond": "AccessDenied" | "Hang" | "Cached" | "WithoutRegions"}
       action "*" matches every action; "Hang" holds the request unanswered for 300 s;
       "Cached" answers every request after the first with the first answer, as AWS serves
       a credential report up to 4 hours old (users created since are missing from it);
       "WithoutRegions" (action "s3:GET") leaves ListBuckets' answer without BucketRegion,
       as moto gives it (the proxy adds it otherwise, as S3 does);
       with "contains": "text", only requests whose body contains the text (e.g. the role
       ARN of one sts:AssumeRole)
  GET  /__proxy/calls?access_key=...   -> ["sts:GetCallerIdentity", "iam:...", ...]
  POST /__proxy/faults {"access_key": "...", "throttle": 0.2, "server_error": 0.05,
                        "reset": 0.02, "seed": 7}
       each request of that key is, with these probabilities, answered with the service's
       throttling error, a 500/503, or a dropped connection (seeded, so runs repeat);
       with "rate": R (and "burst": B, default R), AWS's own throttling is emulated too: a
       token bucket of R requests a second per region and service, and each request over it
       is answered with the throttling error
  GET  /__proxy/faults?access_key=...  -> {"throttle": n, "server_error": n, "reset": n} injected

The action of a request is read from the SigV4 credential scope (service) and the query
protocol's `Action` parameter.
"""

import datetime
import http.client
import http.server
import json
import logging
import random
import re
import socket
import sys
import threading
import time
import urllib.parse

from moto.moto_server.threaded_moto_server import ThreadedMotoServer

CREDENTIAL = re.compile(r"Credential=([^/]+)/[^/]+/([^/]+)/([^/]+)/")
# Services moto does not emulate: it answers them 500, which the SDK retries with backoff.
# The proxy answers at once that the operation is unknown (lockdown then reports ERROR).
UNEMULATED = {"access-analyzer"}
# Single operations moto 5.2.5 does not implement (it answers 500): answered at once with the
# service's own "unsupported operation" error, which lockdown reports as ERROR.
UNIMPLEMENTED = {"ec2:DescribeClientVpnEndpoints"}
# REST services that answer errors in JSON, like the REST services above (S3 answers XML).
JSON_REST = {"elasticfilesystem"}
# REST protocols name the operation by method and path: the ones the tests deny.
REST_ACTIONS = [
    ("securityhub", "GET", re.compile(r"^/accounts$"), "DescribeHub"),
    ("guardduty", "GET", re.compile(r"^/detector$"), "ListDetectors"),
    ("elasticfilesystem", "GET", re.compile(r"^/2015-02-01/access-points"), "DescribeAccessPoints"),
    ("guardduty", "GET", re.compile(r"^/detector/[^/]+$"), "GetDetector"),
    ("account", "POST", re.compile(r"^/getAlternateContact$"), "GetAlternateContact"),
    ("lambda", "GET", re.compile(r"^/2015-03-31/functions/?$"), "ListFunctions"),
    ("lambda", "GET", re.compile(r"^/2015-03-31/functions/[^/]+/policy/?$"), "GetPolicy"),
    ("es", "GET", re.compile(r"^/2021-01-01/domain$"), "ListDomainNames"),
    ("es", "POST", re.compile(r"^/2021-01-01/opensearch/domain-info$"), "DescribeDomains"),
    ("cloudfront", "GET", re.compile(r"^/2020-05-31/distribution/?$"), "ListDistributions"),
    ("cloudfront", "GET", re.compile(r"^/2020-05-31/distribution/[^/]+/config$"), "GetDistributionConfig"),
    ("eks", "GET", re.compile(r"^/clusters/?$"), "ListClusters"),
    ("eks", "GET", re.compile(r"^/clusters/[^/]+$"), "DescribeCluster"),
]

# REST services whose errors are XML (`<ErrorResponse><Error>...`), like the query protocols'.
XML_REST = {"cloudfront"}

# S3 bucket sub-resources read with GET ?<key>, named so that one of them can be denied alone
# (a rule on `s3:GET` still covers them all).
S3_SUBRESOURCES = {
    "lifecycle": "GetBucketLifecycleConfiguration",
    "replication": "GetBucketReplication",
    "notification": "GetBucketNotificationConfiguration",
    "object-lock": "GetObjectLockConfiguration",
}

rules = {}  # (access_key, action, region or "*") -> error code
body_rules = []  # (access_key, action, text the body contains, error code)
calls = {}  # access_key -> [action, ...]
cached = {}  # (access_key, action) -> (status, headers, body) of the first answer
faults = {}  # access_key -> {"throttle": p, "server_error": p, "reset": p, "random": Random, "injected": {...}}
lock = threading.Lock()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def denial(action, json_protocol):
    if json_protocol:
        body = json.dumps(
            {"__type": "AccessDeniedException", "message": f"User is not authorized to perform: {action}"}
        )
        return 403, body.encode(), "application/json"
    if action.startswith("s3:"):
        # S3's REST-XML errors have <Error> as their root.
        body = f"<Error><Code>AccessDenied</Code><Message>Access Denied: {action}</Message></Error>"
        return 403, body.encode(), "application/xml"
    body = (
        "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
        f"<Message>User is not authorized to perform: {action}</Message></Error>"
        "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
    )
    return 403, body.encode(), "text/xml"


def fault_reply(kind, service, json_protocol):
    """The status, body and content type a service answers for an injected fault."""
    if kind == "throttle":
        if json_protocol:
            return 400, json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode(), "application/x-amz-json-1.1"
        if service == "s3":
            return 503, b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>", "application/xml"
        if service == "ec2":
            return 503, b"<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>0</RequestID></Response>", "text/xml"
        return 400, b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>0</RequestId></ErrorResponse>", "text/xml"
    if json_protocol:
        return 503, json.dumps({"__type": "ServiceUnavailableException", "message": "Service unavailable"}).encode(), "application/x-amz-json-1.1"
    return 500, b"<ErrorResponse><Error><Type>Receiver</Type><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error><RequestId>0</RequestId></ErrorResponse>", "text/xml"


def with_epoch_times(value):
    """`value` with every configuration-item timestamp as epoch seconds."""
    if isinstance(value, list):
        return [with_epoch_times(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key in ("configurationItemCaptureTime", "resourceCreationTime") and isinstance(item, str):
            item = datetime.datetime.fromisoformat(item).timestamp()
        out[key] = with_epoch_times(item)
    return out


# The calls answering configuration items, whose timestamps moto prints as Python does.
CONFIG_ITEM_ACTIONS = (
    "config:BatchGetResourceConfig",
    "config:BatchGetAggregateResourceConfig",
    "config:GetResourceConfigHistory",
)


def draw_fault(access_key, region, service):
    """The fault to inject for this request of `access_key`, if any."""
    with lock:
        plan = faults.get(access_key)
        if not plan:
            return None
        if plan["rate"]:
            now = time.monotonic()
            tokens, last = plan["buckets"].get((region, service), (plan["burst"], now))
            tokens = min(plan["burst"], tokens + (now - last) * plan["rate"])
            if tokens < 1:
                plan["buckets"][(region, service)] = (tokens, now)
                plan["injected"]["throttle"] += 1
                return "throttle"
            plan["buckets"][(region, service)] = (tokens - 1, now)
        roll = plan["random"].random()
        for kind in ("throttle", "server_error", "reset"):
            if roll < plan[kind]:
                plan["injected"][kind] += 1
                return kind
            roll -= plan[kind]
    return None


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    moto_port = 0

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="text/xml"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def control(self, body):
        url = urllib.parse.urlparse(self.path)
        if url.path == "/__proxy/faults":
            if self.command == "POST":
                plan = json.loads(body)
                with lock:
                    faults[plan["access_key"]] = {
                        "throttle": plan.get("throttle", 0.0),
                        "server_error": plan.get("server_error", 0.0),
                        "reset": plan.get("reset", 0.0),
                        "rate": plan.get("rate", 0),
                        "burst": plan.get("burst", plan.get("rate", 0)),
                        "buckets": {},
                        "random": random.Random(plan.get("seed", 0)),
                        "injected": {"throttle": 0, "server_error": 0, "reset": 0},
                    }
                return self.reply(200, b"{}", "application/json")
            key = urllib.parse.parse_qs(url.query).get("access_key", [""])[0]
            with lock:
                injected = dict(faults.get(key, {}).get("injected", {}))
            return self.reply(200, json.dumps(injected).encode(), "application/json")
        if url.path == "/__proxy/rules" and self.command == "POST":
            rule = json.loads(body)
            with lock:
                if "contains" in rule:
                    body_rules.append((rule["access_key"], rule["action"], rule["contains"].encode(), rule["respond"]))
                else:
                    rules[(rule["access_key"], rule["action"], rule.get("region", "*"))] = rule["respond"]
            return self.reply(200, b"{}", "application/json")
        if url.path == "/__proxy/calls":
            key = urllib.parse.parse_qs(url.query).get("access_key", [""])[0]
            with lock:
                seen = list(calls.get(key, []))
            return self.reply(200, json.dumps(seen).encode(), "application/json")
        return self.reply(404, b"unknown control path", "text/plain")

    def action(self, body):
        match = CREDENTIAL.search(self.headers.get("Authorization", ""))
        if not match:
            return None, None, None
        access_key, region, service = match.group(1), match.group(2), match.group(3)
        params = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        if self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            params.update(urllib.parse.parse_qs(body.decode("utf-8", "replace")))
        name = params.get("Action", [None])[0]
        target = self.headers.get("X-Amz-Target")
        if not name and target:
            name = target.split(".")[-1]
        path = urllib.parse.urlparse(self.path).path
        for rest_service, method, pattern, operation in REST_ACTIONS:
            if not name and service == rest_service and self.command == method and pattern.match(path):
                name = operation
        if not name and service == "s3" and self.command == "GET":
            query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query, keep_blank_values=True)
            name = next((op for key, op in S3_SUBRESOURCES.items() if key in query), None)
        return access_key, region, f"{service}:{name or self.command}"

    def with_bucket_regions(self, data, headers):
        """ListBuckets' answer with each bucket's region, asked of moto directly."""
        def region_of(match):
            name = match.group(1).decode()
            upstream = http.client.HTTPConnection("127.0.0.1", self.moto_port, timeout=60)
            upstream.request("GET", f"/{name}?location", headers=headers)
            location = re.search(rb"<LocationConstraint[^>]*>([^<]*)</LocationConstraint>", upstream.getresponse().read())
            upstream.close()
            region = (location.group(1).decode() if location else "") or "us-east-1"
            return match.group(0) + f"<BucketRegion>{region}</BucketRegion>".encode()
        return re.sub(rb"<Name>([^<]+)</Name>", region_of, data)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith("/__proxy/"):
            return self.control(body)
        access_key, region, action = self.action(body)
        if access_key:
            with lock:
                calls.setdefault(access_key, []).append(action)
                generic = f"{action.split(':')[0]}:{self.command}"
                rule = (
                    next((code for key, act, text, code in body_rules if key == access_key and act == action and text in body), None)
                    or rules.get((access_key, action, region))
                    or rules.get((access_key, action, "*"))
                    or rules.get((access_key, generic, region))
                    or rules.get((access_key, generic, "*"))
                    or rules.get((access_key, "*", region))
                )
            service = action.split(":")[0]
            json_protocol = service not in XML_REST and (
                bool(self.headers.get("X-Amz-Target"))
                or service in JSON_REST
                or service in {rest for rest, _, _, _ in REST_ACTIONS}
            )
            if rule == "AccessDenied":
                return self.reply(*denial(action, json_protocol))
            if rule == "Hang":
                time.sleep(300)
                return None
            if action in UNIMPLEMENTED:
                body = (
                    "<Response><Errors><Error><Code>UnsupportedOperation</Code>"
                    f"<Message>moto does not implement {action}</Message></Error></Errors>"
                    "<RequestID>0</RequestID></Response>"
                )
                return self.reply(400, body.encode(), "text/xml")
            if service in UNEMULATED:
                body = json.dumps({"__type": "UnknownOperationException", "message": f"moto does not emulate {service}"})
                return self.reply(404, body.encode(), "application/json")
            fault = draw_fault(access_key, region, service)
            if fault == "reset":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return None
            if fault:
                return self.reply(*fault_reply(fault, service, json_protocol))
        upstream = http.client.HTTPConnection("127.0.0.1", self.moto_port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
        upstream.request(self.command, self.path, body=body, headers=headers)
        response = upstream.getresponse()
        data = response.read()
        status, response_headers = response.status, response.getheaders()
        if access_key and rule == "Cached" and status == 200:
            with lock:
                status, response_headers, data = cached.setdefault(
                    (access_key, action), (status, response_headers, data)
                )
        query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query, keep_blank_values=True)
        if self.command == "GET" and "versioning" in query:
            # moto 5.2.5 names the root element GetBucketVersioningResponse; S3 (and the AWS
            # SDK for Rust) use VersioningConfiguration.
            data = data.replace(b"GetBucketVersioningResponse", b"VersioningConfiguration")
        if access_key and action == "s3:GET" and urllib.parse.urlparse(self.path).path == "/" and status == 200 and rule != "WithoutRegions":
            # moto 5.2.5's ListBuckets leaves out each bucket's BucketRegion, which S3 answers.
            data = self.with_bucket_regions(data, headers)
        if action in CONFIG_ITEM_ACTIONS and status == 200:
            # moto 5.2.5 writes a configuration item's timestamps as Python prints them
            # ("2026-12-04 11:22:10.720401+00:00"); AWS's JSON protocol sends epoch seconds.
            data = json.dumps(with_epoch_times(json.loads(data))).encode()
        if self.command == "GET" and "notification" in query:
            # Likewise GetBucketNotificationResponse for a bucket without notifications; S3
            # answers an empty NotificationConfiguration.
            data = data.replace(b"GetBucketNotificationResponse", b"NotificationConfiguration")
        self.send_response(status)
        for key, value in response_headers:
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        upstream.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Clients closing idle keep-alive connections is normal; anything else is shown.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def main():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto_port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    moto.start()
    Proxy.moto_port = moto_port
    proxy = QuietServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    print(f"READY {moto_port} {proxy.server_address[1]}", flush=True)
    sys.stdin.read()
    proxy.shutdown()
    moto.stop()


if __name__ == "__main__":
    main()
