#!/bin/sh
# NAME
#   run.sh - golden tests of the MIME decoder
#
# SYNOPSIS
#   tests/golden/mime/run.sh PATH/TO/mime_dump [--update]
#
# DESCRIPTION
#   For each NAME.eml in this directory, runs mime_dump with chunk sizes 1,
#   7, 4096 and 0 (the whole message at once) and random chunks of 1..64
#   bytes, and compares each dump with NAME.ref. With --update, writes
#   NAME.ref from the whole-message dump instead (review the result!).
#   The last line is "N passed, N failed"; the exit status is 1 if any failed.
dump=$1
dir=$(dirname "$0")
if [ -z "$dump" ] || [ ! -x "$dump" ]; then
    echo "usage: $0 PATH/TO/mime_dump [--update]" >&2
    exit 2
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
passed=0
failed=0
for eml in "$dir"/*.eml; do
    name=${eml%.eml}
    if [ "$2" = "--update" ]; then
        "$dump" "$eml" > "$name.ref"
        continue
    fi
    for opts in "-c 1" "-c 7" "-c 4096" "-c 0" "-c 64 -s 1"; do
        # shellcheck disable=SC2086
        if "$dump" $opts "$eml" > "$tmp" 2>&1 && cmp -s "$tmp" "$name.ref"; then
            passed=$((passed + 1))
        else
            failed=$((failed + 1))
            echo "FAIL: $(basename "$eml") ($opts)"
            diff "$name.ref" "$tmp" | head -20
        fi
    done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
