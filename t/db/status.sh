#!/bin/bash
# placement-status upgrade check on an empty, a fresh, an old and a damaged
# database, and with good and bad policy files: each check's result, the
# exit status (0 success, 1 warning, 2 failure, 255 no database) and, when
# upstream's placement-status (python3-placement) is installed, the same
# text as upstream for upstream's three checks.
# Prints TAP. Env: see t/db/lib.sh, plus PLACEMENT_STATUS (binary to test;
# the checkout's ./placement-status by default).
. "$(dirname "$0")/lib.sh"
STATUS=${PLACEMENT_STATUS:-$PL_TOP/placement-status}
DBSYNC=${PLACEMENT_DBSYNC:-$PL_TOP/placement-dbsync}

pl_scratch

# run DB [ARGS...]: placement-status on DB, output in $OUT, status in $RC;
# no httpd config and no policy file unless ARGS name one.
run() {
    local db=$1; shift
    OUT=$("$STATUS" --httpd-conf /dev/null --policy-file '' \
        --schema-dir "$PL_TOP/schema" --connection "$(pl_url "$db")" "$@" \
        upgrade check 2>&1)
    RC=$?
}
# result NAME: the Result line of check NAME in $OUT
result() {
    awk -v n="| Check: $1 " 'index($0, n) == 1 { getline; print; exit }' <<<"$OUT" |
        sed -e 's/^| Result: //' -e 's/ *|$//'
}
# details: every Details text of $OUT, unwrapped
details() {
    sed -n -e '/^| Details: /,/^+/p' <<<"$OUT" | grep -v '^+' |
        sed -e 's/^| Details: //' -e 's/^|   //' -e 's/ *|$//' | tr '\n' ' '
}
expect() {   # expect CHECK RESULT
    local got; got=$(result "$1")
    [ "$got" = "$2" ]; ok $? "$DESC: $1 is $2${got:+ (got $got)}"
}
says() {   # says TEXT "description": some Details of $OUT hold TEXT
    details | grep -qF -- "$1"; ok $? "$DESC: $2"
}
exits() {   # exits STATUS: placement-status exited with STATUS
    [ "$RC" -eq "$1" ]; ok $? "$DESC: exit $1 (got $RC)"
}

db=${PL_DB_PREFIX}status
pl_db_create "$db"

# --- an empty database -------------------------------------------------------
DESC="empty database"
run "$db"
exits 2
expect "Database Schema Revision" Failure
says "has no Placement schema. Run placement-dbsync" "says to run placement-dbsync"
expect "Missing Root Provider IDs" Failure
expect "Policy File JSON to YAML Migration" Success

# --- a fresh one ---------------------------------------------------------------
"$DBSYNC" --schema-dir "$PL_TOP/schema" --connection "$(pl_url "$db")" >/dev/null
DESC="fresh database"
run "$db"
exits 0
[ "$RC" -eq 0 ] || note <<<"$OUT"
for c in "Missing Root Provider IDs" "Incomplete Consumers" \
         "Policy File JSON to YAML Migration" "Database Schema Revision" \
         "Standard Resource Classes and Traits" "Consumer Projects and Users" \
         "Policy File Rules"; do
    expect "$c" Success
done
[ "$(grep -c '^| Details: None' <<<"$OUT")" -eq 7 ]; ok $? "$DESC: no details"
run "$db" --json
[ "$RC" -eq 0 ] && [ "$(grep -o '"result": 0' <<<"$OUT" | wc -l)" -eq 7 ] \
    && grep -q '^{"name": "Upgrade Check Results", "checks": \[{"check": "Missing Root Provider IDs", "result": 0, "details": null}, ' <<<"$OUT"
ok $? "$DESC: --json, as oslo prints it"

# --- only warnings -------------------------------------------------------------
# an allocation whose consumer row is missing (made before microversion 1.8)
pl_sql "$db" "INSERT INTO resource_providers (uuid, name, generation, root_provider_id)
              VALUES ('aaaaaaaa-0000-0000-0000-000000000001', 'rp1', 0, NULL);
              UPDATE resource_providers SET root_provider_id = id;
              INSERT INTO allocations (resource_provider_id, consumer_id, resource_class_id, used)
              SELECT id, 'cccccccc-0000-0000-0000-000000000001', 0, 1 FROM resource_providers;
              INSERT INTO allocations (resource_provider_id, consumer_id, resource_class_id, used)
              SELECT id, 'cccccccc-0000-0000-0000-000000000002', 1, 512 FROM resource_providers;"
DESC="incomplete consumers"
run "$db"
exits 1
expect "Incomplete Consumers" Warning
says 'There are 2 incomplete consumers table records for existing allocations. Run the "placement-manage db online_data_migrations" command.' "counted, upstream's message"

# --- damaged -------------------------------------------------------------------
pl_sql "$db" "UPDATE resource_providers SET root_provider_id = NULL;
              DELETE FROM traits WHERE name IN ('HW_CPU_X86_AVX', 'HW_CPU_X86_AVX2', 'COMPUTE_NODE');
              DELETE FROM resource_classes WHERE name = 'VGPU';
              INSERT INTO consumers (uuid, project_id, user_id, generation)
              VALUES ('cccccccc-0000-0000-0000-000000000003', 9999, 9998, 0);"
DESC="damaged database"
run "$db"
exits 2
expect "Missing Root Provider IDs" Failure
says 'There is at least one resource provider table record which misses its root provider id.' "upstream's root provider message"
expect "Incomplete Consumers" Warning
expect "Standard Resource Classes and Traits" Warning
says '1 standard resource classes and 3 standard traits are missing' "missing standard classes and traits counted"
expect "Consumer Projects and Users" Warning
says 'There are 1 consumers table records whose project or user record is missing' "consumers without project or user counted"
expect "Database Schema Revision" Success

# same text as upstream for upstream's checks (the table is as wide as its
# widest line, so compare the cells)
if command -v placement-manage >/dev/null && [ -x /usr/bin/placement-status ]; then
    printf '[placement_database]\nconnection = %s\n' "$(pl_url "$db")" >"$WORK/placement.conf"
    /usr/bin/placement-status --config-file "$WORK/placement.conf" upgrade check \
        >"$WORK/upstream.txt" 2>&1
    urc=$?
    [ "$urc" -eq "$RC" ]; ok $? "$DESC: upstream exits $urc too"
    cells() { grep '^| ' | sed -e 's/ *|$//'; }
    head -n "$(wc -l <"$WORK/upstream.txt")" <<<"$OUT" | cells >"$WORK/ours.cells"
    cells <"$WORK/upstream.txt" >"$WORK/upstream.cells"
    diff -u "$WORK/upstream.cells" "$WORK/ours.cells" >"$WORK/diff"
    ok $? "$DESC: upstream's checks print the same as upstream's placement-status"
    note <"$WORK/diff"
else
    echo "# skipping the comparison: upstream placement-status is not installed"
fi

# --- an old schema -------------------------------------------------------------
pl_sql "$db" "UPDATE alembic_version SET version_num = 'b4ed3a175331'"
DESC="old schema revision"
run "$db"
expect "Database Schema Revision" Failure
says 'at revision b4ed3a175331, this release needs 422ece571366. Run placement-dbsync' "names both revisions"

# --- policy files --------------------------------------------------------------
db2=${PL_DB_PREFIX}status2
pl_db_create "$db2"
"$DBSYNC" --schema-dir "$PL_TOP/schema" --connection "$(pl_url "$db2")" >/dev/null
printf '{"placement:resource_providers:list": "role:admin"}\n' >"$WORK/policy.json"
DESC="JSON policy file"
run "$db2" --policy-file "$WORK/policy.json"
exits 2
expect "Policy File JSON to YAML Migration" Failure
says 'Your policy file is JSON-formatted which is deprecated.' "upstream's message"
expect "Policy File Rules" Success

cat >"$WORK/policy.yaml" <<'EOF'
"rule:admin_api": "role:admin"
"my_readers": "role:reader"
"placement:usages": "rule:my_readers"
"placement:resource_provider:list": "role:admin"
EOF
DESC="policy file with a deprecated and an unknown rule"
run "$db2" --policy-file "$WORK/policy.yaml"
exits 1
expect "Policy File Rules" Warning
expect "Policy File JSON to YAML Migration" Success
says 'Deprecated rule names: "rule:admin_api" (now service_api, admin_or_service_api, project_reader_api, admin_or_project_reader_or_service_api)' "names the deprecated rule and the rules it stands for"
says 'Unknown rules (no such policy, and no rule refers to them): "placement:resource_provider:list"' "names the unknown rule"
details | grep -q '"my_readers"'
[ $? -ne 0 ]; ok $? "$DESC: a helper rule that another refers to is not unknown"

printf '"placement:usages": "rule:a"\n"a": "rule:a"\n' >"$WORK/cycle.yaml"
DESC="policy file the module refuses"
run "$db2" --policy-file "$WORK/cycle.yaml"
exits 2
expect "Policy File Rules" Failure

# --- settings from the Apache configuration -----------------------------------
cat >"$WORK/placement-api.conf" <<EOF
<VirtualHost *:8778>
    PlacementDatabaseConnection "$(pl_url "$db2")"
    PlacementPolicyFile $WORK/policy.yaml
</VirtualHost>
EOF
OUT=$("$STATUS" --httpd-conf "$WORK/placement-api.conf" --schema-dir "$PL_TOP/schema" \
      upgrade check 2>&1); RC=$?
DESC="--httpd-conf"
[ "$RC" -eq 1 ]; ok $? "$DESC: database and policy file from the Apache configuration (got $RC)"
expect "Policy File Rules" Warning

# --- no database ----------------------------------------------------------------
OUT=$("$STATUS" --httpd-conf /dev/null --policy-file '' \
      --connection "mysql+pymysql://nobody:x@127.0.0.1:1/nothing" upgrade check 2>&1); RC=$?
[ "$RC" -eq 255 ]; ok $? "unreachable database: exit 255 (got $RC)"
"$STATUS" --httpd-conf /dev/null upgrade >/dev/null 2>&1; RC=$?
[ "$RC" -eq 2 ]; ok $? "usage error: exit 2 (got $RC)"

echo "1..$N"
[ "$FAIL" -eq 0 ]
