"""A stand-in for the AWS Lambda Runtime API, for lockdown's tests of `lockdown lambda`.

Usage: lambda_runtime_api.py EVENTS.json   (a JSON array of invocation events)

Prints `READY <port>`, hands out one event per `GET /2018-06-01/runtime/invocation/next`,
and prints each result as a JSON line {"request_id", "kind": "response" | "error", "body"}.
After the last event's result it prints `DONE` and exits; later `next` calls wait forever,
as they do on Lambda between invocations.
"""

import http.server
import json
import os
import sys
import threading
import time

PREFIX = "/2018-06-01/runtime/"
events = json.load(open(sys.argv[1]))
pending = list(enumerate(events))
answered = 0
lock = threading.Lock()


class RuntimeApi(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"{}", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers:
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != PREFIX + "invocation/next":
            return self.reply(404)
        with lock:
            item = pending.pop(0) if pending else None
        if item is None:
            while True:
                time.sleep(3600)
        index, event = item
        deadline = int(time.time() * 1000) + 900_000
        self.reply(200, json.dumps(event).encode(), [
            ("Lambda-Runtime-Aws-Request-Id", f"request-{index}"),
            ("Lambda-Runtime-Deadline-Ms", str(deadline)),
            ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:lockdown"),
            ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000"),
        ])

    def do_POST(self):
        global answered
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = self.path[len(PREFIX):].split("/")
        if len(parts) != 3 or parts[0] != "invocation" or parts[2] not in ("response", "error"):
            return self.reply(404)
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = body.decode("utf-8", "replace")
        print(json.dumps({"request_id": parts[1], "kind": parts[2], "body": parsed}), flush=True)
        self.reply(202)
        with lock:
            answered += 1
            if answered == len(events):
                print("DONE", flush=True)
                threading.Timer(0.2, lambda: os._exit(0)).start()


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # The function being stopped while it waits for `next` is normal.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


server = QuietServer(("127.0.0.1", 0), RuntimeApi)
print(f"READY {server.server_address[1]}", flush=True)
server.serve_forever()
