#!/bin/sh
# evidence/run.sh - the evidence a message leaves, end to end through the real
# programs: one key-file reading for daemons and CLI, traces bound to the
# content (v=2), the key id checked by `piiguard verify`.
#
# Usage: sh tests/evidence/run.sh      (after `make`)
#
# Messages are signed by tests/evidence/sign_eml (built here against
# obj/libpiiguard.a): it loads the configuration as piiguard-milter does and
# passes the message through the milter's core (session::connection), so the
# daemon's reading of the key file signs and the CLI's reading verifies.
# Output: one line per check, "N passed, N failed" last; exit 1 on failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$(pwd)
PG=$ROOT/piiguard
OUT=$ROOT/tests/out/evidence
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1${2:+: $2}"; }
rm -rf "$OUT"
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/piiguard-evidence.XXXXXX) || exit 1
trap 'rm -rf "$WORK"' EXIT INT TERM

# The signing tool is built by `make` (obj/sign_eml, with the library's own link line).
SIGN=obj/sign_eml
if [ -x "$SIGN" ]; then
    ok "the signing tool is built ($SIGN)"
else
    ko "the signing tool is built" "no $SIGN (make)"
    echo "$pass passed, $fail failed"
    exit 1
fi

# config NAME KEYFILE - a milter configuration signing with KEYFILE, auditing to NAME-audit.jsonl
config() {
    cat >"$WORK/$1.toml" <<EOT
[general]
rules_dir = "$ROOT/rules"
profiles_file = "$ROOT/contrib/profiles.toml"
[milter]
mode = "monitor"
add_trace_header = true
[trace]
key_file = "$2"
key_id = "k7"
[audit]
log = "$WORK/$1-audit.jsonl"
EOT
}

# The two messages of finding 5: same Message-ID and Date, one clean, one with a card number and an SSN.
cat >"$WORK/clean.eml" <<'EOT'
From: HR Team <hr@acme.example>
To: Payroll <payroll@bureau.example>
Subject: Lunch
Date: Mon, 02 Nov 2026 09:12:44 +0000
Message-ID: <moved-0001@acme.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hello,

lunch is at 12:30 in room 4.
EOT
sed -e 's/^Subject: .*/Subject: Card/' -e 's/^lunch is .*/card 4111 1111 1111 1111, SSN 219-09-9999/' \
    "$WORK/clean.eml" >"$WORK/pii.eml"

# expect NAME WANT_RC PATTERN CMD... - CMD exits WANT_RC and its output matches PATTERN (grep -E)
expect() {
    _name=$1 _rc=$2 _pat=$3
    shift 3
    "$@" >"$OUT/last.out" 2>&1
    _got=$?
    if [ "$_got" -eq "$_rc" ] && grep -Eq -- "$_pat" "$OUT/last.out"; then ok "$_name"
    else ko "$_name" "exit $_got, output: $(head -c 300 "$OUT/last.out" | tr '\n' ' ')"; fi
}

# --- finding 2: one key format, read alike by daemon and CLI -----------------------------
printf '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n' >"$WORK/hex.key"
printf 'correct horse battery staple\n' >"$WORK/pass.key"
printf '\000\377\020\200 raw\tbinary key\001\002\003\004' >"$WORK/bin.key"
chmod 600 "$WORK"/*.key
for k in hex pass bin; do
    config "$k" "$WORK/$k.key"
    if "$SIGN" "$WORK/$k.toml" "$WORK/clean.eml" "$WORK/$k.eml" "Q$k" payroll@bureau.example >"$OUT/sign.out" 2>&1
    then
        expect "$k key: the daemon signs, piiguard verify --key verifies" 0 ': trace ok .*v=2 body=ok from=ok rcpt=ok' \
            "$PG" verify --key "$WORK/$k.key" --key-id k7 --rcpt payroll@bureau.example "$WORK/$k.eml"
        expect "$k key: piiguard verify -c verifies" 0 ': trace ok ' "$PG" verify -c "$WORK/$k.toml" \
            --rcpt payroll@bureau.example "$WORK/$k.eml"
        expect "$k key: the daemon's audit record verifies with piiguard audit verify" 0 '^ok: 2 records' \
            "$PG" audit verify --key "$WORK/$k.key" "$WORK/$k-audit.jsonl"
    else
        ko "$k key: sign" "$(head -c 300 "$OUT/sign.out")"
    fi
done
printf 'short\n' >"$WORK/short.key"
expect "a too short key is refused with a clear error, the key not shown" 2 'short.key: key is too short' \
    "$PG" verify --key "$WORK/short.key" "$WORK/hex.eml"
if grep -q 'short$' "$OUT/last.out"; then ko "the short key's text appears in the error"; fi

# --- finding 6: verify checks the key id --------------------------------------------------
expect "verify --key-id: another key id is refused" 1 'trace INVALID \(wrong_key_id\)' \
    "$PG" verify --key "$WORK/hex.key" --key-id k1 "$WORK/hex.eml"
expect "verify --key without --key-id shows the claimed key id as unchecked" 0 'kid=k7 \(not checked\)' \
    "$PG" verify --key "$WORK/hex.key" --rcpt payroll@bureau.example "$WORK/hex.eml"

# --- finding 5: a trace moved onto other content ------------------------------------------
# The clean message's trace (pii=none) on the message with a card number and an SSN.
{ grep '^X-PIIGuard-Trace:' "$WORK/hex.eml"; cat "$WORK/pii.eml"; } >"$WORK/moved.eml"
expect "clean trace moved onto PII content: body_mismatch" 1 'trace INVALID \(body_mismatch\)' \
    "$PG" verify --key "$WORK/hex.key" --key-id k7 --rcpt payroll@bureau.example "$WORK/moved.eml"
if grep -Eq '4111|219-09' "$OUT/last.out"; then ko "verify output shows a PII value"; else ok "verify output shows no PII value"; fi
sed 's/^From: .*/From: Mallory <m@evil.example>/' "$WORK/hex.eml" >"$WORK/from.eml"
expect "From header changed: from_mismatch" 1 'trace INVALID \(from_mismatch\)' \
    "$PG" verify --key "$WORK/hex.key" --key-id k7 --rcpt payroll@bureau.example "$WORK/from.eml"
expect "other envelope recipients (--rcpt): rcpt_mismatch" 1 'trace INVALID \(rcpt_mismatch\)' \
    "$PG" verify --key "$WORK/hex.key" --key-id k7 --rcpt mallory@evil.example "$WORK/hex.eml"
{ echo 'X-Original-To: mallory@evil.example'; cat "$WORK/hex.eml"; } >"$WORK/xot.eml"
expect "other recipients (X-Original-To): rcpt_mismatch" 1 'trace INVALID \(rcpt_mismatch\)' \
    "$PG" verify --key "$WORK/hex.key" --key-id k7 "$WORK/xot.eml"
{ echo 'Delivered-To: Payroll@bureau.example'; cat "$WORK/hex.eml"; } >"$WORK/dt.eml"
expect "recipient from Delivered-To: rcpt=ok" 0 'rcpt=ok' "$PG" verify --key "$WORK/hex.key" --key-id k7 "$WORK/dt.eml"
expect "no recipient known: rcpt=unchecked, said so" 0 'rcpt=unchecked' \
    "$PG" verify --key "$WORK/hex.key" --key-id k7 "$WORK/hex.eml"
# Ordinary re-encoding by MTAs: CR LF line ends, trailing white space, empty lines at the end.
{ sed 's/$/\r/' "$WORK/hex.eml" | sed 's/^lunch is at 12:30 in room 4\.\r$/lunch is at  12:30 in room 4.  \r/'; printf '\r\n\r\n'; } \
    >"$WORK/reencoded.eml"
expect "re-encoded body (CR LF, white space, empty lines at the end) still verifies" 0 'body=ok' \
    "$PG" verify --key "$WORK/hex.key" --key-id k7 --rcpt payroll@bureau.example "$WORK/reencoded.eml"

# --- old v=1 traces still verify, as v=1 ---------------------------------------------------
# The known answer of tests/unit/trace_header_test.cpp (key "0123456789abcdef0123456789ABCDEF" as text).
printf '%s' 0123456789abcdef0123456789ABCDEF | od -An -tx1 | tr -d ' \n' >"$WORK/v1.key"
cat >"$WORK/v1.eml" <<'EOT'
X-PIIGuard-Trace: by piiguard; v=1; qid=3F2A1C0D; t=2026-11-27T03:04:05Z; client=127.0.0.1;
	tls=TLSv1.3; cipher=TLS_AES_256_GCM_SHA384; bits=256; cert=none; pii=iban:1,uk_nino:1;
	profile=gdpr; verdict=accept; outbound=piiguard-tls12; kid=k1; sig=roWGu58qM69H/QTuTvSIq6iTMA03cAVILiJyVi48Ifg=
From: HR <hr@acme.example>
Date: Mon, 02 Nov 2026 09:12:44 +0000
Message-ID: <starter-0001@acme.example>

body
EOT
expect "a v=1 trace still verifies, as v=1" 0 'trace ok .*v=1 bound to Message-ID and Date only' \
    "$PG" verify --key "$WORK/v1.key" --key-id k1 "$WORK/v1.eml"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
