#!/bin/sh
# run.sh - DANE and MTA-STS for outbound PII mail (issue 11, part two), in a real Postfix.
#
# Usage: sh tests/dane/run.sh       (from the checkout; root, as in CI)
#
# A validating unbound on 127.47.54.53:53 serves three test zones built at
# run time: pgd.example (signed with ldns-signzone; its key is the trust
# anchor), unsigned.example (no signature, no anchor) and bogus.example (signed,
# but the anchor given to piiguard is another key: every answer is bogus;
# unbound itself is told not to validate it, so that the records reach
# piiguard's own validator). An HTTPS server on 127.47.54.80:443 (the port
# RFC 8461 fixes; a loopback address of its own) is mta-sts.DOMAIN for the
# test domains, with a certificate from the test CA.
#
# One edge Postfix built from contrib/postfix (verbatim but for paths,
# ports, the socketmap address, and chroot = y on the piiguard transports,
# so that their resolver is the test unbound through spool/etc/resolv.conf,
# as ../shared/notes/outbound-tls.md 4 shows), with piiguard-policyd -m
# tlspolicy standalone on loopback; [outbound] points at the test resolver,
# the test zone's key, the test CA and a state directory. Its tls12 level
# (hipaa, NHS numbers) requires auth = "dane-or-sts"; tls13 (strict here,
# SSNs) keeps auth = "encrypt". One "remote" Postfix: a listener with a
# self-signed certificate (the DANE MX) and one with a test-CA certificate
# for the MTA-STS MX names. Next hops are DOMAIN:PORT in transport_maps, so
# that Postfix looks up MX and TLSA _PORT._tcp.MX (the policy server takes
# the port from the key the same way).
#
# Checked per scenario: the Postfix log line (Verified/Trusted TLS and
# sent, or deferred and why), the policy server's answer and the source
# that decided, and for MTA-STS what the policy host was asked. Then: a
# DNS server that never answers (TEMP in time), `piiguard audit report`
# over the logs (per delivery: trust and policy source), `piiguard probe`
# in a private network namespace (probe_ns.sh: its /etc/resolv.conf names a
# copy of the test resolver on the namespace's own loopback, so that the
# probe finds MX hosts as in production), policyd -n, no PII value.
set -u
cd "$(dirname "$0")/../.." || exit 1
PF_ROOT=$(pwd)
. tests/postfix/lib.sh
. tests/scenario.sh
OUT=$PF_ROOT/tests/out/dane
DNS_IP=${DANE_DNS_IP:-127.47.54.53}
WEB_IP=${DANE_WEB_IP:-127.47.54.80}
BLACKHOLE_IP=${DANE_BLACKHOLE_IP:-127.47.54.99}

save_logs() {
    cp "$PF_T/maillog" "$OUT/maillog" 2>/dev/null
    cp "$PF_T/milter.log" "$OUT/milter.log" 2>/dev/null
    cp "$PF_T/tlspolicy.log" "$PF_T/tlspolicy-slow.log" "$PF_T/https.log" "$PF_T/dns/unbound.log" "$OUT/" 2>/dev/null
    cp "$PF_T/sts-state/mta-sts.cache" "$PF_T/report.jsonl" "$OUT/" 2>/dev/null
}
strip() { sed -E 's/^[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} [^ ]+ //' | cut -c1-260 | sed 's/^/     /'; }
proof() { grep -Eh -- "$1" "$PF_T/maillog" "$PF_T/tlspolicy.log" 2>/dev/null | head -n 1 | strip; }
skip_all() { echo "$1"; echo "0 passed, 1 failed"; exit 1; }

for c in postfix swaks openssl unbound ldns-keygen ldns-signzone drill python3; do
    command -v "$c" >/dev/null 2>&1 || skip_all "missing command $c (make deps-test: unbound ldnsutils)"
done

mkmsg() {
    {
        echo "From: <$2@sender.test>"
        echo "Subject: dane test $2"
        echo "Date: Wed, 02 Dec 2026 03:04:05 +0000"
        echo "Message-ID: <$2@piiguard.test>"
        echo
        if [ "$3" = ssn ]; then echo "Claim for the patient with SSN: 219-09-9999."; else echo "Referral, NHS number 943 476 5919."; fi
    } >"$1"
}
# send ID TO KIND: nhs (hipaa: piiguard-tls12, dane-or-sts) or ssn (strict: piiguard-tls13, encrypt)
send() {
    mkmsg "$PF_T/$1.eml" "$1" "$3"
    pf_send "$1" "$P_EDGE" tls1.3 "$1@sender.test" "$2" "$PF_T/$1.eml"
    [ "$PF_RC" -eq 0 ] && [ -n "$PF_QID" ] || fail "not accepted: $PF_REPLY"
}
# outcome QID RCPT STATUS_RE - wait for the delivery line of RCPT with that status
outcome() {
    _re=" postfix-edge/piiguard-tls1[23]/smtp\[[0-9]+\]: $1: to=<$2>, .*status=$3"
    pf_wait 20 pf_log_has "$_re" || { fail "no '$3' line for $2 ($(pf_log_lines "$1: to=<$2>" | tail -n 1 | sed -E 's/.*(dsn=.*)/\1/' | cut -c1-200))"; return 1; }
    LINE=$(pf_log_lines "$_re" | head -n 1)
}
smtp_pid() { echo "$1" | sed -nE 's/.*\/smtp\[([0-9]+)\]: .*/\1/p'; }
# tls_line LINE - the last "... TLS connection established" line of that smtp process
tls_line() { pf_log_lines "smtp\[$(smtp_pid "$1")\]: [A-Za-z]+ TLS connection established" | tail -n 1; }
tls_word() { tls_line "$1" | sed -nE 's/.*: ([A-Za-z]+) TLS connection established.*/\1/p'; }
# answered NEXTHOP_RE SOURCE ANSWER_RE - the policy server logged this answer from this source
answered() {
    grep -Eq "tlspolicy: nexthop=$1 transport=piiguard-tls1[23] source=$2 answer=\"$3" "$PF_T/tlspolicy.log" ||
        { fail "policy server did not answer '$2: $3' for $1: $(grep -E "nexthop=$1 " "$PF_T/tlspolicy.log" | tail -n 1 | cut -c1-260)"; return 1; }
}
never_sent() {
    pf_log_has "to=<$1>, .*status=sent" && { fail "$1 was SENT: $(pf_log_lines "to=<$1>, .*status=sent" | head -n 1 | cut -c1-200)"; return 1; }
    return 0
}
show() { echo "$1" | strip; }

mkdir -p "$OUT"
rm -f "$OUT"/*
PF_SAVE_HOOK=save_logs
pf_init
START=$(date +%s)
for ip in "$DNS_IP" "$WEB_IP" "$BLACKHOLE_IP"; do
    hex=$(printf '%02X%02X%02X%02X' $(echo "$ip" | awk -F. '{print $4, $3, $2, $1}'))
    pf_tcp_listeners | grep -q "^$hex:" && skip_all "$ip is in use by another process"
done
pf_make_certs || skip_all "cannot make test certificates"
C=$PF_T/certs
D=$PF_T/dns
mkdir -p "$D" "$PF_T/policies" "$PF_T/sts-state"
chown nobody "$PF_T/sts-state" 2>/dev/null
(
    cd "$C" || exit 1
    # the DANE MX: self-signed; the MTA-STS MX names and the policy hosts: from the test CA
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout dane.key -out dane.crt -days 2 \
        -subj "/CN=mx.dane-ok.pgd.example" || exit 1
    for n in mxsts web; do
        if [ $n = mxsts ]; then san="DNS:mx.sts.pgd.example,DNS:mx.testing.pgd.example,DNS:mx.cache.pgd.example,DNS:mx.nofetch.pgd.example"
        else san="DNS:mta-sts.sts.pgd.example,DNS:mta-sts.testing.pgd.example,DNS:mta-sts.cache.pgd.example,DNS:mta-sts.nofetch.pgd.example"; fi
        printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$san" >$n.ext
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $n.key -out $n.csr -subj "/CN=$n" || exit 1
        openssl x509 -req -in $n.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -sha256 -extfile $n.ext -out $n.crt || exit 1
    done
    chmod 644 ./*.crt
) >"$C/extra.log" 2>&1 || { cat "$C/extra.log"; skip_all "cannot make the DANE/MTA-STS certificates"; }
TLSA_OK=$(openssl x509 -in "$C/dane.crt" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -c1-64)

L_DANE=$(pf_free_port) L_STS=$(pf_free_port) PLAIN=$(pf_free_port) L_MX=$(pf_free_port)
P_EDGE=$(pf_free_port) TP=$(pf_free_port) TP2=$(pf_free_port)

# ---- zones
# zone_pgd STS_CACHE_ID - the signed zone's source
zone_pgd() {
    cat <<EOF
\$ORIGIN pgd.example.
\$TTL 30
@ IN SOA ns.pgd.example. hostmaster.pgd.example. 1 3600 600 86400 30
@ IN NS ns
ns IN A $DNS_IP
dane-ok IN MX 10 mx.dane-ok
mx.dane-ok IN A 127.0.0.1
_$L_DANE._tcp.mx.dane-ok IN TLSA 3 1 1 $TLSA_OK
dane-bad IN MX 10 mx.dane-bad
mx.dane-bad IN A 127.0.0.1
_$L_DANE._tcp.mx.dane-bad IN TLSA 3 1 1 $(printf '%064d' 0)
dane-none IN MX 10 mx.dane-none
mx.dane-none IN A 127.0.0.1
EOF
    for d in sts testing cache nofetch; do
        id=1
        [ $d = cache ] && id=$1
        cat <<EOF
$d IN MX 10 mx.$d
mx.$d IN A 127.0.0.1
_mta-sts.$d IN TXT "v=STSv1; id=$id;"
mta-sts.$d IN A $WEB_IP
EOF
    done
}
sign_pgd() {
    zone_pgd "$1" >"$D/pgd.example.zone"
    ldns-signzone -f "$D/pgd.example.zone.signed" "$D/pgd.example.zone" "$D/$KEY_PGD" >>"$D/sign.log" 2>&1
}
(
    cd "$D" || exit 1
    KEY_PGD=$(ldns-keygen -a ECDSAP256SHA256 -k pgd.example) || exit 1
    KEY_BOGUS=$(ldns-keygen -a ECDSAP256SHA256 -k bogus.example) || exit 1
    KEY_OTHER=$(ldns-keygen -a ECDSAP256SHA256 -k bogus.example) || exit 1
    echo "KEY_PGD=$KEY_PGD" >keys.env
    # piiguard's anchors: pgd.example's key, and for bogus.example a key that never signed it
    cat "$KEY_PGD.key" "$KEY_OTHER.key" >anchors.key
    cat >unsigned.example.zone <<EOF
\$ORIGIN unsigned.example.
\$TTL 30
@ IN SOA ns.unsigned.example. hostmaster.unsigned.example. 1 3600 600 86400 30
@ IN NS ns.pgd.example.
dane-u IN MX 10 mx.dane-u
mx.dane-u IN A 127.0.0.1
_$L_DANE._tcp.mx.dane-u IN TLSA 3 1 1 $TLSA_OK
EOF
    cat >bogus.example.zone <<EOF
\$ORIGIN bogus.example.
\$TTL 30
@ IN SOA ns.bogus.example. hostmaster.bogus.example. 1 3600 600 86400 30
@ IN NS ns.pgd.example.
dane-b IN MX 10 mx.dane-b
mx.dane-b IN A 127.0.0.1
_$L_DANE._tcp.mx.dane-b IN TLSA 3 1 1 $TLSA_OK
EOF
    ldns-signzone -f bogus.example.zone.signed bogus.example.zone "$KEY_BOGUS" || exit 1
    chmod 644 ./*
) >"$D/sign.log" 2>&1 || { cat "$D/sign.log"; skip_all "cannot make the test zones"; }
. "$D/keys.env"
sign_pgd 1 || { cat "$D/sign.log"; skip_all "cannot sign pgd.example"; }
chmod 644 "$D"/*
cat >"$D/unbound.conf" <<EOF
server:
  username: ""
  chroot: ""
  directory: "$D"
  pidfile: ""
  use-syslog: no
  logfile: "$D/unbound.log"
  interface: $DNS_IP
  port: 53
  do-ip6: no
  access-control: 127.0.0.0/8 allow
  num-threads: 1
  module-config: "validator iterator"
  trust-anchor-file: "$D/$KEY_PGD.key"
  domain-insecure: "bogus.example"
  local-zone: "." refuse
  local-zone: "pgd.example." transparent
  local-zone: "unsigned.example." transparent
  local-zone: "bogus.example." transparent
auth-zone:
  name: "pgd.example."
  zonefile: "$D/pgd.example.zone.signed"
  for-downstream: no
  for-upstream: yes
  fallback-enabled: no
auth-zone:
  name: "unsigned.example."
  zonefile: "$D/unsigned.example.zone"
  for-downstream: no
  for-upstream: yes
  fallback-enabled: no
auth-zone:
  name: "bogus.example."
  zonefile: "$D/bogus.example.zone.signed"
  for-downstream: no
  for-upstream: yes
  fallback-enabled: no
remote-control:
  control-enable: no
EOF
# validated ID - unbound answers _mta-sts.cache.pgd.example with the AD bit and that id
validated() {
    _o=$(drill -D @"$DNS_IP" TXT _mta-sts.cache.pgd.example 2>/dev/null)
    echo "$_o" | grep -q '^;; flags:.* ad[ ;]' && echo "$_o" | grep -q "id=$1;"
}
unbound_start() {
    unbound -d -c "$D/unbound.conf" >>"$D/unbound.out" 2>&1 &
    echo $! >"$PF_T/unbound.pid"
    echo $! >>"$PF_T/pids"
    pf_wait 10 validated "$1"
}
unbound_stop() {
    _p=$(cat "$PF_T/unbound.pid")
    kill "$_p" 2>/dev/null
    pf_wait 10 sh -c "! kill -0 $_p 2>/dev/null"
}

# ---- the policy host
cat >"$PF_T/policies/sts.pgd.example.txt" <<EOF
version: STSv1
mode: enforce
mx: mx.sts.pgd.example
mx: *.backup.sts.pgd.example
max_age: 86400
EOF
printf 'version: STSv1\r\nmode: testing\r\nmx: mx.testing.pgd.example\r\nmax_age: 86400\r\n' >"$PF_T/policies/testing.pgd.example.txt"
printf 'version: STSv1\nmode: enforce\nmx: mx.cache.pgd.example\nmax_age: 86400\n' >"$PF_T/policies/cache.pgd.example.txt"
# nofetch.pgd.example: a TXT record, no policy (404)

# ---- Postfix: the remote MX and the edge
pf_mx rmx "$L_MX" "$PLAIN"
pf_master rmx <<EOF2
127.0.0.1:$L_DANE inet n - n - - smtpd
  -o syslog_name=postfix-rmx/dane -o smtpd_tls_cert_file=$C/dane.crt -o smtpd_tls_key_file=$C/dane.key
127.0.0.1:$L_STS inet n - n - - smtpd
  -o syslog_name=postfix-rmx/sts -o smtpd_tls_cert_file=$C/mxsts.crt -o smtpd_tls_key_file=$C/mxsts.key
EOF2
pf_instance edge
pf_edge_from_contrib edge "$PF_T/edge.sock" "$(pf_free_port)" "$PF_T/edge.toml"
sed -i -e "s|socketmap:unix:private/piiguard-tlspolicy:|socketmap:inet:127.0.0.1:$TP:|" \
    -e 's|^\(piiguard-tls1[23] *unix *- *- *\)n|\1y|' "$PF_T/edge/etc/master.cf"
[ "$(grep -cE '^piiguard-tls1[23] +unix +- +- +y' "$PF_T/edge/etc/master.cf")" -eq 2 ] || skip_all "cannot chroot the piiguard transports"
[ "$(grep -c -- '-o smtp_dns_support_level=$piiguard_dns_support_level' "$PF_T/edge/etc/master.cf")" -eq 2 ] ||
    skip_all "contrib's piiguard transports do not take piiguard_dns_support_level"
grep -q '^piiguard_dns_support_level = dnssec' "$PF_ROOT/contrib/postfix/main.cf.snippet" || skip_all "contrib's main.cf.snippet does not set piiguard_dns_support_level = dnssec"
# the snippet's dnssec again (lib.sh turns DNS off in every instance); DNS is the test unbound
pf_conf edge "default_transport = smtp" "relay_transport = relay" "smtpd_relay_restrictions = permit_mynetworks, reject" \
    "milter_header_checks = regexp:$PF_T/edge/etc/piiguard_header_checks" "dnssec_probe = ns:pgd.example" \
    "piiguard_dns_support_level = dnssec"
mkdir -p "$PF_T/edge/spool/etc"
echo "nameserver $DNS_IP" >"$PF_T/edge/spool/etc/resolv.conf"
for f in services hosts nsswitch.conf host.conf localtime; do cp -L "/etc/$f" "$PF_T/edge/spool/etc/" 2>/dev/null; done
cat >"$PF_T/edge/etc/transport" <<EOF2
dane-ok.pgd.example	smtp:dane-ok.pgd.example:$L_DANE
dane-bad.pgd.example	smtp:dane-bad.pgd.example:$L_DANE
dane-none.pgd.example	smtp:dane-none.pgd.example:$L_DANE
hop.example	smtp:[mx.dane-ok.pgd.example]:$L_DANE
dane-u.unsigned.example	smtp:dane-u.unsigned.example:$L_DANE
dane-b.bogus.example	smtp:dane-b.bogus.example:$L_DANE
sts.pgd.example	smtp:sts.pgd.example:$L_STS
testing.pgd.example	smtp:testing.pgd.example:$L_STS
nofetch.pgd.example	smtp:nofetch.pgd.example:$L_STS
cache.pgd.example	smtp:cache.pgd.example:$L_STS
EOF2
pf_master edge <<EOF2
127.0.0.1:$P_EDGE inet n - n - - smtpd
  -o syslog_name=postfix-edge/smtpd
EOF2
# the bundled config; paths, the test resolver, anchors, CA and state directory made the test's
sed -e "s|^rules_dir = .*|rules_dir = \"$PF_ROOT/rules\"|" \
    -e "s|^profiles_file = .*|profiles_file = \"$PF_T/profiles.toml\"|" \
    -e "s|^key_file = .*|key_file = \"$PF_T/trace.key\"|" \
    -e "s|^#header_checks = .*|header_checks = \"$PF_T/edge/etc/piiguard_header_checks\"|" \
    -e 's|^us_ssn = "hipaa"|us_ssn = "strict"|' \
    -e "s|^#dns_trust_anchor = .*|dns_trust_anchor = \"$D/anchors.key\"|" \
    -e "s|^#dns_forwarder = .*|dns_forwarder = \"$DNS_IP\"|" \
    -e "s|^#https_ca_file = .*|https_ca_file = \"$C/ca.crt\"|" \
    -e "s|^#sts_state_dir = .*|sts_state_dir = \"$PF_T/sts-state\"|" \
    "$PF_ROOT/contrib/piiguard.toml" >"$PF_T/edge.toml"
for k in dns_trust_anchor dns_forwarder https_ca_file sts_state_dir; do
    grep -q "^$k = " "$PF_T/edge.toml" || skip_all "contrib/piiguard.toml has no '#$k = ' line to set"
done
# hipaa's level (piiguard-tls12) requires DANE or MTA-STS
sed 's|^transport = "piiguard-tls12"|transport = "piiguard-tls12"\nauth_placeholder|' "$PF_ROOT/contrib/profiles.toml" |
    awk '/^auth_placeholder$/ { skip = 1; next } skip && /^auth = / { print "auth = \"dane-or-sts\""; skip = 0; next } { print }' >"$PF_T/profiles.toml"
grep -q '^auth = "dane-or-sts"' "$PF_T/profiles.toml" || skip_all "cannot make the dane-or-sts profiles"

tlspolicy_start() {
    "$PF_ROOT/piiguard-policyd" -m tlspolicy -f -c "$PF_T/edge.toml" -p "inet:$TP@127.0.0.1" >>"$PF_T/tlspolicy.log" 2>&1 &
    echo $! >"$PF_T/tlspolicy.pid"
    echo $! >>"$PF_T/pids"
    pf_wait 10 pf_listening "$TP"
}
tlspolicy_stop() {
    _p=$(cat "$PF_T/tlspolicy.pid")
    kill "$_p"
    pf_wait 5 sh -c "! kill -0 $_p 2>/dev/null"
}
https_up() { grep -q 'listening on' "$PF_T/https.log" 2>/dev/null; }

setup_ok=1
unbound_start 1 || { tail -n 20 "$D/unbound.out" "$D/unbound.log"; skip_all "unbound did not answer with validated data"; }
python3 tests/dane/sts_https.py "$WEB_IP" 443 "$C/web.crt" "$C/web.key" "$PF_T/policies" "$PF_T/https.log" >"$PF_T/https.out" 2>&1 &
echo $! >>"$PF_T/pids"
pf_wait 10 https_up || { cat "$PF_T/https.out"; setup_ok=0; }
"$PF_ROOT/piiguard-policyd" -m tlspolicy -n -c "$PF_T/edge.toml" >"$PF_T/edge-n.out" 2>&1 || { cat "$PF_T/edge-n.out"; setup_ok=0; }
pf_milter_start edge "$PF_T/edge.toml" || setup_ok=0
tlspolicy_start || setup_ok=0
pf_start rmx || setup_ok=0
pf_start edge || setup_ok=0
if [ "$setup_ok" -ne 1 ]; then
    tail -n 20 "$PF_T/milter.log" "$PF_T/tlspolicy.log"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "set-up: edge :$P_EDGE (tlspolicy :$TP), unbound $DNS_IP:53, MTA-STS host $WEB_IP:443, DANE MX :$L_DANE, STS MX :$L_STS, $(($(date +%s) - START)) s"

d_match() {
    send d1 u@dane-ok.pgd.example nhs || return 1
    outcome "$PF_QID" u@dane-ok.pgd.example sent || return 1
    [ "$(tls_word "$LINE")" = Verified ] || { fail "TLS was $(tls_word "$LINE"), expected Verified"; return 1; }
    answered "dane-ok\.pgd\.example:$L_DANE" dane "OK dane-only protocols=>=TLSv1.2\" why=\"1 of 1 MX host\(s\) with validated TLSA" || return 1
    proof "nexthop=dane-ok\.pgd\.example:"
    show "$(tls_line "$LINE")"
    show "$LINE"
}
d_host() {
    # a [host] next hop (transport_maps, relayhost): its address records and its own TLSA
    send d7 u@hop.example nhs || return 1
    outcome "$PF_QID" u@hop.example sent || return 1
    [ "$(tls_word "$LINE")" = Verified ] || { fail "TLS was $(tls_word "$LINE"), expected Verified"; return 1; }
    answered "\[mx\.dane-ok\.pgd\.example\]:$L_DANE" dane "OK dane-only protocols=>=TLSv1.2" || return 1
    proof "nexthop=\[mx\.dane-ok"
    show "$LINE"
}
d_mismatch() {
    send d2 u@dane-bad.pgd.example nhs || return 1
    outcome "$PF_QID" u@dane-bad.pgd.example "deferred \(Server certificate not verified\)" || return 1
    never_sent u@dane-bad.pgd.example || return 1
    answered "dane-bad\.pgd\.example:$L_DANE" dane "OK dane-only protocols=>=TLSv1.2" || return 1
    pf_log_has "server certificate verification failed for mx\.dane-bad\.pgd\.example\[127\.0\.0\.1\]:$L_DANE: num=65:no matching DANE TLSA records" ||
        { fail "no 'no matching DANE TLSA records' line"; return 1; }
    proof "verification failed for mx\.dane-bad"
    show "$LINE"
}
# no_dane ID DOMAIN WHY_RE - the floor (dane-or-sts) defers; the policy server says why it is not DANE
no_dane() {
    send "$1" "u@$2" nhs || return 1
    outcome "$PF_QID" "u@$2" "deferred \(client TLS configuration problem\)" || return 1
    never_sent "u@$2" || return 1
    _k=$(echo "$2" | sed 's/\./\\./g')
    grep -Eq "nexthop=$_k:$L_DANE transport=piiguard-tls12 source=floor answer=\"TEMP no DANE, MTA-STS or pinned certificate known for $_k:$L_DANE .*dane: $3" "$PF_T/tlspolicy.log" ||
        { fail "policy server: $(grep -E "nexthop=$_k:" "$PF_T/tlspolicy.log" | tail -n 1 | cut -c1-300)"; return 1; }
    proof "nexthop=$_k:"
    show "$LINE"
}
d_none() { no_dane d3 dane-none.pgd.example "no validated usable TLSA record for any of 1 MX host"; }
d_unsigned() { no_dane d4 dane-u.unsigned.example "MX or address records not DNSSEC-signed"; }
d_none_encrypt() {
    # the same next hop under an encrypt level: NOTFOUND, the transport's encrypt applies
    send d5 u@dane-none.pgd.example ssn || return 1
    outcome "$PF_QID" u@dane-none.pgd.example sent || return 1
    answered "dane-none\.pgd\.example:$L_DANE" none "NOTFOUND" || return 1
    echo "     encrypt level, no TLSA: sent over $(tls_word "$LINE") TLS (self-signed MX)"
}
d_bogus() {
    send d6 u@dane-b.bogus.example ssn || return 1   # even under an encrypt level
    outcome "$PF_QID" u@dane-b.bogus.example "deferred \(client TLS configuration problem\)" || return 1
    never_sent u@dane-b.bogus.example || return 1
    grep -Eq "nexthop=dane-b\.bogus\.example:$L_DANE transport=piiguard-tls13 source=dane answer=\"TEMP DANE undecided for dane-b\.bogus\.example:$L_DANE: DNSSEC validation failed \(bogus\)" "$PF_T/tlspolicy.log" ||
        { fail "policy server: $(grep -E "nexthop=dane-b\." "$PF_T/tlspolicy.log" | tail -n 1 | cut -c1-300)"; return 1; }
    proof "nexthop=dane-b\.bogus"
}
s_enforce() {
    send s1 u@sts.pgd.example nhs || return 1
    outcome "$PF_QID" u@sts.pgd.example sent || return 1
    [ "$(tls_word "$LINE")" = Verified ] || { fail "TLS was $(tls_word "$LINE"), expected Verified"; return 1; }
    tls_line "$LINE" | grep -q "Verified TLS connection established to mx\.sts\.pgd\.example\[127\.0\.0\.1\]:$L_STS" || { fail "not verified to mx.sts.pgd.example"; return 1; }
    answered "sts\.pgd\.example:$L_STS" sts "OK secure match=mx\.sts\.pgd\.example:\.backup\.sts\.pgd\.example servername=hostname protocols=>=TLSv1\.2\" why=\"policy id 1 mode enforce max_age 86400 \(fetched\)" || return 1
    grep -q "GET /.well-known/mta-sts.txt Host=mta-sts.sts.pgd.example SNI=mta-sts.sts.pgd.example 200" "$PF_T/https.log" || { fail "the policy host was not asked with SNI"; return 1; }
    grep -q '^sts1 sts\.pgd\.example 1 [0-9]* 86400 enforce mx\.sts\.pgd\.example,\*\.backup\.sts\.pgd\.example$' "$PF_T/sts-state/mta-sts.cache" ||
        { fail "policy not in the state file"; return 1; }
    proof "nexthop=sts\.pgd\.example:"
    show "$(tls_line "$LINE")"
    show "$LINE"
}
s_testing() {
    send s2 u@testing.pgd.example nhs || return 1
    outcome "$PF_QID" u@testing.pgd.example "deferred \(client TLS configuration problem\)" || return 1
    never_sent u@testing.pgd.example || return 1
    grep -Eq "nexthop=testing\.pgd\.example:$L_STS transport=piiguard-tls12 source=floor answer=\"TEMP .*sts: policy id 1 mode testing max_age 86400 \(fetched\): not enforced" "$PF_T/tlspolicy.log" ||
        { fail "policy server: $(grep -E "nexthop=testing\." "$PF_T/tlspolicy.log" | tail -n 1 | cut -c1-300)"; return 1; }
    # under an encrypt level: NOTFOUND, sent with the transport's encrypt (no name check: Trusted)
    send s3 u2@testing.pgd.example ssn || return 1
    outcome "$PF_QID" u2@testing.pgd.example sent || return 1
    [ "$(tls_word "$LINE")" = Trusted ] || { fail "TLS was $(tls_word "$LINE"), expected Trusted (not enforced)"; return 1; }
    grep -Eq "nexthop=testing\.pgd\.example:$L_STS transport=piiguard-tls13 source=none answer=\"NOTFOUND \".*\(cached\): not enforced" "$PF_T/tlspolicy.log" ||
        { fail "second lookup not from the cache: $(grep -E "nexthop=testing\." "$PF_T/tlspolicy.log" | tail -n 1 | cut -c1-300)"; return 1; }
    proof "nexthop=testing\.pgd\.example:$L_STS transport=piiguard-tls12"
    echo "     encrypt level: sent over $(tls_word "$LINE") TLS"
}
s_nofetch() {
    send s4 u@nofetch.pgd.example nhs || return 1
    outcome "$PF_QID" u@nofetch.pgd.example "deferred \(client TLS configuration problem\)" || return 1
    never_sent u@nofetch.pgd.example || return 1
    grep -Eq "nexthop=nofetch\.pgd\.example:$L_STS transport=piiguard-tls12 source=floor answer=\"TEMP .*sts: policy fetch failed: HTTP status 404" "$PF_T/tlspolicy.log" ||
        { fail "policy server: $(grep -E "nexthop=nofetch\." "$PF_T/tlspolicy.log" | tail -n 1 | cut -c1-300)"; return 1; }
    grep -q "Host=mta-sts.nofetch.pgd.example SNI=mta-sts.nofetch.pgd.example 404" "$PF_T/https.log" || { fail "no fetch was tried"; return 1; }
    proof "nexthop=nofetch\.pgd\.example:"
    show "$LINE"
}
s_cached() {
    send s5 u@cache.pgd.example nhs || return 1
    outcome "$PF_QID" u@cache.pgd.example sent || return 1
    [ "$(tls_word "$LINE")" = Verified ] || { fail "first delivery: TLS was $(tls_word "$LINE")"; return 1; }
    # the policy host loses the policy, the domain announces a new id, the policy server restarts
    rm -f "$PF_T/policies/cache.pgd.example.txt"
    sign_pgd 2 || { fail "cannot re-sign pgd.example"; return 1; }
    unbound_stop
    unbound_start 2 || { fail "unbound did not come back with id=2"; return 1; }
    tlspolicy_stop || { fail "policy server did not stop"; return 1; }
    tlspolicy_start || { fail "policy server did not restart"; return 1; }
    send s6 u2@cache.pgd.example nhs || return 1
    outcome "$PF_QID" u2@cache.pgd.example sent || return 1
    [ "$(tls_word "$LINE")" = Verified ] || { fail "second delivery: TLS was $(tls_word "$LINE"), expected Verified"; return 1; }
    answered "cache\.pgd\.example:$L_STS" sts "OK secure match=mx\.cache\.pgd\.example servername=hostname protocols=>=TLSv1\.2\" why=\"policy id 1 mode enforce max_age 86400 \(cached policy kept: fetch failed: HTTP status 404\)" || return 1
    [ "$(grep -c 'Host=mta-sts.cache.pgd.example .* 404' "$PF_T/https.log")" -ge 1 ] || { fail "the refresh was not tried"; return 1; }
    proof "cached policy kept"
    show "$LINE"
}
# ask - one socketmap lookup "piiguard-tls12 KEY" on 127.0.0.1:PORT: "SECONDS REPLY"
ask() {
    python3 - "$1" "$2" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
q = ("piiguard-tls12 " + sys.argv[2]).encode()
t = time.monotonic()
s.sendall(b"%d:%s," % (len(q), q))
buf = b""
while not (b":" in buf and buf.endswith(b",") and len(buf) > buf.find(b":") + int(buf[:buf.find(b":")] or 0)):
    d = s.recv(4096)
    if not d:
        break
    buf += d
print("%.3f %s" % (time.monotonic() - t, buf[buf.find(b":") + 1:-1].decode(errors="replace")))
PY
}
# how long the policy server takes: DANE looked up afresh (the server restarted in 10, so its
# resolver's cache is empty), then again
t_fast() {
    _r=$(ask "$TP" "dane-ok.pgd.example:$L_DANE") || { fail "no answer"; return 1; }
    _r2=$(ask "$TP" "dane-ok.pgd.example:$L_DANE") || { fail "no answer"; return 1; }
    _s=$(ask "$TP" "sts.pgd.example:$L_STS") || { fail "no answer"; return 1; }
    echo "     fresh DANE lookup (MX + TLSA through libunbound): ${_r%% *} s: ${_r#* }" | cut -c1-160
    echo "     the same again (libunbound's cache): ${_r2%% *} s; MTA-STS from the policy cache: ${_s%% *} s" | cut -c1-160
    case ${_r#* }/${_r2#* } in "OK dane-only protocols=>=TLSv1.2/OK dane-only protocols=>=TLSv1.2") ;; *) fail "dane answers: ${_r#* } / ${_r2#* }"; return 1 ;; esac
    case ${_s#* } in "OK secure match=mx.sts.pgd.example:.backup.sts.pgd.example servername=hostname"*) ;; *) fail "sts answer: ${_s#* }"; return 1 ;; esac
    for _x in "${_r%% *}" "${_r2%% *}" "${_s%% *}"; do
        awk -v s="$_x" 'BEGIN { exit !(s < 1.0) }' || { fail "a lookup took $_x s"; return 1; }
    done
}
# a DNS server that never answers, and a second policy server that asks it
t_slow() {
    python3 - "$BLACKHOLE_IP" >"$PF_T/blackhole.out" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
print("listening", flush=True)
while True:
    s.recvfrom(4096)      # and never answer
PY
    echo $! >>"$PF_T/pids"
    pf_wait 5 grep -qs listening "$PF_T/blackhole.out" || { fail "black hole DNS did not start"; return 1; }
    sed -e "s|^dns_forwarder = .*|dns_forwarder = \"$BLACKHOLE_IP\"|" -e "s|^#lookup_timeout_ms = .*|lookup_timeout_ms = 1500|" \
        -e "s|^sts_state_dir = .*|sts_state_dir = \"\"|" "$PF_T/edge.toml" >"$PF_T/slow.toml"
    grep -q '^lookup_timeout_ms = 1500' "$PF_T/slow.toml" || { fail "cannot set lookup_timeout_ms"; return 1; }
    "$PF_ROOT/piiguard-policyd" -m tlspolicy -f -c "$PF_T/slow.toml" -p "inet:$TP2@127.0.0.1" >>"$PF_T/tlspolicy-slow.log" 2>&1 &
    echo $! >>"$PF_T/pids"
    pf_wait 10 pf_listening "$TP2" || { fail "slow policy server did not start"; return 1; }
    # Postfix's socketmap client: netstrings on one connection; the reply must come, TEMP, within the limit
    _r=$(ask "$TP2" dane-ok.pgd.example)
    _secs=${_r%% *}
    _reply=${_r#* }
    echo "     reply after ${_secs} s: $(echo "$_reply" | cut -c1-160)"
    case $_reply in TEMP*) ;; *) fail "reply was not TEMP: $_reply"; return 1 ;; esac
    awk -v s="$_secs" 'BEGIN { exit !(s >= 1.3 && s < 3.0) }' || { fail "reply after $_secs s, expected about 1.5 s"; return 1; }
    grep -Eq "nexthop=dane-ok\.pgd\.example transport=piiguard-tls12 source=dane answer=\"TEMP DANE undecided for dane-ok\.pgd\.example: MX lookup of dane-ok\.pgd\.example: timeout" "$PF_T/tlspolicy-slow.log" ||
        { fail "slow policy server: $(tail -n 1 "$PF_T/tlspolicy-slow.log" | cut -c1-300)"; return 1; }
    grep -h "nexthop=dane-ok" "$PF_T/tlspolicy-slow.log" | head -n 1 | strip
}
# the audit trail: per delivery, Postfix's trust word and the policy server's authentication
a_report() {
    "$PF_ROOT/piiguard" audit report --profiles "$PF_T/profiles.toml" "$PF_T/maillog" "$PF_T/tlspolicy.log" \
        >"$PF_T/report.jsonl" 2>"$PF_T/report.err" || { fail "audit report failed: $(head -c 300 "$PF_T/report.err")"; return 1; }
    python3 - "$PF_T/report.jsonl" >"$PF_T/report.check" 2>&1 <<'PY' || { fail "$(tail -n 3 "$PF_T/report.check" | tr '\n' ' ' | cut -c1-300)"; return 1; }
import json, sys
want = {  # recipient: (trust, auth) of its sent delivery
    "u@dane-ok.pgd.example": ("Verified", "dane"),
    "u@sts.pgd.example": ("Verified", "sts"),
    "u2@cache.pgd.example": ("Verified", "sts"),
    "u2@testing.pgd.example": ("Trusted", "none"),
    "u@dane-none.pgd.example": ("Untrusted", "none"),
}
got = {}
for line in open(sys.argv[1]):
    m = json.loads(line)
    for d in m["deliveries"]:
        if d["status"] == "sent" and d["recipient"] in want and "/piiguard-tls1" in d["transport"]:
            got[d["recipient"]] = ((d["tls"] or {}).get("trust"), d["auth"], m["flags"])
for r, (trust, auth) in want.items():
    assert r in got, "no sent delivery for " + r
    assert got[r][:2] == (trust, auth), "%s: %s" % (r, got[r])
    assert "pii_delivered_without_dane_or_sts" not in got[r][2], "%s flagged: %s" % (r, got[r][2])
for r in sorted(want):
    print("%s: %s, auth %s" % (r.split("@")[1], got[r][0], got[r][1]))
PY
    sed 's/^/     /' "$PF_T/report.check"
}
# -n: a trust anchor that cannot be read is a configuration error, not a silent "no DANE"
n_anchor() {
    sed "s|^dns_trust_anchor = .*|dns_trust_anchor = \"$PF_T/no-such.key\"|" "$PF_T/edge.toml" >"$PF_T/bad-anchor.toml"
    if "$PF_ROOT/piiguard-policyd" -m tlspolicy -n -c "$PF_T/bad-anchor.toml" >"$PF_T/bad-anchor.out" 2>&1; then
        fail "-n accepted a missing trust anchor"
        return 1
    fi
    grep -q "key 'outbound.dns_trust_anchor': trust anchor $PF_T/no-such.key: cannot read it" "$PF_T/bad-anchor.out" ||
        { fail "$(head -c 300 "$PF_T/bad-anchor.out")"; return 1; }
    sed 's/^/     /' "$PF_T/bad-anchor.out" | cut -c1-200
}
# piiguard probe: DANE and MTA-STS as the CLI reports them, in a network namespace
# whose /etc/resolv.conf names the test resolver (the probe finds MX hosts like in production)
p_probe() {
    command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 || { fail "unshare or ip missing"; return 1; }
    N=$PF_T/ns
    mkdir -p "$N/policies"
    cp "$C/ca.crt" "$C/web.crt" "$C/web.key" "$N/"
    cp "$C/mxsts.crt" "$N/mx.crt"
    cp "$C/mxsts.key" "$N/mx.key"
    cp "$PF_T/policies/sts.pgd.example.txt" "$N/policies/"
    _h=$(openssl x509 -in "$C/mxsts.crt" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -c1-64)
    cat >"$N/zone" <<EOF2
\$ORIGIN pgd.example.
\$TTL 30
@ IN SOA ns.pgd.example. hostmaster.pgd.example. 1 3600 600 86400 30
@ IN NS ns
ns IN A 127.0.0.53
dane-ok IN MX 10 mx.dane-ok
mx.dane-ok IN A 127.0.0.1
_25._tcp.mx.dane-ok IN TLSA 3 1 1 $_h
dane-bad IN MX 10 mx.dane-bad
mx.dane-bad IN A 127.0.0.1
_25._tcp.mx.dane-bad IN TLSA 3 1 1 $(printf '%064d' 0)
sts IN MX 10 mx.sts
mx.sts IN A 127.0.0.1
_mta-sts.sts IN TXT "v=STSv1; id=1;"
mta-sts.sts IN A 127.0.0.80
EOF2
    ldns-signzone -f "$N/zone.signed" "$N/zone" "$D/$KEY_PGD" >"$N/sign.log" 2>&1 || { fail "cannot sign the namespace zone"; return 1; }
    sed -e "s|interface: $DNS_IP|interface: 127.0.0.53|" -e "s|$D/pgd.example.zone.signed|$N/zone.signed|" \
        -e "s|logfile: \"$D/unbound.log\"|logfile: \"$N/unbound.log\"|" "$D/unbound.conf" >"$N/ns-unbound.conf"
    echo "nameserver 127.0.0.53" >"$N/resolv.conf"
    sed -e "s|^dns_forwarder = .*|dns_forwarder = \"127.0.0.53\"|" "$PF_T/edge.toml" >"$N/probe.toml"
    unshare --mount --net -- sh tests/dane/probe_ns.sh "$N" "$PF_T/pids" >"$N/run.out" 2>&1 ||
        { fail "namespace run: $(tail -n 3 "$N/run.out" | tr '\n' ' ' | cut -c1-300)"; return 1; }
    grep -q "DANE: _25._tcp.mx.dane-ok.pgd.example (secure, validated): 3 1 1 $_h: matches the certificate's public key" "$N/probe-dane-ok.txt" ||
        { fail "dane-ok: $(grep -i dane "$N/probe-dane-ok.txt" | head -n 2 | tr '\n' ' ' | cut -c1-300)"; return 1; }
    grep -q "DANE: _25._tcp.mx.dane-bad.pgd.example (secure, validated): 3 1 1 0*: does NOT match the certificate" "$N/probe-dane-bad.txt" ||
        { fail "dane-bad: $(grep -i dane "$N/probe-dane-bad.txt" | head -n 2 | tr '\n' ' ' | cut -c1-300)"; return 1; }
    grep -q "^sts.pgd.example: MTA-STS: policy id 1, mode enforce, max_age 86400, mx mx.sts.pgd.example \*.backup.sts.pgd.example$" "$N/probe-sts.txt" &&
        grep -q "MTA-STS: mx.sts.pgd.example matches the policy's mx patterns" "$N/probe-sts.txt" &&
        grep -q "DANE: _25._tcp.mx.sts.pgd.example: no TLSA records (secure)" "$N/probe-sts.txt" ||
        { fail "sts: $(grep -i 'sts\|dane' "$N/probe-sts.txt" | head -n 3 | tr '\n' ' ' | cut -c1-300)"; return 1; }
    # grades: hipaa's outbound level requires DANE or MTA-STS here
    grep -q "^  hipaa: pass$" "$N/probe-dane-ok.txt" && grep -q "^  hipaa: pass$" "$N/probe-sts.txt" &&
        grep -q "^  hipaa: fail: needs DANE or MTA-STS" "$N/probe-dane-bad.txt" ||
        { fail "grades: $(grep -h '^  hipaa: ' "$N/probe-dane-ok.txt" "$N/probe-sts.txt" "$N/probe-dane-bad.txt" | tr '\n' ' ' | cut -c1-300)"; return 1; }
    python3 - "$N" <<'PY' >"$N/json.check" 2>&1 || { fail "json: $(tail -n 2 "$N/json.check" | tr '\n' ' ' | cut -c1-300)"; return 1; }
import json, sys
n = sys.argv[1]
ok = json.loads(open(n + "/probe-dane-ok.json").readline())
bad = json.loads(open(n + "/probe-dane-bad.json").readline())
sts = json.loads(open(n + "/probe-sts.json").readline())
assert ok["dane"]["status"] == "secure" and [r["match"] for r in ok["dane"]["records"]] == [True], ok["dane"]
assert [r["match"] for r in bad["dane"]["records"]] == [False], bad["dane"]
m = sts["mta_sts"]
assert m["mode"] == "enforce" and m["max_age"] == 86400 and m["mx_match"] is True and m["id"] == "1", m
assert sts["dane"]["records"] == [] and sts["dane"]["status"] == "secure", sts["dane"]
assert ok["mta_sts"] == {"error": "no v=STSv1 TXT record"}, ok["mta_sts"]
PY
    grep -h "DANE:\|MTA-STS:\|  hipaa: " "$N/probe-dane-ok.txt" "$N/probe-dane-bad.txt" "$N/probe-sts.txt" | cut -c1-200 | sed 's/^/     /'
}
v_values() {
    for _v in "943 476 5919" "9434765919" "219-09-9999" "219099999"; do
        for _log in "$PF_T/maillog" "$PF_T/milter.log" "$PF_T/tlspolicy.log" "$PF_T/tlspolicy-slow.log" "$PF_T/https.log" "$PF_T/sts-state/mta-sts.cache" "$PF_T/report.jsonl"; do
            grep -qF "$_v" "$_log" && { fail "a PII value appears in $(basename "$_log")"; return 1; }
        done
    done
    return 0
}

scenario "1 DANE match: dane-only answered (source dane), Verified, sent" d_match
scenario "1b DANE for a [host] next hop (relay or transport_maps): dane-only, Verified, sent" d_host
scenario "2 DANE mismatch: dane-only answered, no matching TLSA, deferred" d_mismatch
scenario "3 DANE, no TLSA (validated denial): not DANE, dane-or-sts floor defers" d_none
scenario "4 DANE, unsigned zone with TLSA: not DANE, dane-or-sts floor defers" d_unsigned
scenario "5 no TLSA under an encrypt level: NOTFOUND, sent encrypted" d_none_encrypt
scenario "6 bogus DNSSEC answers: TEMP (source dane) even under encrypt, deferred" d_bogus
scenario "7 MTA-STS enforce: secure match= answered (source sts), Verified, sent, cached on disk" s_enforce
scenario "8 MTA-STS testing: not enforced (dane-or-sts defers; encrypt sends Trusted)" s_testing
scenario "9 MTA-STS policy fetch failing, no cached policy: not STS, deferred" s_nofetch
scenario "10 MTA-STS fetch failing with a cached policy (new id, restart): cached kept, Verified" s_cached
scenario "10b lookup times: fresh DANE and cached MTA-STS answers in well under a second" t_fast
scenario "11 DNS that never answers: TEMP after lookup_timeout_ms (1.5 s), never a hang" t_slow
scenario "12 audit report: per delivery Postfix's trust and the policy source (dane, sts, none)" a_report
scenario "13 piiguard probe: DANE match / mismatch / none, MTA-STS policy and MX match, graded (netns)" p_probe
scenario "14 piiguard-policyd -m tlspolicy -n: an unreadable trust anchor is an error" n_anchor
scenario "15 no PII value in any log, state file or report" v_values
echo "($(($(date +%s) - START)) s; logs in tests/out/dane/)"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
