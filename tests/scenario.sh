# scenario.sh - sourced by the end-to-end layers (tests/postfix, tests/routing).
#
# `scenario TITLE FUNCTION`
# runs a function that sets WHY (with `fail REASON`) and returns 1 on
# failure, and counts it in PASS / FAIL ("N passed, N failed" at the end).
PASS=0
FAIL=0
ok() {
    PASS=$((PASS + 1))
    echo "ok   $1"
}
not_ok() {
    FAIL=$((FAIL + 1))
    echo "FAIL $1: $2"
}
scenario() {
    WHY=""
    if "$2"; then ok "$1"; else not_ok "$1" "$WHY"; fi
}
fail() {
    WHY=$1
    return 1
}
