# Shared helpers for t/db/*.sh (sourced, not run).
# Connection parameters come from the environment; defaults fit the dev box.
: "${PL_DB_HOST:=127.0.0.1}"
: "${PL_DB_PORT:=3306}"
: "${PL_DB_USER:=placement}"
: "${PL_DB_PASSWORD:=secret}"
# Prefix for the scratch databases these scripts create and drop.
: "${PL_DB_PREFIX:=pltest_$$_}"

PL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PL_SQLDIR=$PL_TOP/schema/sql
PL_DATADIR=$PL_TOP/schema/data

pl_sql() {   # pl_sql DB "statements"   (DB may be empty)
    mariadb -h"$PL_DB_HOST" -P"$PL_DB_PORT" -u"$PL_DB_USER" -p"$PL_DB_PASSWORD" \
        -N -B ${1:+"$1"} -e "$2"
}

pl_url() {   # SQLAlchemy URL for a database, as upstream config spells it
    echo "mysql+pymysql://$PL_DB_USER:$PL_DB_PASSWORD@$PL_DB_HOST:$PL_DB_PORT/$1?charset=utf8"
}

pl_db_create() {   # fresh, empty database with the charset placement expects
    pl_sql "" "DROP DATABASE IF EXISTS \`$1\`; CREATE DATABASE \`$1\` CHARACTER SET utf8"
}

pl_db_drop() {
    pl_sql "" "DROP DATABASE IF EXISTS \`$1\`"
}

# pl_scratch: a scratch directory in $WORK; at exit it is removed and every
# database this run made (all carry our prefix) dropped.
pl_scratch() {
    WORK=$(mktemp -d)
    trap pl_cleanup EXIT
}
pl_cleanup() {
    local d
    for d in $(pl_sql "" "SHOW DATABASES"); do
        case $d in "$PL_DB_PREFIX"*) pl_db_drop "$d" ;; esac
    done
    rm -rf "$WORK"
}

# TAP: ok CONDITION-EXIT-STATUS "description" (counted in N, PASS, FAIL);
# note prints its input as comments.
N=0 PASS=0 FAIL=0
ok() {
    N=$((N + 1))
    if [ "$1" -eq 0 ]; then
        PASS=$((PASS + 1)); echo "ok $N - $2"
    else
        FAIL=$((FAIL + 1)); echo "not ok $N - $2"
    fi
}
note() { sed 's/^/# /'; }

# Run upstream placement-manage (Debian python3-placement) against DB.
pl_upstream_manage() {   # pl_upstream_manage DB args...
    local db=$1; shift
    local conf
    conf=$(mktemp)
    printf '[placement_database]\nconnection = %s\n' "$(pl_url "$db")" > "$conf"
    placement-manage --config-file "$conf" "$@"
    local rc=$?
    rm -f "$conf"
    return $rc
}

# SHOW CREATE TABLE of every table, sorted by table name; the
# AUTO_INCREMENT counter is data, not schema, so it is removed.
pl_dump_schema() {
    local t
    for t in $(pl_sql "$1" "SHOW TABLES" | sort); do
        echo "-- $t"
        pl_sql "$1" "SHOW CREATE TABLE \`$t\`" | cut -f2- |
            sed -e 's/\\n/\n/g' -e 's/ AUTO_INCREMENT=[0-9]*//'
    done
}
