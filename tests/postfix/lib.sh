# lib.sh - shell functions for real-Postfix tests and the demo (sourced, POSIX sh)
#
# SYNOPSIS
#   . tests/postfix/lib.sh
#   pf_init [DIR]                       work directory ($PF_T), cleanup trap unless PF_KEEP=1
#   pf_make_certs                       test CA, server and client certificates in $PF_T/certs
#   pf_free_port                        a free TCP port on 127.0.0.1 (never one handed out before)
#   pf_instance NAME                    a private Postfix instance (base main.cf, master.cf)
#   pf_edge_from_contrib NAME SOCK [P]  + contrib/postfix snippets and tables (paths, ports replaced)
#   pf_mx NAME TLS_PORT PLAIN_PORT      a "remote MX": STARTTLS and plain listeners, maildir
#   pf_conf NAME 'k = v' ...            postconf -e in that instance
#   pf_master NAME <<EOF ... EOF        append master.cf lines
#   pf_start NAME / pf_stop NAME        start (and wait until its listeners answer) / stop
#   pf_milter_start NAME CONFIG         piiguard-milter -f -c CONFIG -p unix:$PF_T/NAME.sock
#   pf_milter_stop NAME / pf_milter_hup NAME
#   pf_send LABEL PORT TLS FROM TO FILE [swaks options]
#                                        TLS: tls1.3 tls1.2 tls1.1 tls1.0 none; sets PF_RC,
#                                        PF_OUT (transcript), PF_QID, PF_REPLY (last server line)
#   pf_wait TIMEOUT CMD...              retry CMD every 0.1 s until it succeeds or TIMEOUT s
#   pf_queue NAME                       postqueue -p
#   pf_in_queue NAME QID / pf_held NAME QID
#   pf_flush NAME                       postqueue -f
#   pf_log_has REGEX                    grep -E the shared maillog
#   pf_delivered MX MSGID               the delivered file for a Message-ID (maildir of MX)
#   pf_cleanup                          stop every instance and milter started, remove $PF_T
#
# DESCRIPTION
#   Every instance has its own config_directory, queue_directory and
#   data_directory under $PF_T, listens on 127.0.0.1 only, never looks a
#   name up (smtp_dns_support_level = disabled, smtpd_peername_lookup = no),
#   has no default route (default_transport = error:) and discards mail for
#   any domain the test did not route (transport_maps "*" -> discard:), so
#   bounces stay local. All instances log through their own postlogd to one
#   file, $PF_T/maillog (maillog_file), with syslog_name postfix-NAME
#   (multi_instance_name, so that master.cf's $service_name suffixes follow); the
#   milters log (-f, stderr) to $PF_T/milter.log. Queue timers are short
#   (1 s) so that a retry is a flush away. Everything started is recorded in
#   $PF_T/pids and $PF_T/instances and stopped by pf_cleanup (the EXIT trap).
#
#   Loopback only, root or not: ports are chosen free on 127.0.0.1; the work
#   directory is world-traversable (mode 755) for the postfix user.
#
# ENVIRONMENT
#   PF_SAVE_HOOK  a command pf_cleanup runs first (to save logs)
#   PF_ROOT       the checkout (default: two levels up from this file's caller)
#   PF_KEEP=1     keep $PF_T and leave everything running (the demo)
#   PF_KEEP_DIR=1 stop everything but keep $PF_T (debugging)
#   PF_MILTER     the milter binary (default $PF_ROOT/piiguard-milter)

PF_ROOT=${PF_ROOT:-$(pwd)}
PF_MILTER=${PF_MILTER:-$PF_ROOT/piiguard-milter}
PF_POSTFIX_UID=$(id -u postfix 2>/dev/null || echo 0)

# pf_init - create (or reuse) the work directory and install the cleanup trap
pf_init() {
    if [ -n "${1:-}" ]; then
        PF_T=$1
        mkdir -p "$PF_T"
    else
        PF_T=$(mktemp -d /tmp/piiguard-pf.XXXXXX) || return 1
    fi
    chmod 755 "$PF_T"
    : >"$PF_T/pids"
    : >"$PF_T/instances"
    : >"$PF_T/ports"
    : >"$PF_T/milter.log"
    touch "$PF_T/maillog"
    if [ "${PF_KEEP:-0}" != 1 ]; then
        trap 'pf_cleanup' EXIT
        trap 'exit 130' INT TERM HUP
    fi
}

# pf_cleanup - stop every instance and milter this run started, remove the work dir
pf_cleanup() {
    [ -n "${PF_T:-}" ] && [ -d "$PF_T" ] || return 0
    [ -n "${PF_SAVE_HOOK:-}" ] && $PF_SAVE_HOOK
    while read -r dir; do
        [ -n "$dir" ] || continue
        postfix -c "$dir/etc" stop >/dev/null 2>&1
        # a master that did not stop (broken config) is killed by its pid file
        mpid=$(sed -n '1s/ //gp' "$dir/spool/pid/master.pid" 2>/dev/null)
        [ -n "$mpid" ] && kill "$mpid" 2>/dev/null
    done <"$PF_T/instances"
    while read -r pid; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null
    done <"$PF_T/pids"
    # give them a moment, then make sure
    pf_wait 5 pf_all_gone
    while read -r pid; do
        [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    done <"$PF_T/pids"
    if [ "${PF_KEEP:-0}" != 1 ] && [ "${PF_KEEP_DIR:-0}" != 1 ]; then
        rm -rf "$PF_T"
    fi
}

# pf_all_gone - true when no recorded process is alive any more
pf_all_gone() {
    while read -r pid; do
        [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && return 1
    done <"$PF_T/pids"
    while read -r dir; do
        [ -n "$dir" ] || continue
        mpid=$(sed -n '1s/ //gp' "$dir/spool/pid/master.pid" 2>/dev/null)
        [ -n "$mpid" ] && kill -0 "$mpid" 2>/dev/null && return 1
    done <"$PF_T/instances"
    return 0
}

# pf_wait - retry a command every 0.1 s until it succeeds or TIMEOUT seconds pass
pf_wait() {
    _t=$1
    shift
    _n=$((_t * 10))
    while [ "$_n" -gt 0 ]; do
        "$@" && return 0
        sleep 0.1
        _n=$((_n - 1))
    done
    "$@"
}

# pf_tcp_listeners - "ADDRHEX:PORTHEX" of every listening TCP socket (/proc/net/tcp{,6})
pf_tcp_listeners() {
    cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == "0A" { print $2 }'
}

# pf_port_busy - is something listening on PORT (any address)?
pf_port_busy() {
    _hex=$(printf '%04X' "$1")
    pf_tcp_listeners | grep -q ":$_hex\$"
}

# pf_free_port - a free port on 127.0.0.1, not handed out before in this run
pf_free_port() {
    _tries=0
    while [ $_tries -lt 200 ]; do
        _p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null)
        [ -n "$_p" ] || _p=$(( ($(od -An -N2 -tu2 /dev/urandom) % 30000) + 20000 ))
        if ! grep -qx "$_p" "$PF_T/ports" && ! pf_port_busy "$_p"; then
            echo "$_p" >>"$PF_T/ports"
            echo "$_p"
            return 0
        fi
        _tries=$((_tries + 1))
    done
    echo "pf_free_port: no free port" >&2
    return 1
}

# pf_make_certs - test CA, server certificate (mx.test, 127.0.0.1) and client certificate
pf_make_certs() {
    _c=$PF_T/certs
    mkdir -p "$_c"
    (
        cd "$_c" || exit 1
        openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -sha256 \
            -subj "/O=piiguard/CN=piiguard Test CA" \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" || exit 1
        printf 'subjectAltName=DNS:mx.test,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >server.ext
        openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
            -subj "/O=piiguard/CN=mx.test" || exit 1
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -sha256 \
            -extfile server.ext -out server.crt || exit 1
        printf 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n' >client.ext
        openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr \
            -subj "/O=piiguard/CN=client.test" || exit 1
        openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -sha256 \
            -extfile client.ext -out client.crt || exit 1
        chmod 644 ./*.crt
        chmod 600 ./*.key
    ) >"$_c/openssl.log" 2>&1 || { cat "$_c/openssl.log" >&2; return 1; }
}

# pf_dir - the directory of instance NAME
pf_dir() {
    echo "$PF_T/$1"
}

# pf_instance - create private instance NAME with a base main.cf and master.cf
pf_instance() {
    _d=$PF_T/$1
    mkdir -p "$_d/etc" "$_d/spool" "$_d/data"
    chown postfix "$_d/data" 2>/dev/null
    cat >"$_d/etc/main.cf" <<EOF
# private test instance "$1" (tests/postfix/lib.sh)
compatibility_level = 3.6
config_directory = $_d/etc
queue_directory = $_d/spool
data_directory = $_d/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
multi_instance_name = postfix-$1
maillog_file = $PF_T/maillog
maillog_file_prefixes = $PF_T
myhostname = $1.test
mydomain = test
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_banner = \$myhostname ESMTP
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
default_transport = error:5.3.0 test instance $1: no route
relay_transport = \$default_transport
local_transport = \$default_transport
transport_maps = texthash:$_d/etc/transport
alias_maps =
alias_database =
local_recipient_maps =
biff = no
notify_classes =
delay_warning_time = 0
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtp_connect_timeout = 5s
smtpd_timeout = 30s
smtp_tls_CAfile = $PF_T/certs/ca.crt
smtp_tls_security_level = may
smtpd_tls_cert_file = $PF_T/certs/server.crt
smtpd_tls_key_file = $PF_T/certs/server.key
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtp_tls_loglevel = 1
EOF
    # anything not routed by a test goes nowhere (bounces, postmaster notices)
    printf '*\tdiscard:\n' >"$_d/etc/transport"
    cat >"$_d/etc/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
    echo "$_d" >>"$PF_T/instances"
}

# pf_conf - postconf -e each 'name = value' in instance NAME
pf_conf() {
    _n=$1
    shift
    postconf -c "$PF_T/$_n/etc" -e "$@"
}

# pf_master - append master.cf lines (stdin) to instance NAME
pf_master() {
    cat >>"$PF_T/$1/etc/master.cf"
}

# pf_route - route DOMAIN to NEXTHOP (transport:nexthop) in instance NAME
pf_route() {
    _f=$PF_T/$1/etc/transport
    { printf '%s\t%s\n' "$2" "$3"; grep -v '^\*' "$_f"; grep '^\*' "$_f"; } | awk '!seen[$0]++' >"$_f.new"
    mv "$_f.new" "$_f"
}

# pf_snippet_lines - the active (non-comment, non-blank) lines of a snippet
pf_snippet_lines() {
    grep -Ev '^[[:space:]]*(#|$)' "$1"
}

# pf_edge_from_contrib NAME SOCKET [REINJECT_PORT [CONFIG]] - add contrib/postfix/*:
# main.cf.snippet, master.cf.snippet and reinject.master.cf.snippet verbatim
# but for paths and ports: /etc/postfix/ becomes the instance's etc/, the
# milter socket unix:/run/piiguard/milter.sock becomes unix:SOCKET, the
# reinjection listener's 127.0.0.1:10025 becomes 127.0.0.1:REINJECT_PORT
# (without one, the reinjection listener is left out), the programs are the
# checkout's and /etc/piiguard/piiguard.toml is CONFIG (default: the
# bundled contrib/piiguard.toml). The header checks tables are copied
# verbatim into the instance. piiguard_dns_support_level (dnssec in the
# snippet) is set to disabled after it, as every instance looks no name up.
pf_edge_from_contrib() {
    _d=$PF_T/$1
    _src=$PF_ROOT/contrib/postfix
    _sed="s|/etc/postfix/|$_d/etc/|g; s|unix:/run/piiguard/milter.sock|unix:$2|g; s|127\.0\.0\.1:10025 |127.0.0.1:${3:-10025} |"
    _sed="$_sed; s|/usr/local/sbin/piiguard-|$PF_ROOT/piiguard-|g; s|/etc/piiguard/piiguard.toml|${4:-$PF_ROOT/contrib/piiguard.toml}|g"
    {
        echo
        echo "# ---- contrib/postfix/main.cf.snippet (verbatim but paths) ----"
        sed "$_sed" "$_src/main.cf.snippet"
        echo "# ---- end of snippet; test overrides follow ----"
    } >>"$_d/etc/main.cf"
    # no DNS in tests (a layer with a test resolver sets dnssec again: tests/dane)
    postconf -c "$_d/etc" -e "piiguard_dns_support_level = disabled"
    {
        echo
        echo "# ---- contrib/postfix/master.cf.snippet (verbatim but paths) ----"
        sed "$_sed" "$_src/master.cf.snippet"
        echo "# ---- end of snippet ----"
        if [ -n "${3:-}" ]; then
            echo "# ---- contrib/postfix/reinject.master.cf.snippet (verbatim but paths and port) ----"
            sed "$_sed" "$_src/reinject.master.cf.snippet"
            echo "# ---- end of snippet ----"
        fi
    } >>"$_d/etc/master.cf"
    cp "$_src/piiguard_header_checks" "$_src/piiguard_smtp_header_checks" "$_d/etc/"
}

# pf_mx - a "remote MX": TLS_PORT offers STARTTLS, PLAIN_PORT does not; every
# recipient is delivered to the maildir $PF_T/NAME/mail/inbox/
pf_mx() {
    pf_instance "$1"
    _d=$PF_T/$1
    mkdir -p "$_d/mail"
    chown postfix "$_d/mail" 2>/dev/null
    pf_conf "$1" "virtual_mailbox_domains = static:all" \
        "virtual_mailbox_base = $_d/mail" \
        "virtual_mailbox_maps = static:inbox/" \
        "virtual_uid_maps = static:$PF_POSTFIX_UID" \
        "virtual_gid_maps = static:$(id -g postfix 2>/dev/null || echo 0)" \
        "virtual_minimum_uid = 1" \
        "smtpd_relay_restrictions = permit_mynetworks, reject" \
        "smtpd_tls_security_level = may"
    : >"$_d/etc/transport"
    pf_master "$1" <<EOF
127.0.0.1:$2 inet n     -       n       -       -       smtpd
  -o syslog_name=postfix-$1/tls
127.0.0.1:$3 inet n     -       n       -       -       smtpd
  -o syslog_name=postfix-$1/plain
  -o smtpd_tls_security_level=none
EOF
}

# pf_listening - true when something listens on 127.0.0.1:PORT
pf_listening() {
    _hex=$(printf '%04X' "$1")
    pf_tcp_listeners | grep -qx "0100007F:$_hex"
}

# pf_start - start instance NAME; wait until each of its inet listeners answers
pf_start() {
    _d=$PF_T/$1
    # postconf's own check of the configuration first: a typo fails here, loudly
    postconf -c "$_d/etc" >/dev/null 2>"$_d/postconf.err"
    if [ -s "$_d/postconf.err" ]; then
        echo "pf_start $1: postconf warnings:" >&2
        cat "$_d/postconf.err" >&2
    fi
    postfix -c "$_d/etc" start >"$_d/start.log" 2>&1 || { cat "$_d/start.log" >&2; return 1; }
    for _p in $(awk '$2 == "inet" { n = split($1, a, ":"); print a[n] }' "$_d/etc/master.cf"); do
        pf_wait 10 pf_listening "$_p" || { echo "pf_start $1: port $_p not listening" >&2; return 1; }
    done
}

# pf_stop - stop instance NAME
pf_stop() {
    postfix -c "$PF_T/$1/etc" stop >/dev/null 2>&1
}

# pf_socket_ready - the unix socket exists and a client can connect
pf_socket_ready() {
    [ -S "$1" ]
}

# pf_milter_start - start piiguard-milter NAME with CONFIG on unix:$PF_T/NAME.sock
pf_milter_start() {
    _sock=$PF_T/$1.sock
    rm -f "$_sock"
    echo "=== $(date '+%H:%M:%S') milter $1 start: -c $2" >>"$PF_T/milter.log"
    if [ "${PF_KEEP:-0}" = 1 ] && command -v setsid >/dev/null 2>&1; then
        # outlives the caller (the demo): its own session, no terminal
        setsid "$PF_MILTER" -f -c "$2" -p "unix:$_sock" </dev/null >>"$PF_T/milter.log" 2>&1 &
    else
        "$PF_MILTER" -f -c "$2" -p "unix:$_sock" </dev/null >>"$PF_T/milter.log" 2>&1 &
    fi
    _pid=$!
    echo "$_pid" >>"$PF_T/pids"
    echo "$_pid" >"$PF_T/$1.pid"
    if ! pf_wait 10 pf_socket_ready "$_sock"; then
        echo "pf_milter_start $1: no socket $_sock after 10 s" >&2
        return 1
    fi
    # the socket is left as the milter made it (socket_mode, group postfix):
    # that Postfix can connect is part of what is tested
    return 0
}

# pf_milter_pid - the pid of milter NAME
pf_milter_pid() {
    cat "$PF_T/$1.pid" 2>/dev/null
}

# pf_milter_alive - is milter NAME running?
pf_milter_alive() {
    _pid=$(pf_milter_pid "$1")
    [ -n "$_pid" ] && kill -0 "$_pid" 2>/dev/null
}

# pf_milter_dead - has milter NAME exited?
pf_milter_dead() {
    ! pf_milter_alive "$1"
}

# pf_milter_stop - stop milter NAME (TERM, then wait)
pf_milter_stop() {
    _pid=$(pf_milter_pid "$1")
    [ -n "$_pid" ] || return 0
    kill "$_pid" 2>/dev/null
    pf_wait 10 pf_milter_dead "$1" || kill -9 "$_pid" 2>/dev/null
    echo "=== $(date '+%H:%M:%S') milter $1 stopped" >>"$PF_T/milter.log"
}

# pf_milter_hup - send SIGHUP to milter NAME
pf_milter_hup() {
    echo "=== $(date '+%H:%M:%S') milter $1 SIGHUP" >>"$PF_T/milter.log"
    kill -HUP "$(pf_milter_pid "$1")"
}

# pf_send - send FILE with swaks; TLS is tls1.3|tls1.2|tls1.1|tls1.0|none
pf_send() {
    _label=$1 _port=$2 _tls=$3 _from=$4 _to=$5 _file=$6
    shift 6
    mkdir -p "$PF_T/swaks"
    PF_OUT=$PF_T/swaks/$_label.out
    case $_tls in
    tls1.3) set -- --tls --tls-protocol tlsv1_3 "$@" ;;
    tls1.2) set -- --tls --tls-protocol tlsv1_2 "$@" ;;
    tls1.1) set -- --tls --tls-protocol tlsv1_1 --tls-cipher 'DEFAULT:@SECLEVEL=0' "$@" ;;
    tls1.0) set -- --tls --tls-protocol tlsv1 --tls-cipher 'DEFAULT:@SECLEVEL=0' "$@" ;;
    none) ;;
    *) echo "pf_send: bad TLS mode $_tls" >&2; return 2 ;;
    esac
    swaks --server 127.0.0.1 --port "$_port" --helo client.test --from "$_from" --to "$_to" \
        --data "@$_file" --timeout 30 "$@" >"$PF_OUT" 2>&1
    PF_RC=$?
    PF_QID=$(sed -nE 's/^<[-~ ]* *250 .*queued as ([0-9A-Za-z]+).*/\1/p' "$PF_OUT" | tail -n 1)
    PF_REPLY=$(grep -E '^<(\*\*|~\*|~|-|) *[0-9]{3}[ -]' "$PF_OUT" | tail -n 1 | sed -E 's/^<[~*]* *//')
    return 0
}

# pf_send_tls - the TLS protocol swaks reports for the last send ("" if none)
pf_send_tls() {
    sed -nE 's/^=== TLS started with cipher ([A-Za-z0-9.]+):.*/\1/p' "$PF_OUT" | head -n 1
}

# pf_queue - postqueue -p of instance NAME
pf_queue() {
    postqueue -c "$PF_T/$1/etc" -p 2>&1
}

# pf_in_queue - is QID in the queue of instance NAME (any state)?
pf_in_queue() {
    pf_queue "$1" | grep -Eq "^$2[*!]?[[:space:]]"
}

# pf_not_in_queue - QID has left the queue of NAME
pf_not_in_queue() {
    ! pf_in_queue "$1" "$2"
}

# pf_held - is QID on hold in instance NAME ("QID!" in postqueue -p)?
pf_held() {
    pf_queue "$1" | grep -Eq "^$2![[:space:]]"
}

# pf_queue_empty - no message in the queue of NAME
pf_queue_empty() {
    pf_queue "$1" | grep -q 'Mail queue is empty'
}

# pf_flush - retry every deferred message of instance NAME now
pf_flush() {
    postqueue -c "$PF_T/$1/etc" -f >/dev/null 2>&1
}

# pf_log_has - the shared maillog has a line matching the extended regex
pf_log_has() {
    grep -Eq -- "$1" "$PF_T/maillog"
}

# pf_log_count - how many maillog lines match the extended regex
pf_log_count() {
    grep -Ec -- "$1" "$PF_T/maillog"
}

# pf_log_lines - the maillog lines matching the extended regex
pf_log_lines() {
    grep -E -- "$1" "$PF_T/maillog"
}

# pf_qid_by_sender - the queue id instance NAME logged for envelope sender FROM
pf_qid_by_sender() {
    sed -nE "s/.* postfix-$1\/[^:]*\[[0-9]+\]: ([0-9A-F]+): .*from=<$2>.*/\1/p" "$PF_T/maillog" | head -n 1
}

# pf_delivered - the file MX NAME delivered for Message-ID MSGID (without <>)
pf_delivered() {
    _dir=$PF_T/$1/mail/inbox/new
    [ -d "$_dir" ] || return 1
    _f=$(grep -l -F -i "Message-ID: <$2>" "$_dir"/* 2>/dev/null | head -n 1)
    [ -n "$_f" ] || return 1
    echo "$_f"
}

# pf_is_delivered - true once MX NAME has the message MSGID
pf_is_delivered() {
    pf_delivered "$1" "$2" >/dev/null
}

# pf_header_count - how many header lines NAME: the message FILE has
pf_header_count() {
    awk -v n="$2" 'BEGIN { IGNORECASE = 1; c = 0 }
        /^$/ { exit }
        tolower(substr($0, 1, length(n) + 1)) == tolower(n) ":" { c++ }
        END { print c }' "$1"
}

# pf_header - the (unfolded) value of the first header NAME of FILE
pf_header() {
    awk -v n="$2" '
        /^$/ { exit }
        /^[ \t]/ { if (grab) { l = $0; sub(/^[ \t]+/, "", l); v = v " " l } next }
        { if (grab) exit
          if (tolower(substr($0, 1, length(n) + 1)) == tolower(n) ":") {
              grab = 1; v = substr($0, length(n) + 2); sub(/^[ \t]+/, "", v) } }
        END { if (grab) print v }' "$1"
}

# pf_body - the body of the message FILE (after the first empty line), CRs removed
pf_body() {
    tr -d '\r' <"$1" | awk 'b { print } /^$/ && !b { b = 1 }'
}

# pf_headers - the header section of FILE, CRs removed
pf_headers() {
    tr -d '\r' <"$1" | awk '/^$/ { exit } { print }'
}
