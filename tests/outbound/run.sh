#!/bin/sh
# run.sh - authenticated outbound TLS for PII mail (issue 11, part one), in a real Postfix.
#
# Usage: sh tests/outbound/run.sh       (from the checkout; root, as in CI)
#
# Two edges built from contrib/postfix (verbatim but for paths, ports and
# the socketmap address): "edge" with the bundled profiles (auth encrypt) and
# "edgev" with a profile set whose tls12 level says auth = "verify". Each has
# piiguard-policyd -m tlspolicy running standalone on loopback (-f, so that
# its per-lookup log lines can be read) as the smtp_tls_policy_maps of the
# piiguard transports. One "remote" Postfix has listeners with a CA-signed
# certificate (SAN mx.test, IP:127.0.0.1), a self-signed one, a renewed one
# (same key, new certificate), one capped at TLS 1.2, and one without
# STARTTLS. Checked per scenario: what Postfix logged (Verified/Trusted/
# Untrusted, sent/deferred), what the policy server answered and why.
set -u
cd "$(dirname "$0")/../.." || exit 1
PF_ROOT=$(pwd)
. tests/postfix/lib.sh
. tests/scenario.sh
OUT=$PF_ROOT/tests/out/outbound

save_logs() {
    cp "$PF_T/maillog" "$OUT/maillog" 2>/dev/null
    cp "$PF_T/milter.log" "$OUT/milter.log" 2>/dev/null
    cat "$PF_T"/tlspolicy-*.log >"$OUT/tlspolicy.log" 2>/dev/null
}
proof() { grep -Eh -- "$1" "$PF_T/maillog" "$PF_T"/tlspolicy-*.log 2>/dev/null | head -n 1 | sed -E 's/^[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} [^ ]+ //' | cut -c1-230 | sed 's/^/     /'; }

# mkmsg FILE ID KIND: nhs (hipaa: piiguard-tls12) or ssn (strict here: piiguard-tls13)
mkmsg() {
    {
        echo "From: <$2@sender.test>"
        echo "Subject: outbound test $2"
        echo "Date: Fri, 27 Nov 2026 03:04:05 +0000"
        echo "Message-ID: <$2@piiguard.test>"
        echo
        if [ "$3" = ssn ]; then echo "Claim for the patient with SSN: 219-09-9999."; else echo "Referral, NHS number 943 476 5919."; fi
    } >"$1"
}
# send ID EDGE_PORT TO KIND
send() {
    mkmsg "$PF_T/$1.eml" "$1" "$4"
    pf_send "$1" "$2" tls1.3 "$1@sender.test" "$3" "$PF_T/$1.eml"
    [ "$PF_RC" -eq 0 ] && [ -n "$PF_QID" ] || fail "not accepted: $PF_REPLY"
}
# outcome EDGE QID RCPT STATUS_RE - wait for the delivery line of RCPT with that status
outcome() {
    _re=" postfix-$1/piiguard-tls1[23]/smtp\[[0-9]+\]: $2: to=<$3>, .*status=$4"
    pf_wait 20 pf_log_has "$_re" || { fail "no '$4' line for $3 ($(pf_log_lines "$2: to=<$3>" | tail -n 1 | sed -E 's/.*(dsn=.*)/\1/' | cut -c1-160))"; return 1; }
    LINE=$(pf_log_lines "$_re" | head -n 1)
}
# tls_word LINE - Verified / Trusted / Untrusted / Anonymous for the smtp process of a sent line
tls_word() {
    _pid=$(echo "$1" | sed -nE 's/.*\/smtp\[([0-9]+)\]: .*/\1/p')
    pf_log_lines "smtp\[$_pid\]: [A-Za-z]+ TLS connection established" | tail -n 1 | sed -nE 's/.*: ([A-Za-z]+) TLS connection established.*/\1/p'
}
# answered EDGE NEXTHOP_RE ANSWER_RE - the policy server logged this answer
answered() {
    grep -Eq "tlspolicy: nexthop=$2 transport=piiguard-tls1[23] source=[a-z]+ answer=\"$3" "$PF_T/tlspolicy-$1.log" ||
        { fail "policy server $1 did not answer '$3' for $2: $(grep -E "nexthop=$2 " "$PF_T/tlspolicy-$1.log" | tail -n 1 | cut -c1-200)"; return 1; }
}
never_sent() {
    pf_log_has "to=<$1>, .*status=sent" && { fail "$1 was SENT: $(pf_log_lines "to=<$1>, .*status=sent" | head -n 1 | cut -c1-200)"; return 1; }
    return 0
}

mkdir -p "$OUT"
rm -f "$OUT"/*
PF_SAVE_HOOK=save_logs
pf_init
START=$(date +%s)
pf_make_certs || { echo "cannot make test certificates"; echo "0 passed, 1 failed"; exit 1; }
C=$PF_T/certs
(
    cd "$C" || exit 1
    printf 'subjectAltName=DNS:mx.test,IP:127.0.0.1\n' >self.ext
    openssl req -x509 -newkey rsa:2048 -nodes -keyout self.key -out self.crt -days 2 -subj "/CN=mx.test" \
        -addext "subjectAltName=DNS:mx.test,IP:127.0.0.1"
    # renewal: a new certificate for the same key
    openssl req -new -key server.key -out renew.csr -subj "/O=piiguard/CN=mx.test"
    openssl x509 -req -in renew.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3 -sha256 -extfile server.ext -out renew.crt
    chmod 644 ./*.crt
) >"$C/extra.log" 2>&1 || { cat "$C/extra.log"; echo "0 passed, 1 failed"; exit 1; }
CERT_PIN=$(openssl x509 -in "$C/server.crt" -noout -fingerprint -sha256 | cut -d= -f2)
KEY_PIN=$(openssl x509 -in "$C/server.crt" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -c | awk '{print toupper($2)}')

L_CA=$(pf_free_port) PLAIN=$(pf_free_port) L_SELF=$(pf_free_port) L_SELF2=$(pf_free_port) L_RENEW=$(pf_free_port)
L_CA2=$(pf_free_port) L_CA3=$(pf_free_port) L_TLS12=$(pf_free_port)
P_EDGE=$(pf_free_port) P_EDGEV=$(pf_free_port) TP_EDGE=$(pf_free_port) TP_EDGEV=$(pf_free_port)
pf_mx rmx "$L_CA" "$PLAIN"
pf_master rmx <<EOF2
127.0.0.1:$L_SELF inet n - n - - smtpd
  -o syslog_name=postfix-rmx/self -o smtpd_tls_cert_file=$C/self.crt -o smtpd_tls_key_file=$C/self.key
127.0.0.1:$L_SELF2 inet n - n - - smtpd
  -o syslog_name=postfix-rmx/self2 -o smtpd_tls_cert_file=$C/self.crt -o smtpd_tls_key_file=$C/self.key
127.0.0.1:$L_RENEW inet n - n - - smtpd
  -o syslog_name=postfix-rmx/renew -o smtpd_tls_cert_file=$C/renew.crt -o smtpd_tls_key_file=$C/server.key
127.0.0.1:$L_CA2 inet n - n - - smtpd
  -o syslog_name=postfix-rmx/ca2
127.0.0.1:$L_CA3 inet n - n - - smtpd
  -o syslog_name=postfix-rmx/ca3
127.0.0.1:$L_TLS12 inet n - n - - smtpd
  -o syslog_name=postfix-rmx/tls12 -o smtpd_tls_protocols=<=TLSv1.2 -o smtpd_tls_mandatory_protocols=<=TLSv1.2
EOF2

# edge NAME PORT TLSPOLICY_PORT - contrib verbatim but paths/ports; the policy server on inet
edge() {
    pf_instance "$1"
    pf_edge_from_contrib "$1" "$PF_T/$1.sock" "$(pf_free_port)" "$PF_T/$1.toml"
    sed -i "s|socketmap:unix:private/piiguard-tlspolicy:|socketmap:inet:127.0.0.1:$3:|" "$PF_T/$1/etc/master.cf"
    pf_conf "$1" "default_transport = smtp" "relay_transport = relay" "smtpd_relay_restrictions = permit_mynetworks, reject" \
        "milter_header_checks = regexp:$PF_T/$1/etc/piiguard_header_checks"
    cat >"$PF_T/$1/etc/transport" <<EOF2
pin-ok.test	smtp:[127.0.0.1]:$L_CA
pin-bad.test	smtp:[127.0.0.1]:$L_SELF
pin-key.test	smtp:[127.0.0.1]:$L_RENEW
self.test	smtp:[127.0.0.1]:$L_SELF2
site-ok.test	smtp:[127.0.0.1]:$L_CA2
site-bad.test	smtp:[127.0.0.1]:$L_CA3
legacy.test	smtp:[127.0.0.1]:$PLAIN
old12.test	smtp:[127.0.0.1]:$L_TLS12
ca.test	smtp:[127.0.0.1]:$L_CA
EOF2
    pf_master "$1" <<EOF2
127.0.0.1:$2 inet n - n - - smtpd
  -o syslog_name=postfix-$1/smtpd
EOF2
}
# config NAME PROFILES - the bundled config, paths made the test's, partners and the site's table
config() {
    sed -e "s|^rules_dir = .*|rules_dir = \"$PF_ROOT/rules\"|" \
        -e "s|^profiles_file = .*|profiles_file = \"$2\"|" \
        -e "s|^key_file = .*|key_file = \"$PF_T/trace.key\"|" \
        -e "s|^#header_checks = .*|header_checks = \"$PF_T/$1/etc/piiguard_header_checks\"|" \
        -e "s|^#site_tls_policy = \"\"|site_tls_policy = \"$PF_T/site_tls_policy\"|" \
        -e 's|^us_ssn = "hipaa"|us_ssn = "strict"|' \
        "$PF_ROOT/contrib/piiguard.toml" >"$PF_T/$1.toml"
    cat >>"$PF_T/$1.toml" <<EOF2

[[policyd.partner]]
domain = "pin-ok.test"
nexthop = "[127.0.0.1]:$L_CA"
profile = "hipaa"
pins = ["$CERT_PIN"]

[[policyd.partner]]
domain = "pin-bad.test"
nexthop = "[127.0.0.1]:$L_SELF"
profile = "hipaa"
pins = ["$CERT_PIN"]

[[policyd.partner]]
domain = "pin-key.test"
nexthop = "[127.0.0.1]:$L_RENEW"
profile = "hipaa"
pins = ["$CERT_PIN", "$KEY_PIN"]
EOF2
}
# the site's own TLS policy (what its ordinary smtp transport uses)
cat >"$PF_T/site_tls_policy" <<EOF2
# stricter than the profile: held for PII mail too
[127.0.0.1]:$L_CA2	secure match=mx.test
[127.0.0.1]:$L_CA3	secure match=wrong.test
# weaker than the piiguard transports: must never weaken them (the two traps)
[127.0.0.1]:$PLAIN	may
[127.0.0.1]:$L_TLS12	secure match=mx.test protocols=>=TLSv1.2
EOF2
sed 's|^transport = "piiguard-tls12"|transport = "piiguard-tls12"\nauth_placeholder|' "$PF_ROOT/contrib/profiles.toml" |
    awk '/^auth_placeholder$/ { skip = 1; next } skip && /^auth = / { print "auth = \"verify\""; skip = 0; next } { print }' >"$PF_T/profiles-verify.toml"
grep -q '^auth = "verify"' "$PF_T/profiles-verify.toml" || { echo "cannot make the verify profiles"; echo "0 passed, 1 failed"; exit 1; }

edge edge "$P_EDGE" "$TP_EDGE"
edge edgev "$P_EDGEV" "$TP_EDGEV"
config edge "$PF_ROOT/contrib/profiles.toml"
config edgev "$PF_T/profiles-verify.toml"

# tlspolicy_start NAME PORT - piiguard-policyd -m tlspolicy standalone, logging to a file
tlspolicy_start() {
    "$PF_ROOT/piiguard-policyd" -m tlspolicy -f -c "$PF_T/$1.toml" -p "inet:$2@127.0.0.1" >>"$PF_T/tlspolicy-$1.log" 2>&1 &
    echo $! >"$PF_T/tlspolicy-$1.pid"
    echo $! >>"$PF_T/pids"
    pf_wait 10 pf_listening "$2"
}
setup_ok=1
for e in edge edgev; do
    "$PF_ROOT/piiguard-policyd" -n -c "$PF_T/$e.toml" >"$PF_T/$e-n.out" 2>&1 || { cat "$PF_T/$e-n.out"; setup_ok=0; }
    pf_milter_start "$e" "$PF_T/$e.toml" || setup_ok=0
done
tlspolicy_start edge "$TP_EDGE" || setup_ok=0
tlspolicy_start edgev "$TP_EDGEV" || setup_ok=0
pf_start rmx || setup_ok=0
pf_start edge || setup_ok=0
pf_start edgev || setup_ok=0
if [ "$setup_ok" -ne 1 ]; then
    tail -n 20 "$PF_T/milter.log" "$PF_T"/tlspolicy-*.log
    echo "0 passed, 1 failed"
    exit 1
fi
echo "set-up: edge :$P_EDGE (tlspolicy :$TP_EDGE), edgev :$P_EDGEV (auth verify, tlspolicy :$TP_EDGEV), $(($(date +%s) - START)) s"

o_pin_ok() {
    send o1 "$P_EDGE" u@pin-ok.test nhs || return 1
    outcome edge "$PF_QID" u@pin-ok.test sent || return 1
    [ "$(tls_word "$LINE")" = Verified ] || { fail "TLS was $(tls_word "$LINE"), expected Verified"; return 1; }
    answered edge "\[127\.0\.0\.1\]:$L_CA" "OK fingerprint match=$CERT_PIN protocols=>=TLSv1.2" || return 1
    proof "tlspolicy: nexthop=\[127\.0\.0\.1\]:$L_CA "
    proof "smtp\[$(echo "$LINE" | sed -nE 's/.*\/smtp\[([0-9]+)\]: .*/\1/p')\]: Verified TLS"
    echo "     $(echo "$LINE" | sed -E 's/^[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} [^ ]+ //' | cut -c1-200)"
}
o_pin_bad() {
    send o2 "$P_EDGE" u@pin-bad.test nhs || return 1
    outcome edge "$PF_QID" u@pin-bad.test "deferred \(Server certificate not verified\)" || return 1
    never_sent u@pin-bad.test || return 1
    proof "server certificate verification failed for 127\.0\.0\.1\[127\.0\.0\.1\]:$L_SELF"
    echo "     $(echo "$LINE" | sed -E 's/.*(dsn=.*)/\1/')"
}
o_pin_key() {
    send o3 "$P_EDGE" u@pin-key.test nhs || return 1
    outcome edge "$PF_QID" u@pin-key.test sent || return 1
    [ "$(tls_word "$LINE")" = Verified ] || { fail "TLS was $(tls_word "$LINE"), expected Verified"; return 1; }
    answered edge "\[127\.0\.0\.1\]:$L_RENEW" "OK fingerprint match=$CERT_PIN\|$KEY_PIN" || return 1
    echo "     renewed certificate, same key: public-key pin matched ($(tls_word "$LINE"))"
}
o_self_encrypt() {
    send o4 "$P_EDGE" u@self.test nhs || return 1
    outcome edge "$PF_QID" u@self.test sent || return 1
    echo "     encrypt profile, self-signed MX: sent over $(tls_word "$LINE") TLS"
}
o_self_verify() {
    send o5 "$P_EDGEV" u@self.test nhs || return 1
    outcome edgev "$PF_QID" u@self.test "deferred \(Server certificate not verified\)" || return 1
    answered edgev "\[127\.0\.0\.1\]:$L_SELF2" "OK verify protocols=>=TLSv1.2" || return 1
    proof "postfix-edgev/piiguard-tls12/smtp\[[0-9]+\]: $PF_QID: to=<u@self\.test>"
}
o_ca_verify() {
    send o6 "$P_EDGEV" u@ca.test nhs || return 1
    outcome edgev "$PF_QID" u@ca.test sent || return 1
    [ "$(tls_word "$LINE")" = Verified ] || { fail "TLS was $(tls_word "$LINE"), expected Verified"; return 1; }
    echo "     verify profile, CA-signed MX: $(tls_word "$LINE")"
}
o_site_ok() {
    send o7 "$P_EDGE" u@site-ok.test nhs || return 1
    outcome edge "$PF_QID" u@site-ok.test sent || return 1
    [ "$(tls_word "$LINE")" = Verified ] || { fail "TLS was $(tls_word "$LINE"), expected Verified (site's secure entry)"; return 1; }
    answered edge "\[127\.0\.0\.1\]:$L_CA2" "OK secure match=mx.test protocols=>=TLSv1.2" || return 1
}
o_site_bad() {
    send o8 "$P_EDGE" u@site-bad.test nhs || return 1
    outcome edge "$PF_QID" u@site-bad.test "deferred \(Server certificate not verified\)" || return 1
    never_sent u@site-bad.test || return 1
    proof "server certificate verification failed for 127\.0\.0\.1\[127\.0\.0\.1\]:$L_CA3"
}
o_trap_may() {
    send o9 "$P_EDGE" u@legacy.test nhs || return 1
    outcome edge "$PF_QID" u@legacy.test "deferred \(TLS is required, but was not offered" || return 1
    never_sent u@legacy.test || return 1
    grep -Eq "nexthop=\[127\.0\.0\.1\]:$PLAIN .*answer=\"NOTFOUND" "$PF_T/tlspolicy-edge.log" || { fail "the site's 'may' entry was not ignored"; return 1; }
    proof "nexthop=\[127\.0\.0\.1\]:$PLAIN "
}
o_trap_protocols() {
    send o10 "$P_EDGE" u@old12.test ssn || return 1
    outcome edge "$PF_QID" u@old12.test "deferred" || return 1
    echo "$LINE" | grep -q 'piiguard-tls13/smtp' || { fail "not routed through piiguard-tls13"; return 1; }
    never_sent u@old12.test || return 1
    answered edge "\[127\.0\.0\.1\]:$L_TLS12" "OK secure match=mx.test protocols=>=TLSv1.3" || return 1
    proof "nexthop=\[127\.0\.0\.1\]:$L_TLS12 "
    echo "     $(echo "$LINE" | sed -E 's/.*(dsn=.*)/\1/')"
}
o_down() {
    kill "$(cat "$PF_T/tlspolicy-edge.pid")"
    pf_wait 5 sh -c "! kill -0 $(cat "$PF_T/tlspolicy-edge.pid") 2>/dev/null" || { fail "policy server did not stop"; return 1; }
    send o11 "$P_EDGE" u2@pin-ok.test nhs || return 1
    _re="postfix-edge/piiguard-tls12/smtp\[[0-9]+\]: $PF_QID: to=<u2@pin-ok\.test>, relay=none, .*dsn=4\.7\.5, status=deferred \(client TLS configuration problem\)"
    pf_wait 20 pf_log_has "$_re" || { fail "no 4.7.5 deferral with the policy server down: $(pf_log_lines "$PF_QID: to=<u2" | tail -n 1 | cut -c1-200)"; return 1; }
    never_sent u2@pin-ok.test || return 1
    proof "$_re"
    # back up: the same message goes out, verified
    tlspolicy_start edge "$TP_EDGE" || { fail "policy server did not restart"; return 1; }
    pf_flush edge
    outcome edge "$PF_QID" u2@pin-ok.test sent || return 1
    [ "$(tls_word "$LINE")" = Verified ] || { fail "after the restart: $(tls_word "$LINE")"; return 1; }
}
o_values() {
    for _v in "943 476 5919" "9434765919" "219-09-9999" "219099999"; do
        for _log in "$PF_T/maillog" "$PF_T/milter.log" "$PF_T"/tlspolicy-*.log; do
            grep -qF "$_v" "$_log" && { fail "a PII value appears in $(basename "$_log")"; return 1; }
        done
    done
    return 0
}

scenario "1 partner pin right: fingerprint answered, Verified, sent" o_pin_ok
scenario "2 partner pin wrong (another certificate): deferred, not sent" o_pin_bad
scenario "3 public-key pin after a renewal with the same key: Verified, sent" o_pin_key
scenario "4 self-signed MX under an encrypt profile: delivered" o_self_encrypt
scenario "5 self-signed MX under a verify profile: deferred" o_self_verify
scenario "6 CA-signed MX under a verify profile: Verified, sent" o_ca_verify
scenario "7 site's own stricter entry (secure, right name): held, Verified" o_site_ok
scenario "8 site's own stricter entry (secure, wrong name): deferred" o_site_bad
scenario "9 trap: the site's 'may' entry never reaches the transport: deferred 4.7.4" o_trap_may
scenario "10 trap: a lower protocol floor never undercuts piiguard-tls13: deferred" o_trap_protocols
scenario "11 policy server down: deferred 4.7.5, never in clear; back up: sent" o_down
scenario "12 no PII value in any log" o_values
echo "($(($(date +%s) - START)) s; logs in tests/out/outbound/)"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
