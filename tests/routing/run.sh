#!/bin/sh
# run.sh - PII mail routed right on an ordinary MX (issue 9), in a real Postfix.
#
# Usage: sh tests/routing/run.sh       (from the checkout; root, as in CI)
#
# An "edge" Postfix built from contrib/postfix/{main,master,reinject.master}
# .cf.snippet and the generated header checks tables, verbatim but for paths
# and ports, with no default filter next hop and no test-only routing: it is
# the MX of its own domain edge.test (virtual mailboxes), has transport_maps
# (partner.test, legacy.test, refuse.test, an internal transport), a
# relayhost, and sender_dependent_relayhost_maps, all on loopback. A second
# edge, "edge-av", has an after-queue content filter (the amavis pattern:
# content_filter = scan:[127.0.0.1]:PORT, tests/routing/filter.py playing the
# filter, reinjecting through reinject.master.cf.snippet). The "remote" MXes
# are one private Postfix with several listeners (STARTTLS, no STARTTLS,
# one that refuses every recipient). piiguard-milter runs with the bundled
# contrib/piiguard.toml, changed only in paths and ports (plus the admin's
# own internal transport and, on edge-av, its content filter).
#
# Each scenario checks what Postfix logged and delivered, and prints the
# maillog line that proves it. Output: one line per scenario,
# "N passed, N failed" last; exit 1 on failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
PF_ROOT=$(pwd)
. tests/postfix/lib.sh
. tests/scenario.sh

OUT=$PF_ROOT/tests/out/routing
PIIGUARD=$PF_ROOT/piiguard

save_logs() {
    cp "$PF_T/maillog" "$OUT/maillog" 2>/dev/null
    cp "$PF_T/milter.log" "$OUT/milter.log" 2>/dev/null
    cp "$PF_T/edge/etc/main.cf" "$OUT/edge-main.cf" 2>/dev/null
    cp "$PF_T/edge/etc/master.cf" "$OUT/edge-master.cf" 2>/dev/null
    cp "$PF_T/filter.log" "$OUT/filter.log" 2>/dev/null
}
# proof REGEX - print the (first) maillog line matching REGEX, shortened
proof() { pf_log_lines "$1" | head -n 1 | sed -E 's/^[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} [^ ]+ //' | cut -c1-230 | sed 's/^/     /'; }

# mkmsg FILE ID KIND - a message (tests/scenario.sh sc_mkmsg)
mkmsg() { sc_mkmsg "$1" "$2" "$3" routing; }

# send ID PORT TLS FROM TO KIND - build and send (TO: comma-separated)
send() {
    mkmsg "$PF_T/$1.eml" "$1" "$6"
    pf_send "$1" "$2" "$3" "$4" "$5" "$PF_T/$1.eml"
}
accepted() {
    [ "$PF_RC" -eq 0 ] && [ -n "$PF_QID" ] || fail "not accepted (swaks exit $PF_RC, last reply: $PF_REPLY)"
}

# delivered_to MX MSGID RCPT - how many copies MX delivered of MSGID to RCPT (Delivered-To)
delivered_to() {
    _n=0
    for _m in "$PF_T/$1"/mail/inbox/new/* "$PF_T/$1"/vmail/inbox/new/*; do
        [ -f "$_m" ] || continue
        grep -qiF "Message-ID: <$2>" "$_m" || continue
        grep -qiF "Delivered-To: $3" "$_m" && _n=$((_n + 1))
    done
    echo "$_n"
}
# file_to MX MSGID RCPT - the delivered file
file_to() {
    for _m in "$PF_T/$1"/mail/inbox/new/* "$PF_T/$1"/vmail/inbox/new/*; do
        [ -f "$_m" ] || continue
        grep -qiF "Message-ID: <$2>" "$_m" && grep -qiF "Delivered-To: $3" "$_m" && { echo "$_m"; return 0; }
    done
    return 1
}
one_copy() { [ "$(delivered_to "$1" "$2" "$3")" -eq 1 ]; }

# sent_line INSTANCE RCPT PORT - the Postfix line that sent RCPT's copy to 127.0.0.1:PORT
sent_re() { echo " postfix-$1/([a-z0-9-]+)/smtp\[[0-9]+\]: [0-9A-F]+: to=<$2>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$3,.* status=sent"; }
# never_clear RCPT PORT - no copy to RCPT was sent to the no-STARTTLS port
never_clear() {
    pf_log_has "to=<$1>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$2,.* status=sent" &&
        { fail "a copy to $1 was SENT to the listener without STARTTLS: $(pf_log_lines "to=<$1>.*status=sent" | head -n 1 | cut -c1-200)"; return 1; }
    return 0
}
# copy_of QID RCPT - the queue id of RCPT's split copy of QID (piiguard-split's "queued as")
copy_of() {
    pf_log_lines "postfix-[a-z-]+/piiguard-split/smtp\[[0-9]+\]: $1: to=<$2>,.* status=sent .*queued as " | head -n 1 |
        sed -E 's/.*queued as ([0-9A-F]+)\).*/\1/'
}
# tls_of_send LINE - the TLS line of the smtp process of a sent line
tls_of_sent() {
    _pid=$(echo "$1" | sed -nE 's/.*\/smtp\[([0-9]+)\]: .*/\1/p')
    pf_log_lines "smtp\[$_pid\]: (Trusted|Verified|Untrusted|Anonymous) TLS connection established" | tail -n 1
}
# via_tls INSTANCE RCPT PORT - RCPT's copy went out through a piiguard transport over TLS
via_tls() {
    _l=$(pf_log_lines "$(sent_re "$1" "$2" "$3")" | head -n 1)
    [ -n "$_l" ] || { fail "no status=sent line for $2 to port $3"; return 1; }
    echo "$_l" | grep -Eq "postfix-$1/piiguard-tls1[23]/smtp" || { fail "$2 was sent by $(echo "$_l" | sed -E 's/.*postfix-[^/]+\/([^[]+)\[.*/\1/'), not a piiguard transport"; return 1; }
    [ -n "$(tls_of_sent "$_l")" ] || { fail "no TLS line for the delivery of $2"; return 1; }
}

# --- set-up ----------------------------------------------------------------------
mkdir -p "$OUT"
rm -f "$OUT"/*
for tool in postfix postconf postqueue postmap swaks openssl python3 opendkim; do
    command -v "$tool" >/dev/null 2>&1 || { echo "missing tool: $tool (make deps-test)"; echo "0 passed, 1 failed"; exit 1; }
done
PF_SAVE_HOOK=save_logs
pf_init
START=$(date +%s)
pf_make_certs || { echo "cannot make test certificates"; echo "0 passed, 1 failed"; exit 1; }

MX_TLS=$(pf_free_port) MX_PLAIN=$(pf_free_port) RELAY_TLS=$(pf_free_port) SDR_TLS=$(pf_free_port)
REFUSE=$(pf_free_port) P_EDGE=$(pf_free_port) REINJ=$(pf_free_port)
P_AV=$(pf_free_port) AV_REINJ=$(pf_free_port) FILTER=$(pf_free_port) P_DKIM=$(pf_free_port)

# the remote MXes: one instance, several listeners
pf_mx mx "$MX_TLS" "$MX_PLAIN"
pf_master mx <<EOF2
127.0.0.1:$RELAY_TLS inet n - n - - smtpd
  -o syslog_name=postfix-mx/relay
127.0.0.1:$SDR_TLS inet n - n - - smtpd
  -o syslog_name=postfix-mx/sdr
127.0.0.1:$REFUSE inet n - n - - smtpd
  -o syslog_name=postfix-mx/refuse
  -o smtpd_recipient_restrictions=reject
EOF2

# edge_instance NAME MILTER_SOCKET REINJECT_PORT SMTPD_PORT - contrib verbatim but paths/ports
edge_instance() {
    pf_instance "$1"
    pf_edge_from_contrib "$1" "$2" "$3" "$PF_T/$1.toml"
    _e=$PF_T/$1/etc
    mkdir -p "$PF_T/$1/vmail"
    chown postfix "$PF_T/$1/vmail"
    # an ordinary MX: its own domain in virtual mailboxes, everything else by
    # transport_maps, relayhost or sender_dependent_relayhost_maps
    pf_conf "$1" "default_transport = smtp" "relay_transport = relay" "local_transport = local" \
        "virtual_mailbox_domains = $1.test" "virtual_mailbox_base = $PF_T/$1/vmail" \
        "virtual_mailbox_maps = static:inbox/" "virtual_uid_maps = static:$PF_POSTFIX_UID" \
        "virtual_gid_maps = static:$(id -g postfix)" "virtual_minimum_uid = 1" \
        "relayhost = [127.0.0.1]:$RELAY_TLS" "delay_warning_time = 2s" \
        "sender_dependent_relayhost_maps = texthash:$_e/sender_relay" \
        "virtual_alias_maps = texthash:$_e/virtual_alias" \
        "smtpd_relay_restrictions = permit_mynetworks, reject" \
        "milter_header_checks = regexp:$_e/piiguard_header_checks"
    printf 'special@sender2.test\t[127.0.0.1]:%s\n' "$SDR_TLS" >"$_e/sender_relay"
    printf 'fwd@%s.test\tann2@partner.test\nfwdplain@%s.test\told6@legacy.test\n' "$1" "$1" >"$_e/virtual_alias"
    cat >"$_e/transport" <<EOF2
partner.test	smtp:[127.0.0.1]:$MX_TLS
legacy.test	smtp:[127.0.0.1]:$MX_PLAIN
refuse.test	smtp:[127.0.0.1]:$REFUSE
internal.test	internal:[127.0.0.1]:$MX_PLAIN
sender.test	smtp:[127.0.0.1]:$MX_PLAIN
mxdomain.test	smtp:
EOF2
    pf_master "$1" <<EOF2
127.0.0.1:$4 inet n - n - - smtpd
  -o syslog_name=postfix-$1/smtpd
  -o milter_macro_daemon_name=smtp
internal unix - - n - - smtp
  -o syslog_name=postfix-$1/internal
EOF2
}

# milter_config NAME [EXTRA_SED] - the bundled config, paths and ports made the test's;
# auditing on (the milter's log, its key root's only: the spawned TLS policy
# server, user nobody, must not need it)
milter_config() {
    sed -e "s|^rules_dir = .*|rules_dir = \"$PF_ROOT/rules\"|" \
        -e "s|^profiles_file = .*|profiles_file = \"$PF_ROOT/contrib/profiles.toml\"|" \
        -e "s|^key_file = .*|key_file = \"$PF_T/trace.key\"|" \
        -e "s|^#split_route = \"piiguard-split:\[127.0.0.1\]:10025\"|split_route = \"piiguard-split:[127.0.0.1]:$2\"|" \
        -e "s|^#header_checks = .*|header_checks = \"$PF_T/$1/etc/piiguard_header_checks\"|" \
        -e "s|^#internal_transports = \[\]|internal_transports = [\"internal\"]|" \
        -e "s|^#log = \"\"|log = \"$PF_T/audit-$1.jsonl\"|" \
        ${3:+-e "$3"} \
        "$PF_ROOT/contrib/piiguard.toml" >"$PF_T/$1.toml"
}

edge_instance edge "$PF_T/edge.sock" "$REINJ" "$P_EDGE"
edge_instance edge-av "$PF_T/edge-av.sock" "$AV_REINJ" "$P_AV"
# the amavis pattern on edge-av: an after-queue filter and its scan transport
pf_conf edge-av "content_filter = scan:[127.0.0.1]:$FILTER"
pf_master edge-av <<EOF2
scan unix - - n - 4 smtp
  -o syslog_name=postfix-edge-av/scan
  -o smtp_send_xforward_command=yes
  -o smtp_tls_security_level=none
EOF2
# OpenDKIM signing for sender.test in the same smtpd_milters chain, before piiguard
mkdir -p "$PF_T/dkim"
openssl genrsa -out "$PF_T/dkim/t.private" 2048 2>/dev/null
DKIM_PUB=$(openssl rsa -in "$PF_T/dkim/t.private" -pubout -outform DER 2>/dev/null | base64 -w0)
cat >"$PF_T/dkim/opendkim.conf" <<EOF2
Mode s
Domain sender.test
Selector t
KeyFile $PF_T/dkim/t.private
Socket local:$PF_T/opendkim.sock
UMask 000
Canonicalization relaxed/simple
InternalHosts 127.0.0.0/8
PidFile $PF_T/dkim/opendkim.pid
Syslog no
RequireSafeKeys no
EOF2
pf_master edge <<EOF2
127.0.0.1:$P_DKIM inet n - n - - smtpd
  -o syslog_name=postfix-edge/dkim
  -o milter_macro_daemon_name=smtp
  -o smtpd_milters=unix:$PF_T/opendkim.sock,unix:$PF_T/edge.sock
EOF2
milter_config edge "$REINJ"
milter_config edge-av "$AV_REINJ" "s|^#content_filter = \"\"|content_filter = \"scan:[127.0.0.1]:$FILTER\"|"

setup_ok=1
for m in edge edge-av; do
    "$PF_ROOT/piiguard-milter" -n -c "$PF_T/$m.toml" >"$PF_T/$m-n.out" 2>&1 ||
        { echo "piiguard-milter -n rejects the $m config:"; cat "$PF_T/$m-n.out"; setup_ok=0; }
    pf_milter_start "$m" "$PF_T/$m.toml" || setup_ok=0
done
python3 tests/routing/filter.py "$FILTER" "$AV_REINJ" "$PF_T/filter.log" >>"$PF_T/filter.log" 2>&1 &
echo $! >>"$PF_T/pids"
if command -v opendkim >/dev/null 2>&1; then
    opendkim -f -x "$PF_T/dkim/opendkim.conf" >>"$PF_T/dkim/opendkim.log" 2>&1 &
    echo $! >>"$PF_T/pids"
    pf_wait 10 pf_socket_ready "$PF_T/opendkim.sock" || { echo "opendkim did not start"; cat "$PF_T/dkim/opendkim.log"; setup_ok=0; }
else
    echo "opendkim is not installed (make deps-test)"
    setup_ok=0
fi
pf_start mx || setup_ok=0
pf_start edge || setup_ok=0
pf_start edge-av || setup_ok=0
pf_wait 10 pf_listening "$FILTER" || { echo "filter not listening"; setup_ok=0; }
if [ "$setup_ok" -ne 1 ]; then
    tail -n 20 "$PF_T/milter.log"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "set-up: edge :$P_EDGE (reinject :$REINJ), edge-av :$P_AV (filter :$FILTER, reinject :$AV_REINJ), mx TLS :$MX_TLS plain :$MX_PLAIN relayhost :$RELAY_TLS sdr :$SDR_TLS refuse :$REFUSE, $(($(date +%s) - START)) s"

# --- scenarios -------------------------------------------------------------------

# 1. local delivery untouched: PII to the edge's own mailbox arrives there
r_local() {
    send r1 "$P_EDGE" tls1.3 a@sender.test bob@edge.test pii
    accepted || return 1
    pf_wait 20 one_copy edge r1@piiguard.test bob@edge.test || { fail "not delivered to the local mailbox"; return 1; }
    # split first (a local address may be an alias), then the copy's local delivery
    _cq=$(copy_of "$PF_QID" bob@edge.test)
    [ -n "$_cq" ] || { fail "no split copy for the local recipient"; return 1; }
    pf_log_has "postfix-edge/virtual\[[0-9]+\]: $_cq: to=<bob@edge\.test>, relay=virtual,.* status=sent" || { fail "no virtual delivery line"; return 1; }
    proof "postfix-edge/piiguard-split/smtp\[[0-9]+\]: $PF_QID: to=<bob@edge\.test>"
    proof "postfix-edge/virtual\[[0-9]+\]: $_cq: to=<bob@edge\.test>"
    [ "$(pf_header_count "$(file_to edge r1@piiguard.test bob@edge.test)" X-PIIGuard-Route)" -eq 0 ] || { fail "route marker on a local delivery"; return 1; }
}

# 1c. a local address that virtual_alias_maps rewrites to a remote one (after
#     the milter saw it as local): routed by its final address
r_alias() {
    send r1c "$P_EDGE" tls1.3 a@sender.test "fwd@edge.test,fwdplain@edge.test" pii
    accepted || return 1
    pf_wait 20 one_copy mx r1c@piiguard.test ann2@partner.test || { fail "the alias's copy did not reach ann2@partner.test"; return 1; }
    via_tls edge ann2@partner\\.test "$MX_TLS" || return 1
    _re="postfix-edge/piiguard-tls1[23]/smtp\[[0-9]+\]: [0-9A-F]+: to=<old6@legacy\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$MX_PLAIN,.* dsn=4\.7\.4, status=deferred"
    pf_wait 20 pf_log_has "$_re" || { fail "the alias to legacy.test was not deferred for TLS: $(pf_log_lines "to=<old6@legacy" | tail -n 1 | cut -c1-200)"; return 1; }
    never_clear old6@legacy\\.test "$MX_PLAIN" || return 1
    proof "postfix-edge/piiguard-split/smtp\[[0-9]+\]: $PF_QID: to=<ann2@partner\.test>, orig_to=<fwd@edge\.test>"
    proof "postfix-edge/piiguard-tls1[23]/smtp\[[0-9]+\]: $(copy_of "$PF_QID" ann2@partner.test): to=<ann2@partner\.test>.*status=sent"
    proof "$_re"
}

# 1b. an internal transport declared by the admin keeps its route (no TLS demanded)
r_internal() {
    send r1b "$P_EDGE" tls1.3 a@sender.test ops@internal.test pii
    accepted || return 1
    pf_wait 20 one_copy mx r1b@piiguard.test ops@internal.test || { fail "not delivered through the internal transport"; return 1; }
    _cq=$(copy_of "$PF_QID" ops@internal.test)
    pf_log_has "postfix-edge/internal/smtp\[[0-9]+\]: $_cq: to=<ops@internal\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$MX_PLAIN,.* status=sent" || { fail "not sent by the internal transport"; return 1; }
    proof "postfix-edge/internal/smtp\[[0-9]+\]: $_cq: to=<ops@internal\.test>"
}

# 2a. transport_maps next hop kept, mandatory TLS, no marker delivered
r_transport() {
    send r2a "$P_EDGE" tls1.3 a@sender.test ann@partner.test pii
    accepted || return 1
    pf_wait 20 one_copy mx r2a@piiguard.test ann@partner.test || { fail "not delivered"; return 1; }
    via_tls edge ann@partner\\.test "$MX_TLS" || return 1
    _f=$(file_to mx r2a@piiguard.test ann@partner.test)
    [ "$(pf_header_count "$_f" X-PIIGuard-Route)" -eq 0 ] || { fail "the route marker reached the recipient"; return 1; }
    proof "$(sent_re edge ann@partner\\.test "$MX_TLS")"
}

# 2b. relayhost kept
r_relayhost() {
    send r2b "$P_EDGE" tls1.3 a@sender.test zed@elsewhere.test pii
    accepted || return 1
    pf_wait 20 one_copy mx r2b@piiguard.test zed@elsewhere.test || { fail "not delivered"; return 1; }
    via_tls edge zed@elsewhere\\.test "$RELAY_TLS" || return 1
    proof "$(sent_re edge zed@elsewhere\\.test "$RELAY_TLS")"
}

# 2c. sender_dependent_relayhost_maps kept
r_sdr() {
    send r2c "$P_EDGE" tls1.3 special@sender2.test zed@elsewhere.test pii
    accepted || return 1
    pf_wait 20 one_copy mx r2c@piiguard.test zed@elsewhere.test || { fail "not delivered"; return 1; }
    via_tls edge zed@elsewhere\\.test "$SDR_TLS" || return 1
    proof "$(sent_re edge zed@elsewhere\\.test "$SDR_TLS")"
}

# 2d. MX of the recipient domain kept (no DNS here: the lookup of that very name
#     fails; with smtp_dns_support_level = disabled Postfix calls that permanent)
r_mx() {
    send r2d "$P_EDGE" tls1.3 a@sender.test kim@mxdomain.test pii
    accepted || return 1
    _re="postfix-edge/piiguard-tls1[23]/smtp\[[0-9]+\]: $PF_QID: to=<kim@mxdomain\.test>, relay=none,.* status=(deferred|bounced) \(.*look up host mxdomain\.test"
    pf_wait 20 pf_log_has "$_re" || { fail "no deferral naming mxdomain.test by a piiguard transport: $(pf_log_lines "$PF_QID: to=<kim" | tail -n 1 | cut -c1-200)"; return 1; }
    proof "$_re"
}

# 2e. a next hop without STARTTLS: deferred, never sent in clear
r_plain() {
    send r2e "$P_EDGE" tls1.3 a@sender.test old@legacy.test pii
    accepted || return 1
    _re="postfix-edge/piiguard-tls1[23]/smtp\[[0-9]+\]: $PF_QID: to=<old@legacy\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$MX_PLAIN,.* dsn=4\.7\.4, status=deferred \(TLS is required"
    pf_wait 20 pf_log_has "$_re" || { fail "no 4.7.4 deferral"; return 1; }
    never_clear old@legacy\\.test "$MX_PLAIN" || return 1
    pf_in_queue edge "$PF_QID" || { fail "left the queue"; return 1; }
    proof "$_re"
}

# 2f. clean mail to the same next hop goes the ordinary way (no TLS demanded)
r_clean() {
    send r2f "$P_EDGE" none a@sender.test old@legacy.test clean
    accepted || return 1
    pf_wait 20 one_copy mx r2f@piiguard.test old@legacy.test || { fail "clean mail not delivered"; return 1; }
    pf_log_has " postfix-edge/smtp\[[0-9]+\]: $PF_QID: to=<old@legacy\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$MX_PLAIN,.* status=sent" || { fail "not sent by the ordinary smtp transport"; return 1; }
    proof " postfix-edge/smtp\[[0-9]+\]: $PF_QID: to=<old@legacy\.test>"
}

# 3. one message, mixed recipients: local + TLS partner + relayhost + partner without TLS
r_mixed() {
    send r3 "$P_EDGE" tls1.3 a@sender.test "bob@edge.test,ann@partner.test,zed@elsewhere.test,old3@legacy.test" pii
    accepted || return 1
    _all() {
        one_copy edge r3@piiguard.test bob@edge.test && one_copy mx r3@piiguard.test ann@partner.test &&
            one_copy mx r3@piiguard.test zed@elsewhere.test
    }
    pf_wait 30 _all || { fail "not every copy arrived: local $(delivered_to edge r3@piiguard.test bob@edge.test), partner $(delivered_to mx r3@piiguard.test ann@partner.test), relayhost $(delivered_to mx r3@piiguard.test zed@elsewhere.test)"; return 1; }
    via_tls edge ann@partner\\.test "$MX_TLS" || return 1
    via_tls edge zed@elsewhere\\.test "$RELAY_TLS" || return 1
    _re="postfix-edge/piiguard-tls1[23]/smtp\[[0-9]+\]: [0-9A-F]+: to=<old3@legacy\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$MX_PLAIN,.* dsn=4\.7\.4, status=deferred"
    pf_wait 20 pf_log_has "$_re" || { fail "the copy to legacy.test was not deferred for TLS"; return 1; }
    never_clear old3@legacy\\.test "$MX_PLAIN" || return 1
    # the split: one copy per recipient, each handed to the reinjection listener
    _n=$(pf_log_count "postfix-edge/piiguard-split/smtp\[[0-9]+\]: $PF_QID: to=<[^>]+>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$REINJ,.* status=sent")
    [ "$_n" -eq 4 ] || { fail "$_n of 4 recipients handed to the reinjection listener"; return 1; }
    sleep 1
    for _r in bob@edge.test ann@partner.test zed@elsewhere.test; do
        _c=$(delivered_to edge r3@piiguard.test "$_r")
        [ "$_r" = bob@edge.test ] || _c=$(delivered_to mx r3@piiguard.test "$_r")
        [ "$_c" -eq 1 ] || { fail "$_c copies for $_r"; return 1; }
    done
    proof "postfix-edge/piiguard-split/smtp\[[0-9]+\]: $PF_QID: to=<bob@edge\.test>"
    proof "postfix-edge/virtual\[[0-9]+\]: $(copy_of "$PF_QID" bob@edge.test): to=<bob@edge\.test>.*status=sent"
    proof "postfix-edge/piiguard-tls1[23]/smtp\[[0-9]+\]: $(copy_of "$PF_QID" ann@partner.test): to=<ann@partner\.test>.*status=sent"
    proof "postfix-edge/piiguard-tls1[23]/smtp\[[0-9]+\]: $(copy_of "$PF_QID" zed@elsewhere.test): to=<zed@elsewhere\.test>.*status=sent"
    proof "$_re"
}

# 4. amavis pattern: PII passes the content filter AND leaves only over mandatory TLS
r_filter() {
    send r4 "$P_AV" tls1.3 a@sender.test "bob@edge-av.test,ann@partner.test,old4@legacy.test" pii
    accepted || return 1
    _all() { one_copy edge-av r4@piiguard.test bob@edge-av.test && one_copy mx r4@piiguard.test ann@partner.test; }
    pf_wait 30 _all || { fail "not delivered (local $(delivered_to edge-av r4@piiguard.test bob@edge-av.test), partner $(delivered_to mx r4@piiguard.test ann@partner.test))"; return 1; }
    for _f in "$(file_to edge-av r4@piiguard.test bob@edge-av.test)" "$(file_to mx r4@piiguard.test ann@partner.test)"; do
        [ "$(pf_header_count "$_f" X-Test-Filter)" -eq 1 ] || { fail "a copy skipped the content filter"; return 1; }
        [ "$(pf_header_count "$_f" X-PIIGuard-Trace)" -eq 1 ] || { fail "$(pf_header_count "$_f" X-PIIGuard-Trace) trace headers, expected the first pass's one"; return 1; }
        # the trace binds the whole envelope: a copy's verifier names every recipient
        "$PIIGUARD" verify --key "$PF_T/trace.key" --rcpt bob@edge-av.test --rcpt ann@partner.test \
            --rcpt old4@legacy.test "$_f" >"$PF_T/r4-verify.out" 2>&1 ||
            { fail "trace does not verify: $(head -c 200 "$PF_T/r4-verify.out")"; return 1; }
    done
    via_tls edge-av ann@partner\\.test "$MX_TLS" || return 1
    pf_log_has "postfix-edge-av/scan/smtp\[[0-9]+\]: $PF_QID: to=<ann@partner\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$FILTER,.* status=sent" || { fail "the first pass did not go to the filter"; return 1; }
    _re="postfix-edge-av/piiguard-tls1[23]/smtp\[[0-9]+\]: [0-9A-F]+: to=<old4@legacy\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$MX_PLAIN,.* dsn=4\.7\.4, status=deferred"
    pf_wait 20 pf_log_has "$_re" || { fail "the legacy copy was not deferred for TLS"; return 1; }
    never_clear old4@legacy\\.test "$MX_PLAIN" || return 1
    proof "postfix-edge-av/scan/smtp\[[0-9]+\]: $PF_QID: to=<ann@partner\.test>"
    proof "postfix-edge-av/piiguard-tls1[23]/smtp\[[0-9]+\]: $(copy_of "$(pf_log_lines "postfix-edge-av/piiguard-split/smtp.*to=<ann@partner\.test>" | tail -n 1 | sed -E 's/.*\]: ([0-9A-F]+): .*/\1/')" ann@partner.test): to=<ann@partner\.test>.*status=sent"
    proof "$_re"
}

# 5. the bounce of a refused PII message carries it: routed, never in clear to the sender's MX
r_bounce() {
    send r5 "$P_EDGE" tls1.3 back@sender.test nobody@refuse.test pii
    accepted || return 1
    _rej="postfix-edge/piiguard-tls1[23]/smtp\[[0-9]+\]: $PF_QID: to=<nobody@refuse\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$REFUSE,.* status=bounced"
    pf_wait 20 pf_log_has "$_rej" || { fail "the partner did not refuse: $(pf_log_lines "$PF_QID: to=<nobody" | tail -n 1 | cut -c1-200)"; return 1; }
    pf_wait 20 pf_log_has "postfix-edge/bounce\[[0-9]+\]: $PF_QID: sender non-delivery notification: " || true
    _bq=$(pf_log_lines "postfix-edge/bounce\[[0-9]+\]: $PF_QID: sender non-delivery notification: " | head -n 1 | sed -E 's/.*notification: ([0-9A-F]+).*/\1/')
    [ -n "$_bq" ] || { fail "no non-delivery notification"; return 1; }
    # Postfix-made mail reaches the milter without recipient macros: the bounce
    # is split, and its copy comes back over SMTP and is routed
    grep -Eq "$_bq: piiguard: .*pii=[a-z].* route=split" "$PF_T/milter.log" || { fail "the bounce did not pass the milter as PII mail to split"; return 1; }
    _split="postfix-edge/piiguard-split/smtp\[[0-9]+\]: $_bq: to=<back@sender\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$REINJ,.* status=sent \(250 2\.0\.0 Ok: queued as [0-9A-F]+\)"
    pf_wait 20 pf_log_has "$_split" || { fail "the bounce $_bq was not split: $(pf_log_lines "$_bq: to=<back" | tail -n 1 | cut -c1-200)"; return 1; }
    _cq=$(pf_log_lines "$_split" | head -n 1 | sed -E 's/.*queued as ([0-9A-F]+)\).*/\1/')
    _re="postfix-edge/piiguard-tls1[23]/smtp\[[0-9]+\]: $_cq: to=<back@sender\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$MX_PLAIN,.* dsn=4\.7\.4, status=deferred"
    pf_wait 20 pf_log_has "$_re" || { fail "the bounce's copy $_cq was not held to mandatory TLS: $(pf_log_lines "$_cq: to=<back" | tail -n 1 | cut -c1-200)"; return 1; }
    never_clear back@sender\\.test "$MX_PLAIN" || return 1
    proof "$_rej"
    proof "postfix-edge/bounce\[[0-9]+\]: $PF_QID: sender non-delivery notification"
    proof "$_split"
    proof "$_re"
}

# 5b. the delay notice of a deferred PII message quotes its headers (PII in the
#     Subject): routed, never in clear to the sender's MX
r_delay() {
    send r5b "$P_EDGE" tls1.3 warn@sender.test old5@legacy.test subject
    accepted || return 1
    _dq() { pf_log_has "postfix-edge/bounce\[[0-9]+\]: $PF_QID: sender delay notification: [0-9A-F]+"; }
    pf_wait 30 _dq || { fail "no delay notification within 30 s"; return 1; }
    _nq=$(pf_log_lines "postfix-edge/bounce\[[0-9]+\]: $PF_QID: sender delay notification: " | head -n 1 | sed -E 's/.*notification: ([0-9A-F]+).*/\1/')
    _seen() { grep -Eq "$_nq: piiguard: .*pii=[a-z].* route=split" "$PF_T/milter.log"; }
    pf_wait 10 _seen || { fail "the delay notice $_nq did not pass the milter as PII mail"; return 1; }
    _split="postfix-edge/piiguard-split/smtp\[[0-9]+\]: $_nq: to=<warn@sender\.test>,.* status=sent"
    pf_wait 20 pf_log_has "$_split" || { fail "the delay notice was not split"; return 1; }
    _cq=$(copy_of "$_nq" warn@sender.test)
    # (by the piiguard transport, or by Postfix's "error" stand-in while that
    # next hop is marked dead: "delivery temporarily suspended: TLS is required")
    _re="postfix-edge/(piiguard-tls1[23]/smtp|error)\[[0-9]+\]: $_cq: to=<warn@sender\.test>, .*dsn=4\.7\.4, status=deferred \((delivery temporarily suspended: )?TLS is required"
    pf_wait 20 pf_log_has "$_re" || { fail "the delay notice's copy $_cq was not held to mandatory TLS"; return 1; }
    never_clear warn@sender\\.test "$MX_PLAIN" || return 1
    proof "postfix-edge/bounce\[[0-9]+\]: $PF_QID: sender delay notification"
    proof "$_re"
}

# 9. OpenDKIM signs in the same milter chain: the signature still verifies at
#    the recipient after routing (and after a split through the reinjection listener)
r_dkim() {
    send r9 "$P_DKIM" tls1.3 a@sender.test "bob@edge.test,ann@partner.test" pii
    accepted || return 1
    _all() { one_copy edge r9@piiguard.test bob@edge.test && one_copy mx r9@piiguard.test ann@partner.test; }
    pf_wait 30 _all || { fail "not delivered"; return 1; }
    via_tls edge ann@partner\\.test "$MX_TLS" || return 1
    _f=$(file_to mx r9@piiguard.test ann@partner.test)
    _l=$(file_to edge r9@piiguard.test bob@edge.test)
    [ "$(pf_header_count "$_f" DKIM-Signature)" -eq 1 ] || { fail "$(pf_header_count "$_f" DKIM-Signature) DKIM signatures on the partner's copy, expected 1"; return 1; }
    /usr/bin/python3 tests/routing/dkim_verify.py "$DKIM_PUB" "$_f" "$_l" >"$PF_T/dkim.out" 2>&1 ||
        { fail "$(tr '\n' ' ' <"$PF_T/dkim.out" | cut -c1-200)"; return 1; }
    sed 's/^/     /' "$PF_T/dkim.out"
    proof "postfix-edge/piiguard-tls1[23]/smtp\[[0-9]+\]: $(copy_of "$PF_QID" ann@partner.test): to=<ann@partner\.test>.*status=sent"
    # control: an edited copy must fail, or the check proves nothing
    sed 's/^Subject: routing test r9/Subject: routing test r9 (edited)/' "$_f" >"$PF_T/r9-edited.eml"
    /usr/bin/python3 tests/routing/dkim_verify.py "$DKIM_PUB" "$PF_T/r9-edited.eml" >/dev/null 2>&1 &&
        { fail "dkim_verify passed an edited message"; return 1; }
    return 0
}

# 6. a renamed route header without a regenerated table: -n refuses, the daemon does not start
r_table() {
    sed 's|^#route_header = .*|route_header = "X-Site-Route"|' "$PF_T/edge.toml" >"$PF_T/renamed.toml"
    "$PF_ROOT/piiguard-milter" -n -c "$PF_T/renamed.toml" >"$PF_T/renamed.out" 2>&1 && { fail "-n accepted a table that does not route X-Site-Route"; return 1; }
    grep -q 'does not route "X-Site-Route: ' "$PF_T/renamed.out" || { fail "-n did not say why: $(head -c 200 "$PF_T/renamed.out")"; return 1; }
    "$PF_ROOT/piiguard-milter" -f -c "$PF_T/renamed.toml" -p "unix:$PF_T/renamed.sock" >"$PF_T/renamed-run.out" 2>&1 &
    _p=$!
    _gone() { ! kill -0 "$_p" 2>/dev/null; }
    pf_wait 10 _gone || { kill "$_p"; fail "the daemon started with a table that does not route its header"; return 1; }
    # regenerated from the config: accepted
    "$PIIGUARD" header-checks -c "$PF_T/renamed.toml" >"$PF_T/edge/etc/piiguard_header_checks.renamed"
    sed "s|piiguard_header_checks\"|piiguard_header_checks.renamed\"|" "$PF_T/renamed.toml" >"$PF_T/renamed2.toml"
    "$PF_ROOT/piiguard-milter" -n -c "$PF_T/renamed2.toml" >"$PF_T/renamed2.out" 2>&1 || { fail "-n rejects the regenerated table: $(head -c 200 "$PF_T/renamed2.out")"; return 1; }
    echo "     $(head -n 1 "$PF_T/renamed.out" | cut -c1-200)"
}

# 7. the shipped tables are what piiguard generates for the shipped config
r_shipped() {
    "$PIIGUARD" header-checks -c "$PF_ROOT/contrib/piiguard.toml" | cmp -s - contrib/postfix/piiguard_header_checks || { fail "contrib/postfix/piiguard_header_checks differs from piiguard header-checks"; return 1; }
    "$PIIGUARD" header-checks --smtp -c "$PF_ROOT/contrib/piiguard.toml" | cmp -s - contrib/postfix/piiguard_smtp_header_checks || { fail "contrib/postfix/piiguard_smtp_header_checks differs"; return 1; }
    # the parameter that once hid the routing bug, spelled in two halves so that
    # this check does not find itself
    _dfn=default_filter
    _dfn=${_dfn}_nexthop
    grep -rn "$_dfn" contrib tests/postfix tests/routing tests/bench && { fail "$_dfn is set somewhere"; return 1; }
    postconf -c "$PF_T/edge/etc" -h "$_dfn" | grep -q . && { fail "the edge has $_dfn"; return 1; }
    return 0
}

# 8. nothing lost, no PII value in logs or delivered headers
r_values() {
    for _v in "943 476 5919" "9434765919" "GB82 WEST" "GB82WEST"; do
        for _log in "$PF_T/maillog" "$PF_T/milter.log" "$PF_T/filter.log"; do
            grep -qiF "$_v" "$_log" && { fail "a PII value appears in $(basename "$_log")"; return 1; }
        done
    done
    for _m in "$PF_T"/*/mail/inbox/new/* "$PF_T"/*/vmail/inbox/new/*; do
        [ -f "$_m" ] || continue
        # anywhere: a delay notice or bounce quotes the message's headers too
        grep -q 'X-PIIGuard-Route:' "$_m" && { fail "a route marker was delivered ($_m)"; return 1; }
    done
    return 0
}

scenario "1a local mailbox (virtual): PII delivered there, untouched" r_local
scenario "1c virtual alias of a local address to remote ones: routed by final address" r_alias
scenario "1b admin's internal transport: route kept, no TLS demanded" r_internal
scenario "2a transport_maps next hop kept, mandatory TLS, marker removed" r_transport
scenario "2b relayhost kept, mandatory TLS" r_relayhost
scenario "2c sender_dependent_relayhost_maps kept, mandatory TLS" r_sdr
scenario "2d MX of the recipient domain kept (piiguard transport looks up that very name)" r_mx
scenario "2e next hop without STARTTLS: deferred 4.7.4, never in clear" r_plain
scenario "2f clean mail to that next hop: ordinary smtp transport" r_clean
scenario "3 mixed recipients: each by its own path, once, nothing in clear" r_mixed
scenario "4 after-queue content filter: PII filtered, then mandatory TLS" r_filter
scenario "5 bounce of refused PII mail: routed, deferred, never in clear" r_bounce
scenario "5b delay notice quoting PII headers: routed, deferred, never in clear" r_delay
scenario "9 OpenDKIM in the same milter chain: signature verifies after routing and split" r_dkim
scenario "6 renamed route header without a regenerated table: caught" r_table
scenario "7 shipped tables are the generated ones; no default filter next hop anywhere" r_shipped
scenario "8 no route marker delivered, no PII value logged" r_values

echo "($(($(date +%s) - START)) s; logs in tests/out/routing/)"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
