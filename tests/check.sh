#!/bin/sh
# check.sh - run every test layer and print one total: "N passed, N failed".
#
# Called by `make check` after the build. Each layer adds its own passed and
# failed counts; a layer that cannot run at all counts as one failure. The
# exit status is non-zero when anything failed.
#
# Environment: SHARED (default ../shared) holds the corpora; FUZZ_SECONDS
# (default 60) is the time given to each fuzz target.
set -u
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
OUT=tests/out
mkdir -p "$OUT"
TOTAL_PASS=0
TOTAL_FAIL=0

# tally LAYER PASSED FAILED
tally() {
    echo "== $1: $2 passed, $3 failed"
    TOTAL_PASS=$((TOTAL_PASS + $2))
    TOTAL_FAIL=$((TOTAL_FAIL + $3))
}

# counts_from FILE - the last "N passed, N failed" line of a layer's output
counts_from() {
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
    if [ -z "$line" ]; then echo "0 1"; return; fi
    echo "$line" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed.*/\1 \2/'
}

# run_layer NAME COMMAND... - run a layer that prints "N passed, N failed" itself
run_layer() {
    name=$1
    shift
    echo "== $name: $*"
    "$@" >"$OUT/$name.log" 2>&1
    rc=$?
    tail -n 25 "$OUT/$name.log"
    set -- $(counts_from "$OUT/$name.log")
    p=$1
    f=$2
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    tally "$name" "$p" "$f"
}

# unit tests (doctest prints "test cases: N | P passed | F failed")
echo "== unit: obj/unit_tests"
obj/unit_tests >"$OUT/unit.log" 2>&1
rc=$?
tail -n 15 "$OUT/unit.log"
p=$(sed -nE 's/.*test cases: *[0-9]+ \| *([0-9]+) passed \| *([0-9]+) failed.*/\1/p' "$OUT/unit.log" | tail -n 1)
f=$(sed -nE 's/.*test cases: *[0-9]+ \| *([0-9]+) passed \| *([0-9]+) failed.*/\2/p' "$OUT/unit.log" | tail -n 1)
p=${p:-0}
f=${f:-1}
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
tally unit "$p" "$f"

run_layer lint sh tests/lint/run.sh ./piiguard
run_layer golden-mime sh tests/golden/mime/run.sh obj/mime_dump
run_layer golden-scan sh tests/golden/scan/run.sh ./piiguard
run_layer corpus sh tests/corpus/run.sh ./piiguard "$SHARED"
run_layer memory sh tests/memory/run.sh ./piiguard
run_layer sanitizers sh tests/sanitize/run.sh "$SHARED"
# Layers of the daemons; each runs once its script exists.
for layer in man install milter postfix routing outbound dane probe refuse policyd audit evidence; do
    [ -f tests/$layer/run.sh ] && run_layer $layer sh tests/$layer/run.sh
done
run_layer fuzz sh tests/fuzz/run.sh "$FUZZ_SECONDS"

echo "$TOTAL_PASS passed, $TOTAL_FAIL failed"
[ "$TOTAL_FAIL" -eq 0 ]
