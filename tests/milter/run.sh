#!/bin/sh
# milter/run.sh - protocol-level tests of piiguard-milter with Debian's
# miltertest (an independent milter client; OpenDKIM's).
#
# Starts the built ./piiguard-milter (-f, log to a file) on unix sockets in a
# temporary directory, one instance per configuration variant (enforce,
# quarantine, monitor; see piiguard-test.toml), runs every tests/milter/t-*.lua
# against the variant named in its "-- config:" line, then checks -n on good
# and broken configurations, the refusal to start on a bad one, and SIGHUP
# reloads (a broken rules file keeps the old rules running and says why; a
# good change takes effect). Prints "N passed, N failed" last; exit status
# non-zero when anything failed. Every process started here is stopped (trap).
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
MILTER=${MILTER:-$ROOT/piiguard-milter}
TMP=$(mktemp -d /tmp/piiguard-milter-test.XXXXXX)
PIDS=""
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok: $1"; }
ko() { fail=$((fail + 1)); echo "FAIL: $1"; }

cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ ! -x "$MILTER" ]; then echo "no $MILTER (make piiguard-milter)"; echo "0 passed, 1 failed"; exit 1; fi
if ! command -v miltertest >/dev/null 2>&1; then
    echo "miltertest not installed (contrib/install-deps.sh --test)"; echo "0 passed, 1 failed"; exit 1
fi
cp -r rules "$TMP/rules"

# make_config NAME MODE ACTION - write $TMP/NAME.toml
make_config() {
    sed -e "s|@ROOT@|$ROOT|g" -e "s|@TMP@|$TMP|g" -e "s|@NAME@|$1|g" -e "s|@MODE@|$2|g" \
        -e "s|@ACTION@|$3|g" tests/milter/piiguard-test.toml >"$TMP/$1.toml"
}

# start NAME - start a milter on $TMP/NAME.sock with $TMP/NAME.toml, log in $TMP/NAME.log
start() {
    "$MILTER" -f -c "$TMP/$1.toml" >"$TMP/$1.log" 2>&1 &
    eval "PID_$1=$!"
    PIDS="$PIDS $!"
    i=0
    while [ ! -S "$TMP/$1.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    [ -S "$TMP/$1.sock" ]
}

make_config enforce enforce reject
make_config quarantine enforce quarantine
make_config monitor monitor reject
for v in enforce quarantine monitor; do
    if start $v; then ok "piiguard-milter ($v) listening"; else ko "piiguard-milter ($v) did not start:"; cat "$TMP/$v.log"; fi
done

# The miltertest scripts.
export PIIGUARD_TESTLIB="$ROOT/tests/milter/lib.lua"
for t in tests/milter/t-*.lua; do
    v=$(sed -n 's/^-- config: *\([a-z]*\).*/\1/p' "$t" | head -n 1)
    export PIIGUARD_SOCK="unix:$TMP/${v:-enforce}.sock"
    if out=$(miltertest -s "$t" 2>&1); then
        ok "$t"; echo "$out" | sed 's/^/    /'
    else
        ko "$t"; echo "$out" | sed 's/^/    /'
    fi
done

# A 1 MB header line (miltertest cannot send one): a defined reply, no crash.
if out=$(python3 tests/milter/bigheader.py "$TMP/enforce.sock" 2>&1); then ok "1 MB header line: $out"
else ko "1 MB header line: $out"; fi
if kill -0 "$PID_enforce" 2>/dev/null; then ok "milter alive after the 1 MB header"; else ko "milter died on the 1 MB header"; fi

# The milter logs one line per message, queue id first, never a value.
if grep -q 'A1B2C3D4E5: ' "$TMP/enforce.log"; then ok "per-message log line starts with the queue id"
else ko "no log line for queue id A1B2C3D4E5"; fi
if grep -q 'DE89\|3704 0044\|943 476 5919' "$TMP"/*.log; then ko "a PII value appears in the milter log"
else ok "no PII value in the milter logs"; fi

# The audit log: one signed, chained record per decision, never a value.
records=$(wc -l <"$TMP/enforce-audit.jsonl" 2>/dev/null || echo 0)
if [ "$records" -gt 5 ] && ./piiguard audit verify --key "$TMP/trace.key" "$TMP/enforce-audit.jsonl" >"$TMP/verify.out" 2>&1; then
    ok "audit log: $records records, chain verifies"
else
    ko "audit log: $records records, verify: $(cat "$TMP/verify.out" 2>/dev/null)"
fi
if grep -q 'DE89\|3704 0044\|943 476 5919' "$TMP"/*-audit.jsonl; then ko "a PII value appears in the audit log"
else ok "no PII value in the audit log"; fi

# SIGHUP with a broken rules file: keeps running with the old rules, says why.
PID=$PID_enforce
cp "$TMP/rules/banking.toml" "$TMP/banking.toml.good"
printf '[[rule]]\nid = "broken\n' >"$TMP/rules/banking.toml"
kill -HUP "$PID"
sleep 1
if kill -0 "$PID" 2>/dev/null; then ok "SIGHUP with broken rules: still running"; else ko "SIGHUP with broken rules: milter died"; fi
if grep -q 'reload failed: .*banking.toml.*; keeping previous configuration' "$TMP/enforce.log"; then
    ok "SIGHUP with broken rules: log says why"
else
    ko "SIGHUP with broken rules: no 'reload failed: ... keeping previous configuration' line"; tail -n 5 "$TMP/enforce.log"
fi
export PIIGUARD_SOCK="unix:$TMP/enforce.sock"
if miltertest -s tests/milter/t-pii-clear-reject.lua >/dev/null 2>&1; then ok "after a failed reload the old rules still detect PII"
else ko "after a failed reload PII is no longer rejected"; fi
cp "$TMP/banking.toml.good" "$TMP/rules/banking.toml"

# SIGHUP with a good change (monitor mode) takes effect; then back.
sed -i 's/^mode = "enforce"/mode = "monitor"/' "$TMP/enforce.toml"
kill -HUP "$PID"
sleep 1
if grep -q 'reload: configuration .* loaded (generation 2)' "$TMP/enforce.log"; then ok "SIGHUP with a good config: loaded"
else ko "SIGHUP with a good config: no 'loaded (generation 2)' line"; tail -n 5 "$TMP/enforce.log"; fi
if miltertest -s tests/milter/t-monitor.lua >/dev/null 2>&1; then ok "after reload the new mode (monitor) applies"
else ko "after reload to monitor mode PII in clear is still refused"; fi

# -n: good config => exit 0, silent; broken => exit 1, one line per problem.
if out=$("$MILTER" -n -c "$TMP/quarantine.toml" 2>&1) && [ -z "$out" ]; then ok "-n on a good config: exit 0, no output"
else ko "-n on a good config: exit $?, output: $out"; fi
# Two independent problems: a broken rules file and a missing profiles file.
mkdir -p "$TMP/badrules"
printf '[[rule]]\nid = "broken\n' >"$TMP/badrules/broken.toml"
sed -e "s|^rules_dir = .*|rules_dir = \"$TMP/badrules\"|" -e 's|contrib/profiles.toml|contrib/no-such-profiles.toml|' \
    "$TMP/quarantine.toml" >"$TMP/broken.toml"
"$MILTER" -n -c "$TMP/broken.toml" >"$TMP/n.out" 2>&1
rc=$?
lines=$(wc -l <"$TMP/n.out")
if [ "$rc" -eq 1 ] && [ "$lines" -eq 2 ] && grep -q 'broken.toml' "$TMP/n.out" && grep -q 'no-such-profiles.toml' "$TMP/n.out"; then
    ok "-n on a config with two problems: exit 1, one line each"
else
    ko "-n on a broken config: exit $rc, $lines lines; expected 1 and one line each for the rules and the profiles file:"
    cat "$TMP/n.out"
fi
sed -e 's|^timeout = 30|timeout = 30\nbogus_key = 1|' "$TMP/quarantine.toml" >"$TMP/broken.toml"
if "$MILTER" -n -c "$TMP/broken.toml" 2>&1 | grep -q "key 'milter.bogus_key'"; then ok "-n names an unknown key"
else ko "-n does not name the unknown key milter.bogus_key"; fi
"$MILTER" -f -c "$TMP/broken.toml" -p "unix:$TMP/broken.sock" >"$TMP/broken.out" 2>&1 &
bpid=$!
PIDS="$PIDS $bpid"
i=0
while kill -0 $bpid 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
wait $bpid 2>/dev/null
rc=$?
if [ "$rc" -eq 1 ] && [ "$(wc -l <"$TMP/broken.out")" -eq 1 ] && [ ! -S "$TMP/broken.sock" ]; then
    ok "refuses to start on a bad config with one line: $(cat "$TMP/broken.out")"
else
    ko "bad config: exit $rc, expected 1 with one line and no socket:"; cat "$TMP/broken.out"
fi
if "$MILTER" -f -c "$TMP/quarantine.toml" -p "inet:10025@192.0.2.1" >"$TMP/inet.out" 2>&1; then
    ko "-p with a non-loopback inet address was accepted"
else
    ok "-p refuses a non-loopback inet address"
fi

# SIGTERM stops the milter and removes its socket.
kill -TERM "$PID_monitor"
wait "$PID_monitor" 2>/dev/null
if [ ! -S "$TMP/monitor.sock" ]; then ok "SIGTERM stops the milter and removes the socket"; else ko "socket left after SIGTERM"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
