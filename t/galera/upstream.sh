#!/usr/bin/env bash
# The same claims race against upstream Placement (Debian's python3-placement
# under mod_wsgi), for the record: two upstream fronts on nodes 1 and 2 of a
# bed that is up (t/galera/bed.sh up), on their own database.  Not part of
# t/run-tests: upstream fails it.
#   t/galera/upstream.sh [WORKERS [WRITES]]
set -uo pipefail
. "$(dirname "$0")/../../tools/lib.sh"
BED=$VAR/galera
[ -f "$BED/env" ] || BED=/var/tmp/placement-galera.$(printf %s "$TOP" | md5sum | cut -c1-8)
. "$BED/env" || exit 1
command -v placement-manage >/dev/null || install_packages python3-placement python3-pymysql
dpkg-query -W libapache2-mod-wsgi-py3 >/dev/null 2>&1 || install_packages libapache2-mod-wsgi-py3
sql() { mariadb -S "$BED/n1/mysqld.sock" -uroot "$@"; }
sql -e "DROP DATABASE IF EXISTS placement_up; CREATE DATABASE placement_up CHARACTER SET utf8"
urls=
for f in a b; do
    inst=$BED/upstream-$f
    if [ $f = a ]; then node=$N1_SQL; port=$(free_port $((FRONT_B_PORT + 1)));
    else node=$N2_SQL; port=$(free_port $((port + 1))); fi
    mkdir -p "$inst"; chmod 755 "$inst"
    cat >"$inst/placement.conf" <<CONF
[api]
auth_strategy = noauth2
[placement_database]
connection = mysql+pymysql://placement:placement@127.0.0.1:$node/placement_up?charset=utf8
max_pool_size = 25
max_overflow = 100
CONF
    cat >"$inst/app.wsgi" <<WSGI
import os
os.environ['OS_PLACEMENT_CONFIG_DIR'] = '$inst'
from placement.wsgi import init_application
application = init_application()
WSGI
    mods=$(apxs -q LIBEXECDIR)
    cat >"$inst/httpd.conf" <<CONF
ServerRoot $inst
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile $inst/httpd.pid
ErrorLog $inst/error.log
LogLevel warn
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule wsgi_module $mods/mod_wsgi.so
User www-data
Group www-data
WSGIDaemonProcess placement processes=2 threads=10 user=www-data group=www-data
WSGIProcessGroup placement
WSGIApplicationGroup %{GLOBAL}
WSGIPassAuthorization On
WSGIScriptAlias / $inst/app.wsgi
<Directory $inst>
  Require all granted
</Directory>
CONF
    chmod a+r "$inst"/*
    [ $f = a ] && { OS_PLACEMENT_CONFIG_DIR=$inst placement-manage --config-file "$inst/placement.conf" db sync \
        || die "placement-manage db sync failed"; }
    apache2 -f "$inst/httpd.conf" -k start
    for _ in $(seq 60); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 1; done
    urls=${urls:+$urls,}http://127.0.0.1:$port
done
sum=$(mktemp)
RACE_WORKERS=${1:-12} RACE_WRITES=${2:-40} RACE_FRESH_OWNERS=1 RACE_SUMMARY=$sum \
RACE_SETTLE="mariadb -S $BED/n1/mysqld.sock -uroot -e 'SET SESSION wsrep_sync_wait=1; SELECT 1' >/dev/null" \
    perl "$TOP/t/race/race_allocations.pl" "$urls"
echo "# over capacity (SQL, node 3, causal):"
mariadb -S "$BED/n3/mysqld.sock" -uroot placement_up -e "SET SESSION wsrep_sync_wait=1;
    SELECT rp.uuid, rc.name, SUM(a.used) AS used, (i.total - i.reserved) * i.allocation_ratio AS cap
    FROM inventories i JOIN resource_providers rp ON rp.id = i.resource_provider_id
    JOIN resource_classes rc ON rc.id = i.resource_class_id
    JOIN allocations a ON a.resource_provider_id = i.resource_provider_id
         AND a.resource_class_id = i.resource_class_id
    GROUP BY i.id HAVING used > cap"
for f in a b; do
    echo "# front $f: $(grep -c 'Deadlock found' "$BED/upstream-$f/error.log" 2>/dev/null) deadlock tracebacks"
    apache2 -f "$BED/upstream-$f/httpd.conf" -k stop
done
rm -f "$sum"
