# scenario.sh - sourced by the end-to-end layers (tests/postfix, routing, outbound, refuse, ...).
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

# sc_mkmsg FILE ID KIND LAYER - a test message; KIND pii (an NHS number and an
# IBAN), subject (an NHS number in the Subject too, so that header-only
# notices carry PII) or clean; LAYER names the test layer in the Subject
sc_mkmsg() {
    _subj="$4 test $2"
    [ "$3" = subject ] && _subj="$4 test $2: referral NHS number 943 476 5919"
    {
        echo "From: Sender <$2@sender.test>"
        echo "To: undisclosed-recipients:;"
        echo "Subject: $_subj"
        echo "Date: Fri, 27 Nov 2026 03:04:05 +0000"
        echo "Message-ID: <$2@piiguard.test>"
        echo "MIME-Version: 1.0"
        echo "Content-Type: text/plain; charset=utf-8"
        echo
        if [ "$3" = pii ] || [ "$3" = subject ]; then
            echo "Referral for the patient with NHS number 943 476 5919."
            echo "Refund to GB82 WEST 1234 5698 7654 32."
        else
            echo "The meeting moved to room 4."
        fi
    } >"$1.tmp"
    printf '%s' "$(cat "$1.tmp")" >"$1"
    rm -f "$1.tmp"
}
