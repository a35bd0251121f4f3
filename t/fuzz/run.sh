#!/usr/bin/env bash
# CI's share of fuzzing: build each fuzz target with gcc's AddressSanitizer
# and UBSan around t/fuzz/replay.c (no libFuzzer needed), feed it its corpus
# plus a fixed set of mutations, and report TAP.  Longer coverage-guided
# runs: see the clang line at the top of each target.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${PLACEMENT_VAR:-$top/var}/fuzz
mkdir -p "$out"
cflags="-std=gnu99 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -I $top/mod_placement"
m=$top/mod_placement
export ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1

echo "1..4"
n=0
run() {   # name corpus budget dict sources... -- libs...
    # budget: mutated inputs in all, shared by the corpus's files (it grows
    # with every libFuzzer run: t/fuzz/libfuzzer.sh), so CI's time stays put
    local name=$1 corpus=$2 budget=$3 dict=$4 files iters; shift 4
    files=$(find "$corpus" -maxdepth 1 -type f | wc -l)
    iters=$(( budget / (files > 0 ? files : 1) )); [ "$iters" -gt 0 ] || iters=1
    local src=() libs=()
    while [ "$1" != -- ]; do src+=("$1"); shift; done; shift
    libs=("$@")
    n=$((n + 1))
    # shellcheck disable=SC2086
    if ! gcc $cflags "${src[@]}" "$top/t/fuzz/replay.c" "${libs[@]}" -o "$out/$name" 2>"$out/$name.build.log"; then
        echo "not ok $n - $name builds (see $out/$name.build.log)"; return
    fi
    local args=(-n "$iters"); [ -n "$dict" ] && args+=(-d "$dict")
    if "$out/$name" "${args[@]}" "$corpus"/* >"$out/$name.log" 2>&1; then
        echo "ok $n - $name: $(tail -1 "$out/$name.log" | sed 's/^ok 1 - //')"
    else
        echo "not ok $n - $name (see $out/$name.log)"; tail -20 "$out/$name.log" | sed 's/^/# /'
    fi
}
run policy "$top/t/fuzz/corpus" 800000 "$top/t/fuzz/policy.dict" \
    $(pkg-config --cflags apr-1 yaml-0.1) "$top/t/fuzz/fuzz_policy.c" \
    "$m/policy.c" "$m/policy_rule.c" "$m/policy_defaults.c" -- \
    $(pkg-config --libs apr-1 yaml-0.1)
run parsers "$top/t/fuzz/corpus-parsers" 1600000 "" \
    $(pkg-config --cflags apr-1 json-c libpcre2-8) "$top/t/fuzz/fuzz_parsers.c" \
    "$m/pyjson_error.c" "$m/qparams.c" "$m/microversion.c" "$m/strutil.c" "$m/route.c" \
    "$m/jsonschema.c" "$m/jsonschema_validate.c" "$m/pyrepr.c" -- \
    $(pkg-config --libs apr-1 json-c libpcre2-8) -lm
run keystone "$top/t/fuzz/corpus-keystone" 2200000 "" \
    $(pkg-config --cflags apr-1 json-c) "$top/t/fuzz/fuzz_keystone.c" \
    "$m/keystone_token.c" "$m/keystone_crypt.c" -- \
    $(pkg-config --libs apr-1 json-c libcrypto)
run request "$top/t/fuzz/corpus-request" 125000 "" \
    -DPL_SCHEMA_DIR="\"$top/schema/json\"" \
    $(pkg-config --cflags apr-1 json-c libpcre2-8) "$top/t/fuzz/fuzz_request.c" \
    "$m/pyjson_error.c" "$m/strutil.c" "$m/schemas.c" "$m/jsonschema.c" \
    "$m/jsonschema_validate.c" "$m/pyrepr.c" -- \
    $(pkg-config --libs apr-1 json-c libpcre2-8) -lm
