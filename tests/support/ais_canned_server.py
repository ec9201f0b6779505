#!/usr/bin/python3
"""Canned HTTP answers for the AIS client tests (127.0.0.1 only).

usage: ais_canned_server.py DIR

Binds an OS-chosen port on 127.0.0.1 and writes it to DIR/port. Every request is recorded as
DIR/req-N.txt (request line and headers) and DIR/req-N.bin (body), N counting from 1, written
before the answer so a client that times out still leaves its request behind. The answer comes
from DIR/routes.json, re-read on each request (the test rewrites it between cases):

    {"/ais/register": {"status": 200, "body_file": "ok.bin", "headers": {"Retry-After": "3"},
                       "delay": 0.0, "raw": null}}

body_file is relative to DIR (missing: empty body). "raw" (text) is written to the socket as it
is instead of an HTTP response, then the connection closes. Unknown paths answer 404. The server
exits by itself after 300 s so a crashed test cannot leave it behind.
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]
lock = threading.Lock()
count = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.handle_any()

    def do_GET(self):
        self.handle_any()

    def handle_any(self):
        global count
        length = int(self.headers.get("Content-Length", "0") or "0")
        body = self.rfile.read(length) if length else b""
        with lock:
            count += 1
            n = count
        head = "%s %s\n%s" % (self.command, self.path, str(self.headers))
        with open(os.path.join(DIR, "req-%d.bin" % n), "wb") as f:
            f.write(body)
        with open(os.path.join(DIR, "req-%d.txt" % n), "w", encoding="utf-8") as f:
            f.write(head)
        with open(os.path.join(DIR, "routes.json"), encoding="utf-8") as f:
            route = json.load(f).get(self.path)
        if route is None:
            route = {"status": 404}
        if route.get("delay"):
            time.sleep(route["delay"])
        if route.get("raw") is not None:
            self.wfile.write(route["raw"].encode())
            self.wfile.flush()
            self.close_connection = True
            return
        data = b""
        if route.get("body_file"):
            with open(os.path.join(DIR, route["body_file"]), "rb") as f:
                data = f.read()
        try:
            self.send_response(route.get("status", 200))
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(data)))
            for k, v in route.get("headers", {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)

    def log_message(self, fmt, *args):
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that time out reset their connections: expected, not news


def main():
    server = QuietServer(("127.0.0.1", 0), Handler)
    tmp = os.path.join(DIR, "port.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, os.path.join(DIR, "port"))
    threading.Timer(300, os._exit, args=(0,)).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
