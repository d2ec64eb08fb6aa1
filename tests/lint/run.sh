#!/bin/sh
# lint/run.sh PIIGUARD - lint the shipped rules (each file, then all together),
# and check that broken rule files are refused with their exact diagnostic.
set -u
PG=$1
cd "$(dirname "$0")/../.."
. tests/tally.sh

for f in rules/*.toml; do
    if "$PG" lint "$f" >/dev/null 2>tests/out/lint.err; then ok "lint $f"; else ko "lint $f: $(cat tests/out/lint.err)"; fi
done
if "$PG" lint --rules rules; then ok "lint rules/ as a whole"; else ko "lint rules/ as a whole"; fi

# Each tests/lint/bad/NAME.toml must fail with the diagnostic in NAME.expect.
for f in tests/lint/bad/*.toml; do
    exp=${f%.toml}.expect
    "$PG" lint "$f" >/dev/null 2>tests/out/lint.err
    rc=$?
    if [ "$rc" -eq 1 ] && diff -u "$exp" tests/out/lint.err >/dev/null; then
        ok "refused $f"
    else
        ko "$f: exit $rc, diagnostic differs:"
        diff -u "$exp" tests/out/lint.err
    fi
done
tally
