#!/bin/sh
# sanitize/run.sh SHARED - the unit tests and the corpus scans again, built
# with AddressSanitizer + UndefinedBehaviorSanitizer in obj-asan/.
# Any sanitizer report fails the layer (halt_on_error).
set -u
SHARED=$1
cd "$(dirname "$0")/../.."
OUT=tests/out
. tests/tally.sh
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

if ! make --no-print-directory -j2 asan >$OUT/asan-build.log 2>&1; then
    tail -n 30 $OUT/asan-build.log
    ko "building the sanitizer variant"
    tally
    exit 1
fi

if obj-asan/unit_tests >$OUT/asan-unit.log 2>&1; then ok "unit tests under ASan+UBSan"
else tail -n 30 $OUT/asan-unit.log; ko "unit tests under ASan+UBSan"; fi

# scan_all NAME DIR - scan every message file of DIR in batches; no report allowed
scan_all() {
    : >$OUT/asan-$1.err
    find "$2" -type f ! -name '*.md' ! -name '*.tsv' ! -name '*.jsonl' -print0 | sort -z |
        xargs -0 -n 50 obj-asan/piiguard scan --json >$OUT/asan-$1.jsonl 2>>$OUT/asan-$1.err
    rc=$?
    n=$(find "$2" -type f ! -name '*.md' ! -name '*.tsv' ! -name '*.jsonl' | wc -l)
    lines=$(wc -l <$OUT/asan-$1.jsonl)
    if [ "$rc" -eq 0 ] && [ "$lines" -eq "$n" ] && ! grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' $OUT/asan-$1.err; then
        ok "$1: $n messages scanned under ASan+UBSan, no report"
    else
        grep -m 5 -E 'runtime error|ERROR' $OUT/asan-$1.err
        ko "$1: exit $rc, $lines of $n results, see $OUT/asan-$1.err"
    fi
}
scan_all samples tests/data/samples
[ -d "$SHARED/corpus/dev" ] && scan_all dev "$SHARED/corpus/dev" || ko "no dev corpus"
[ -d "$SHARED/corpus/real" ] && scan_all real "$SHARED/corpus/real" || ko "no real corpus"
# attachments: the labelled ones and the 500 hostile real-world files (extractors under ASan+UBSan)
[ -d "$SHARED/corpus/dev-attach" ] && scan_all dev-attach "$SHARED/corpus/dev-attach" || ko "no dev-attach corpus"
[ -d "$SHARED/corpus/real-attach" ] && scan_all real-attach "$SHARED/corpus/real-attach" || ko "no real-attach corpus"
tally
