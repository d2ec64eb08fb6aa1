#!/bin/sh
# golden/scan/run.sh PIIGUARD [--update] - `piiguard scan --json --explain`
# over each sample message (tests/data/samples/*.eml and
# tests/golden/scan/*.eml), whole and from standard input, diffed against
# tests/golden/scan/NAME.jsonl. With --update the expectations are rewritten
# (review them before committing).
set -u
PG=$1
UPDATE=${2:-}
cd "$(dirname "$0")/../../.."
pass=0
fail=0
for f in tests/data/samples/*.eml tests/golden/scan/*.eml; do
    [ -f "$f" ] || continue
    name=$(basename "$f" .eml)
    exp=tests/golden/scan/$name.jsonl
    # The file name is the only part of the output that differs between runs.
    got=$("$PG" scan --json --explain "$f" | sed "s|\"file\": \"[^\"]*\"|\"file\": \"$name.eml\"|")
    if [ "$UPDATE" = "--update" ]; then
        printf '%s\n' "$got" >"$exp"
        echo "updated $exp"
        continue
    fi
    stdin=$("$PG" scan --json --explain - <"$f" | sed "s|\"file\": \"-\"|\"file\": \"$name.eml\"|")
    if printf '%s\n' "$got" | diff -u "$exp" - && [ "$got" = "$stdin" ]; then
        pass=$((pass + 1))
        echo "ok: $name"
    else
        fail=$((fail + 1))
        echo "FAIL: $name (file or stdin output differs from $exp)"
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
