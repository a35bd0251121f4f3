#!/usr/bin/env bash
# Coverage-guided fuzzing with clang's libFuzzer, one target at a time:
#   t/fuzz/libfuzzer.sh run TARGET SECONDS   build, then fuzz for SECONDS;
#                                            new inputs go to var/libfuzzer/TARGET.new
#   t/fuzz/libfuzzer.sh merge TARGET         minimize committed corpus + new inputs
#                                            (-merge=1) back into the committed corpus
#                                            (files not named by their sha1 are kept)
# TARGET: policy, parsers, keystone, request.  Log: var/libfuzzer/TARGET.log
# (libFuzzer's "#N ... cov: C ft: F corp: K" lines and final stats).  Runs at
# nice 19; the machine is shared.  CI only replays the corpora (t/fuzz/run.sh).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${PLACEMENT_VAR:-$top/var}/libfuzzer
m=$top/mod_placement
mkdir -p "$out"
cmd=${1:?run or merge}; t=${2:?target}
pc() { pkg-config "$@"; }
case $t in
policy)   corpus=$top/t/fuzz/corpus; opts=(-dict="$top/t/fuzz/policy.dict")
          src=($(pc --cflags apr-1 yaml-0.1) "$top/t/fuzz/fuzz_policy.c" "$m/policy.c" "$m/policy_rule.c"
               "$m/policy_defaults.c" $(pc --libs apr-1 yaml-0.1)) ;;
parsers)  corpus=$top/t/fuzz/corpus-parsers; opts=()
          src=($(pc --cflags apr-1 json-c libpcre2-8) "$top/t/fuzz/fuzz_parsers.c" "$m/pyjson_error.c"
               "$m/qparams.c" "$m/microversion.c" "$m/strutil.c" "$m/route.c" "$m/jsonschema.c"
               "$m/jsonschema_validate.c" "$m/pyrepr.c" $(pc --libs apr-1 json-c libpcre2-8) -lm) ;;
keystone) corpus=$top/t/fuzz/corpus-keystone; opts=()
          src=($(pc --cflags apr-1 json-c) "$top/t/fuzz/fuzz_keystone.c" "$m/keystone_token.c"
               "$m/keystone_crypt.c" $(pc --libs apr-1 json-c libcrypto)) ;;
request)  corpus=$top/t/fuzz/corpus-request; opts=(-max_len=65536 -malloc_limit_mb=512)
          src=(-DPL_SCHEMA_DIR="\"$top/schema/json\"" $(pc --cflags apr-1 json-c libpcre2-8)
               "$top/t/fuzz/fuzz_request.c" "$m/pyjson_error.c" "$m/strutil.c" "$m/schemas.c"
               "$m/jsonschema.c" "$m/jsonschema_validate.c" "$m/pyrepr.c"
               $(pc --libs apr-1 json-c libpcre2-8) -lm) ;;
*) echo "unknown target $t" >&2; exit 2 ;;
esac
bin=$out/fuzz_$t
nice -n 19 clang -g -O1 -fsanitize=fuzzer,address,undefined -I "$m" "${src[@]}" -o "$bin"
mkdir -p "$out/$t.new" "$out/$t.crashes"
case $cmd in
run)
    secs=${3:?seconds}
    cd "$out/$t.crashes"
    nice -n 19 "$bin" "${opts[@]}" -max_total_time="$secs" -print_final_stats=1 \
        -artifact_prefix="$out/$t.crashes/" "$out/$t.new" "$corpus" >"$out/$t.log" 2>&1 ;;
merge)
    before=$(ls "$corpus" | wc -l)
    rm -rf "$out/$t.merged"; mkdir -p "$out/$t.merged"
    nice -n 19 "$bin" "${opts[@]}" -merge=1 "$out/$t.merged" "$corpus" "$out/$t.new" >"$out/$t.merge.log" 2>&1
    # the committed corpus becomes the minimized set (content-named files);
    # inputs with names of their own (seeds, regressions) stay whatever
    # their coverage
    find "$corpus" -maxdepth 1 -type f -regextype posix-extended \
        -regex '.*/[0-9a-f]{40}' -delete
    cp "$out/$t.merged"/* "$corpus"/
    echo "$t: corpus $before -> $(ls "$corpus" | wc -l) files" ;;
*) echo "run or merge" >&2; exit 2 ;;
esac
