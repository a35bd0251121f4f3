#!/usr/bin/env bash
# What Keystone token validation costs a request: GET /resource_providers/{uuid}
# with wrk (2 threads x 16 connections) on three servers over one database:
#   noauth2              no validation at all
#   keystone, cached     one token, validated once, then from the shmcb cache
#   keystone, uncached   PlacementKeystoneTokenCacheTime -1: a Keystone call
#                        every request (to t/keystone/stub_keystone.py, which
#                        answers in well under a millisecond; a real Keystone
#                        adds its own ~20 ms per validation)
# Usage: tools/bench/keystone-cost   (BENCH_SECONDS, default 10)
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
install_packages wrk
build
cd "$TOP"
dir=$VAR/bench-keystone
mkdir -p "$dir"
start_mariadb "$dir/mariadb"
create_database "$dir/mariadb" bench_keystone fresh
db="mysql+pymysql://placement:placement@localhost/bench_keystone?unix_socket=$dir/mariadb/mysqld.sock&charset=utf8"

stub_port=$(free_port 35600)
/usr/bin/python3 t/keystone/stub_keystone.py "$stub_port" "$dir/stub.pid" &
: <<"NOTRAP"
NOTRAP
for _ in $(seq 40); do curl -s -o /dev/null "http://127.0.0.1:$stub_port/control/stats" && break; sleep 0.25; done

ks_conf() {   # extra directives of a Keystone server; $1: token cache time
    cat <<CONF
PlacementKeystoneAuthURL http://127.0.0.1:$stub_port/v3
PlacementKeystoneUsername placement
PlacementKeystonePassword secret
PlacementKeystoneUserDomainName Default
PlacementKeystoneProjectName service
PlacementKeystoneProjectDomainName Default
PlacementKeystoneTokenCacheTime $1
CONF
}
ks_conf 300 >"$dir/cached.conf"
ks_conf -1 >"$dir/uncached.conf"
p1=$(free_port 18801); PLACEMENT_AUTH_STRATEGY=noauth2 write_httpd_conf "$dir/noauth" "127.0.0.1:$p1" "$db"
start_httpd "$dir/noauth" "127.0.0.1:$p1"
p2=$(free_port $((p1 + 1))); PLACEMENT_AUTH_STRATEGY=keystone write_httpd_conf "$dir/cached" "127.0.0.1:$p2" "$db" "$dir/cached.conf"
start_httpd "$dir/cached" "127.0.0.1:$p2"
p3=$(free_port $((p2 + 1))); PLACEMENT_AUTH_STRATEGY=keystone write_httpd_conf "$dir/uncached" "127.0.0.1:$p3" "$db" "$dir/uncached.conf"
start_httpd "$dir/uncached" "127.0.0.1:$p3"

rp=$(curl -sf -H 'X-Auth-Token: admin' -H 'OpenStack-API-Version: placement 1.39' \
    -H 'Content-Type: application/json' -d '{"name": "bench-keystone"}' \
    "http://127.0.0.1:$p1/resource_providers" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["uuid"])')
curl -sf -X PUT -H 'Content-Type: application/json' -d '{"token": {"user": {"id": "u", "name": "u",
  "domain": {"id": "default", "name": "Default"}}, "project": {"id": "p", "name": "p",
  "domain": {"id": "default", "name": "Default"}}, "roles": [{"name": "admin"}]}}' \
    "http://127.0.0.1:$stub_port/control/tokens/bench-token"

echo "P1=$p1 P2=$p2 P3=$p3 RP=$rp STUB=$stub_port"
