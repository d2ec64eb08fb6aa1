#!/bin/sh
# policyd/run.sh - piiguard-policyd: direct protocol tests over a unix socket,
# daemon behaviour (SIGHUP, SIGTERM, spawn mode, -n), then a real Postfix on
# loopback with check_policy_service (spawn(8)) and swaks.
#
# Prints "ok: ..." / "FAIL: ..." per check, each Postfix scenario with the
# reply Postfix gave, and "N passed, N failed" last. Everything it starts is
# stopped by the EXIT trap (tests/postfix/lib.sh pf_cleanup).
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN=${PIIGUARD_POLICYD:-$ROOT/piiguard-policyd}
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok: $1"; }
ko() { fail=$((fail + 1)); echo "FAIL: $1"; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

if [ ! -x "$BIN" ]; then ko "no $BIN (make piiguard-policyd)"; finish; fi
. tests/postfix/lib.sh
PF_ROOT=$ROOT
pf_init || { ko "cannot create a work directory"; finish; }
T=$PF_T
pf_make_certs || { ko "test certificates"; finish; }

# Fingerprints as Postfix sends them: SHA-256, upper-case hex with colons.
colons() { tr 'a-f' 'A-F' | sed -E 's/(..)/\1:/g; s/:$//'; }
PIN_CERT=$(openssl x509 -in "$T/certs/client.crt" -noout -fingerprint -sha256 | sed 's/.*=//')
PIN_PUBKEY=$(openssl x509 -in "$T/certs/client.crt" -noout -pubkey | openssl pkey -pubin -outform DER |
    openssl dgst -sha256 -r | cut -c1-64 | colons)
OTHER_FP=$(printf '%s' "not the partner" | openssl dgst -sha256 -r | cut -c1-64 | colons)

# config TEMPLATE OUT - a test configuration with the placeholders filled in
config() {
    sed -e "s|@ROOT@|$ROOT|g" -e "s|@T@|$T|g" -e "s|@PIN_CERT@|$PIN_CERT|" -e "s|@PIN_PUBKEY@|$PIN_PUBKEY|" "$1" >"$2"
}
CONF=$T/policyd.toml
config tests/policyd/policyd.toml "$CONF"
# One more pinned partner whose pin is not the test client's certificate.
cat >>"$CONF" <<EOF

[[policyd.partner]]
domain = "otherpin.example"
profile = "hipaa"
pins = ["$OTHER_FP"]
EOF
SOCK=$T/policyd.sock
LOG=$T/policyd.log

# ---- -n ---------------------------------------------------------------
if "$BIN" -n -c "$CONF" >"$T/n.out" 2>&1; then ok "-n accepts the test configuration"; else ko "-n on a good config: $(cat "$T/n.out")"; fi
config tests/policyd/broken.toml "$T/broken.toml"
"$BIN" -n -c "$T/broken.toml" >"$T/n.out" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q "broken.toml:[0-9]*:[0-9]*: .*unknown profile 'no-such-profile'" "$T/n.out"; then
    ok "-n refuses a broken config with a located message"
else
    ko "-n on a broken config: exit $rc: $(cat "$T/n.out")"
fi

# ---- standalone daemon -------------------------------------------------
"$BIN" -f -c "$CONF" -p "unix:$SOCK" 2>"$LOG" &
PID=$!
echo "$PID" >>"$T/pids"
if pf_wait 10 pf_socket_ready "$SOCK"; then ok "standalone daemon listens on unix:$SOCK"; else ko "no socket"; cat "$LOG"; finish; fi
user=$(ps -o user= -p "$PID" | tr -d ' ')
if [ "$user" = nobody ]; then ok "dropped privileges to [policyd] user nobody"; else ko "runs as '$user', not nobody"; fi

# ---- direct protocol tests ------------------------------------------------
python3 tests/policyd/proto_test.py "$SOCK" "$PIN_CERT" "$PIN_PUBKEY" "$OTHER_FP" >"$T/proto.out" 2>&1
cat "$T/proto.out"
pass=$((pass + $(grep -c '^ok: ' "$T/proto.out")))
fail=$((fail + $(grep -c '^FAIL: ' "$T/proto.out")))
if [ "$(grep -c '^ok: ' "$T/proto.out")" -lt 40 ]; then ko "proto_test.py did not run to the end"; tail -n 5 "$T/proto.out"; fi
if kill -0 "$PID" 2>/dev/null; then ok "daemon alive after the protocol tests"; else ko "daemon died"; fi

# Log: one key=value line per decision, queue id when known, never an address.
sleep 0.2
if grep -q '^piiguard-policyd: 4BQ7XZ1TESTQ: piiguard-policy: client=127.0.0.1 .*recipient_domain=hospital.example .*partner=hospital.example profile=hipaa problem=no_tls action=REJECT$' "$LOG"; then
    ok "log line with the queue id"
else
    ko "no log line with the queue id"
fi
if grep -q '^piiguard-policyd: NOQUEUE: piiguard-policy: .*tls=TLSv1.1 .*problem=version_too_low action=REJECT$' "$LOG"; then
    ok "NOQUEUE log line for a TLS 1.1 refusal"
else
    ko "no NOQUEUE line for TLSv1.1"
fi
if grep -q 'bob@\|alice@' "$LOG"; then ko "an address was logged"; else ok "no address in the log (domains only)"; fi
n=$(grep -c 'piiguard-policy: ' "$LOG")
if [ "$n" -ge 2000 ]; then ok "$n decision lines logged"; else ko "only $n decision lines"; fi

ask() { python3 tests/policyd/policy_client.py "$SOCK" "$@"; }

# ---- SIGHUP -------------------------------------------------------------
cp "$CONF" "$T/policyd.good"
config tests/policyd/broken.toml "$CONF"
kill -HUP "$PID"
pf_wait 5 grep -q 'reload failed, keeping generation 1' "$LOG" && ok "SIGHUP with a broken config: logged, generation 1 kept" ||
    ko "no 'reload failed' line: $(tail -n 2 "$LOG")"
r=$(ask recipient=bob@hospital.example encryption_protocol=TLSv1.1 encryption_cipher=ECDHE-RSA-AES256-SHA encryption_keysize=256)
case $r in "REJECT 5.7.1 TLS policy for hospital.example (profile hipaa)"*) ok "still serving with the old config: $r" ;; *) ko "after a broken reload: $r" ;; esac
{ cat "$T/policyd.good"; printf '\n[[policyd.partner]]\ndomain = "new.example"\nprofile = "strict"\n'; } >"$CONF"
kill -HUP "$PID"
pf_wait 5 grep -q 'reloaded .* (generation 2, 6 partners)' "$LOG" && ok "SIGHUP with a good config: generation 2" ||
    ko "no 'reloaded' line: $(tail -n 2 "$LOG")"
r=$(ask recipient=x@new.example)
case $r in "REJECT 5.7.1 TLS policy for new.example (profile strict)"*) ok "new partner applies after reload: $r" ;; *) ko "after reload: $r" ;; esac
cp "$T/policyd.good" "$CONF"

# ---- max_connections ------------------------------------------------------
python3 - "$SOCK" >"$T/maxconn.out" 2>&1 <<'EOF'
import socket, sys, time
socks = []
for i in range(160):
    s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1]); socks.append(s)
time.sleep(0.3)
closed = 0
for s in socks:
    try:
        s.sendall(b"request=smtpd_access_policy\n\n")
        if s.recv(100) == b"": closed += 1
    except OSError:
        closed += 1
print(closed)
EOF
n=$(tail -n 1 "$T/maxconn.out")
if [ "$n" = 10 ]; then ok "max_connections 150, 160 idle connections: the 10 idlest closed for the newer ones"; else ko "max_connections: $(cat "$T/maxconn.out")"; fi
r=$(ask)
[ "$r" = DUNNO ] && ok "serving after max_connections was reached" || ko "after max_connections: $r"

# ---- SIGTERM ----------------------------------------------------------------
gone() { ! kill -0 "$1" 2>/dev/null; }
kill -TERM "$PID"
pf_wait 5 gone "$PID"
if kill -0 "$PID" 2>/dev/null; then ko "still running after SIGTERM"; else
    wait "$PID"; rc=$?
    [ $rc -eq 0 ] && ok "SIGTERM: clean exit 0" || ko "SIGTERM: exit $rc"
fi

# ---- finding 4: policyd holds its ground (idle timeout, request deadline, 0660, overload) ----
LCONF=$T/load.toml
LSOCK=$T/load.sock
sed -e 's/^max_connections = .*/max_connections = 8\nidle_timeout = 2\nrequest_timeout = 2/' "$CONF" >"$LCONF"
"$BIN" -f -c "$LCONF" -p "unix:$LSOCK" 2>"$T/load.log" &
LPID=$!
echo "$LPID" >>"$T/pids"
if pf_wait 10 pf_socket_ready "$LSOCK"; then
    mode=$(stat -c %a "$LSOCK")
    grp=$(stat -c %G "$LSOCK")
    want_grp=$(getent group postfix >/dev/null && echo postfix || stat -c %G "$LSOCK")
    if [ "$mode" = 660 ] && [ "$grp" = "$want_grp" ]; then ok "the socket is mode 0660, group $grp (policyd.socket_mode)"
    else ko "socket mode $mode group $grp, want 660 group $want_grp"; fi
    # A local user outside the group cannot connect at all.
    if command -v setpriv >/dev/null 2>&1; then
        if setpriv --reuid=1 --regid=1 --clear-groups python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' "$LSOCK" 2>/dev/null; then
            ko "uid 1 could connect to the policy socket"
        else
            ok "uid 1 (not in group postfix) cannot connect to the policy socket"
        fi
    fi
    python3 tests/policyd/load_test.py "$LSOCK" 8 2 2 >"$T/load.out" 2>&1
    cat "$T/load.out"
    pass=$((pass + $(grep -c '^ok: ' "$T/load.out")))
    fail=$((fail + $(grep -c '^FAIL: ' "$T/load.out")))
    [ "$(grep -c '^ok: \|^FAIL: ' "$T/load.out")" -eq 4 ] || ko "load_test.py did not run to the end: $(tail -n 3 "$T/load.out")"
    if kill -0 "$LPID" 2>/dev/null; then ok "daemon alive after the load test"; else ko "daemon died under load"; fi
    kill -TERM "$LPID"
else
    ko "load-test daemon did not start: $(cat "$T/load.log")"
fi

# ---- spawn mode -------------------------------------------------------------
req() { python3 -c 'import sys; sys.path.insert(0, "tests/policyd"); from policy_client import build; sys.stdout.buffer.write(b"".join(build(**dict(a.split("=", 1) for a in arg.split(","))) for arg in sys.argv[1:]))' "$@"; }
req recipient=bob@hospital.example,encryption_protocol=TLSv1.3,encryption_cipher=TLS_AES_256_GCM_SHA384,encryption_keysize=256 \
    recipient=bob@hospital.example >"$T/spawn.in"
cat "$T/spawn.in" | "$BIN" -c "$CONF" >"$T/spawn.out" 2>"$T/spawn.err"
rc=$?
want=$(printf 'action=DUNNO\n\naction=REJECT 5.7.1 TLS policy for hospital.example (profile hipaa): no TLS (profile hipaa requires TLSv1.2 or later)\n\n.')
got=$(cat "$T/spawn.out"; printf .)
if [ $rc -eq 0 ] && [ "$got" = "$want" ] && [ ! -s "$T/spawn.err" ]; then
    ok "spawn mode (stdin is a pipe): two replies on stdout, exit 0 at EOF, nothing on stderr"
else
    ko "spawn mode: exit $rc, stdout $(od -c "$T/spawn.out" | head -n 3), stderr $(cat "$T/spawn.err")"
fi
"$BIN" -s -c "$CONF" <"$T/spawn.in" >"$T/spawn.out" 2>"$T/spawn.err"
rc=$?
got=$(cat "$T/spawn.out"; printf .)
if [ $rc -eq 0 ] && [ "$got" = "$want" ]; then ok "spawn mode forced with -s (stdin a file)"; else ko "-s: exit $rc: $(cat "$T/spawn.out")"; fi
printf 'garbage\n\n' | "$BIN" -c "$CONF" >"$T/spawn.out" 2>&1
case $(cat "$T/spawn.out") in "action=DEFER_IF_PERMIT "*malformed*) ok "spawn mode: garbage answered as malformed" ;; *) ko "spawn garbage: $(cat "$T/spawn.out")" ;; esac
echo x | "$BIN" -c "$T/broken.toml" >"$T/spawn.out" 2>"$T/spawn.err"
rc=$?
if [ $rc -eq 1 ] && [ ! -s "$T/spawn.out" ]; then ok "spawn mode with a broken config: exit 1, nothing sent"; else ko "spawn broken: exit $rc"; fi

# ---- audit log: partner decisions are recorded, signed and chained ----------
# The daemon runs as [policyd] user (nobody): it must read the key and write the log.
mkdir -p "$T/audit"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/audit/audit.key"
chown -R nobody "$T/audit"
chmod 700 "$T/audit"
sed -e "s|^key_file = \"\".*|key_file = \"$T/audit/audit.key\"\n\n[audit]\nlog = \"$T/audit/policy-audit.jsonl\"|" "$CONF" >"$T/audit.toml"
req recipient=bob@hospital.example,encryption_protocol=TLSv1.3,encryption_cipher=TLS_AES_256_GCM_SHA384,encryption_keysize=256 \
    recipient=bob@hospital.example recipient=someone@ordinary.example >"$T/audit.in"
"$BIN" -s -c "$T/audit.toml" <"$T/audit.in" >"$T/audit.out" 2>"$T/audit.err"
records=$(wc -l <"$T/audit/policy-audit.jsonl" 2>/dev/null || echo 0)
if [ "$records" -eq 3 ] && grep -q '"source":"policyd"' "$T/audit/policy-audit.jsonl" &&
    ./piiguard audit verify --key "$T/audit/audit.key" "$T/audit/policy-audit.jsonl" >"$T/audit.verify" 2>&1; then
    ok "audit log: genesis + the 2 partner decisions recorded (not the ordinary domain), chain verifies"
else
    ko "audit log: $records records; $(cat "$T/audit.err" "$T/audit.verify" 2>/dev/null | head -n 3)"
fi

# ---- real Postfix with check_policy_service (spawn(8)) -----------------------
PORT=$(pf_free_port)
pf_instance edge
pf_conf edge "smtpd_recipient_restrictions = check_policy_service unix:private/piiguard-policy, permit" \
    "smtpd_tls_ask_ccert = yes" "smtpd_tls_CAfile = $T/certs/ca.crt" "smtpd_tls_fingerprint_digest = sha256"
pf_master edge <<EOF
127.0.0.1:$PORT inet n  -       n       -       -       smtpd
piiguard-policy unix -  n       n       -       0       spawn
  user=nobody argv=$BIN -c $CONF
EOF
if pf_start edge; then ok "Postfix edge instance on 127.0.0.1:$PORT with check_policy_service"; else ko "Postfix did not start"; finish; fi
printf 'Subject: policyd test\r\n\r\nhello\r\n' >"$T/msg.eml"
CLIENT_CERT="--tls-cert $T/certs/client.crt --tls-key $T/certs/client.key"

# scenario LABEL TLS TO WANT [swaks options] - send, record the reply, compare
# WANT: "accept" (250 queued) or a reply code prefix such as "554 5.7.1"
scenario() {
    _label=$1 _tls=$2 _to=$3 _want=$4
    shift 4
    pf_send "$_label" "$PORT" "$_tls" sender@client.test "$_to" "$T/msg.eml" "$@"
    # the server line right after the client's RCPT TO (swaks marks: <- plain, <~ TLS, * error)
    _rcpt=$(awk '/^ *(~>|->) RCPT TO/ { if ((getline l) > 0) print l; exit }' "$PF_OUT" | sed -E 's/^<[~*-]* *//')
    _queued=$(grep -Eo '250 2\.0\.0 Ok: queued as [0-9A-Z]+' "$PF_OUT" | head -n 1)
    _tlsv=$(pf_send_tls)
    if [ "$_want" = accept ]; then
        _seen="RCPT: $_rcpt; end of data: ${_queued:-none}"
        case $_rcpt in 250*) [ -n "$_queued" ] && _r=ok || _r=bad ;; *) _r=bad ;; esac
    else
        _seen="RCPT: $_rcpt"
        case $_rcpt in "$_want"*) [ -z "$_queued" ] && _r=ok || _r=bad ;; *) _r=bad ;; esac
    fi
    echo "scenario: $_label (client TLS: ${_tlsv:-none}) -> Postfix replied: $_seen"
    if [ $_r = ok ]; then ok "postfix: $_label"; else ko "postfix: $_label: want $_want; transcript $PF_OUT:"; sed 's/^/    /' "$PF_OUT" | tail -n 12; fi
}
scenario "partner over TLS 1.3 accepted" tls1.3 bob@hospital.example accept
scenario "partner over TLS 1.2 accepted" tls1.2 bob@hospital.example accept
scenario "partner over TLS 1.1 refused" tls1.1 bob@hospital.example "554 5.7.1"
scenario "partner over TLS 1.0 refused" tls1.0 bob@hospital.example "554 5.7.1"
scenario "partner in clear refused" none bob@hospital.example "554 5.7.1"
scenario "tempfail partner (bank subdomain) in clear deferred" none x@mx.bank.example "450 4.7.1"
scenario "pinned partner, its client cert over TLS 1.3 accepted" tls1.3 x@pinned.example accept $CLIENT_CERT
scenario "pinned partner, no client cert refused" tls1.3 x@pinned.example "554 5.7.1"
scenario "pinned partner whose cert fingerprint differs refused" tls1.3 x@otherpin.example "554 5.7.1" $CLIENT_CERT
scenario "ordinary domain in clear accepted" none y@ordinary.example accept
if pf_log_has 'warning: .*piiguard-policy'; then
    ko "Postfix logged policy warnings: $(pf_log_lines 'warning: .*piiguard-policy' | head -n 2)"
else
    ok "no Postfix warnings about the policy service"
fi

# ---- finding 3: the shipped spawn(8) snippet with auditing on, in a real Postfix ----
# The configuration the milter uses too: a trace key only root can read, the
# milter's audit log; the policy daemon has its own log and key, owned by nobody.
mkdir -p "$T/keys" "$T/paudit"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/keys/trace.key"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/paudit/policy-audit.key"
chmod 600 "$T/keys/trace.key" "$T/paudit/policy-audit.key"
chmod 700 "$T/keys"
chown -R nobody "$T/paudit"
chmod 700 "$T/paudit"
ACONF=$T/spawn-audit.toml
sed -e "s|^key_file = \"\".*|key_file = \"$T/keys/trace.key\"|" \
    -e "s|^max_connections = .*|&\naudit_log = \"$T/paudit/policy-audit.jsonl\"\naudit_key_file = \"$T/paudit/policy-audit.key\"\naudit_key_state = \"$T/paudit/policy-audit.state\"|" \
    "$CONF" >"$ACONF"
printf '\n[audit]\nlog = "%s"\n' "$T/keys/milter-audit.jsonl" >>"$ACONF"
chmod 644 "$ACONF"
PORT=$(pf_free_port)
pf_instance edgea
pf_conf edgea "smtpd_recipient_restrictions = check_policy_service unix:private/piiguard-policy, permit"
{
    echo "127.0.0.1:$PORT inet n  -       n       -       -       smtpd"
    # contrib/postfix/policyd.master.cf.snippet, verbatim but for the paths of the program and the config
    pf_snippet_lines contrib/postfix/policyd.master.cf.snippet |
        sed -e "s|/usr/local/sbin/piiguard-policyd|$BIN|" -e "s|/etc/piiguard/piiguard.toml|$ACONF|"
} | pf_master edgea
if grep -q "user=nobody argv=$BIN -c $ACONF" "$PF_T/edgea/etc/master.cf" && pf_start edgea; then
    ok "Postfix on 127.0.0.1:$PORT with the shipped policyd.master.cf.snippet (spawn as nobody), auditing on"
    scenario "auditing on: partner over TLS 1.3 accepted" tls1.3 bob@hospital.example accept
    scenario "auditing on: partner in clear refused" none bob@hospital.example "554 5.7.1"
    PA=$T/paudit/policy-audit.jsonl
    records=$(wc -l <"$PA" 2>/dev/null || echo 0)
    owner=$(stat -c %U "$PA" 2>/dev/null)
    if [ "$records" -eq 3 ] && [ "$owner" = nobody ] && grep -q '"source":"policyd","kid":"p1"' "$PA" &&
        ./piiguard audit verify --key "$T/paudit/policy-audit.key" "$PA" >"$T/pa.verify" 2>&1; then
        ok "the policy daemon (nobody) wrote its own audit log: genesis + 2 decisions, kid p1, chain verifies"
    else
        ko "policy audit log: $records records, owner $owner, verify: $(cat "$T/pa.verify" 2>/dev/null)"
    fi
    if [ -s "$T/keys/milter-audit.jsonl" ]; then ko "the policy daemon wrote into the milter's audit log"
    else ok "the milter's audit log and the trace key were left alone"; fi
    if pf_log_has 'piiguard-policyd.*(fatal|Permission denied|internal error)'; then
        ko "policy daemon errors: $(pf_log_lines 'piiguard-policyd.*(fatal|Permission denied|internal error)' | head -n 2)"
    else
        ok "no fatal or permission error from the policy daemon"
    fi
else
    ko "Postfix with the policyd snippet did not start"
fi
finish
