#!/usr/bin/env bash
# The Debian package, end to end, the way an operator meets it: build both
# packages from a clean clone of the committed HEAD (dpkg-buildpackage),
# check them with lintian, install them, enable the module and the API with
# a2enmod/a2enconf, start Debian's own Apache (apache2ctl start, port 80 and
# 8778), sync a database, call the API, run placement-status on the
# package's configuration, then stop Apache, purge both packages and check
# that nothing of them is left.
#
# Needs root and a machine whose system Apache (/etc/apache2, ports 80 and
# 8778) nobody else is using: it refuses to run when Apache is running or
# either port is taken (PLACEMENT_PACKAGE_TEST_STOP_APACHE=1: stop a running
# system Apache first, as CI does), and leaves Apache stopped.  CI runs it
# as root.
# Prints TAP.
set -euo pipefail
. "$(dirname "$0")/../../tools/lib.sh"

PKGS="libapache2-mod-placement placement-module-utils"
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if [ "$(id -u)" -ne 0 ]; then
    echo "1..0 # SKIP needs root (installs packages, starts the system Apache)"
    exit 0
fi
# The system Apache's pid file (Debian's envvars); other people's httpd
# instances on this machine run under other names and ports.
PIDFILE=/var/run/apache2/apache2.pid
system_apache_pid() {
    local pid; pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
    kill -0 "$pid" 2>/dev/null && echo "$pid"
}
stop_system_apache() {
    local pid i; pid=$(system_apache_pid) || return 0
    apache2ctl stop >/dev/null 2>&1 || kill "$pid"
    for i in $(seq 40); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.25; done
    return 1
}
if system_apache_pid >/dev/null; then
    # CI (.ci/run) owns its machine: an Apache the apache2 package started
    # may be stopped there; elsewhere it may be someone else's.
    [ -n "${PLACEMENT_PACKAGE_TEST_STOP_APACHE:-}" ] \
        || die "the system Apache is running: stop it first (apache2ctl stop)"
    stop_system_apache || die "could not stop the system Apache"
fi
for p in 80 8778; do port_busy $p && die "port $p is in use"; done
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
        && die "$p is installed already: purge it first"
done

install_packages debhelper dpkg-dev lintian
work=$VAR/package
rm -rf "$work"; mkdir -p "$work"; chmod 755 "$work"
db=$work/mariadb

cleanup() {
    set +e
    stop_system_apache
    # purge even when a step above failed, so the machine is left as found
    for p in $PKGS; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "installed" \
            && apt-get purge -y -q $PKGS >/dev/null 2>&1 && break
    done
    stop_mariadb "$db"
}
trap cleanup EXIT

# 1. build from a clean clone of what is committed
rev=$(git -C "$TOP" rev-parse HEAD)
git clone -q --no-checkout "$TOP" "$work/src"
git -C "$work/src" checkout -q "$rev"
DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q -o DPkg::Lock::Timeout=900 \
    "$work/src" >"$work/build-dep.log" 2>&1 \
    || { cat "$work/build-dep.log"; die "apt-get build-dep failed"; }
if (cd "$work/src" && nice -n 10 dpkg-buildpackage -us -uc -b -J"$(nproc)" >"$work/build.log" 2>&1); then
    ok "dpkg-buildpackage -us -uc -b from a clean clone of $rev"
else
    not_ok "dpkg-buildpackage (see $work/build.log)"; tail -30 "$work/build.log"
    exit 1
fi
debs=()
for p in $PKGS; do debs+=("$(ls "$work"/${p}_*.deb)"); done

# 2. lintian: no error or warning that debian/*.lintian-overrides does not explain
if lintian --fail-on error,warning "$work"/*.changes >"$work/lintian.log" 2>&1; then
    ok "lintian clean"
else
    not_ok "lintian"; cat "$work/lintian.log"
fi

# 3. install, enable, configure
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o DPkg::Lock::Timeout=900 "${debs[@]}" >"$work/install.log" 2>&1 \
    || { cat "$work/install.log"; die "apt-get install failed"; }
ok "apt-get install ./libapache2-mod-placement*.deb ./placement-module-utils*.deb"
files=$(dpkg -L $PKGS | sort -u)
check "nothing enabled by the install" \
    test ! -e /etc/apache2/mods-enabled/placement.load -a ! -e /etc/apache2/conf-enabled/placement-api.conf

start_mariadb "$db"
mariadb -S "$db/mysqld.sock" -uroot -e "CREATE DATABASE placement CHARACTER SET utf8"
url="mysql+pymysql://placement:placement@localhost/placement?unix_socket=$db/mysqld.sock&charset=utf8"
dbsync() { placement-dbsync --connection "$url" >"$work/dbsync.log" 2>&1; }
check "placement-dbsync (installed) creates the schema" dbsync
conf=/etc/apache2/conf-available/placement-api.conf
sed -i "s|^\(\s*PlacementDatabaseConnection\) .*|\1 \"${url//&/\\&}\"|" "$conf"
grep -qF "PlacementDatabaseConnection \"$url\"" "$conf" || die "could not set the database in $conf"
# The package's default is PlacementAuthStrategy keystone (tokens validated
# by Keystone); this test has no Keystone, so it names the operator mode
# noauth2 explicitly, where X-Auth-Token: admin is the admin user.
sed -i "s|^\(\s*\)#PlacementAuthStrategy keystone|\1# package test (t/package/run.sh): no Keystone here\n\1PlacementAuthStrategy noauth2|" "$conf"
grep -q '^\s*PlacementAuthStrategy noauth2' "$conf" || die "could not set noauth2 in $conf"
check "a2enmod placement && a2enconf placement-api" \
    sh -c 'a2enmod placement >/dev/null && a2enconf placement-api >/dev/null'
check "apache2ctl configtest" sh -c 'apache2ctl configtest >/dev/null 2>&1'

# 4. Debian's Apache, the API on 8778
apache2ctl start >"$work/apache-start.log" 2>&1 || cat "$work/apache-start.log"
for i in $(seq 40); do curl -sf -m 5 http://127.0.0.1:8778/ >/dev/null && break; sleep 0.25; done
root=$(curl -s -m 10 http://127.0.0.1:8778/ || true)
check "GET / lists the versions" grep -q '"max_version": *"1.39"' <<<"$root"
hdr=(-H 'OpenStack-API-Version: placement latest' -H 'Content-Type: application/json')
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "${hdr[@]}" http://127.0.0.1:8778/resource_providers || true)
check "GET /resource_providers without a token: 401" test "$code" = 401
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "${hdr[@]}" -H 'X-Auth-Token: admin' \
    -d '{"name": "package-test", "uuid": "5d8f4a6e-2c1b-4e7a-9f3d-0a1b2c3d4e5f"}' \
    http://127.0.0.1:8778/resource_providers || true)
check "POST /resource_providers as admin: 200" test "$code" = 200
rps=$(curl -s -m 10 "${hdr[@]}" -H 'X-Auth-Token: admin' http://127.0.0.1:8778/resource_providers || true)
check "GET /resource_providers as admin lists it" grep -q '"name": *"package-test"' <<<"$rps"
check "the API logs to /var/log/apache2/placement-api-access.log" \
    grep -q 'resource_providers' /var/log/apache2/placement-api-access.log
# placement-status reads the database from conf-available/placement-api.conf
status_out=$(placement-status upgrade check 2>&1) && rc=0 || rc=$?
check "placement-status upgrade check on the package's configuration: 0" test "$rc" = 0
[ "$rc" = 0 ] || echo "$status_out" | sed 's/^/# /'
check "placement-status is the package's (/usr/sbin)" \
    test "$(command -v placement-status)" = /usr/sbin/placement-status

# 5. stop, purge, nothing left
check "apache2ctl stop" stop_system_apache
apt-get purge -y -q $PKGS >"$work/purge.log" 2>&1 || cat "$work/purge.log"
left=
for p in $PKGS; do
    st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
    case $st in ""|un*) ;; *) left+=" package:$p($st)" ;; esac
done
while read -r f; do
    [ -n "$f" ] || continue
    if [ -d "$f" ] && [ ! -L "$f" ]; then
        # directories shared with other packages stay; ours must go
        case $f in /usr/share/mod_placement*|/usr/share/doc/libapache2-mod-placement*|\
                   /usr/share/doc/placement-module-utils*) left+=" $f" ;; esac
    elif [ -e "$f" ] || [ -L "$f" ]; then
        left+=" $f"
    fi
done <<<"$files"
for f in /etc/apache2/mods-enabled/placement.load /etc/apache2/conf-enabled/placement-api.conf \
         /var/log/apache2/placement-api.log /var/log/apache2/placement-api-access.log \
         /var/lib/apache2/module/enabled_by_admin/placement \
         /var/lib/apache2/conf/enabled_by_admin/placement-api; do
    if [ -e "$f" ] || [ -L "$f" ]; then left+=" $f"; fi
done
check "apt-get purge leaves nothing behind${left:+ (left:$left)}" test -z "$left"
trap - EXIT
stop_mariadb "$db"

echo "1..$n"
[ "$failed" -eq 0 ]
