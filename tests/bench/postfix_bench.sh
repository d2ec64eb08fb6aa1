#!/bin/sh
# postfix_bench.sh - end to end: smtp-source -> Postfix smtpd with a milter ->
# qmgr -> smtp -> smtp-sink, piiguard-milter beside the no-op milter.
#
# One private Postfix on 127.0.0.1 (tests/postfix/lib.sh, with
# contrib/postfix/{main,master}.cf.snippet as shipped) has two smtpd
# listeners that differ only in their milter: one -o smtpd_milters=
# piiguard-milter (tests/bench/milter.toml: the bundled config, enforce
# mode), one the no-op milter (obj/noop_milter), both on unix sockets. Mail
# for example.com is relayed to smtp-sink. smtp-source sends COUNT (default
# 1000) copies of one CLEAN 20 KB mail-like message (obj/milter_client
# --write-message) in clear over 10 sessions, a new connection per message
# (smtp-source's default); clean mail in clear is accepted under enforce, so
# piiguard scans every message fully and adds its trace header. A run is
# timed from the start of smtp-source until the last of its messages is
# logged "status=sent" by the smtp client (all delivered to the sink). The
# listeners are measured alternately, ROUNDS times (default 5); the line
# gives the medians, their ratio and the spread of the per-round ratios.
# Target: piiguard >= 0.9x the no-op milter.
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
COUNT=${POSTFIX_BENCH_COUNT:-1000}
ROUNDS=${POSTFIX_BENCH_ROUNDS:-5}
SESSIONS=10
PF_ROOT=$ROOT
. tests/postfix/lib.sh

for p in smtp-source smtp-sink postfix; do
    command -v $p >/dev/null 2>&1 || [ -x /usr/sbin/$p ] || { echo "postfix-e2e: $p is not installed (skipped)"; exit 0; }
done
PATH=$PATH:/usr/sbin
pf_init || exit 1

PORT_P=$(pf_free_port) && PORT_N=$(pf_free_port) && PORT_SINK=$(pf_free_port) || exit 1
sed -e "s|@ROOT@|$ROOT|g" -e "s|@T@|$PF_T|g" tests/bench/milter.toml >"$PF_T/milter.toml"
obj/milter_client --write-message "$PF_T/message.eml" --kb 20 || exit 1

# the sink: accepts everything, keeps nothing
smtp-sink -u postfix "127.0.0.1:$PORT_SINK" 256 >"$PF_T/sink.log" 2>&1 &
echo $! >>"$PF_T/pids"

pf_milter_start piiguard "$PF_T/milter.toml" || { cat "$PF_T/milter.log"; exit 1; }
rm -f "$PF_T/noop.sock"
obj/noop_milter -p "unix:$PF_T/noop.sock" >>"$PF_T/milter.log" 2>&1 &
echo $! >>"$PF_T/pids"
pf_wait 10 pf_socket_ready "$PF_T/noop.sock" || { echo "postfix-e2e: the no-op milter did not start"; exit 1; }
chmod 666 "$PF_T/noop.sock"

pf_instance bench
pf_edge_from_contrib bench "$PF_T/piiguard.sock"
# Test overrides: no TLS on this path (smtp-source and smtp-sink speak
# none), the milter per listener, mail for example.com to the sink.
pf_conf bench "smtpd_milters =" "non_smtpd_milters =" \
    "smtpd_tls_security_level = none" "smtp_tls_security_level = none"
pf_route bench example.com "smtp:[127.0.0.1]:$PORT_SINK"
pf_master bench <<EOF
127.0.0.1:$PORT_P inet n    -       n       -       -       smtpd
  -o syslog_name=postfix-bench/piiguard
  -o smtpd_milters=unix:$PF_T/piiguard.sock
127.0.0.1:$PORT_N inet n    -       n       -       -       smtpd
  -o syslog_name=postfix-bench/noop
  -o smtpd_milters=unix:$PF_T/noop.sock
EOF
pf_listening "$PORT_SINK" || pf_wait 5 pf_listening "$PORT_SINK" || { echo "postfix-e2e: smtp-sink did not start"; exit 1; }
pf_start bench || exit 1

# sent_count - messages the smtp client has delivered so far
sent_count() {
    pf_log_count "postfix-bench/smtp\[[0-9]+\]: [0-9A-F]+: to=<.*status=sent"
}
# delivered - at least $1 messages delivered
delivered() {
    [ "$(sent_count)" -ge "$1" ]
}
# run PORT N - send N messages over $SESSIONS sessions; print the msg/s
# from start to the last delivery (empty on failure)
run() {
    _before=$(sent_count)
    _t0=$(date +%s.%N)
    smtp-source -s "$SESSIONS" -m "$2" -M client.test -f alice@sender.example -t bob@example.com \
        -F "$PF_T/message.eml" "127.0.0.1:$1" >"$PF_T/source.out" 2>&1 || { cat "$PF_T/source.out" >&2; return 1; }
    _t1=$(date +%s.%N)
    pf_wait 120 delivered $((_before + $2)) || { echo "postfix-e2e: not all delivered" >&2; return 1; }
    _t2=$(date +%s.%N)
    python3 -c "print('%.1f %.1f' % ($2 / ($_t2 - $_t0), $2 / ($_t1 - $_t0)))"
}

rc=0
# warm-up: smtpd, cleanup and smtp processes started, milter threads made
run "$PORT_P" 50 >/dev/null && run "$PORT_N" 50 >/dev/null || { echo "postfix-e2e: warm-up failed"; rc=1; }
: >"$PF_T/rounds"
i=0
while [ $rc = 0 ] && [ $i -lt "$ROUNDS" ]; do
    p=$(run "$PORT_P" "$COUNT") || rc=1
    q=$(run "$PORT_N" "$COUNT") || rc=1
    [ -n "$p" ] && [ -n "$q" ] && echo "$p $q" >>"$PF_T/rounds"
    i=$((i + 1))
done
# piiguard did see every message: one accept line each, clean, traced
scanned=$(grep -c 'piiguard: .* pii=none .*verdict=accept' "$PF_T/milter.log")
expect=$((50 + ROUNDS * COUNT))
[ "$scanned" -ge "$expect" ] || { echo "postfix-e2e: piiguard logged $scanned clean accepts, expected $expect"; rc=1; }
python3 - "$PF_T/rounds" "$SESSIONS" "$COUNT" <<'EOF'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 4]
if not rows:
    print("postfix-e2e: no figures (see above)")
    sys.exit(1)
p = statistics.median(r[0] for r in rows)
q = statistics.median(r[2] for r in rows)
ratios = sorted(r[0] / r[2] for r in rows)
ps = statistics.median(r[1] for r in rows)
qs = statistics.median(r[3] for r in rows)
print("postfix-e2e: %.0f msg/s with piiguard-milter, %.0f msg/s with the no-op milter (%.2fx; rounds %.2f-%.2fx, n=%d), "
      "20 KB clean messages in clear, %s sessions, %s messages per run, smtp-source -> smtpd -> smtp-sink"
      % (p, q, p / q, ratios[0], ratios[-1], len(rows), sys.argv[2], sys.argv[3]))
print("postfix-e2e-submit: %.0f msg/s with piiguard-milter, %.0f msg/s with the no-op milter (%.2fx), "
      "smtp-source's own time (queued, not yet delivered)" % (ps, qs, ps / qs))
EOF
[ $? = 0 ] || rc=1
exit $rc
