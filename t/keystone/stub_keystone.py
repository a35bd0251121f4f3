#!/usr/bin/python3
"""A stub Keystone for the answers a real one will not give on demand.

    stub_keystone.py PORT PIDFILE

Identity API, the part mod_placement uses:
  POST /v3/auth/tokens    password login of the service user (placement /
                          secret): 201, X-Subject-Token "svc-N", a catalog
                          whose identity endpoint is this stub
  GET  /v3/auth/tokens    validation: 401 unless X-Auth-Token is a live
                          service token; then what the subject token was
                          registered with (unknown tokens: 404)

Control API, used by t/api/keystone_stub.t:
  PUT    /control/tokens/T   register T: {"mode": ..., "token": {...},
                             "expires_in": seconds}; modes: ok, 403, 500,
                             badjson, slow (sleeps "sleep" seconds), expired
                             (expires_at in the past; 200 only with
                             allow_expired=1, else 404 as Keystone)
  DELETE /control/tokens/T   revoke T (404 from now on)
  POST   /control/revoke-service-tokens   every service token 401s
  GET    /control/stats      {"logins": n, "validations": {T: n}}
"""
import datetime
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs

LOCK = threading.Lock()
TOKENS = {}            # subject token -> registration
SERVICE_TOKENS = set()
STATS = {"logins": 0, "validations": {}}
PORT = int(sys.argv[1])


def stamp(seconds_from_now):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds_from_now)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body=None, headers=None, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n) or b"null")

    def do_POST(self):
        path = urlsplit(self.path).path
        if path == "/v3/auth/tokens":
            return self.login()
        if path == "/control/revoke-service-tokens":
            with LOCK:
                SERVICE_TOKENS.clear()
            return self.reply(204)
        self.reply(404, {"error": {"code": 404}})

    def login(self):
        auth = self.body()["auth"]
        user = auth["identity"]["password"]["user"]
        if user.get("name") != "placement" or user.get("password") != "secret":
            return self.reply(401, {"error": {"code": 401}})
        with LOCK:
            STATS["logins"] += 1
            token = "svc-%d" % STATS["logins"]
            SERVICE_TOKENS.add(token)
        url = "http://127.0.0.1:%d/v3/" % PORT
        doc = {"token": {"expires_at": stamp(3600), "catalog": [
            {"type": "identity", "endpoints": [
                {"interface": i, "region_id": "RegionOne", "region": "RegionOne", "url": url}
                for i in ("public", "internal", "admin")]}]}}
        self.reply(201, doc, {"X-Subject-Token": token})

    def do_GET(self):
        u = urlsplit(self.path)
        if u.path == "/control/stats":
            with LOCK:
                return self.reply(200, STATS)
        if u.path != "/v3/auth/tokens":
            return self.reply(404, {"error": {"code": 404}})
        with LOCK:
            live = self.headers.get("X-Auth-Token") in SERVICE_TOKENS
        if not live:
            return self.reply(401, {"error": {"code": 401, "title": "Unauthorized"}})
        subject = self.headers.get("X-Subject-Token", "")
        allow_expired = parse_qs(u.query).get("allow_expired") == ["1"]
        with LOCK:
            STATS["validations"][subject] = STATS["validations"].get(subject, 0) + 1
            reg = TOKENS.get(subject)
        if reg is None:
            return self.reply(404, {"error": {"code": 404, "message": "Could not recognize Fernet token"}})
        mode = reg.get("mode", "ok")
        if mode in ("403", "500"):
            return self.reply(int(mode), {"error": {"code": int(mode)}})
        if mode == "badjson":
            return self.reply(200, raw=b'{"token": {"user": ')
        if mode == "slow":
            time.sleep(reg.get("sleep", 5))
        doc = dict(reg["token"])
        expires_in = -60 if mode == "expired" else reg.get("expires_in", 3600)
        if reg.get("registered") + expires_in < time.time() and not allow_expired:
            return self.reply(404, {"error": {"code": 404, "message": "Failed to validate token"}})
        doc["expires_at"] = stamp(reg.get("registered") + expires_in - time.time())
        self.reply(200, {"token": doc}, {"X-Subject-Token": subject})

    def do_PUT(self):
        path = urlsplit(self.path).path
        if not path.startswith("/control/tokens/"):
            return self.reply(404)
        reg = self.body()
        reg["registered"] = time.time()
        with LOCK:
            TOKENS[path[len("/control/tokens/"):]] = reg
        self.reply(204)

    def do_DELETE(self):
        path = urlsplit(self.path).path
        with LOCK:
            TOKENS.pop(path[len("/control/tokens/"):], None)
        self.reply(204)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass    # a client that gave up waiting (the "slow" mode) is expected


if __name__ == "__main__":
    server = Server(("127.0.0.1", PORT), Handler)   # fails if the port is taken
    with open(sys.argv[2], "w") as f:    # once bound: t/run-tests waits for it
        f.write(str(os.getpid()))
    server.serve_forever()
