#!/bin/sh
# run.sh - piiguard-milter in front of a real Postfix, end to end.
#
# Usage: sh tests/postfix/run.sh       (from the checkout; root, as in CI)
#
# Starts, on 127.0.0.1 only: a private Postfix "edge" built from
# contrib/postfix/{main,master}.cf.snippet and piiguard_header_checks (test
# overrides: ports, socket paths, next hops, maillog), a private Postfix "mx"
# (one listener with STARTTLS, one without, delivering to a maildir), and
# piiguard-milter processes (the bundled contrib/piiguard.toml and the test
# configs tests/postfix/*.toml). Sends with swaks over TLS 1.3/1.2/1.1/1.0 and
# in clear, and checks what Postfix accepted, rejected, queued, held and
# delivered, the delivered headers and the maillog lines.
#
# Output: one line per scenario, "N passed, N failed" last; exit 1 on failure.
# Keeps tests/out/postfix/{maillog,milter.log,scenarios.jsonl} (and the
# trace key and audit logs of the test configs) for the audit tests.
set -u
cd "$(dirname "$0")/../.." || exit 1
PF_ROOT=$(pwd)
. tests/postfix/lib.sh
. tests/scenario.sh

OUT=$PF_ROOT/tests/out/postfix
BUNDLED=$PF_ROOT/contrib/piiguard.toml
PIIGUARD=$PF_ROOT/piiguard

# save_logs - keep the maillog and the milter log of this run (PF_SAVE_HOOK)
save_logs() {
    cp "$PF_T/maillog" "$OUT/maillog" 2>/dev/null
    cp "$PF_T/milter.log" "$OUT/milter.log" 2>/dev/null
    cp "$PF_T/edge/etc/main.cf" "$OUT/edge-main.cf" 2>/dev/null
    cp "$PF_T/edge/etc/master.cf" "$OUT/edge-master.cf" 2>/dev/null
}

# record SCENARIO EXPECTED PII - one line of scenarios.jsonl for the last pf_send
record() {
    _tls=$(pf_send_tls)
    [ -n "$_tls" ] || _tls=none
    _qid=${PF_QID:-}
    [ -n "$_qid" ] || _qid=$(pf_qid_by_sender edge "$LAST_FROM")
    if [ -n "$_qid" ]; then _q="\"$_qid\""; else _q=null; fi
    printf '{"scenario":"%s","queue_id":%s,"expected":"%s","tls":"%s","pii":%s,"from":"%s"}\n' \
        "$1" "$_q" "$2" "$_tls" "$3" "$LAST_FROM" >>"$OUT/scenarios.jsonl"
}

# mkmsg FILE ID TO KIND [HEADER...] - a test message; KIND: pii, nino, clean
mkmsg() {
    _f=$1 _id=$2 _to=$3 _kind=$4
    shift 4
    {
        echo "From: Sender <$_id@sender.test>"
        echo "To: <$_to>"
        echo "Subject: piiguard test $_id"
        echo "Date: Fri, 27 Nov 2026 03:04:05 +0000"
        echo "Message-ID: <$_id@piiguard.test>"
        for _h in "$@"; do echo "$_h"; done
        echo "MIME-Version: 1.0"
        echo "Content-Type: text/plain; charset=utf-8"
        echo
        case $_kind in
        pii)
            echo "Please see the patient below (NHS number 943 476 5919)."
            echo "NI number: AB 12 34 56 C"
            echo "Salary account: GB82 WEST 1234 5698 7654 32"
            ;;
        nino)
            echo "New starter, NI number: AB 12 34 56 C"
            ;;
        clean)
            echo "Hello,"
            echo
            echo "the meeting moved to room 4 at half past ten."
            echo "Nothing personal in here, just a plain note."
            ;;
        esac
        echo
        echo "-- "
        echo "piiguard tests"
    } >"$_f.tmp"
    # no final newline: swaks ends DATA with CRLF "." itself
    printf '%s' "$(cat "$_f.tmp")" >"$_f"
    rm -f "$_f.tmp"
}

# send ID PORT TLS TO KIND [HEADER...] - build and send a message; sender ID@sender.test
# (more swaks options in SWAKS_EXTRA)
send() {
    _sid=$1 _port=$2 _stls=$3 _sto=$4 _skind=$5
    shift 5
    mkmsg "$PF_T/$_sid.eml" "$_sid" "$_sto" "$_skind" "$@"
    LAST_FROM=$_sid@sender.test
    LAST_FILE=$PF_T/$_sid.eml
    # shellcheck disable=SC2086
    pf_send "$_sid" "$_port" "$_stls" "$LAST_FROM" "$_sto" "$LAST_FILE" ${SWAKS_EXTRA:-}
}

# accepted - the last send was accepted (250 ... queued as)
accepted() {
    [ "$PF_RC" -eq 0 ] && [ -n "$PF_QID" ] || fail "not accepted (swaks exit $PF_RC, last reply: $(util_printable "$PF_REPLY"))"
}

# refused CODE_RE - the last send was refused with a reply matching CODE_RE (e.g. '5[0-9][0-9] 5\.7\.')
refused() {
    [ "$PF_RC" -ne 0 ] || { fail "accepted (queued as $PF_QID), expected a refusal $1"; return 1; }
    _r=$(grep -E '^<(\*\*|~\*) ' "$PF_OUT" | tail -n 1 | sed -E 's/^<[~*]* *//')
    echo "$_r" | grep -Eq "^$1" || fail "refused with '$(util_printable "$_r")', expected $1"
}

# refusal - the refusal line of the last send
refusal() {
    grep -E '^<(\*\*|~\*) ' "$PF_OUT" | tail -n 1 | sed -E 's/^<[~*]* *//'
}

# util_printable - a log-safe copy of a string (ASCII printable, 200 chars)
util_printable() {
    printf '%s' "$1" | tr -c '[:print:]' '?' | cut -c1-200
}

# tls_was VERSION - swaks negotiated VERSION (TLSv1.3, TLSv1, ...)
tls_was() {
    _v=$(pf_send_tls)
    [ "$_v" = "$1" ] || fail "swaks negotiated '${_v:-no TLS}', expected $1"
}

# trace_verifies FILE KEYFILE - the delivered message's trace header verifies
trace_verifies() {
    _n=$(pf_header_count "$1" X-PIIGuard-Trace)
    [ "$_n" -eq 1 ] || { fail "$_n X-PIIGuard-Trace headers delivered, expected exactly 1"; return 1; }
    "$PIIGUARD" verify --key "$2" "$1" >"$PF_T/verify.out" 2>&1 ||
        { fail "piiguard verify failed: $(util_printable "$(head -c 300 "$PF_T/verify.out")")"; return 1; }
}

# trace_tamper_fails FILE KEYFILE - an edited copy of the trace no longer verifies
trace_tamper_fails() {
    sed -E '/^X-PIIGuard-Trace:/,/sig=/ s/verdict=[a-z]+/verdict=tampered/' "$1" >"$PF_T/tampered.eml"
    cmp -s "$1" "$PF_T/tampered.eml" && { fail "could not edit the trace for the tamper check"; return 1; }
    "$PIIGUARD" verify --key "$2" "$PF_T/tampered.eml" >"$PF_T/verify-tampered.out" 2>&1 &&
        { fail "piiguard verify accepted an edited trace"; return 1; }
    return 0
}

# delivered_over_tls QID TRANSPORT_RE PORT - Postfix sent QID via TRANSPORT to PORT over TLS
delivered_over_tls() {
    _line=$(pf_log_lines " postfix-edge/$2/smtp\[[0-9]+\]: $1: to=<[^>]*>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$3,.* status=sent" | head -n 1)
    [ -n "$_line" ] || { fail "no 'status=sent' line for $1 via $2 to port $3 in the maillog"; return 1; }
    _pid=$(echo "$_line" | sed -nE 's/.*\/smtp\[([0-9]+)\]: .*/\1/p')
    _tl=$(pf_log_lines " postfix-edge/$2/smtp\[$_pid\]: (Trusted|Verified|Untrusted|Anonymous) TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:$3: TLSv1\.[23] " | tail -n 1)
    [ -n "$_tl" ] || { fail "no smtp TLS line of smtp[$_pid] for $1"; return 1; }
    DELIVERED_TLS=$(echo "$_tl" | sed -nE 's/.*established to [^ ]+: (TLSv[0-9.]+) with cipher ([^ ]+).*/\1 \2/p')
    DELIVERED_TRANSPORT=$(echo "$_line" | sed -nE 's/.* postfix-edge\/([^/]+)\/smtp\[.*/\1/p')
}

# --- set-up --------------------------------------------------------------------

mkdir -p "$OUT"
rm -f "$OUT"/maillog "$OUT"/milter.log "$OUT"/scenarios.jsonl "$OUT"/audit-*.log "$OUT"/edge-*.cf
: >"$OUT/scenarios.jsonl"
for tool in postfix postconf postqueue swaks openssl python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "missing tool: $tool (make deps-test)"; echo "0 passed, 1 failed"; exit 1; }
done
if [ ! -x "$PF_MILTER" ]; then
    echo "piiguard-milter is not built ($PF_MILTER)"
    echo "0 passed, 1 failed"
    exit 1
fi

PF_SAVE_HOOK=save_logs
pf_init
START=$(date +%s)
pf_make_certs || { echo "cannot make test certificates"; echo "0 passed, 1 failed"; exit 1; }

MX_TLS=$(pf_free_port)
MX_PLAIN=$(pf_free_port)
P_DEF=$(pf_free_port)
P_HIPAA=$(pf_free_port)
P_TEMPF=$(pf_free_port)
P_QUAR=$(pf_free_port)
P_RELOAD=$(pf_free_port)
P_MON=$(pf_free_port)

# the remote MX
pf_mx mx "$MX_TLS" "$MX_PLAIN"

# the edge: base + contrib snippets verbatim + test overrides
pf_instance edge
pf_edge_from_contrib edge "$PF_T/bundled.sock"
E=$PF_T/edge/etc
# the site's TLS policy for its ordinary mail: "none" and "may" entries, which
# must not weaken the piiguard transports
printf '[127.0.0.1]:%s\tnone\n[127.0.0.1]:%s\tmay\n' "$MX_PLAIN" "$MX_TLS" >"$E/tls_policy"
pf_conf edge \
    "smtp_tls_policy_maps = texthash:$E/tls_policy" \
    "smtpd_tls_ask_ccert = yes" \
    "smtpd_tls_CAfile = $PF_T/certs/ca.crt"
pf_route edge tls.example "smtp:[127.0.0.1]:$MX_TLS"
pf_route edge plain.example "smtp:[127.0.0.1]:$MX_PLAIN"
# listen NAME PORT [-o ...] - an smtpd listener on the edge, {daemon_name} NAME
listen() {
    _ln=$1 _lp=$2
    shift 2
    {
        echo "127.0.0.1:$_lp inet n - n - - smtpd"
        echo "  -o syslog_name=postfix-edge/$_ln"
        echo "  -o milter_macro_daemon_name=$_ln"
        for _o in "$@"; do echo "  -o $_o"; done
    } | pf_master edge
}
listen smtp "$P_DEF"
listen hipaa "$P_HIPAA" "smtpd_milters=unix:$PF_T/hipaa.sock"
listen tempfail "$P_TEMPF" "smtpd_milters=unix:$PF_T/tempfail.sock"
listen quarantine "$P_QUAR" "smtpd_milters=unix:$PF_T/quarantine.sock"
listen reload "$P_RELOAD" "smtpd_milters=unix:$PF_T/reload.sock"
listen monitor "$P_MON" "smtpd_milters=unix:$PF_T/monitor.sock"

# milters: the bundled config as shipped, and the test configs (filled in)
cp -R "$PF_ROOT/rules" "$PF_T/rules-reload"
for c in hipaa tempfail quarantine reload monitor; do
    sed -e "s|@ROOT@|$PF_ROOT|g" -e "s|@TMP@|$PF_T|g" -e "s|@OUT@|$OUT|g" \
        "tests/postfix/$c.toml" >"$PF_T/$c.toml"
done
setup_ok=1
"$PF_MILTER" -n -c "$BUNDLED" >"$PF_T/bundled-n.out" 2>&1 ||
    { echo "piiguard-milter -n rejects $BUNDLED:"; cat "$PF_T/bundled-n.out"; setup_ok=0; }
pf_milter_start bundled "$BUNDLED" || setup_ok=0
for c in hipaa tempfail quarantine reload monitor; do
    pf_milter_start "$c" "$PF_T/$c.toml" || setup_ok=0
done
pf_start mx || setup_ok=0
pf_start edge || setup_ok=0
if [ "$setup_ok" -ne 1 ]; then
    echo "set-up failed; milter log:"
    tail -n 20 "$PF_T/milter.log"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "set-up: edge :$P_DEF (bundled config), mx :$MX_TLS (STARTTLS) :$MX_PLAIN (no STARTTLS), $(($(date +%s) - START)) s"

# --- scenarios -------------------------------------------------------------------

# 1. PII over TLS 1.3 -> accepted, delivered to the TLS MX over TLS, trace verifies
s1() {
    SWAKS_EXTRA="--tls-cert $PF_T/certs/client.crt --tls-key $PF_T/certs/client.key"
    send s1 "$P_DEF" tls1.3 u1@tls.example pii
    SWAKS_EXTRA=""
    record 1-pii-tls13 delivered true
    accepted || return 1
    tls_was TLSv1.3 || return 1
    pf_wait 20 pf_is_delivered mx s1@piiguard.test || { fail "not delivered to the MX within 20 s"; return 1; }
    pf_wait 5 pf_log_has "$PF_QID: removed" || true
    delivered_over_tls "$PF_QID" 'piiguard-tls1[23]' "$MX_TLS" || return 1
    _f=$(pf_delivered mx s1@piiguard.test)
    [ "$(pf_header_count "$_f" X-PIIGuard-Route)" -eq 0 ] || { fail "the internal route marker reached the recipient"; return 1; }
    trace_verifies "$_f" "$PF_ROOT/contrib/trace.key" || return 1
    trace_tamper_fails "$_f" "$PF_ROOT/contrib/trace.key" || return 1
    echo "     $(cat "$PF_T/verify.out" | sed 's|.*/||'); edited copy: $(sed 's|.*/||' "$PF_T/verify-tampered.out" | head -n 1)"
    echo "     delivered via $DELIVERED_TRANSPORT over $DELIVERED_TLS"
    echo "     X-PIIGuard-Trace: $(pf_header "$_f" X-PIIGuard-Trace | cut -c1-220)"
}

# 2. PII over TLS 1.0 / 1.1 with the hipaa config -> rejected 5.7.x (1.2 accepted: control)
s2_10() {
    send s2-tls10 "$P_HIPAA" tls1.0 u2@tls.example pii
    record 2-pii-tls10-hipaa rejected true
    tls_was TLSv1 || return 1
    refused '5[0-9][0-9] 5\.7\.[0-9]+ ' || return 1
    echo "     reply: $(util_printable "$(refusal)")"
}
s2_11() {
    send s2-tls11 "$P_HIPAA" tls1.1 u2@tls.example pii
    record 2-pii-tls11-hipaa rejected true
    tls_was TLSv1.1 || return 1
    refused '5[0-9][0-9] 5\.7\.[0-9]+ ' || return 1
    echo "     reply: $(util_printable "$(refusal)")"
}
s2_12() {
    send s2-tls12 "$P_HIPAA" tls1.2 u2@tls.example pii
    record 2-pii-tls12-hipaa delivered true
    tls_was TLSv1.2 || return 1
    accepted || return 1
    pf_wait 20 pf_is_delivered mx s2-tls12@piiguard.test || { fail "not delivered within 20 s"; return 1; }
}

# 3. PII in clear -> rejected 5.7.x (bundled config), tempfailed 4.7.x (weak_tls_action = tempfail)
s3_reject() {
    send s3-reject "$P_DEF" none u3@tls.example pii
    record 3-pii-clear-reject rejected true
    refused '5[0-9][0-9] 5\.7\.[0-9]+ ' || return 1
    pf_log_has "milter-reject: END-OF-MESSAGE .*5\.7\.[0-9]+ .*from=<s3-reject@sender\.test>" ||
        { fail "no milter-reject line in the maillog"; return 1; }
    echo "     reply: $(util_printable "$(refusal)")"
}
s3_tempfail() {
    send s3-tempfail "$P_TEMPF" none u3@tls.example pii
    record 3-pii-clear-tempfail rejected true
    refused '4[0-9][0-9] 4\.7\.[0-9]+ ' || return 1
    echo "     reply: $(util_printable "$(refusal)")"
}

# 4. No PII in clear -> accepted, delivered unchanged (only the trace header added)
s4() {
    send s4 "$P_DEF" none u4@plain.example clean
    record 4-clean-clear delivered false
    accepted || return 1
    pf_wait 20 pf_is_delivered mx s4@piiguard.test || { fail "not delivered within 20 s"; return 1; }
    _f=$(pf_delivered mx s4@piiguard.test)
    pf_body "$LAST_FILE" >"$PF_T/s4.sent.body"
    pf_body "$_f" >"$PF_T/s4.got.body"
    cmp -s "$PF_T/s4.sent.body" "$PF_T/s4.got.body" || { fail "body changed in transit"; return 1; }
    # every header sent arrives unchanged and in order; the only header added by
    # anything but Postfix's trace/delivery headers is X-PIIGuard-Trace
    pf_headers "$LAST_FILE" >"$PF_T/s4.sent.hdr"
    pf_headers "$_f" | awk '/^[^ \t]/ { keep = ($0 !~ /^(Return-Path|X-Original-To|Delivered-To|Received|X-PIIGuard-Trace):/) } keep' >"$PF_T/s4.got.hdr"
    cmp -s "$PF_T/s4.sent.hdr" "$PF_T/s4.got.hdr" || { fail "headers changed: $(diff "$PF_T/s4.sent.hdr" "$PF_T/s4.got.hdr" | head -n 4 | tr '\n' ' ')"; return 1; }
    [ "$(pf_header_count "$_f" X-PIIGuard-Route)" -eq 0 ] || { fail "clean mail got a route header"; return 1; }
    trace_verifies "$_f" "$PF_ROOT/contrib/trace.key" || return 1
    pf_log_has " postfix-edge/smtp\[[0-9]+\]: $PF_QID: to=<u4@plain\.example>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$MX_PLAIN,.* status=sent" ||
        { fail "not sent by the ordinary smtp transport"; return 1; }
}

# 5. PII to an MX without STARTTLS -> deferred (4.7.4), still queued after a retry, not delivered
s5() {
    send s5 "$P_DEF" tls1.3 u5@plain.example pii
    record 5-pii-no-starttls-mx deferred true
    accepted || return 1
    _re="postfix-edge/piiguard-tls1[23]/smtp\[[0-9]+\]: $PF_QID: to=<u5@plain\.example>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$MX_PLAIN,.* dsn=4\.7\.4, status=deferred \(TLS is required, but was not offered"
    if ! pf_wait 20 pf_log_has "$_re"; then
        if pf_log_has "$PF_QID: to=<u5@plain\.example>.* status=sent"; then
            fail "PII mail was SENT to the MX without STARTTLS (in clear): $(pf_log_lines "$PF_QID: to=<u5" | tail -n 1 | sed -E 's/.*(relay=.*)/\1/' | cut -c1-160)"
        else
            fail "no 'dsn=4.7.4, status=deferred (TLS is required...)' line"
        fi
        return 1
    fi
    pf_in_queue edge "$PF_QID" || { fail "$PF_QID not in the queue after deferral"; return 1; }
    pf_flush edge
    _try_twice() { [ "$(pf_log_count "$_re")" -ge 2 ]; }
    pf_wait 20 _try_twice || { fail "no second delivery attempt after postqueue -f"; return 1; }
    pf_in_queue edge "$PF_QID" || { fail "$PF_QID left the queue after the retry"; return 1; }
    pf_is_delivered mx s5@piiguard.test && { fail "delivered in spite of no STARTTLS"; return 1; }
    pf_log_has "$PF_QID: to=<u5@plain\.example>.* status=sent" && { fail "a 'status=sent' line for $PF_QID"; return 1; }
    echo "     $(pf_log_count "$_re") attempts deferred: $(pf_log_lines "$_re" | tail -n 1 | sed -E 's/.*(dsn=.*)/\1/')"
}

# 7. SIGHUP with a broken rules file -> still running with the old rules; the log says why
s7() {
    send s7-before "$P_RELOAD" none u7@tls.example nino
    record 7-nino-clear-before-hup rejected true
    refused '5[0-9][0-9] 5\.7\.[0-9]+ ' || { WHY="before SIGHUP: $WHY"; return 1; }
    _mark=$(wc -l <"$PF_T/milter.log")
    printf '\n[[rule]]\nid = "broken\ntype = \n' >>"$PF_T/rules-reload/national-id.toml"
    pf_milter_hup reload
    _said() { tail -n +"$((_mark + 1))" "$PF_T/milter.log" | grep -q 'national-id\.toml'; }
    pf_wait 10 _said || { fail "no milter log line naming the broken file after SIGHUP"; return 1; }
    pf_milter_alive reload || { fail "the milter died on SIGHUP"; return 1; }
    send s7-after "$P_RELOAD" none u7@tls.example nino
    record 7-nino-clear-after-hup rejected true
    refused '5[0-9][0-9] 5\.7\.[0-9]+ ' || { WHY="after SIGHUP: $WHY"; return 1; }
    echo "     milter log: $(tail -n +"$((_mark + 1))" "$PF_T/milter.log" | grep 'national-id\.toml' | head -n 1 | cut -c1-200)"
}

# 6. piiguard-milter stopped -> Postfix answers 4xx (milter_default_action = tempfail)
s6() {
    send s6-up "$P_RELOAD" none u6@plain.example clean
    record 6-clean-milter-up delivered false
    accepted || { WHY="with the milter up: $WHY"; return 1; }
    pf_milter_stop reload
    pf_milter_dead reload || { fail "milter did not stop"; return 1; }
    send s6-down "$P_RELOAD" none u6@plain.example clean
    record 6-clean-milter-down rejected false
    refused '4[0-9][0-9] 4\.[0-9]+\.[0-9]+ ' || return 1
    echo "     reply: $(util_printable "$(refusal)")"
}

# 8. quarantine -> the PII message sits in the hold queue (postqueue -p shows '!')
s8() {
    send s8 "$P_QUAR" none u8@tls.example pii
    record 8-pii-clear-quarantine held true
    accepted || return 1
    pf_wait 10 pf_held edge "$PF_QID" || { fail "$PF_QID not on hold: $(pf_queue edge | head -n 3 | tr '\n' ' ')"; return 1; }
    pf_is_delivered mx s8@piiguard.test && { fail "held message was delivered"; return 1; }
    echo "     postqueue -p: $(pf_queue edge | grep -E "^$PF_QID!" | cut -c1-60)"
}

FORGED_TRACE="X-PIIGuard-Trace: by piiguard; v=1; qid=FORGED; t=2026-11-27T03:04:05Z; client=127.0.0.1; tls=TLSv1.3; cipher=TLS_AES_256_GCM_SHA384; bits=256; cert=none; pii=none; profile=gdpr; verdict=accept; outbound=none; kid=k1; sig=Zm9yZ2VkIGJ5IHRoZSBzZW5kZXI="

# 9a. forged trace + route + TLS-Required: No on PII mail -> only ours delivered
s9_pii() {
    send s9-pii "$P_DEF" tls1.3 u9@tls.example pii "$FORGED_TRACE" "X-PIIGuard-Route: piiguard-tls13" "TLS-Required: No"
    record 9-pii-forged-headers delivered true
    accepted || return 1
    pf_wait 20 pf_is_delivered mx s9-pii@piiguard.test || { fail "not delivered within 20 s"; return 1; }
    _f=$(pf_delivered mx s9-pii@piiguard.test)
    grep -q 'qid=FORGED' "$_f" && { fail "the forged trace header was delivered"; return 1; }
    [ "$(pf_header_count "$_f" X-PIIGuard-Route)" -eq 0 ] || { fail "$(pf_header_count "$_f" X-PIIGuard-Route) route headers delivered, expected none (forged one removed, ours removed on the way out)"; return 1; }
    delivered_over_tls "$PF_QID" 'piiguard-tls1[23]' "$MX_TLS" || return 1
    [ "$(pf_header_count "$_f" TLS-Required)" -eq 0 ] || { fail "TLS-Required: No kept on PII mail"; return 1; }
    trace_verifies "$_f" "$PF_ROOT/contrib/trace.key" || return 1
}

# 9b. forged route + trace on clean mail -> removed, not routed (ordinary smtp to the plain MX)
s9_clean() {
    send s9-clean "$P_DEF" none u9@plain.example clean "X-PIIGuard-Route: piiguard-tls12" "$FORGED_TRACE"
    record 9-clean-forged-route delivered false
    accepted || return 1
    pf_wait 20 pf_is_delivered mx s9-clean@piiguard.test || { fail "not delivered (routed to mandatory TLS?) within 20 s"; return 1; }
    _f=$(pf_delivered mx s9-clean@piiguard.test)
    [ "$(pf_header_count "$_f" X-PIIGuard-Route)" -eq 0 ] || { fail "forged route header delivered"; return 1; }
    grep -q 'qid=FORGED' "$_f" && { fail "the forged trace header was delivered"; return 1; }
    trace_verifies "$_f" "$PF_ROOT/contrib/trace.key" || return 1
    pf_log_has " postfix-edge/smtp\[[0-9]+\]: $PF_QID: to=<u9@plain\.example>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$MX_PLAIN,.* status=sent" ||
        { fail "not delivered by the ordinary smtp transport"; return 1; }
}

# 10. monitor mode -> PII in clear accepted and delivered, annotated in the trace
s10() {
    send s10 "$P_MON" none u10@tls.example pii
    record 10-pii-clear-monitor delivered true
    accepted || return 1
    pf_wait 20 pf_is_delivered mx s10@piiguard.test || { fail "not delivered within 20 s"; return 1; }
    _f=$(pf_delivered mx s10@piiguard.test)
    trace_verifies "$_f" "$OUT/trace.key" || return 1
    pf_header "$_f" X-PIIGuard-Trace | grep -q 'verdict=annotate' || { fail "trace verdict is not annotate"; return 1; }
    grep -Eq "(^|: )$PF_QID: piiguard: .* verdict=annotate would_be=reject " "$PF_T/milter.log" ||
        { fail "no milter log line '$PF_QID: ... verdict=annotate would_be=reject'"; return 1; }
}

# 12. no PII value in the maillog, the milter log or any delivered header section
s_no_values() {
    _hdrs=$PF_T/delivered-headers
    : >"$_hdrs"
    for _m in "$PF_T"/mx/mail/inbox/new/*; do [ -f "$_m" ] && pf_headers "$_m" >>"$_hdrs"; done
    [ -s "$_hdrs" ] || { fail "no delivered message to look at"; return 1; }
    for _v in "943 476 5919" "9434765919" "AB 12 34 56 C" "AB123456C" "GB82 WEST" "GB82WEST"; do
        for _log in "$PF_T/maillog" "$PF_T/milter.log" "$_hdrs"; do
            grep -qiF "$_v" "$_log" && { fail "a PII value appears in $(basename "$_log")"; return 1; }
        done
    done
    return 0
}

scenario "1 PII over TLS 1.3 (bundled config): accepted, delivered over mandatory TLS, trace verifies" s1
scenario "2a PII over TLS 1.0 (hipaa): rejected 5.7.x" s2_10
scenario "2b PII over TLS 1.1 (hipaa): rejected 5.7.x" s2_11
scenario "2c PII over TLS 1.2 (hipaa, control): accepted and delivered" s2_12
scenario "3a PII in clear (bundled config): rejected 5.7.x" s3_reject
scenario "3b PII in clear (weak_tls_action = tempfail): 4.7.x" s3_tempfail
scenario "4 no PII in clear: delivered unchanged but for the trace header" s4
scenario "5 PII to an MX without STARTTLS: deferred 4.7.4, still queued after a retry" s5
scenario "7 SIGHUP with a broken rules file: old rules kept, log names the file" s7
scenario "6 piiguard-milter stopped: Postfix answers 4xx" s6
scenario "8 quarantine: PII message on hold" s8
scenario "9a forged trace/route/TLS-Required on PII mail: only ours delivered" s9_pii
scenario "9b forged route on clean mail: removed, not routed" s9_clean
scenario "10 monitor mode: PII in clear accepted, traced" s10

# every milter still alive (but the one stopped on purpose)
s_alive() {
    for c in bundled hipaa tempfail quarantine monitor; do
        pf_milter_alive "$c" || { fail "milter $c died"; return 1; }
    done
}
scenario "11 every milter still running" s_alive
# 13. attachments (issue 10): an XLSX with an NHS number, an encrypted ZIP
# attach_msg ID FIXTURE - the golden fixture as a message with our Message-ID
attach_msg() {
    { printf 'Message-ID: <%s@piiguard.test>\nDate: Fri, 27 Nov 2026 03:04:05 +0000\n' "$1"; cat "tests/golden/mime/$2"; } >"$PF_T/$1.eml"
    printf '%s' "$(cat "$PF_T/$1.eml")" >"$PF_T/$1.eml.tmp" && mv "$PF_T/$1.eml.tmp" "$PF_T/$1.eml"
    LAST_FROM=$1@sender.test
}
s13_clear() {
    attach_msg s13-clear attach_xlsx.eml
    pf_send s13-clear "$P_DEF" none "$LAST_FROM" u13@tls.example "$PF_T/s13-clear.eml"
    record 13-xlsx-nhs-clear rejected true
    refused '5[0-9][0-9] 5\.7\.[0-9]+ ' || return 1
    echo "     reply: $(util_printable "$(refusal)")"
}
s13_tls() {
    attach_msg s13-tls attach_xlsx.eml
    pf_send s13-tls "$P_DEF" tls1.3 "$LAST_FROM" u13@tls.example "$PF_T/s13-tls.eml"
    record 13-xlsx-nhs-tls13 delivered true
    accepted || return 1
    pf_wait 20 pf_is_delivered mx s13-tls@piiguard.test || { fail "not delivered within 20 s"; return 1; }
    delivered_over_tls "$PF_QID" 'piiguard-tls1[23]' "$MX_TLS" || return 1
    grep -Eq "(^|: )$PF_QID: piiguard: .* pii=date_of_birth:1,uk_nhs:1 " "$PF_T/milter.log" || { fail "the milter did not find the NHS number in the XLSX"; return 1; }
    echo "     delivered via $DELIVERED_TRANSPORT over $DELIVERED_TLS"
}
s13_encrypted() {
    attach_msg s13-enc attach_encrypted.eml
    pf_send s13-enc "$P_DEF" tls1.3 "$LAST_FROM" u13e@tls.example "$PF_T/s13-enc.eml"
    record 13-encrypted-zip-default delivered true
    accepted || { WHY="default on_encrypted = accept: $WHY"; return 1; }
    grep -Eq "(^|: )$PF_QID: piiguard: .* incomplete=encrypted " "$PF_T/milter.log" || { fail "the log line does not name the encrypted attachment"; return 1; }
    attach_msg s13-enc2 attach_encrypted.eml
    pf_send s13-enc2 "$P_TEMPF" tls1.3 "$LAST_FROM" u13e@tls.example "$PF_T/s13-enc2.eml"
    record 13-encrypted-zip-tempfail rejected true
    refused '4[0-9][0-9] 4\.7\.[0-9]+ ' || { WHY="on_encrypted = tempfail: $WHY"; return 1; }
    echo "     on_encrypted = tempfail: $(util_printable "$(refusal)")"
}
scenario "13a XLSX with an NHS number in clear: rejected 5.7.x" s13_clear
scenario "13b XLSX with an NHS number over TLS 1.3: routed over mandatory TLS" s13_tls
scenario "13c encrypted ZIP: accepted and logged by default; 4.7.x where a profile tightens it" s13_encrypted
scenario "12 no PII value in the maillog, the milter log or delivered headers" s_no_values

echo "($(($(date +%s) - START)) s; logs in tests/out/postfix/)"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ] && exit 0
exit 1
