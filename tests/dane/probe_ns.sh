#!/bin/sh
# probe_ns.sh DIR PIDS - `piiguard probe` with DANE and MTA-STS, in a private network
# and mount namespace (run by tests/dane/run.sh under `unshare --mount --net`).
#
# Inside, the namespace's own loopback: /etc/resolv.conf (bind-mounted, the
# host's file is untouched) names a validating unbound on 127.0.0.53 that
# serves DIR/ns-zone.signed; an SMTP server offering STARTTLS on
# 127.0.0.1:25 with DIR/mx.crt; the MTA-STS policy host on 127.0.0.80:443.
# The probe finds MX hosts through the system resolver like in production,
# and DANE/MTA-STS through [outbound] of DIR/probe.toml. Every process
# started is written to PIDS (the caller's cleanup) and stopped here.
set -u
D=$1
PIDS=$2
ROOT=$(pwd)
ip link set lo up || exit 1
mount --bind "$D/resolv.conf" /etc/resolv.conf || exit 1
started=""
stop() { for p in $started; do kill "$p" 2>/dev/null; done; }
trap stop EXIT
bg() { "$@" & started="$started $!"; echo $! >>"$PIDS"; }
bg unbound -d -c "$D/ns-unbound.conf" >"$D/ns-unbound.out" 2>&1
bg python3 "$ROOT/tests/dane/sts_https.py" 127.0.0.80 443 "$D/web.crt" "$D/web.key" "$D/policies" "$D/ns-https.log" >"$D/ns-https.out" 2>&1
bg python3 "$ROOT/tests/dane/smtp_starttls.py" 127.0.0.1 25 "$D/mx.crt" "$D/mx.key" >"$D/ns-smtp.out" 2>&1
n=0
until drill -D @127.0.0.53 MX dane-ok.pgd.example 2>/dev/null | grep -q '^;; flags:.* ad[ ;]' &&
    grep -q listening "$D/ns-smtp.out" && grep -q listening "$D/ns-https.log" 2>/dev/null; do
    n=$((n + 1))
    [ $n -gt 100 ] && { echo "namespace set-up failed"; cat "$D/ns-unbound.out"; exit 1; }
    sleep 0.1
done
for t in dane-ok dane-bad sts; do
    "$ROOT/piiguard" probe --timeout 5 -c "$D/probe.toml" --ca-file "$D/ca.crt" "$t.pgd.example" >"$D/probe-$t.txt" 2>&1
    "$ROOT/piiguard" probe --json --timeout 5 -c "$D/probe.toml" --ca-file "$D/ca.crt" "$t.pgd.example" >"$D/probe-$t.json" 2>&1
done
echo done
