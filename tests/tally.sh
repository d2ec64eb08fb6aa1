# tally.sh - sourced by the test layers (from the project root): ok/ko count
# each check, and `tally` prints the closing "N passed, N failed" line that
# tests/check.sh reads and returns non-zero when anything failed.
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok: $1"; }
ko() { fail=$((fail + 1)); echo "FAIL: $1"; }
tally() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
