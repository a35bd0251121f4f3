#!/usr/bin/python3
"""The identities the token tests need, created through Keystone's API as the
bootstrap admin (password "secret" for everyone).

    provision.py http://127.0.0.1:PORT/v3
"""
import json
import sys
import urllib.request

URL = sys.argv[1]

# user, project (or system: / domain: role), roles
IDENTITIES = [
    ("placement", "service", ["admin", "service"]),   # the module's service user
    ("demo-admin", "demo", ["admin"]),
    ("demo-member", "demo", ["member"]),
    ("demo-reader", "demo", ["reader"]),
    ("alt-member", "alt", ["member"]),
    ("sys-admin", None, ["system:admin"]),
    ("sys-reader", None, ["system:reader"]),
    ("dom-admin", None, ["domain:admin"]),
    ("svc", "service", ["service"]),
]


def call(method, path, body=None, token=None):
    req = urllib.request.Request(URL + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    with urllib.request.urlopen(req) as res:
        data = res.read()
        return res.headers, (json.loads(data) if data else None)


def main():
    headers, _ = call("POST", "/auth/tokens?nocatalog", {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"id": "default"}, "password": "secret"}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
    admin = headers["X-Subject-Token"]

    def create(kind, body):
        return call("POST", "/" + kind, body, admin)[1][kind[:-1]]["id"]

    roles = {r["name"]: r["id"] for r in call("GET", "/roles", token=admin)[1]["roles"]}
    roles["service"] = create("roles", {"role": {"name": "service"}})
    projects = {p: create("projects", {"project": {"name": p, "domain_id": "default"}})
                for p in ("service", "demo", "alt")}
    for name, project, assigned in IDENTITIES:
        uid = create("users", {"user": {"name": name, "domain_id": "default",
                                        "password": "secret"}})
        for role in assigned:
            if role.startswith("system:"):
                path = "/system/users/%s/roles/%s" % (uid, roles[role[7:]])
            elif role.startswith("domain:"):
                path = "/domains/default/users/%s/roles/%s" % (uid, roles[role[7:]])
            else:
                path = "/projects/%s/users/%s/roles/%s" % (projects[project], uid, roles[role])
            call("PUT", path, token=admin)


if __name__ == "__main__":
    main()
