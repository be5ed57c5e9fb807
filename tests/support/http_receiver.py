"""A local HTTP receiver standing in for a SIEM endpoint (Splunk HEC or Elasticsearch _bulk),
recording every request so tests can check lockdown's exact wire format.

Prints `READY <port>` and serves until stdin closes.
  POST /__receiver/config {"fail_first": N, "fail_status": 503, "item_failures": K,
                           "hec_mode": "ok" | "redirect" | "html"}
       the next N requests are answered `fail_status`; the next K bulk items get status 429;
       HEC requests are answered as HEC does ({"code": 0}), or, like a misrouted endpoint,
       with a 302 to a login page or a proxy's 200 HTML page
  POST /__receiver/config {"chaos": {"p429": 0.1, "p503": 0.1, "drop": 0.05, "seed": 7}}
       each request is, with these probabilities and before anything is stored, answered 429
       or 503, or its connection is dropped unanswered (seeded, so runs repeat)
  GET  /__receiver/stored -> {"hec": [event, ...], "elastic": {_id: document}}: what was
       stored, as the service would have indexed it
  GET  /__receiver/requests -> [{"method", "path", "headers", "gzip", "body"}]
  POST /services/collector/event   -> Splunk HEC answer
  POST /<anything>/_bulk           -> Elasticsearch bulk answer; `create` of an existing _id is 409
  POST /v2/enqueue                 -> PagerDuty Events API v2: the event is checked against the
       schema (routing_key, event_action, dedup_key, and for a trigger payload.summary <= 1024,
       payload.source, payload.severity); 202 {"status": "success", "dedup_key"} when valid,
       400 {"status": "invalid event", "errors": [...]} when not; stored under "pagerduty"
"""

import gzip
import json
import random
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"fail_first": 0, "fail_status": 503, "item_failures": 0, "hec_mode": "ok", "requests": [],
         "ids": set(), "docs": {}, "hec": [], "pagerduty": [], "chaos": None, "random": None}

PD_SEVERITIES = {"critical", "error", "warning", "info"}


def pagerduty_errors(event):
    """What PagerDuty's Events API v2 would reject in `event`."""
    errors = []
    if not isinstance(event.get("routing_key"), str) or not event["routing_key"]:
        errors.append("routing_key is required")
    action = event.get("event_action")
    if action not in ("trigger", "acknowledge", "resolve"):
        errors.append("event_action must be trigger, acknowledge or resolve")
    key = event.get("dedup_key")
    if action != "trigger" and not key:
        errors.append("dedup_key is required for acknowledge and resolve")
    if key is not None and (not isinstance(key, str) or len(key) > 255):
        errors.append("dedup_key must be a string of at most 255 characters")
    if action == "trigger":
        payload = event.get("payload") or {}
        summary = payload.get("summary")
        if not isinstance(summary, str) or not summary or len(summary) > 1024:
            errors.append("payload.summary must be 1 to 1024 characters")
        if not payload.get("source"):
            errors.append("payload.source is required")
        if payload.get("severity") not in PD_SEVERITIES:
            errors.append("payload.severity must be critical, error, warning or info")
    return errors


def bulk_answer(body):
    lines = [json.loads(line) for line in body.splitlines() if line.strip()]
    items, errors = [], False
    for action, document in zip(lines[0::2], lines[1::2]):
        doc_id = action["create"]["_id"]
        if STATE["item_failures"] > 0:
            STATE["item_failures"] -= 1
            status = 429
        elif doc_id in STATE["ids"]:
            status = 409
        else:
            STATE["ids"].add(doc_id)
            STATE["docs"][doc_id] = document
            status = 201
        item = {"_id": doc_id, "status": status}
        if status >= 400:
            errors = True
            item["error"] = {"type": "rejected", "reason": f"status {status}"}
        items.append({"create": item})
    return {"took": 1, "errors": errors, "items": items}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with LOCK:
            if self.path == "/__receiver/stored":
                return self.answer(200, {"hec": STATE["hec"], "elastic": STATE["docs"],
                                         "pagerduty": STATE["pagerduty"]})
            self.answer(200, STATE["requests"])

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/__receiver/config":
            with LOCK:
                STATE.update(json.loads(raw))
                if STATE["chaos"]:
                    STATE["random"] = random.Random(STATE["chaos"].get("seed", 0))
            return self.answer(200, {})
        zipped = self.headers.get("Content-Encoding") == "gzip"
        body = (gzip.decompress(raw) if zipped else raw).decode()
        with LOCK:
            STATE["requests"].append(
                {
                    "method": "POST",
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "gzip": zipped,
                    "body": body,
                }
            )
            fault = None
            if STATE["chaos"]:
                roll, chaos = STATE["random"].random(), STATE["chaos"]
                for kind in ("p429", "p503", "drop"):
                    if roll < chaos.get(kind, 0):
                        fault = kind
                        break
                    roll -= chaos.get(kind, 0)
            if fault == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return None
            if fault:
                status = 429 if fault == "p429" else 503
                return self.answer(status, {"text": "Server is busy", "code": 9})
            if STATE["fail_first"] > 0:
                STATE["fail_first"] -= 1
                return self.answer(STATE["fail_status"], {"text": "Server is busy", "code": 9})
            if self.path.endswith("/_bulk"):
                return self.answer(200, bulk_answer(body))
            if self.path == "/v2/enqueue":
                event = json.loads(body)
                errors = pagerduty_errors(event)
                if errors:
                    return self.answer(400, {"status": "invalid event",
                                             "message": "Event object is invalid", "errors": errors})
                STATE["pagerduty"].append(event)
                return self.answer(202, {"status": "success", "message": "Event processed",
                                         "dedup_key": event.get("dedup_key", "generated")})
            mode = STATE["hec_mode"]
            if mode == "ok":
                STATE["hec"].extend(json.loads(line)["event"] for line in body.splitlines() if line.strip())
        if mode == "redirect":
            self.send_response(302)
            self.send_header("Location", "/login?next=/services/collector/event")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if mode == "html":
            page = b"<html><body>Please sign in</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return None
        self.answer(200, {"text": "Success", "code": 0})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
print(f"READY {server.server_address[1]}", flush=True)
sys.stdin.read()
