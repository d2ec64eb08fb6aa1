#!/bin/sh
# fuzz/run.sh SECONDS - build the libFuzzer targets (clang-14, ASan + UBSan),
# replay the kept regression inputs, then fuzz each target for SECONDS.
#
# Seeds: the shipped rules (fuzz_rules), or the sample and golden messages, and the
# shared dev corpus when present (read-only). New inputs go to tests/out.
# A crash input is saved as tests/out/fuzz-TARGET-crash-*; keep it in
# tests/fuzz/regressions/TARGET/ once fixed.
set -u
SECS=${1:-60}
cd "$(dirname "$0")/../.."
SHARED=${SHARED:-../shared}
. tests/tally.sh

if ! make --no-print-directory -j2 fuzzers >tests/out/fuzz-build.log 2>&1; then
    tail -n 30 tests/out/fuzz-build.log
    ko "building the fuzz targets"
    tally
    exit 1
fi

for t in fuzz_mime fuzz_rules fuzz_scan; do
    bin=obj-fuzz/$t
    # Regression inputs: each must run clean.
    if [ -d "tests/fuzz/regressions/$t" ] && [ -n "$(ls "tests/fuzz/regressions/$t")" ]; then
        if "$bin" -runs=1 tests/fuzz/regressions/$t/* >tests/out/$t-regress.log 2>&1; then
            ok "$t: $(ls tests/fuzz/regressions/$t | wc -l) regression input(s)"
        else
            ko "$t: a regression input fails again (tests/out/$t-regress.log)"
        fi
    fi
    work=tests/out/fuzz-corpus-$t
    mkdir -p "$work"
    seeds=""
    [ "$t" = fuzz_rules ] && seeds="rules tests/lint/bad"
    extra=""
    case $t in
        fuzz_mime | fuzz_scan)
            extra="tests/data/samples tests/golden/mime"
            [ -d "$SHARED/corpus/dev" ] && extra="$extra $SHARED/corpus/dev"
            ;;
    esac
    "$bin" -max_total_time="$SECS" -timeout=20 -rss_limit_mb=2048 -max_len=262144 \
        -print_final_stats=1 -artifact_prefix="tests/out/fuzz-$t-" \
        "$work" $seeds $extra >tests/out/$t.log 2>&1
    rc=$?
    execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' tests/out/$t.log | tail -n 1)
    crashes=$(ls tests/out/fuzz-$t-crash-* tests/out/fuzz-$t-leak-* tests/out/fuzz-$t-timeout-* 2>/dev/null | wc -l)
    if [ "$rc" -eq 0 ] && [ "$crashes" -eq 0 ]; then
        ok "$t: ${execs:-?} execs in ${SECS}s, no findings"
    else
        tail -n 40 tests/out/$t.log
        ko "$t: exit $rc, $crashes finding(s), ${execs:-?} execs (tests/out/$t.log)"
    fi
done
tally
