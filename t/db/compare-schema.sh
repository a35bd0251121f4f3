#!/bin/bash
# Create one database with upstream `placement-manage db sync` and one from
# schema/sql/placement.sql, then diff SHOW CREATE TABLE of every table.
# Usage: t/db/compare-schema.sh            (env: see t/db/lib.sh)
#        t/db/compare-schema.sh DB1 DB2    (just diff two existing databases)
. "$(dirname "$0")/lib.sh"

if [ $# -eq 2 ]; then
    diff -u <(pl_dump_schema "$1") <(pl_dump_schema "$2")
    exit $?
fi

up=${PL_DB_PREFIX}upstream
ours=${PL_DB_PREFIX}ours
trap 'pl_db_drop "$up"; pl_db_drop "$ours"' EXIT

pl_db_create "$up" && pl_db_create "$ours" || exit 2
pl_upstream_manage "$up" db sync || { echo "placement-manage db sync failed"; exit 2; }
mariadb -h"$PL_DB_HOST" -P"$PL_DB_PORT" -u"$PL_DB_USER" -p"$PL_DB_PASSWORD" \
    "$ours" < "$PL_SQLDIR/placement.sql" || { echo "loading placement.sql failed"; exit 2; }

ntables=$(pl_sql "$up" "SHOW TABLES" | wc -l)
if diff -u <(pl_dump_schema "$up") <(pl_dump_schema "$ours"); then
    echo "schema identical ($ntables tables, alembic_version $(pl_sql "$ours" 'SELECT version_num FROM alembic_version'))"
    exit 0
fi
echo "schema differs"
exit 1
