#!/bin/sh
# milter_bench.sh - messages/s of piiguard-milter beside a no-op libmilter
# milter (obj/noop_milter), both driven by the same milter-protocol client
# (obj/milter_client: Postfix's steps and macros, TLSv1.3 facts at HELO)
# over a unix socket, 20 KB mail-like messages (one in 8 with a PII
# value), 4 concurrent connections of 10 messages each. piiguard-milter
# runs with tests/bench/milter.toml (the bundled config: enforce, trace
# header on every message, route header on PII mail) and logs its line per
# message (-f, to a file). The two are measured alternately, ROUNDS times
# (default 12) for SECONDS each (default 1.5); the line gives the medians, the
# ratio of the medians and the spread of the per-round ratios; and the CPU
# time each milter process used per message (utime + stime from /proc),
# less sensitive than msg/s to other load on a shared machine.
# Target: piiguard-milter >= 0.8x the no-op milter. PIIGUARD_MILTER names
# another build of the daemon to measure (default ./piiguard-milter).
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
ROUNDS=${MILTER_BENCH_ROUNDS:-12}
SECONDS_EACH=${MILTER_BENCH_SECONDS:-1.5}
CONNS=${MILTER_BENCH_CONNECTIONS:-4}
T=$(mktemp -d /tmp/piiguard-mbench.XXXXXX) || exit 1
PIDS=""
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"' EXIT
sed -e "s|@ROOT@|$ROOT|g" -e "s|@T@|$T|g" tests/bench/milter.toml >"$T/milter.toml"

${PIIGUARD_MILTER:-./piiguard-milter} -f -c "$T/milter.toml" -p "unix:$T/piiguard.sock" 2>"$T/piiguard.log" &
PID_piiguard=$!
obj/noop_milter -p "unix:$T/noop.sock" 2>"$T/noop.log" &
PID_noop=$!
PIDS="$PID_piiguard $PID_noop"
# ready - both milters answer a one-message connection
ready() {
    obj/milter_client --socket "unix:$T/piiguard.sock" --connections 1 --per-connection 1 --seconds 0 >/dev/null 2>&1 &&
        obj/milter_client --socket "unix:$T/noop.sock" --connections 1 --per-connection 1 --seconds 0 >/dev/null 2>&1
}
n=0
until ready; do
    n=$((n + 1))
    if [ $n -gt 50 ]; then
        echo "milter: the milters did not start"
        cat "$T/piiguard.log" "$T/noop.log"
        exit 1
    fi
    sleep 0.1
done

# cpu_ticks - user + system clock ticks of process PID and its threads
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}
# one - run the client against milter NAME; print "msg/s messages cpu-ticks" (empty on failure)
one() {
    eval "_pid=\$PID_$1"
    _c0=$(cpu_ticks "$_pid")
    obj/milter_client --socket "unix:$T/$1.sock" --connections "$CONNS" --per-connection 10 \
        --seconds "$SECONDS_EACH" --kb 20 --pii-every 8 >"$T/$1.out" 2>&1 || { cat "$T/$1.out" >&2; return 1; }
    _c1=$(cpu_ticks "$_pid")
    sed -nE "s/^([0-9]+) messages in .*: ([0-9]+) msg\/s.*/\2 \1 $((_c1 - _c0))/p" "$T/$1.out"
}
rc=0
: >"$T/rounds"
i=0
while [ $i -lt "$ROUNDS" ]; do
    p=$(one piiguard) || rc=1
    q=$(one noop) || rc=1
    [ -n "$p" ] && [ -n "$q" ] && echo "$p $q" >>"$T/rounds"
    i=$((i + 1))
done
# the piiguard run must have done its work: trace headers added, PII routed
tail -n 1 "$T/piiguard.out" | grep -q 'header changes [1-9]' || { echo "milter: piiguard-milter added no header"; rc=1; }
grep -q 'outbound=piiguard-tls' "$T/piiguard.log" || { echo "milter: piiguard-milter routed no PII message"; rc=1; }
python3 - "$T/rounds" "$CONNS" "$(getconf CLK_TCK)" <<'EOF'
import statistics, sys
# per round: piiguard msg/s, messages, ticks; no-op msg/s, messages, ticks
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 6]
if not rows:
    print("milter: no figures (see above)")
    sys.exit(1)
hz = float(sys.argv[3])
p = statistics.median(r[0] for r in rows)
q = statistics.median(r[3] for r in rows)
ratios = sorted(r[0] / r[3] for r in rows)
print("milter: %.0f msg/s piiguard-milter, %.0f msg/s no-op milter (%.2fx; rounds %.2f-%.2fx, n=%d), "
      "20 KB messages, %s connections, unix socket"
      % (p, q, p / q, ratios[0], ratios[-1], len(rows), sys.argv[2]))
cp = sum(r[2] for r in rows) / hz / sum(r[1] for r in rows) * 1e6
cq = sum(r[5] for r in rows) / hz / sum(r[4] for r in rows) * 1e6
print("milter-cpu: %.0f us/msg piiguard-milter, %.0f us/msg no-op milter (user+system CPU of the milter process)"
      % (cp, cq))
EOF
exit $rc
