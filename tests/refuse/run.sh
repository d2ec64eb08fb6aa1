#!/bin/sh
# run.sh - early refusal at end of message (issue 13), in a real Postfix.
#
# Usage: sh tests/refuse/run.sh       (from the checkout; root, as in CI)
#
# An "edge" Postfix built from contrib/postfix/{main,master,reinject.master}
# .cf.snippet verbatim but for paths and ports, with transport_maps sending
# partner.test to a loopback listener with STARTTLS, legacy.test and
# legacy2.test to listeners without it, and sender.test (where bounces go)
# to the STARTTLS one. piiguard-milter runs with the bundled
# contrib/piiguard.toml changed in paths and ports, and with
# [outbound_check] unreachable_action = "reject" (the behaviour under test;
# the default is route) and a state file.
#
# Scenarios: the first PII message to the no-STARTTLS next hop is routed and
# deferred and the next hop gets probed; the second is refused at once (550
# 5.7.1 naming recipient, next hop and reason); clean mail to it still goes;
# a mixed message delivers to the partner and bounces only the legacy
# recipient with that reply; tempfail gives 450 4.7.1; the state file
# carries the knowledge across a restart; max_reply_delay answers the very
# first message to a new next hop; a TLS 1.0-only next hop is named with its
# protocol. Each checks the SMTP reply swaks got and
# what Postfix logged, queued and delivered. Loopback only.
set -u
cd "$(dirname "$0")/../.." || exit 1
PF_ROOT=$(pwd)
. tests/postfix/lib.sh
. tests/scenario.sh

OUT=$PF_ROOT/tests/out/refuse

save_logs() {
    cp "$PF_T/maillog" "$OUT/maillog" 2>/dev/null
    cp "$PF_T/milter.log" "$OUT/milter.log" 2>/dev/null
    cp "$PF_T/edge.toml" "$OUT/edge.toml" 2>/dev/null
    cp "$PF_T/dest.state" "$OUT/dest.state" 2>/dev/null
    cp -r "$PF_T/swaks" "$OUT/" 2>/dev/null
}
# proof REGEX - print the (first) maillog line matching REGEX, shortened
proof() { pf_log_lines "$1" | head -n 1 | sed -E 's/^[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} [^ ]+ //' | cut -c1-260 | sed 's/^/     /'; }

# mkmsg FILE ID KIND - a message; KIND pii (NHS number, IBAN) or clean
mkmsg() {
    {
        echo "From: Sender <$2@sender.test>"
        echo "To: undisclosed-recipients:;"
        echo "Subject: refuse test $2"
        echo "Date: Wed, 02 Dec 2026 03:04:05 +0000"
        echo "Message-ID: <$2@piiguard.test>"
        echo "MIME-Version: 1.0"
        echo "Content-Type: text/plain; charset=utf-8"
        echo
        if [ "$3" = pii ]; then
            echo "Referral for the patient with NHS number 943 476 5919."
            echo "Refund to GB82 WEST 1234 5698 7654 32."
        else
            echo "The meeting moved to room 4."
        fi
    } >"$1.tmp"
    printf '%s' "$(cat "$1.tmp")" >"$1"
    rm -f "$1.tmp"
}
# send ID FROM TO KIND - build and send to the edge over TLS 1.3 (TO: comma-separated)
send() {
    mkmsg "$PF_T/$1.eml" "$1" "$4"
    pf_send "$1" "$P_EDGE" tls1.3 "$2" "$3" "$PF_T/$1.eml"
}
accepted() {
    [ "$PF_RC" -eq 0 ] && [ -n "$PF_QID" ] || fail "not accepted (swaks exit $PF_RC, last reply: $PF_REPLY)"
}
# refused CODE TEXT - swaks got CODE with TEXT at end of data, nothing was queued
refused() {
    [ -z "$PF_QID" ] || { fail "queued as $PF_QID, expected a refusal"; return 1; }
    # the reply to the end of data (swaks marks server errors "<~*" over TLS)
    SAID=$(grep -E '^<[~*]* *[45][0-9][0-9] ' "$PF_OUT" | tail -n 1 | sed -E 's/^<[~*]* *//')
    [ "$SAID" = "$1 $2" ] || { fail "reply '$SAID', expected '$1 $2'"; return 1; }
}
# delivered_to MX MSGID RCPT - copies MX delivered of MSGID to RCPT (Delivered-To)
delivered_to() {
    _n=0
    for _m in "$PF_T/$1"/mail/inbox/new/*; do
        [ -f "$_m" ] || continue
        grep -qiF "Message-ID: <$2>" "$_m" || continue
        grep -qiF "Delivered-To: $3" "$_m" && _n=$((_n + 1))
    done
    echo "$_n"
}
one_copy() { [ "$(delivered_to "$1" "$2" "$3")" -eq 1 ]; }
# bounce_for MSGID RCPT - a delivered bounce to the sender naming RCPT and quoting MSGID
bounce_with() {
    for _m in "$PF_T/mx"/mail/inbox/new/*; do
        [ -f "$_m" ] || continue
        grep -qF "Delivered-To: $1" "$_m" && grep -qF "Message-ID: <$2>" "$_m" &&
            grep -qiF "Content-Description: Delivery report" "$_m" && { echo "$_m"; return 0; }
    done
    return 1
}
has_bounce() { bounce_with "$1" "$2" >/dev/null; }
# never_clear RCPT PORT - no copy to RCPT was sent to the no-STARTTLS port
never_clear() {
    pf_log_has "to=<$1>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$2,.* status=sent" &&
        { fail "a copy to $1 was SENT to the listener without STARTTLS"; return 1; }
    return 0
}
milter_log_has() { grep -qE -- "$1" "$PF_T/milter.log"; }
reloads() { grep -cE "reload: configuration .* loaded" "$PF_T/milter.log"; }
reloaded_since() { [ "$(reloads)" -gt "$1" ]; }
# hup - SIGHUP the milter, wait for its reload line
hup() {
    _n=$(reloads)
    pf_milter_hup edge
    pf_wait 10 reloaded_since "$_n"
}
state_has() { grep -qE -- "$1" "$PF_T/dest.state" 2>/dev/null; }

# --- set-up ----------------------------------------------------------------------
mkdir -p "$OUT"
rm -rf "$OUT"/*
for tool in postfix postconf postqueue postmap swaks openssl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "missing tool: $tool (make deps-test)"; echo "0 passed, 1 failed"; exit 1; }
done
PF_SAVE_HOOK=save_logs
pf_init
START=$(date +%s)
pf_make_certs || { echo "cannot make test certificates"; echo "0 passed, 1 failed"; exit 1; }

MX_TLS=$(pf_free_port) MX_PLAIN=$(pf_free_port) MX_PLAIN2=$(pf_free_port) MX_T10=$(pf_free_port)
P_EDGE=$(pf_free_port) REINJ=$(pf_free_port)
LEGACY="[127.0.0.1]:$MX_PLAIN"
LEGACY_RE="\[127\.0\.0\.1\]:$MX_PLAIN"

# the remote MXes: one instance, STARTTLS on MX_TLS, none on MX_PLAIN and
# MX_PLAIN2, TLS 1.0 only on MX_T10
pf_mx mx "$MX_TLS" "$MX_PLAIN"
pf_master mx <<EOF2
127.0.0.1:$MX_PLAIN2 inet n - n - - smtpd
  -o syslog_name=postfix-mx/plain2
  -o smtpd_tls_security_level=none
127.0.0.1:$MX_T10 inet n - n - - smtpd
  -o syslog_name=postfix-mx/tls10
  -o smtpd_tls_protocols=<=TLSv1 -o smtpd_tls_mandatory_protocols=<=TLSv1
  -o smtpd_tls_ciphers=medium -o tls_medium_cipherlist=DEFAULT:@SECLEVEL=0
EOF2

pf_instance edge
pf_edge_from_contrib edge "$PF_T/edge.sock" "$REINJ" "$PF_T/edge.toml"
E=$PF_T/edge/etc
pf_conf edge "default_transport = smtp" "relay_transport = relay" \
    "smtpd_relay_restrictions = permit_mynetworks, reject" \
    "milter_header_checks = regexp:$E/piiguard_header_checks"
cat >"$E/transport" <<EOF2
partner.test	smtp:[127.0.0.1]:$MX_TLS
legacy.test	smtp:[127.0.0.1]:$MX_PLAIN
legacy2.test	smtp:[127.0.0.1]:$MX_PLAIN2
old.test	smtp:[127.0.0.1]:$MX_T10
sender.test	smtp:[127.0.0.1]:$MX_TLS
EOF2
pf_master edge <<EOF2
127.0.0.1:$P_EDGE inet n - n - - smtpd
  -o syslog_name=postfix-edge/smtpd
  -o milter_macro_daemon_name=smtp
EOF2

# milter_config [EXTRA_SED] - the bundled config, paths and ports made the
# test's; the early refusal switched on (reject) with a state file
milter_config() {
    sed -e "s|^rules_dir = .*|rules_dir = \"$PF_ROOT/rules\"|" \
        -e "s|^profiles_file = .*|profiles_file = \"$PF_ROOT/contrib/profiles.toml\"|" \
        -e "s|^key_file = .*|key_file = \"$PF_T/trace.key\"|" \
        -e "s|^#split_route = \"piiguard-split:\[127.0.0.1\]:10025\"|split_route = \"piiguard-split:[127.0.0.1]:$REINJ\"|" \
        -e "s|^#header_checks = .*|header_checks = \"$E/piiguard_header_checks\"|" \
        -e "s|^#unreachable_action = \"route\"|unreachable_action = \"${ACTION:-reject}\"|" \
        -e "s|^#state_file = \"\"|state_file = \"$PF_T/dest.state\"|" \
        ${1:+-e "$1"} \
        "$PF_ROOT/contrib/piiguard.toml" >"$PF_T/edge.toml"
}
milter_config

setup_ok=1
"$PF_ROOT/piiguard-milter" -n -c "$PF_T/edge.toml" >"$PF_T/edge-n.out" 2>&1 ||
    { echo "piiguard-milter -n rejects the config:"; cat "$PF_T/edge-n.out"; setup_ok=0; }
grep -q "^unreachable_action = \"reject\"" "$PF_T/edge.toml" && grep -q "^state_file = " "$PF_T/edge.toml" ||
    { echo "contrib/piiguard.toml has no #unreachable_action / #state_file line to switch on"; setup_ok=0; }
pf_milter_start edge "$PF_T/edge.toml" || setup_ok=0
pf_start mx || setup_ok=0
pf_start edge || setup_ok=0
if [ "$setup_ok" -ne 1 ]; then
    tail -n 20 "$PF_T/milter.log"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "set-up: edge :$P_EDGE (reinject :$REINJ), mx TLS :$MX_TLS plain :$MX_PLAIN plain2 :$MX_PLAIN2, $(($(date +%s) - START)) s"

REPLY_TEXT="<bob@legacy.test>: personal data cannot be delivered: $LEGACY does not offer STARTTLS (profile hipaa requires TLSv1.2)"

# --- scenarios -------------------------------------------------------------------

# 1. first PII message to the no-STARTTLS next hop: routed, deferred for TLS, the next hop probed
s_first() {
    send f1 a@sender.test bob@legacy.test pii
    accepted || return 1
    _re="postfix-edge/piiguard-tls12/smtp\[[0-9]+\]: $PF_QID: to=<bob@legacy\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$MX_PLAIN,.* dsn=4\.7\.4, status=deferred"
    pf_wait 20 pf_log_has "$_re" || { fail "not deferred by piiguard-tls12: $(pf_log_lines "$PF_QID: to=<bob" | tail -n 1 | cut -c1-200)"; return 1; }
    never_clear bob@legacy\\.test "$MX_PLAIN" || return 1
    milter_log_has "$PF_QID: piiguard: .*route=direct probing=$LEGACY_RE" || { fail "the milter's log line does not say the next hop is being probed"; return 1; }
    pf_wait 20 milter_log_has "outbound_check: probed $LEGACY_RE: 127\.0\.0\.1:$MX_PLAIN no_starttls" ||
        { fail "no probe result for $LEGACY in the milter log"; return 1; }
    pf_wait 5 state_has "^$LEGACY_RE	[0-9]+	127\.0\.0\.1	$MX_PLAIN	no_starttls	" || { fail "the state file does not hold the probe"; return 1; }
    proof "$_re"
    grep -E "outbound_check: probed $LEGACY_RE" "$PF_T/milter.log" | head -n 1 | sed -E 's/^.*(outbound_check)/     \1/'
}

# 2. the second PII message: refused at once with the next hop and the reason
s_second() {
    send f2 a@sender.test bob@legacy.test pii
    refused "550" "5.7.1 $REPLY_TEXT" || return 1
    _re="milter-reject: END-OF-MESSAGE from [^ ]+: 5\.7\.1 <bob@legacy\.test>: personal data cannot be delivered: $LEGACY_RE does not offer STARTTLS"
    pf_wait 5 pf_log_has "$_re" || { fail "Postfix logged no milter-reject with the reason"; return 1; }
    milter_log_has "piiguard: .*verdict=reject .*reason=undeliverable .*undeliverable=$LEGACY_RE outbound_check=refused" ||
        { fail "the milter's log line does not name the refusal"; return 1; }
    pf_log_has "GB82|943 476" && { fail "a PII value in the mail log"; return 1; }
    grep -qE "GB82|943 476" "$PF_T/dest.state" "$PF_T/milter.log" && { fail "a PII value in the state file or milter log"; return 1; }
    echo "     swaks: $SAID" | cut -c1-260
    proof "$_re"
}

# 3. clean mail to the same next hop still goes (in clear, as always)
s_clean() {
    send f3 a@sender.test bob@legacy.test clean
    accepted || return 1
    pf_wait 20 one_copy mx f3@piiguard.test bob@legacy.test || { fail "clean mail not delivered"; return 1; }
    _re="postfix-edge/smtp\[[0-9]+\]: $PF_QID: to=<bob@legacy\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$MX_PLAIN,.* status=sent"
    pf_log_has "$_re" || { fail "not sent by the ordinary smtp transport"; return 1; }
    proof "$_re"
}

# 4. mixed: the partner with TLS gets its copy, only the legacy recipient bounces, with the reply
s_mixed() {
    send f4 a@sender.test "ann@partner.test,bob@legacy.test" pii
    accepted || return 1
    pf_wait 20 one_copy mx f4@piiguard.test ann@partner.test || { fail "the partner's copy was not delivered"; return 1; }
    _ann="postfix-edge/piiguard-tls12/smtp\[[0-9]+\]: [0-9A-F]+: to=<ann@partner\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$MX_TLS,.* status=sent"
    pf_log_has "$_ann" || { fail "the partner's copy did not go through piiguard-tls12"; return 1; }
    _bob="postfix-edge/piiguard-split/smtp\[[0-9]+\]: $PF_QID: to=<bob@legacy\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$REINJ,.* dsn=5\.7\.1, status=bounced \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 550 5\.7\.1 <bob@legacy\.test>: personal data cannot be delivered: $LEGACY_RE does not offer STARTTLS"
    pf_wait 20 pf_log_has "$_bob" || { fail "bob's copy was not bounced with the reply: $(pf_log_lines "$PF_QID: to=<bob" | tail -n 1 | cut -c1-220)"; return 1; }
    pf_log_has "$PF_QID: to=<ann@partner\.test>,.* status=(bounced|deferred)" && { fail "ann's copy bounced or deferred"; return 1; }
    [ "$(delivered_to mx f4@piiguard.test bob@legacy.test)" -eq 0 ] || { fail "bob's copy reached the legacy MX"; return 1; }
    pf_wait 30 has_bounce a@sender.test f4@piiguard.test || { fail "the sender got no bounce"; return 1; }
    _b=$(bounce_with a@sender.test f4@piiguard.test)
    cp "$_b" "$OUT/bounce-f4.eml"
    # the report's lines are folded: compare unfolded
    tr '\n' ' ' <"$_b" | tr -s ' \t' '  ' | grep -qF "550 5.7.1 $REPLY_TEXT" ||
        { fail "the bounce does not quote the reply (see $OUT/bounce-f4.eml)"; return 1; }
    grep -qE "Final-Recipient: rfc822; *ann@partner.test" "$_b" && { fail "the bounce names ann too"; return 1; }
    milter_log_has "$PF_QID: piiguard: .*route=split undeliverable=$LEGACY_RE outbound_check=split" || { fail "the first pass did not log the split"; return 1; }
    proof "$_ann"
    proof "$_bob"
}

# 5. unreachable_action = tempfail: 450 4.7.1 with the same text
s_tempfail() {
    ACTION=tempfail milter_config
    hup || { fail "no reload"; return 1; }
    send f5 a@sender.test bob@legacy.test pii
    refused "450" "4.7.1 $REPLY_TEXT" || return 1
    _re="milter-reject: END-OF-MESSAGE from [^ ]+: 4\.7\.1 <bob@legacy\.test>: personal data cannot be delivered"
    pf_wait 5 pf_log_has "$_re" || { fail "Postfix logged no 4.7.1 milter-reject"; return 1; }
    echo "     swaks: $SAID" | cut -c1-200
}

# 6. the state file carries the knowledge across a restart of the milter
s_restart() {
    milter_config
    pf_milter_stop edge
    pf_milter_start edge "$PF_T/edge.toml" || { fail "milter did not start again"; return 1; }
    milter_log_has "outbound_check: [0-9]+ next hop\(s\) loaded from $PF_T/dest.state" || { fail "state file not loaded"; return 1; }
    send f6 a@sender.test bob@legacy.test pii
    refused "550" "5.7.1 $REPLY_TEXT" || return 1
}

# 7. max_reply_delay: the first message to a new no-STARTTLS next hop gets the answer at once
s_delay() {
    milter_config "s|^#max_reply_delay = 0|max_reply_delay = 10|"
    grep -q "^max_reply_delay = 10" "$PF_T/edge.toml" || { fail "no #max_reply_delay line in contrib/piiguard.toml"; return 1; }
    hup || { fail "no reload"; return 1; }
    _t0=$(date +%s)
    send f7 a@sender.test carl@legacy2.test pii
    _t=$(($(date +%s) - _t0))
    refused "550" "5.7.1 <carl@legacy2.test>: personal data cannot be delivered: [127.0.0.1]:$MX_PLAIN2 does not offer STARTTLS (profile hipaa requires TLSv1.2)" || return 1
    [ "$_t" -le 10 ] || { fail "the reply took $_t s (max_reply_delay 10)"; return 1; }
    pf_log_has "to=<carl@legacy2\.test>, relay=" && { fail "carl's message reached a delivery agent"; return 1; }
    echo "     swaks after ${_t} s: $SAID" | cut -c1-200
}

# 8. a next hop with TLS 1.0 only: the reply names the protocol (max_reply_delay still 10)
s_tls10() {
    send f8 a@sender.test dan@old.test pii
    refused "550" "5.7.1 <dan@old.test>: personal data cannot be delivered: [127.0.0.1]:$MX_T10 offers only TLSv1 (profile hipaa requires TLSv1.2)" || return 1
    milter_log_has "outbound_check: probed \[127\.0\.0\.1\]:$MX_T10: 127\.0\.0\.1:$MX_T10 tls TLSv1 " || { fail "no probe line with TLSv1"; return 1; }
    echo "     swaks: $SAID" | cut -c1-200
}

scenario "1 first PII message to a next hop without STARTTLS: routed, deferred (4.7.4), next hop probed and recorded" s_first
scenario "2 second PII message: refused at once, 550 5.7.1 naming recipient, next hop, reason and profile" s_second
scenario "3 clean mail to that next hop still delivered" s_clean
scenario "4 mixed (partner with TLS + legacy): partner delivered, only the legacy recipient bounced with the reply" s_mixed
scenario "5 unreachable_action = tempfail: 450 4.7.1 with the same reply" s_tempfail
scenario "6 state file: the milter restarted still refuses at once" s_restart
scenario "7 max_reply_delay: first message to a new next hop answered after its probe" s_delay
scenario "8 a next hop with TLS 1.0 only: refused, the reply names the protocol" s_tls10

save_logs
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
