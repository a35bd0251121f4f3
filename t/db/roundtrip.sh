#!/bin/bash
# Round trip between upstream Placement's database tooling and ours:
#  (a) a database made by upstream `placement-manage db sync` (+ upstream's
#      standard data sync) is accepted by placement-dbsync unchanged;
#  (b) a database made by placement-dbsync is accepted by upstream
#      `placement-manage db sync` / `placement-status upgrade check`, upstream
#      adds no standard data to it, and upstream's API works on it;
#  (c) both have identical schema dumps and standard data;
#  (d) older upstream revisions are upgraded to the same schema, with
#      upstream's data checks;
#  (e) newer/unknown revisions and foreign databases;
#  (f) concurrent runs; (g) CUSTOM_ rows untouched; (h) interrupted create.
# Prints TAP, then "N passed, N failed". Env: see t/db/lib.sh, plus
# PLACEMENT_DBSYNC (binary to test; built from source when unset).
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3

pl_scratch

newdb() {   # newdb SUFFIX -> echoes name; created empty, dropped at exit
    local d=${PL_DB_PREFIX}$1
    pl_db_create "$d" || exit 2
    echo "$d"
}

# Everything in a database that a sync could change: schema + row checksums.
fingerprint() {
    local t
    pl_dump_schema "$1"
    for t in $(pl_sql "$1" "SHOW TABLES" | sort); do
        pl_sql "$1" "CHECKSUM TABLE \`$t\` EXTENDED" | cut -f2
    done
    pl_sql "$1" "SELECT * FROM alembic_version"
}

std_data() {   # standard data as upstream would see it (ids of traits vary)
    pl_sql "$1" "SELECT id, name FROM resource_classes ORDER BY id"
    pl_sql "$1" "SELECT name FROM traits ORDER BY name"
}

dbsync() {   # dbsync DB [args] ; output in $WORK/out
    local db=$1; shift
    "$DBSYNC" --schema-dir "$PL_TOP/schema" --connection "$(pl_url "$db")" \
        "$@" > "$WORK/out" 2>&1
    local rc=$?
    note < "$WORK/out"
    return $rc
}

# --- the binary under test ---
DBSYNC=${PLACEMENT_DBSYNC:-}
if [ -z "$DBSYNC" ]; then
    DBSYNC=$WORK/placement-dbsync
    gcc -std=gnu99 -Wall -Wextra -Werror -I "$PL_TOP/mod_placement" \
        $(mariadb_config --cflags) $(pkg-config --cflags apr-1) \
        -o "$DBSYNC" "$PL_TOP/tools/placement-dbsync.c" \
        "$PL_TOP/mod_placement/dbsync.c" "$PL_TOP/mod_placement/dburl.c" \
        $(mariadb_config --libs) $(pkg-config --libs apr-1) || exit 2
fi

# --- (a) upstream-made database -> placement-dbsync ---
UP=$(newdb up)
pl_upstream_manage "$UP" db sync 2>&1 | note
ok "${PIPESTATUS[0]}" "(a) upstream placement-manage db sync creates a database"
$PY "$HERE/upstream.py" ensure-sync "$(pl_url "$UP")" 2>&1 | note
ok "${PIPESTATUS[0]}" "(a) upstream loads its standard traits and resource classes"
fingerprint "$UP" > "$WORK/up.before"
dbsync "$UP"
ok $? "(a) placement-dbsync accepts the upstream database"
grep -q "already at 422ece571366" "$WORK/out"
ok $? "(a) placement-dbsync sees revision 422ece571366, nothing to do"
grep -q "added 0 resource classes, 0 traits" "$WORK/out"
ok $? "(a) no standard data missing"
fingerprint "$UP" > "$WORK/up.after"
cmp -s "$WORK/up.before" "$WORK/up.after"
ok $? "(a) database unchanged (schema and row checksums)"
dbsync "$UP" --check
ok $? "(a) placement-dbsync --check reports up to date"

# --- (b) placement-dbsync-made database -> upstream ---
OURS=$(newdb ours)
dbsync "$OURS" --check
[ $? -eq 1 ]
ok $? "(b) --check on an empty database reports work to do"
dbsync "$OURS"
ok $? "(b) placement-dbsync creates a database"
grep -q "created, stamped 422ece571366" "$WORK/out" &&
    grep -q "added 21 resource classes, 345 traits" "$WORK/out"
ok $? "(b) ... with schema and all standard data"
fingerprint "$OURS" > "$WORK/ours.before"
pl_upstream_manage "$OURS" db sync 2>&1 | note
ok "${PIPESTATUS[0]}" "(b) upstream placement-manage db sync accepts it"
[ "$(pl_upstream_manage "$OURS" db version 2>/dev/null)" = 422ece571366 ]
ok $? "(b) upstream placement-manage db version says 422ece571366"
$PY "$HERE/upstream.py" ensure-sync "$(pl_url "$OURS")" 2>&1 | note
ok "${PIPESTATUS[0]}" "(b) upstream standard data sync runs"
fingerprint "$OURS" > "$WORK/ours.after"
cmp -s "$WORK/ours.before" "$WORK/ours.after"
ok $? "(b) upstream changed nothing (no migration, no standard data added)"
conf=$WORK/ours.conf
printf '[placement_database]\nconnection = %s\n' "$(pl_url "$OURS")" > "$conf"
placement-status --config-file "$conf" upgrade check 2>&1 | note
ok "${PIPESTATUS[0]}" "(b) upstream placement-status upgrade check succeeds"
$PY "$HERE/upstream.py" use "$(pl_url "$OURS")" > "$WORK/use" 2>"$WORK/use.err"
use_rc=$?
while read -r line; do
    case $line in
        "ok - "*) ok 0 "(b) ${line#ok - }" ;;
        "not ok - "*) ok 1 "(b) ${line#not ok - }" ;;
    esac
done < "$WORK/use"
[ $use_rc -eq 0 ] || note < "$WORK/use.err"
ok $use_rc "(b) upstream API session on our database completed"

# --- (c) same result both ways ---
diff -u <(pl_dump_schema "$UP") <(pl_dump_schema "$OURS") > "$WORK/diff"
ok $? "(c) SHOW CREATE TABLE of all tables identical"
note < "$WORK/diff"
OURS2=$(newdb ours2)
dbsync "$OURS2" > /dev/null
diff <(std_data "$UP") <(std_data "$OURS2") | note
ok "${PIPESTATUS[0]}" "(c) standard resource classes (id, name) and traits identical"
[ "$(pl_sql "$UP" 'SELECT * FROM alembic_version')" = \
  "$(pl_sql "$OURS2" 'SELECT * FROM alembic_version')" ]
ok $? "(c) alembic_version identical"
[ "$(pl_sql "$OURS2" "SELECT COUNT(*) FROM traits WHERE created_at IS NULL
      OR updated_at IS NOT NULL OR created_at > UTC_TIMESTAMP()
      OR created_at < UTC_TIMESTAMP() - INTERVAL 1 HOUR")" = 0 ]
ok $? "(c) trait created_at is UTC now, updated_at NULL (as upstream)"

# --- (d) upgrades from older upstream revisions ---
for rev in b4ed3a175331 611cd6dffd7b b5c396305c25; do
    db=$(newdb "old_$rev")
    $PY "$HERE/upstream.py" migrate "$(pl_url "$db")" "$rev" 2>&1 | note
    dbsync "$db"
    ok $? "(d) placement-dbsync upgrades from $rev"
    grep -q "upgraded $rev -> 422ece571366" "$WORK/out"
    ok $? "(d) ... and says so"
    diff -u <(pl_dump_schema "$UP") <(pl_dump_schema "$db") | note
    ok "${PIPESTATUS[0]}" "(d) schema after upgrade from $rev identical to upstream head"
    pl_upstream_manage "$db" db sync 2>&1 | note
    ok "${PIPESTATUS[0]}" "(d) upstream db sync accepts the upgraded database"
done

db=$(newdb gate_root)
$PY "$HERE/upstream.py" migrate "$(pl_url "$db")" b4ed3a175331 2>&1 | note
pl_sql "$db" "INSERT INTO resource_providers (uuid, name, generation)
              VALUES ('$(cat /proc/sys/kernel/random/uuid)', 'legacy', 0)"
dbsync "$db"
[ $? -ne 0 ] && grep -q "online_data_migrations" "$WORK/out"
ok $? "(d) provider without root_provider_id blocks the upgrade, with advice"
[ "$(pl_sql "$db" 'SELECT * FROM alembic_version')" = b4ed3a175331 ]
ok $? "(d) ... and the revision is left at b4ed3a175331"

db=$(newdb gate_consumer)
$PY "$HERE/upstream.py" migrate "$(pl_url "$db")" 611cd6dffd7b 2>&1 | note
pl_sql "$db" "INSERT INTO allocations (resource_provider_id, consumer_id,
              resource_class_id, used) VALUES (1, 'no-such-consumer', 0, 1)"
dbsync "$db"
[ $? -ne 0 ] && grep -q "no consumer" "$WORK/out" &&
    [ "$(pl_sql "$db" 'SELECT * FROM alembic_version')" = 611cd6dffd7b ]
ok $? "(d) allocation without consumer blocks the upgrade at 611cd6dffd7b"

# --- (e) newer, unknown, foreign ---
db=$(newdb newer)
dbsync "$db" > /dev/null
for idx in inventories.inventories_resource_provider_id_idx \
           inventories.inventories_resource_provider_resource_class_idx \
           placement_aggregates.ix_placement_aggregates_uuid \
           resource_providers.resource_providers_name_idx \
           resource_providers.resource_providers_uuid_idx; do
    pl_sql "$db" "DROP INDEX ${idx#*.} ON ${idx%%.*}"
done
pl_sql "$db" "UPDATE alembic_version SET version_num = 'a082b8bb98d0'"
fingerprint "$db" > "$WORK/newer.before"
dbsync "$db"
ok $? "(e) newer compatible revision a082b8bb98d0 accepted"
fingerprint "$db" > "$WORK/newer.after"
grep -q "newer compatible revision a082b8bb98d0" "$WORK/out" &&
    cmp -s "$WORK/newer.before" "$WORK/newer.after"
ok $? "(e) ... and left untouched"

pl_sql "$db" "UPDATE alembic_version SET version_num = '0123456789ab'"
dbsync "$db"
[ $? -ne 0 ] && grep -q "revision 0123456789ab, which this mod_placement does not know" "$WORK/out"
ok $? "(e) unknown revision refused with a clear message"

db=$(newdb foreign)
pl_sql "$db" "CREATE TABLE something_else (id INT PRIMARY KEY)"
dbsync "$db"
[ $? -ne 0 ] && grep -q "not a placement database" "$WORK/out" &&
    [ "$(pl_sql "$db" 'SHOW TABLES')" = something_else ]
ok $? "(e) foreign database refused and untouched"

"$DBSYNC" --schema-dir "$PL_TOP/schema" --connection \
    "mysql+pymysql://$PL_DB_USER:wrong-$PL_DB_PASSWORD@$PL_DB_HOST:$PL_DB_PORT/$db" \
    > "$WORK/out" 2>&1
[ $? -ne 0 ] && grep -q "cannot connect" "$WORK/out" &&
    ! grep -q "wrong-$PL_DB_PASSWORD" "$WORK/out"
ok $? "(e) bad credentials: clear error, password not echoed"

PLACEMENT_DATABASE_CONNECTION=$(pl_url "$OURS") \
    "$DBSYNC" --schema-dir "$PL_TOP/schema" --check > "$WORK/out" 2>&1
ok $? "(e) connection taken from PLACEMENT_DATABASE_CONNECTION"

# --- (f) concurrency: many processes on one fresh database ---
db=$(newdb conc)
pids=()
for i in 1 2 3 4 5 6 7 8; do
    "$DBSYNC" --schema-dir "$PL_TOP/schema" --connection "$(pl_url "$db")" \
        > "$WORK/conc.$i" 2>&1 &
    pids+=($!)
done
allok=0
for pid in "${pids[@]}"; do wait "$pid" || allok=1; done
[ $allok -eq 0 ] || cat "$WORK"/conc.* | note
ok $allok "(f) 8 concurrent placement-dbsync runs all succeed"
[ "$(grep -l 'created, stamped' "$WORK"/conc.* | wc -l)" = 1 ]
ok $? "(f) exactly one of them created the schema"
added=$(sed -n 's/.*added \([0-9]*\) resource classes, \([0-9]*\) traits/\1 \2/p' \
        "$WORK"/conc.* | awk '{c += $1; t += $2} END {print c, t}')
[ "$added" = "21 345" ]
ok $? "(f) standard rows inserted exactly once in total ($added)"
diff <(std_data "$OURS2") <(std_data "$db") > /dev/null
ok $? "(f) standard data complete"

# --- (g) CUSTOM_ rows are never touched; missing standard rows restored ---
db=$OURS2
pl_sql "$db" "INSERT INTO traits (created_at, name)
                VALUES ('2001-02-03 04:05:06', 'CUSTOM_KEEP');
              INSERT INTO resource_classes (created_at, id, name)
                VALUES ('2001-02-03 04:05:06', 10000, 'CUSTOM_KEEP');
              DELETE FROM traits WHERE name = 'HW_CPU_X86_AVX2';
              DELETE FROM resource_classes WHERE name = 'DISK_GB'"
custom_before=$(pl_sql "$db" "SELECT * FROM traits WHERE name LIKE 'CUSTOM%';
                              SELECT * FROM resource_classes WHERE name LIKE 'CUSTOM%'")
dbsync "$db"
ok $? "(g) sync after deleting a standard trait and class"
grep -q "added 1 resource classes, 1 traits" "$WORK/out" &&
    [ "$(pl_sql "$db" "SELECT id FROM resource_classes WHERE name = 'DISK_GB'")" = 2 ]
ok $? "(g) the missing standard rows come back, DISK_GB with id 2"
[ "$custom_before" = "$(pl_sql "$db" "SELECT * FROM traits WHERE name LIKE 'CUSTOM%';
                        SELECT * FROM resource_classes WHERE name LIKE 'CUSTOM%'")" ]
ok $? "(g) CUSTOM_ rows untouched"
[ "$(pl_sql "$db" 'SELECT @@GLOBAL.sql_mode')" = \
  "$(pl_sql "" 'SELECT @@SESSION.sql_mode')" ]
ok $? "(g) server sql_mode not changed"

# --- (h) an interrupted create is completed on the next run ---
db=$(newdb partial)
sed -n '/^CREATE TABLE allocations/,/;$/p' "$PL_SQLDIR/placement.sql" > "$WORK/part.sql"
mariadb -h"$PL_DB_HOST" -P"$PL_DB_PORT" -u"$PL_DB_USER" -p"$PL_DB_PASSWORD" \
    "$db" < "$WORK/part.sql"
dbsync "$db"
ok $? "(h) placement-dbsync completes a half-created schema"
diff -u <(pl_dump_schema "$UP") <(pl_dump_schema "$db") | note
ok "${PIPESTATUS[0]}" "(h) ... to the upstream schema"

echo "1..$N"
echo "# $PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
