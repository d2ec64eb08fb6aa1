#!/bin/sh
# policy_bench.sh - requests/s of piiguard-policyd with 16 concurrent
# connections (obj/policy_bench), on a unix socket and on inet 127.0.0.1,
# with the test partners of tests/policyd/policyd.toml and decision lines
# logged (-f, to a file). Target: >= 20,000 requests/s on 2 cores.
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
T=$(mktemp -d /tmp/piiguard-pbench.XXXXXX) || exit 1
chmod 755 "$T"
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"' EXIT
sed -e "s|@ROOT@|$ROOT|g" -e "s|@T@|$T|g" \
    -e "s|@PIN_CERT@|$(printf '%064d' 0)|" -e "s|@PIN_PUBKEY@|$(printf '%064d' 1)|" \
    tests/policyd/policyd.toml >"$T/policyd.toml"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rc=0
for sock in "unix:$T/policyd.sock" "inet:$PORT@127.0.0.1"; do
    ./piiguard-policyd -f -c "$T/policyd.toml" -p "$sock" 2>"$T/policyd.log" &
    PID=$!
    n=0
    until obj/policy_bench --socket "$sock" --connections 1 --seconds 0.01 >/dev/null 2>&1; do
        n=$((n + 1)); [ $n -gt 50 ] && { echo "policy bench: daemon did not start"; cat "$T/policyd.log"; exit 1; }
        sleep 0.1
    done
    printf '%s ' "${sock%%:*}"
    obj/policy_bench --socket "$sock" --connections 16 --seconds 3 || rc=1
    kill "$PID"; wait "$PID" 2>/dev/null; PID=""
done
exit $rc
