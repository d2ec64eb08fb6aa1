#!/bin/sh
# demo.sh - `make run` / `make stop`: piiguard-milter in front of a private Postfix
#
# Usage: sh tests/postfix/demo.sh start | stop | status
#
# start: starts piiguard-milter with the bundled configuration
# (contrib/piiguard.toml; -p puts its socket in the demo directory) in front
# of a private Postfix "edge" on 127.0.0.1, built from contrib/postfix/ like
# the tests, and a private "remote MX" (one listener with STARTTLS, one
# without). Sends the sample messages of tests/data/samples, prints for each
# what happened (accepted, rejected with which reply, delivered over which
# TLS, deferred) with the delivered trace header, and leaves everything
# running with a line on how to send more with swaks.
# stop: stops what start started (pids and instances recorded in the demo
# directory). Loopback only; nothing under /etc is touched.
#
# Environment: PIIGUARD_DEMO_DIR (default /tmp/piiguard-demo).
set -u
cd "$(dirname "$0")/../.." || exit 1
PF_ROOT=$(pwd)
DEMO=${PIIGUARD_DEMO_DIR:-/tmp/piiguard-demo}
. tests/postfix/lib.sh

CONFIG=$PF_ROOT/contrib/piiguard.toml
DEMO_DNS=${PIIGUARD_DEMO_DNS:-127.47.55.53}
SAMPLES=$PF_ROOT/tests/data/samples

# demo_stop - stop the milter and both Postfix instances of a previous start
demo_stop() {
    if [ ! -f "$DEMO/instances" ]; then
        echo "piiguard demo: not running ($DEMO)"
        return 0
    fi
    PF_T=$DEMO
    PF_KEEP=1
    pf_cleanup
    rm -rf "$DEMO"
    echo "piiguard demo: stopped (milter and the private Postfix instances), $DEMO removed"
}

# say - an indented line of the report
say() {
    echo "    $*"
}

# milter_line QID - the milter's log line for QID, from "pii=" on
milter_line() {
    grep -E "(^|: )$1: piiguard: " "$PF_T/milter.log" | head -n 1 |
        sed -nE 's/.* (pii=[^ ]*) (profile=[^ ]*) (problem=[^ ]*) (verdict=[^ ]*) .*(outbound=[^ ]*).*/\1 \2 \3 \4 \5/p'
}

# delivered_file MXQID - the maildir file the MX delivered as MXQID
delivered_file() {
    grep -l -E "with E?SMTPS? id $1\$|with E?SMTPS? id $1[^0-9A-F]" "$PF_T/mx/mail/inbox/new/"* 2>/dev/null | head -n 1
}

# outcome QID [INDENT] - wait until Postfix has handled every recipient of QID; print what happened
outcome() {
    _q=$1
    _done() { pf_log_has " $_q: to=<[^>]*>, relay=.* status=(sent|deferred|bounced)"; }
    if ! pf_wait 15 _done; then
        say "Postfix: still in the queue, no delivery attempt logged yet (postqueue -c $PF_T/edge/etc -p)"
        return
    fi
    sleep 1
    pf_log_lines " postfix-edge/[^ ]*\[[0-9]+\]: $_q: to=<[^>]*>, (orig_to=<[^>]*>, )?relay=" >"$PF_T/outcome.$_q"
    while IFS= read -r _l; do
        one_outcome "$_l"
    done <"$PF_T/outcome.$_q"
}

# one_outcome LINE - one recipient's delivery line, explained
one_outcome() {
    _l=$1
    _svc=$(echo "$_l" | sed -nE 's/.* postfix-edge\/(.*)\[[0-9]+\]: .*/\1/p')
    _pid=$(echo "$_l" | sed -nE 's/.*\[([0-9]+)\]: .*/\1/p')
    _to=$(echo "$_l" | sed -nE 's/.*: to=<([^>]*)>.*/\1/p')
    _relay=$(echo "$_l" | sed -nE 's/.* relay=[^[]*\[[^]]*\]:([0-9]+),.*/\1/p')
    case $_svc:$_l in
    piiguard-split/*status=sent*)
        _copy=$(echo "$_l" | sed -nE 's/.*queued as ([0-9A-F]+)\).*/\1/p')
        say "<$_to>: split off as its own copy $_copy (piiguard-split, back through the reinjection listener), then:"
        pf_wait 5 _have_line "$_copy"
        say "  piiguard: $(milter_line "$_copy")"
        outcome "$_copy"
        ;;
    virtual*status=sent*|local*status=sent*)
        say "<$_to>: delivered to the local mailbox by $_svc (local delivery untouched)"
        ;;
    *status=sent*)
        _tls=$(pf_log_lines " postfix-edge/$_svc\[$_pid\]: [A-Za-z]+ TLS connection established to [^ ]+:$_relay: " | tail -n 1 |
            sed -nE 's/.*: ([A-Za-z]+) TLS connection established to [^ ]+: (TLSv[0-9.]+) with cipher ([^ ]+).*/\2 \3 (\1)/p')
        _mx=$(echo "$_l" | sed -nE 's/.*queued as ([0-9A-F]+)\).*/\1/p')
        say "<$_to>: delivered by $_svc to the next hop 127.0.0.1:$_relay over ${_tls:-no TLS (in clear)}"
        pf_wait 5 _have_file "$_mx"
        _f=$(delivered_file "$_mx")
        if [ -n "$_f" ]; then
            say "delivered trace header:"
            pf_headers "$_f" | awk '/^X-PIIGuard-Trace:/ { t = 1; print "      " $0; next }
                /^[ \t]/ && t { print "      " $0; next } { t = 0 }'
            _v=$("$PF_ROOT/piiguard" verify -c "$CONFIG" "$_f" 2>&1 | sed 's|^.*/[^:]*: ||' | head -n 1)
            say "piiguard verify: $_v"
            say "delivered file: $_f"
        fi
        ;;
    *status=deferred*)
        say "<$_to>: DEFERRED by $_svc, kept in the queue, not sent in clear:"
        say "  $(echo "$_l" | sed -E 's/.*(dsn=.*)/\1/')"
        say "  (postqueue -c $PF_T/edge/etc -p shows it; Postfix retries, it never leaves without TLS)"
        ;;
    *) say "<$_to>: $(echo "$_l" | sed -E 's/.*(dsn=.*)/\1/')" ;;
    esac
}
_have_file() {
    [ -n "$(delivered_file "$1")" ]
}

# demo_send N TITLE PORT TLS RCPT SAMPLE - send one sample and report
demo_send() {
    echo
    echo "[$1] $2"
    case $4 in
    tls1.3) _o="--tls --tls-protocol tlsv1_3 " ;;
    tls1.2) _o="--tls --tls-protocol tlsv1_2 " ;;
    tls1.1) _o="--tls --tls-protocol tlsv1_1 --tls-cipher 'DEFAULT:@SECLEVEL=0' " ;;
    tls1.0) _o="--tls --tls-protocol tlsv1 --tls-cipher 'DEFAULT:@SECLEVEL=0' " ;;
    *) _o="" ;;
    esac
    say "swaks --server 127.0.0.1:$3 $_o--to $5 --data @${6#"$PF_ROOT"/}"
    pf_send "demo$1" "$3" "$4" "demo$1@sender.example" "$5" "$6"
    _neg=$(pf_send_tls)
    if [ "$PF_RC" -eq 0 ] && [ -n "$PF_QID" ]; then
        say "ACCEPTED over ${_neg:-no TLS (plain SMTP)}: $(grep -E '^<[-~]* *250 .*queued as' "$PF_OUT" | tail -n 1 | sed -E 's/^<[-~]* *//')"
        pf_wait 5 _have_line "$PF_QID"
        say "piiguard: $(milter_line "$PF_QID")"
        outcome "$PF_QID"
    else
        _r=$(grep -E '^<(\*\*|~\*) ' "$PF_OUT" | tail -n 1 | sed -E 's/^<[~*]* *//')
        say "REFUSED over ${_neg:-no TLS (plain SMTP)}: ${_r:-swaks exit $PF_RC, see $PF_OUT}"
        _qid=$(pf_qid_by_sender edge "demo$1@sender.example")
        [ -n "$_qid" ] && say "piiguard: $(milter_line "$_qid")"
    fi
}
_have_line() {
    grep -Eq "(^|: )$1: piiguard: " "$PF_T/milter.log"
}

# demo_dane DIR PORT - a DNSSEC-signed zone secure.example whose MX
# (127.0.0.1:PORT, a self-signed certificate) publishes a DANE TLSA record,
# served by a validating unbound on $DEMO_DNS (a loopback address of its
# own; port 53, as resolv.conf cannot name another). Writes DIR/anchor.key.
demo_dane() {
    _d=$1
    mkdir -p "$_d"
    (
        cd "$_d" || exit 1
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout mx.key -out mx.crt -days 2 \
            -subj "/CN=mx.secure.example" || exit 1
        _h=$(openssl x509 -in mx.crt -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -c1-64)
        _k=$(ldns-keygen -a ECDSAP256SHA256 -k secure.example) || exit 1
        cp "$_k.key" anchor.key
        cat >zone <<EOF
\$ORIGIN secure.example.
\$TTL 300
@ IN SOA ns.secure.example. hostmaster.secure.example. 1 3600 600 86400 300
@ IN NS ns
ns IN A $DEMO_DNS
@ IN MX 10 mx
mx IN A 127.0.0.1
_$2._tcp.mx IN TLSA 3 1 1 $_h
EOF
        ldns-signzone -f zone.signed zone "$_k" || exit 1
        cat >unbound.conf <<EOF
server:
  username: ""
  chroot: ""
  directory: "$_d"
  pidfile: ""
  use-syslog: no
  logfile: "$_d/unbound.log"
  interface: $DEMO_DNS
  port: 53
  do-ip6: no
  access-control: 127.0.0.0/8 allow
  num-threads: 1
  module-config: "validator iterator"
  trust-anchor-file: "$_d/anchor.key"
  local-zone: "." refuse
  local-zone: "secure.example." transparent
auth-zone:
  name: "secure.example."
  zonefile: "$_d/zone.signed"
  for-downstream: no
  for-upstream: yes
  fallback-enabled: no
remote-control:
  control-enable: no
EOF
        chmod 644 ./*
    ) >"$_d/setup.log" 2>&1 || { cat "$_d/setup.log" >&2; return 1; }
    unbound -d -c "$_d/unbound.conf" >"$_d/unbound.out" 2>&1 &
    echo $! >>"$PF_T/pids"
    _dane_port=$2
    _validated() { drill -D @"$DEMO_DNS" TLSA "_$_dane_port._tcp.mx.secure.example" 2>/dev/null | grep -q '^;; flags:.* ad[ ;]'; }
    pf_wait 10 _validated || { echo "piiguard demo: unbound on $DEMO_DNS gave no validated answer" >&2; return 1; }
}

# demo_start - set up, send the samples, leave it running
demo_start() {
    [ -f "$DEMO/instances" ] && demo_stop >/dev/null
    rm -rf "$DEMO"
    PF_KEEP=1
    pf_init "$DEMO"
    if [ ! -x "$PF_MILTER" ]; then
        echo "piiguard demo: $PF_MILTER is not built (make)" >&2
        return 1
    fi
    "$PF_MILTER" -n -c "$CONFIG" || { echo "piiguard demo: $CONFIG does not load" >&2; return 1; }
    pf_make_certs || return 1
    MX_TLS=$(pf_free_port)
    MX_PLAIN=$(pf_free_port)
    EDGE=$(pf_free_port)
    # the reinjection listener of reinject.master.cf.snippet, where the bundled
    # config's split_route points (127.0.0.1:10025); another port only if that
    # one is taken on this machine
    MX_OTHER=$(pf_free_port)
    MX_DANE=$(pf_free_port)
    demo_dane "$PF_T/dns" "$MX_DANE" || return 1
    REINJ=10025
    if pf_port_busy 10025; then
        REINJ=$(pf_free_port)
        echo "piiguard demo: 127.0.0.1:10025 is in use; the reinjection listener uses $REINJ"
    fi
    # The bundled configuration (paths made the checkout's), plus what an
    # admin adds for regular partners: a [[policyd.partner]] entry with the
    # pins of its server's certificate and key (`piiguard probe` prints such
    # blocks), so that PII mail reaches it only when that server answers.
    CERT_PIN=$(openssl x509 -in "$PF_T/certs/server.crt" -noout -fingerprint -sha256 | cut -d= -f2)
    KEY_PIN=$(openssl x509 -in "$PF_T/certs/server.crt" -noout -pubkey | openssl pkey -pubin -outform DER |
        openssl dgst -sha256 -c | awk '{print toupper($2)}')
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PF_T/certs/other.key" -out "$PF_T/certs/other.crt" -days 2 \
        -subj "/CN=mx.test" -addext "subjectAltName=DNS:mx.test,IP:127.0.0.1" >"$PF_T/certs/other.log" 2>&1 || return 1
    chmod 644 "$PF_T/certs/other.crt"
    sed -e "s|^#split_route = \"piiguard-split:\[127.0.0.1\]:10025\"|split_route = \"piiguard-split:[127.0.0.1]:$REINJ\"|" \
        -e "s|^rules_dir = .*|rules_dir = \"$PF_ROOT/rules\"|; s|^profiles_file = .*|profiles_file = \"$PF_ROOT/contrib/profiles.toml\"|" \
        -e "s|^key_file = .*|key_file = \"$PF_ROOT/contrib/trace.key\"|" \
        -e "s|^#dns_trust_anchor = .*|dns_trust_anchor = \"$PF_T/dns/anchor.key\"|" \
        -e "s|^#dns_forwarder = .*|dns_forwarder = \"$DEMO_DNS\"|" "$CONFIG" >"$PF_T/piiguard.toml"
    cat >>"$PF_T/piiguard.toml" <<EOF

# ---- added by the demo: two regular partners, pinned ----
[[policyd.partner]]
domain = "partner.example"
nexthop = "[127.0.0.1]:$MX_TLS"
profile = "hipaa"
pins = ["$CERT_PIN", "$KEY_PIN"]

[[policyd.partner]]
domain = "pinned.example"
nexthop = "[127.0.0.1]:$MX_OTHER"
profile = "hipaa"
pins = ["$CERT_PIN", "$KEY_PIN"]
EOF
    RUNCONFIG=$PF_T/piiguard.toml
    "$PF_MILTER" -n -c "$RUNCONFIG" || { echo "piiguard demo: $RUNCONFIG does not load" >&2; return 1; }
    pf_mx mx "$MX_TLS" "$MX_PLAIN"
    # pinned.example's next hop: a server that shows another certificate
    # (what an interception would show)
    pf_master mx <<EOF
127.0.0.1:$MX_OTHER inet n - n - - smtpd
  -o syslog_name=postfix-mx/other -o smtpd_tls_cert_file=$PF_T/certs/other.crt -o smtpd_tls_key_file=$PF_T/certs/other.key
127.0.0.1:$MX_DANE inet n - n - - smtpd
  -o syslog_name=postfix-mx/dane -o smtpd_tls_cert_file=$PF_T/dns/mx.crt -o smtpd_tls_key_file=$PF_T/dns/mx.key
EOF
    # the edge as an admin has it: MX of its own domain (virtual mailboxes),
    # transport_maps for two partners, contrib snippets verbatim but paths
    pf_instance edge
    pf_edge_from_contrib edge "$PF_T/milter.sock" "$REINJ" "$RUNCONFIG"
    E=$PF_T/edge/etc
    # DNS for the piiguard transports as contrib has it (dnssec), from the
    # demo's resolver: they run chrooted, with spool/etc/resolv.conf naming it
    sed -i 's|^\(piiguard-tls1[23] *unix *- *- *\)n|\1y|' "$E/master.cf"
    mkdir -p "$PF_T/edge/spool/etc"
    echo "nameserver $DEMO_DNS" >"$PF_T/edge/spool/etc/resolv.conf"
    for f in services hosts nsswitch.conf host.conf localtime; do cp -L "/etc/$f" "$PF_T/edge/spool/etc/" 2>/dev/null; done
    pf_conf edge "piiguard_dns_support_level = dnssec" "dnssec_probe = ns:secure.example"
    mkdir -p "$PF_T/edge/vmail"
    chown postfix "$PF_T/edge/vmail"
    pf_conf edge \
        "milter_header_checks = regexp:$E/piiguard_header_checks" \
        "virtual_mailbox_domains = edge.example" "virtual_mailbox_base = $PF_T/edge/vmail" \
        "virtual_mailbox_maps = static:inbox/" "virtual_uid_maps = static:$PF_POSTFIX_UID" \
        "virtual_gid_maps = static:$(id -g postfix)" "virtual_minimum_uid = 1" \
        "minimal_backoff_time = 60s" "maximal_backoff_time = 300s" "queue_run_delay = 60s"
    printf 'partner.example\tsmtp:[127.0.0.1]:%s\nlegacy.example\tsmtp:[127.0.0.1]:%s\npinned.example\tsmtp:[127.0.0.1]:%s\nsecure.example\tsmtp:secure.example:%s\n' \
        "$MX_TLS" "$MX_PLAIN" "$MX_OTHER" "$MX_DANE" >"$E/transport"
    pf_master edge <<EOF
127.0.0.1:$EDGE inet n - n - - smtpd
  -o syslog_name=postfix-edge/smtp
  -o milter_macro_daemon_name=smtp
EOF
    pf_milter_start milter "$RUNCONFIG" || { tail -n 5 "$PF_T/milter.log" >&2; return 1; }
    pf_start mx || return 1
    pf_start edge || return 1
    cat <<EOF
piiguard demo: piiguard-milter (contrib/piiguard.toml, socket $PF_T/milter.sock)
  in front of a private Postfix on 127.0.0.1:$EDGE (built from contrib/postfix/*), the MX of
  its own domain edge.example (mailboxes in $PF_T/edge/vmail), with transport_maps:
  partner.example -> a remote MX with STARTTLS on 127.0.0.1:$MX_TLS (pinned in $RUNCONFIG),
  legacy.example  -> a remote MX without STARTTLS on 127.0.0.1:$MX_PLAIN,
  pinned.example  -> pinned to the same certificate, but its server on 127.0.0.1:$MX_OTHER shows another;
  secure.example  -> its MX (127.0.0.1:$MX_DANE, self-signed) published in DANE: a DNSSEC-signed zone
                     served by a validating unbound on $DEMO_DNS (the piiguard transports' resolver);
  piiguard-policyd -m tlspolicy (spawned by Postfix) answers the piiguard transports' TLS policy;
  the reinjection listener (mixed recipients are split there) on 127.0.0.1:$REINJ.
EOF
    demo_send 1 "PII (IBAN, NI number, date of birth) over TLS 1.3" \
        "$EDGE" tls1.3 hr@partner.example "$SAMPLES/01-payroll-plain.eml"
    demo_send 2 "PII over TLS 1.0" \
        "$EDGE" tls1.0 hr@partner.example "$SAMPLES/01-payroll-plain.eml"
    demo_send 3 "PII (NHS number: profile hipaa) in clear" \
        "$EDGE" none referrals@partner.example "$SAMPLES/02-clinic-referral.eml"
    demo_send 4 "clean mail (card-like test numbers, phone numbers) in clear" \
        "$EDGE" none customer@legacy.example "$SAMPLES/03-newsletter-clean.eml"
    demo_send 5 "PII over TLS 1.3 to a destination whose MX offers no STARTTLS" \
        "$EDGE" tls1.3 hr@legacy.example "$SAMPLES/01-payroll-plain.eml"
    demo_send 6 "PII over TLS 1.3 to a local mailbox and a partner at once" \
        "$EDGE" tls1.3 payroll@edge.example,hr@partner.example "$SAMPLES/01-payroll-plain.eml"
    demo_send 7 "PII over TLS 1.3 to a pinned partner whose server shows another certificate" \
        "$EDGE" tls1.3 hr@pinned.example "$SAMPLES/01-payroll-plain.eml"
    demo_send 8 "PII over TLS 1.3 to a domain whose MX publishes DANE (TLSA, DNSSEC)" \
        "$EDGE" tls1.3 hr@secure.example "$SAMPLES/01-payroll-plain.eml"
    cat <<EOF

Still running. Logs: $PF_T/maillog (Postfix), $PF_T/milter.log (piiguard-milter).
Delivered mail: $PF_T/mx/mail/inbox/new/ (remote), $PF_T/edge/vmail/inbox/new/ (local);
queue: postqueue -c $PF_T/edge/etc -p
Send more, e.g. PII over TLS 1.2, or any file in clear:
  swaks --server 127.0.0.1:$EDGE --tls --tls-protocol tlsv1_2 --to you@partner.example --data @tests/data/samples/02-clinic-referral.eml
  swaks --server 127.0.0.1:$EDGE --to you@partner.example --data @FILE.eml
  (TLS 1.0/1.1 clients: add --tls-protocol tlsv1 --tls-cipher 'DEFAULT:@SECLEVEL=0')
Stop it with: make stop
EOF
}

case ${1:-} in
start) demo_start || { echo "piiguard demo: start failed; stopping what was started" >&2; demo_stop; exit 1; } ;;
stop) demo_stop ;;
status)
    if [ -f "$DEMO/instances" ]; then echo "piiguard demo: running in $DEMO"; else echo "piiguard demo: not running"; fi
    ;;
*)
    echo "usage: sh tests/postfix/demo.sh start|stop|status" >&2
    exit 2
    ;;
esac
