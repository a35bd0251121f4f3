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
pkgs="apr-1 json-c yaml-0.1 libpcre2-8 libcrypto"
export ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1

echo "1..4"
n=0
# The pure library (libplcore.la's sources, as Makefile.am lists them) once
# more, under the sanitizers: every target links this archive.
core=$out/libplcore-san.a
build_core() {
    local srcs s o objs=()
    srcs=$(make -s -C "$top" --no-print-directory print-libplcore-sources) || return 1
    mkdir -p "$out/core"
    for s in $srcs; do
        o=$out/core/$(basename "${s%.c}").o
        # shellcheck disable=SC2046
        gcc $cflags $(pkg-config --cflags $pkgs) -c "$top/$s" -o "$o" || return 1
        objs+=("$o")
    done
    rm -f "$core"
    ar rcs "$core" "${objs[@]}"
}
build_core >"$out/libplcore-san.build.log" 2>&1 || rm -f "$core"
run() {   # name corpus budget dict target
    # budget: mutated inputs in all, shared by the corpus's files (it grows
    # with every libFuzzer run: t/fuzz/libfuzzer.sh), so CI's time stays put
    local name=$1 corpus=$2 budget=$3 dict=$4 target=$5 files iters
    files=$(find "$corpus" -maxdepth 1 -type f | wc -l)
    iters=$(( budget / (files > 0 ? files : 1) )); [ "$iters" -gt 0 ] || iters=1
    n=$((n + 1))
    # shellcheck disable=SC2046
    if [ ! -f "$core" ] || ! gcc $cflags -DPL_SCHEMA_DIR="\"$top/schema/json\"" \
            $(pkg-config --cflags $pkgs) "$target" \
            "$top/t/fuzz/replay.c" "$core" $(pkg-config --libs $pkgs) -lm \
            -o "$out/$name" 2>"$out/$name.build.log"; then
        echo "not ok $n - $name builds (see $out/$name.build.log, $out/libplcore-san.build.log)"
        return
    fi
    local args=(-n "$iters"); [ -n "$dict" ] && args+=(-d "$dict")
    if "$out/$name" "${args[@]}" "$corpus"/* >"$out/$name.log" 2>&1; then
        echo "ok $n - $name: $(tail -1 "$out/$name.log" | sed 's/^ok 1 - //')"
    else
        echo "not ok $n - $name (see $out/$name.log)"; tail -20 "$out/$name.log" | sed 's/^/# /'
    fi
}
run policy "$top/t/fuzz/corpus" 800000 "$top/t/fuzz/policy.dict" "$top/t/fuzz/fuzz_policy.c"
run parsers "$top/t/fuzz/corpus-parsers" 1600000 "" "$top/t/fuzz/fuzz_parsers.c"
run keystone "$top/t/fuzz/corpus-keystone" 2200000 "" "$top/t/fuzz/fuzz_keystone.c"
run request "$top/t/fuzz/corpus-request" 125000 "" "$top/t/fuzz/fuzz_request.c"
