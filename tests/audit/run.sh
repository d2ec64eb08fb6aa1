#!/bin/sh
# audit/run.sh - piiguard audit: the decision log's chain, the Postfix log
# parser, the report from the real e2e Postfix logs, and the HTML report in
# headless Chromium.
#
# Usage: sh tests/audit/run.sh      (after `make`; tests/postfix/run.sh first)
#
# The e2e part reads tests/out/postfix/{maillog,milter.log,scenarios.jsonl}
# written by tests/postfix/run.sh: when they are missing, that check FAILS.
# Output: one line per check, "N passed, N failed" last; exit 1 on failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$(pwd)
PG=$ROOT/piiguard
OUT=$ROOT/tests/out/audit
PF=$ROOT/tests/out/postfix
FIX=$ROOT/tests/audit
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1${2:+: $2}"; }
rm -rf "$OUT"
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/piiguard-audit.XXXXXX) || exit 1
CHROME_PID=""
cleanup() {
    [ -n "$CHROME_PID" ] && kill "$CHROME_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# jcheck NAME FILE PYTHON - run python assertions on a JSON Lines report (list `msgs`, dict `by`)
jcheck() {
    _name=$1 _file=$2 _code=$3
    if python3 - "$_file" >"$OUT/jcheck.err" 2>&1 <<EOF
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {m["queue_id"]: m for m in msgs}
$_code
EOF
    then ok "$_name"; else ko "$_name" "$(tail -n 3 "$OUT/jcheck.err" | tr '\n' ' ')"; fi
}

# --- the decision log chain --------------------------------------------------------
KEY=$WORK/trace.key
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$KEY"
WRITER=$OUT/audit_writer
if g++ -std=c++20 -O2 -Imilter/core -Imilter -o "$WRITER" tests/audit/audit_writer.cpp obj/libpiiguard.a \
    $(pkg-config --libs libpcre2-8 tomlplusplus libssl libcrypto zlib) -lpthread 2>"$OUT/writer-build.log"; then
    ok "build the test writer"
else
    ko "build the test writer" "$(head -n 3 "$OUT/writer-build.log")"
fi

# verify_is NAME EXPECTED FILE... - `audit verify` prints exactly EXPECTED (prefix up to the detail)
verify_is() {
    _name=$1 _exp=$2
    shift 2
    _got=$("$PG" audit verify --key "$KEY" "$@" 2>&1)
    case "$_got" in
    "$_exp"*) ok "$_name" ;;
    *) ko "$_name" "expected '$_exp', got '$_got'" ;;
    esac
}

A=$WORK/audit.jsonl
# Two processes x 8 threads x 60 records, concurrently.
"$WRITER" "$A" "$KEY" 8 60 P &
w1=$!
"$WRITER" "$A" "$KEY" 8 60 Q &
w2=$!
wait $w1 && wait $w2 || ko "concurrent writers exited non-zero"
verify_is "two processes x 8 threads: chain verifies" "ok: 961 records in 1 file" "$A"
if awk -F'[:,]' '{ if ($2 != NR) { bad = 1 } } END { exit bad }' "$A"; then
    ok "seq is continuous 1..961"
else
    ko "seq is continuous 1..961"
fi
if ! grep -q '"mac":"[0-9a-f]\{64\}"}$' "$A" || grep -vq '"prev":"[0-9a-f]\{64\}"' "$A"; then
    ko "every record has prev and mac"
else
    ok "every record has prev and mac"
fi

# tamper NAME SED-OR-AWK-PROGRAM EXPECTED - tamper with a copy of the first 10 records
B=$WORK/base.jsonl
head -n 10 "$A" >"$B"
verify_is "unmodified log verifies" "ok: 10 records in 1 file" "$B"
T=$WORK/t.jsonl
sed '4s/"verdict":"[a-z]*"/"verdict":"tampered"/' "$B" >"$T"
verify_is "edited field is found" "$T:4: seq 4: edited:" "$T"
sed '5d' "$B" >"$T"
verify_is "deleted record is found" "$T:5: seq 6: deleted: records 5..5 missing" "$T"
awk 'NR == 6 { six = $0; next } NR == 7 { print; print six; next } { print }' "$B" >"$T"
verify_is "reordered records are found" "$T:6: seq 7: reordered: record 6 comes later" "$T"
awk 'NR == 3 { print; l = $0; sub(/"queue_id":"[^"]*"/, "\"queue_id\":\"FORGED0001\"", l); print l; next } { print }' \
    "$B" >"$T"
verify_is "inserted forged record is found" "$T:4: seq 3: inserted:" "$T"
head -c -30 "$B" >"$T"
verify_is "truncated last line is found" "$T:10: seq 10: malformed: truncated record" "$T"

# Rotation: 5 records, logrotate renames, a new process writes 3 more.
R=$WORK/rot.jsonl
"$WRITER" "$R" "$KEY" 1 5 R1 && mv "$R" "$R.1" && "$WRITER" "$R" "$KEY" 1 3 R2
verify_is "rotated files verify as one chain" "ok: 9 records in 2 files" "$R.1" "$R"
if head -n 1 "$R" | grep -q '^{"seq":7,'; then ok "the new file continues at seq 7 (after genesis + 5)"; else ko "the new file continues at seq 7"; fi
verify_is "files given out of order are found (the chain does not start at its genesis)" "$R:1: seq 7: cut_head:" "$R" "$R.1"
sed '1s/"client":"127.0.0.1"/"client":"10.6.6.6"/' "$R" >"$WORK/rot2.jsonl"
verify_is "tampered first record of the second file is found" "$WORK/rot2.jsonl:1: seq 7: edited:" "$R.1" "$WORK/rot2.jsonl"
# --- finding 1: truncation and rollback, against signed checkpoints from the mail log ----
C=$WORK/cp.jsonl
ML=$WORK/mail.log
"$WRITER" "$C" "$KEY" 1 8 C "$ML"   # genesis + 8 records; checkpoints at seq 2 and 9
verify_cp() { _n=$1 _e=$2; shift 2; verify_is "$_n" "$_e" --checkpoints "$ML" "$@"; }
verify_cp "whole log against its checkpoints" "ok: 9 records in 1 file, 2 checkpoints matched" "$C"
head -n 2 "$C" >"$T"
verify_cp "head -n 2: cut tail found" "$T:0: seq 2: cut_tail: records 3..9 missing" "$T"
tail -n 2 "$C" >"$T"
verify_is "tail -n 2: cut head found (no checkpoints needed)" "$T:1: seq 8: cut_head: records 1..7 missing" "$T"
: >"$T"
verify_is "empty file: not 'ok: 0 records'" "$T:0: seq 0: cut_tail: no records" "$T"
verify_cp "empty file against the checkpoints: cut tail" "$T:0: seq 0: cut_tail: records 1..9 missing" "$T"
# The issue's live cut: 8 records cut to 6, then a restarted writer adds more (seq 8, 9 again).
head -n 7 "$C" >"$T"
"$WRITER" "$T" "$KEY" 1 2 X
verify_is "rolled-back log alone still chains (why checkpoints are needed)" "ok: 9 records in 1 file" "$T"
verify_cp "rolled-back log against the checkpoints: rollback at seq 9" "$T:9: seq 9: rollback:" "$T"
sed 's/seq=9 /seq=10 /' "$ML" >"$WORK/forged.log"
_got=$("$PG" audit verify --key "$KEY" --checkpoints "$WORK/forged.log" "$C" 2>&1)
case "$_got" in
"warning: 1 checkpoint line with a bad signature ignored"*"ok: 9 records"*) ok "a forged checkpoint is reported and not used" ;;
*) ko "a forged checkpoint is reported and not used" "$_got" ;;
esac

# --- forward security: with the current epoch's key, older records cannot be rewritten ------
F=$WORK/fs.jsonl
"$WRITER" "$F" "$KEY" 1 9 F "$WORK/fs.log" 4   # epochs of 4 records: seq 1..4 ep 0, 5..8 ep 1, 9..10 ep 2
CUR=$WORK/current.key
python3 - "$KEY" "$CUR" <<'PY'
import hmac, hashlib, sys
k = bytes.fromhex(open(sys.argv[1]).read().strip())
for _ in range(2):   # epoch 2: two evolutions of the initial key
    k = hmac.new(k, b"piiguard audit key evolve", hashlib.sha256).digest()
open(sys.argv[2], "w").write(k.hex())
PY
# resign LINE_NO FROM TO - a copy of $F in $T with one record edited and MAC it again with the current epoch's key
resign() {
    python3 - "$F" "$CUR" "$1" "$2" "$3" >"$T" <<'PY'
import hmac, hashlib, sys
lines = open(sys.argv[1]).read().split("\n")[:-1]
k = bytes.fromhex(open(sys.argv[2]).read().strip())
i = int(sys.argv[3]) - 1
l = lines[i].replace(sys.argv[4], sys.argv[5])
body = l[:l.rindex(',"mac":"')] + "}"
lines[i] = body[:-1] + ',"mac":"' + hmac.new(k, body.encode(), hashlib.sha256).hexdigest() + '"}'
print("\n".join(lines))
PY
}
resign 3 '"verdict":"accept"' '"verdict":"reject"'
verify_is "record of epoch 0 rewritten with the epoch-2 key: found" "$T:3: seq 3: edited:" "$T"
resign 3 ',"ep":0,' ',"ep":2,'
verify_is "same, claiming epoch 2: found (the epoch is bound to seq)" "$T:3: seq 3: edited:" "$T"
resign 10 '"verdict":"accept"' '"verdict":"reject"'
if cmp -s "$F" "$T"; then ko "could not edit record 10"; fi
verify_is "a record of the current epoch re-signed with its key still verifies (the documented limit)" "ok: 10 records" "$T"

# A writer restarted over a log cut while it was down records a break: visible in verify and report.
S=$WORK/seg.jsonl
PIIGUARD_TEST_KEY_STATE=$WORK/seg.state "$WRITER" "$S" "$KEY" 1 8 S "$WORK/seg.log"
head -n 7 "$S" >"$S.cut" && mv "$S.cut" "$S"
PIIGUARD_TEST_KEY_STATE=$WORK/seg.state "$WRITER" "$S" "$KEY" 1 1 S2 "$WORK/seg.log"
if grep -q 'was cut or rolled back: found seq 7, expected seq 9' "$WORK/seg.log"; then ok "the restarted writer logs the cut it found"
else ko "the restarted writer logs the cut it found" "$(tail -n 2 "$WORK/seg.log")"; fi
_got=$("$PG" audit verify --key "$KEY" "$S" 2>&1)
case "$_got" in
"break: $S:8: seq 10: the writer found the log cut or rolled back at seq 7 (records 8..9 lost or rewritten); new segment"*"segment_break"*)
    ok "audit verify shows the segment break with the seq range" ;;
*) ko "audit verify shows the segment break with the seq range" "$_got" ;;
esac
"$PG" audit report --key "$KEY" --audit-log "$S" "$FIX/classic.log" >/dev/null 2>"$OUT/segreport.err"
if grep -q "seg.jsonl:8: segment break" "$OUT/segreport.err"; then ok "audit report shows the segment break"
else ko "audit report shows the segment break" "$(head -c 300 "$OUT/segreport.err")"; fi

"$PG" audit report --key "$KEY" --audit-log "$F" "$FIX/classic.log" >/dev/null 2>"$OUT/fsreport.err"
if grep -q 'bad MAC' "$OUT/fsreport.err"; then ko "report on a log with epochs of 4 records: $(head -n 2 "$OUT/fsreport.err")"
else ok "report takes the epoch length from the genesis record (no false alarm)"; fi

_got=$("$PG" audit verify --key "$KEY" 2>&1)
[ $? -eq 2 ] && ok "verify without files is a usage error (2)" || ko "verify without files is a usage error" "$_got"

# --- the parser on hand-written fixtures ------------------------------------------
"$PG" audit report "$FIX/classic.log" >"$OUT/classic.jsonl" 2>"$OUT/classic.err" || ko "report classic.log exits 0"
jcheck "classic: PII mail over the TLS transport, smtp TLS line tied by pid" "$OUT/classic.jsonl" '
m = by["BF4C0A72391"]
assert m["pii"] == {"iban": 1, "uk_nino": 2}, m["pii"]
assert m["inbound"]["tls"] == {"version": "TLSv1.3", "cipher": "TLS_AES_256_GCM_SHA384", "bits": 256, "trust": "Anonymous"}
assert [d["tls"]["trust"] for d in m["deliveries"]] == ["Trusted", "Trusted"]
assert all(d["transport"] == "postfix/piiguard-tls12" for d in m["deliveries"])
assert m["flags"] == [], m["flags"]
assert set(m) >= {"queue_id", "message_id_hash", "inbound", "pii", "verdict", "deliveries", "flags"}'
# The same log against profiles whose tls12 level demands a verified server:
# the "Trusted" (chain only) delivery is flagged.
sed 's/^auth = "encrypt"/auth = "verify"/' contrib/profiles.toml >"$WORK/profiles-verify.toml"
"$PG" audit report --profiles "$WORK/profiles-verify.toml" "$FIX/classic.log" >"$OUT/classic-verify.jsonl" 2>&1 ||
    ko "report classic.log with verify profiles exits 0"
jcheck "classic: Trusted delivery under a verify profile => pii_delivered_unauthenticated" "$OUT/classic-verify.jsonl" '
m = by["BF4C0A72391"]
assert "pii_delivered_unauthenticated" in m["flags"], m["flags"]
assert by["C0FFEE12345"]["flags"] == []'
jcheck "classic: clean mail in clear has pii {} and no flag" "$OUT/classic.jsonl" '
m = by["C0FFEE12345"]
assert m["pii"] == {} and m["flags"] == [] and m["deliveries"][0]["tls"] is None'
jcheck "classic: milter reject has the verdict and no delivery" "$OUT/classic.jsonl" '
m = by["5AD0DEAD001"]
assert m["verdict"] == "reject" and m["deliveries"] == [] and m["rejected"].startswith("5.7.1")
assert m["flags"] == ["pii_inbound_weak"], m["flags"]'
jcheck "classic: TLS required, not offered => pii_deferred" "$OUT/classic.jsonl" '
m = by["53C17A723A7"]
assert m["deliveries"][0]["dsn"] == "4.7.4" and "pii_deferred" in m["flags"]'
jcheck "classic: unknown programs and truncated lines are ignored" "$OUT/classic.jsonl" '
assert "7E57AB1E001" not in by   # its only line is cut before the status
assert all("should@be.ignored" not in json.dumps(m) for m in msgs)
assert len(msgs) == 4, len(msgs)'
"$PG" audit report "$FIX/journal.log" >"$OUT/journal.jsonl" 2>&1
jcheck "journalctl -o short: banners skipped, in-clear and below-profile flagged" "$OUT/journal.jsonl" '
assert len(msgs) == 2
assert by["1A2B3C4D5E"]["flags"] == ["pii_delivered_in_clear"]
assert by["6F7E8D9C0B"]["flags"] == ["pii_delivered_below_profile"]
assert by["6F7E8D9C0B"]["deliveries"][0]["tls"]["trust"] == "Untrusted"'
gzip -c "$FIX/rot/mail.log.2" >"$WORK/mail.log.2.gz"
"$PG" audit report "$WORK/mail.log.2.gz" "$FIX/rot/mail.log.1" "$FIX/rot/mail.log" >"$OUT/rot.jsonl" 2>&1
jcheck "rotation across a gzip file and two plain ones (RFC 3339 stamps)" "$OUT/rot.jsonl" '
assert len(msgs) == 1
m = msgs[0]
assert [d["status"] for d in m["deliveries"]] == ["deferred", "sent"]
assert m["deliveries"][0]["tls"] is None and m["deliveries"][1]["tls"]["trust"] == "Verified"
assert m["removed"] and "pii_deferred" not in m["flags"]
assert m["flags"] == ["pii_delivered_below_profile", "pii_inbound_weak"], m["flags"]'
"$PG" audit report --redact-recipients --format csv "$FIX/classic.log" >"$OUT/classic.csv" 2>&1
if [ "$(grep -c . "$OUT/classic.csv")" -eq 6 ] && grep -q ',tls.example,' "$OUT/classic.csv" && ! grep -q 'u@tls' "$OUT/classic.csv"; then
    ok "CSV: one row per delivery, recipients redacted to domains"
else
    ko "CSV: one row per delivery, recipients redacted to domains"
fi

# --- the report from the real Postfix e2e logs -----------------------------------
E2E_LOGS=""
if [ -s "$PF/maillog" ] && [ -f "$PF/milter.log" ] && [ -s "$PF/scenarios.jsonl" ]; then
    E2E_LOGS="$PF/maillog $PF/milter.log"
    AUDIT_OPTS=""
    for f in "$PF"/audit-*.log; do [ -f "$f" ] && AUDIT_OPTS="$AUDIT_OPTS --audit-log $f"; done
    [ -n "$AUDIT_OPTS" ] && AUDIT_OPTS="--key $PF/trace.key $AUDIT_OPTS"
    # shellcheck disable=SC2086
    if "$PG" audit report $AUDIT_OPTS $E2E_LOGS >"$OUT/e2e.jsonl" 2>"$OUT/e2e.err"; then
        ok "report from the e2e logs"
    else
        ko "report from the e2e logs" "$(head -n 2 "$OUT/e2e.err")"
    fi
    if python3 - "$OUT/e2e.jsonl" "$PF/scenarios.jsonl" >"$OUT/e2e-check.log" 2>&1 <<'EOF'
import json, sys
msgs = {m["queue_id"]: m for m in (json.loads(l) for l in open(sys.argv[1]) if l.strip())}
bad = 0
n = 0
for line in open(sys.argv[2]):
    if not line.strip():
        continue
    s = json.loads(line)
    name, exp, qid = s.get("scenario"), str(s.get("expected", "")), s.get("queue_id")
    if not qid:
        print("skip %s (%s): no queue id (refused before DATA)" % (name, exp))
        continue
    n += 1
    m = msgs.get(qid)
    why = []
    if m is None:
        why.append("queue id %s not in the report" % qid)
    else:
        pii = m["pii"]
        if s.get("pii") is True and not pii:
            why.append("pii expected, report has %r" % (pii,))
        if s.get("pii") is False and pii:
            why.append("clean expected, report has pii %r" % (pii,))
        if s.get("pii") is False and m["flags"]:
            why.append("clean mail flagged %r" % m["flags"])
        if "reject" in exp or "tempfail" in exp:
            if m["deliveries"]:
                why.append("rejected but has deliveries")
            want = "tempfail" if "tempfail" in name or "tempfail" in exp else "reject"
            if m["verdict"] != want:
                why.append("verdict %r, expected %s" % (m["verdict"], want))
            if not m["rejected"]:
                why.append("no milter-reject line joined")
        elif "defer" in exp or "no_starttls" in exp or "notls" in exp:
            if "pii_deferred" not in m["flags"]:
                why.append("pii_deferred missing: %r" % m["flags"])
            if not any(d["status"] == "deferred" and d["dsn"] == "4.7.4" for d in m["deliveries"]):
                why.append("no deferred 4.7.4 attempt")
        elif "hold" in exp or "quarantine" in exp:
            if not m["held"]:
                why.append("not held")
        elif "deliver" in exp or "sent" in exp or "accept" in exp or "tls" in exp:
            sent = [d for d in m["deliveries"] if d["status"] == "sent"]
            if not sent:
                why.append("no sent delivery")
            if s.get("pii") is True:
                if not any(d["tls"] and "piiguard-tls12" in d["transport"] for d in sent):
                    why.append("PII not delivered over TLS via piiguard-tls12: %r" % sent)
                if "pii_delivered_in_clear" in m["flags"]:
                    why.append("flagged in clear")
        if s.get("tls") and s.get("tls") != "none" and m["inbound"]["tls"] is None:
            why.append("inbound TLS %s not joined" % s.get("tls"))
    print("%s %s (%s) %s %s" % ("FAIL" if why else "ok  ", name, exp, qid, "; ".join(why)))
    bad += bool(why)
print("%d scenarios checked, %d wrong" % (n, bad))
sys.exit(1 if bad or n == 0 else 0)
EOF
    then ok "e2e: per-message facts match the scenarios ($(tail -n 1 "$OUT/e2e-check.log"))"
    else ko "e2e: per-message facts match the scenarios" "$(grep -E '^FAIL|checked' "$OUT/e2e-check.log" | tr '\n' ' ' | head -c 900)"
    fi
else
    ko "e2e: tests/out/postfix/{maillog,milter.log,scenarios.jsonl} exist" "run tests/postfix/run.sh first"
fi

# --- finding 6/7: audit report verifies every audit record it reads ---------------------------
if [ -n "$E2E_LOGS" ] && [ -f "$PF/audit-hipaa.log" ]; then
    # shellcheck disable=SC2086
    "$PG" audit report --audit-log "$PF/audit-hipaa.log" $E2E_LOGS >/dev/null 2>"$OUT/nokey.err"
    [ $? -eq 2 ] && grep -q 'needs the audit key' "$OUT/nokey.err" && ok "report --audit-log without a key is refused (2)" ||
        ko "report --audit-log without a key is refused" "$(head -c 200 "$OUT/nokey.err")"
    # The first decision record (after the genesis record): its verdict forged.
    L=$(grep -n '"queue_id":"[^"]' "$PF/audit-hipaa.log" | head -n 1 | cut -d: -f1)
    Q=$(sed -n "${L}s/.*\"queue_id\":\"\([^\"]*\)\".*/\1/p" "$PF/audit-hipaa.log")
    sed "${L}s/\"verdict\":\"/\"verdict\":\"forged-/" "$PF/audit-hipaa.log" >"$WORK/audit-bad.log"
    cmp -s "$PF/audit-hipaa.log" "$WORK/audit-bad.log" && ko "could not forge the audit record (line ${L:-none})"
    # shellcheck disable=SC2086
    "$PG" audit report --key "$PF/trace.key" --audit-log "$WORK/audit-bad.log" $E2E_LOGS >"$OUT/bad.jsonl" 2>"$OUT/bad.err"
    jcheck "a forged audit record is flagged in the report (audit_record_invalid), not used" "$OUT/bad.jsonl" "
m = by['$Q']
assert 'audit_record_invalid' in m['flags'], m['flags']
assert 'forged' not in m['verdict'], m['verdict']"
    if grep -q "audit-bad.log:$L: audit record with a bad MAC" "$OUT/bad.err"; then ok "the bad record is named on standard error"
    else ko "the bad record is named on standard error" "$(head -c 300 "$OUT/bad.err")"; fi
    # shellcheck disable=SC2086
    "$PG" audit report --key "$PF/trace.key" --audit-log "$PF/audit-hipaa.log" $E2E_LOGS >"$OUT/good.jsonl" 2>"$OUT/good.err"
    jcheck "the genuine audit records raise no flag of their own" "$OUT/good.jsonl" "
assert not any('audit_record_invalid' in m['flags'] for m in msgs)"
else
    ko "audit report verification tests" "no e2e logs in $PF (run tests/postfix/run.sh first)"
fi

# --- the HTML report in headless Chromium ------------------------------------------
CHROME=$(command -v chromium || command -v chromium-browser || true)
# shellcheck disable=SC2086
"$PG" audit report --format html "$FIX/classic.log" "$FIX/journal.log" $E2E_LOGS >"$OUT/report.html" 2>"$OUT/html.err"
if grep -qE '(src|href)="(https?:)?//' "$OUT/report.html"; then ko "HTML: no network references"; else ok "HTML: no network references"; fi
if [ -z "$CHROME" ]; then
    ko "HTML renders in headless Chromium" "chromium not installed (contrib/install-deps.sh --test)"
else
    chrome() {
        timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
            --disable-background-networking --disable-component-update --disable-sync \
            --user-data-dir="$WORK/chrome" "$@" 2>>"$OUT/chromium.err"
    }
    chrome --dump-dom "file://$OUT/report.html" >"$OUT/report.dom.html"
    if python3 - "$OUT/report.dom.html" "$OUT/report.html" >"$OUT/dom-check.log" 2>&1 <<'EOF'
import sys, re
from html.parser import HTMLParser
class Rows(HTMLParser):
    def __init__(self):
        super().__init__(); self.rows = []; self.in_t = False; self.cell = None; self.row = None; self.body = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id") == "messages": self.in_t = True
        if self.in_t and tag == "tbody": self.body = True
        if self.body and tag == "tr": self.row = []
        if self.row is not None and tag == "td": self.cell = ""
    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None: self.row.append(self.cell); self.cell = None
        if tag == "tr" and self.row is not None: self.rows.append(self.row); self.row = None
        if tag == "table": self.in_t = self.body = False
    def handle_data(self, d):
        if self.cell is not None: self.cell += d
p = Rows(); p.feed(open(sys.argv[1]).read())
got = {r[0]: r for r in p.rows}
for q, verdict, flag in [("BF4C0A72391", "accept", ""), ("5AD0DEAD001", "reject", "pii_inbound_weak"),
                         ("53C17A723A7", "annotate", "pii_deferred"), ("1A2B3C4D5E", "accept", "pii_delivered_in_clear")]:
    assert q in got, "row %s missing from the DOM" % q
    assert got[q][6] == verdict, (q, got[q][6])
    assert flag in got[q][8], (q, got[q][8])
src_rows = len(re.findall(r"<tr class=", open(sys.argv[2]).read()))
assert len(p.rows) == src_rows, (len(p.rows), src_rows)
assert "<svg" in open(sys.argv[1]).read()
print("%d rows in the rendered table" % len(p.rows))
EOF
    then ok "HTML renders in headless Chromium: $(cat "$OUT/dom-check.log")"
    else ko "HTML renders in headless Chromium" "$(tail -n 2 "$OUT/dom-check.log" | tr '\n' ' ')"
    fi
    (cd "$OUT" && chrome --screenshot="$OUT/report.png" --window-size=1280,1400 "file://$OUT/report.html" >/dev/null)
    if [ -s "$OUT/report.png" ]; then ok "HTML screenshot taken (tests/out/audit/report.png)"; else ko "HTML screenshot taken"; fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
