#!/usr/bin/env python3
"""A tiny stand-in for the MFR key registry, for trust tests (127.0.0.1 only).

usage: mfr_server.py ROUTES.json PORT_FILE

Binds an OS-chosen port on 127.0.0.1 and writes it to PORT_FILE. Every GET whose path (with the
query) is a key of ROUTES.json (re-read on each request, so a test can change it) answers with
that route's {"status": int, "body": str, "delay": seconds}; other paths answer 404. Two admin
paths are not counted: /__count (number of registry requests so far) and /__log (their paths,
one per line). The server exits by itself after 300 s so a crashed test cannot leave it behind.
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROUTES, PORT_FILE = sys.argv[1], sys.argv[2]
lock = threading.Lock()
requests = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        delay = 0
        if self.path == "/__count":
            with lock:
                status, body = 200, str(len(requests)).encode()
        elif self.path == "/__log":
            with lock:
                status, body = 200, "".join(p + "\n" for p in requests).encode()
        else:
            with lock:
                requests.append(self.path)
            with open(ROUTES, encoding="utf-8") as f:
                route = json.load(f).get(self.path)
            if route is None:
                status, body = 404, b'{"error":"no such key"}'
            else:
                status = route.get("status", 200)
                body = route.get("body", "").encode()
                delay = route.get("delay", 0)
        if delay:
            time.sleep(delay)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
tmp = PORT_FILE + ".tmp"
with open(tmp, "w", encoding="ascii") as f:
    f.write(str(server.server_address[1]))
os.rename(tmp, PORT_FILE)
threading.Timer(300, lambda: os._exit(0)).start()
server.serve_forever()
