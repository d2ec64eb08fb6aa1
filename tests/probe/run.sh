#!/bin/sh
# run.sh - `piiguard probe` against real STARTTLS servers on loopback (issue 13, first part).
#
# One private Postfix with listeners: TLS 1.3 with a CA-signed certificate
# (SAN mx.test, IP:127.0.0.1), TLS 1.0 only, a self-signed certificate, and
# no STARTTLS; plus a port nobody listens on. Checks what the probe reports
# (protocol, verification, fingerprints as openssl computes them), the grade
# per profile with its reason in words, the partner entry, --json and the
# exit status. Loopback only.
set -u
cd "$(dirname "$0")/../.." || exit 1
PF_ROOT=$(pwd)
. tests/postfix/lib.sh
. tests/scenario.sh
PG=$PF_ROOT/piiguard

pf_init
pf_make_certs || { echo "0 passed, 1 failed"; exit 1; }
C=$PF_T/certs
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$C/self.key" -out "$C/self.crt" -days 2 -subj "/CN=mx.test" \
    -addext "subjectAltName=DNS:mx.test,IP:127.0.0.1" >/dev/null 2>&1 && chmod 644 "$C/self.crt" ||
    { echo "0 passed, 1 failed"; exit 1; }
L_CA=$(pf_free_port) PLAIN=$(pf_free_port) L_T10=$(pf_free_port) L_SELF=$(pf_free_port) NOBODY=$(pf_free_port)
L_W=$(pf_free_port)
# the watched partner's certificate: the CA-signed one, later renewed (same key), later a new key
cp "$C/server.crt" "$C/w.crt"
cp "$C/server.key" "$C/w.key"
(cd "$C" && openssl req -new -key server.key -out renew.csr -subj "/O=piiguard/CN=mx.test" &&
    openssl x509 -req -in renew.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3 -sha256 -extfile server.ext \
        -out renew.crt) >/dev/null 2>&1 || { echo "0 passed, 1 failed"; exit 1; }
pf_mx rmx "$L_CA" "$PLAIN"
pf_master rmx <<EOF2
127.0.0.1:$L_T10 inet n - n - - smtpd
  -o syslog_name=postfix-rmx/tls10 -o smtpd_tls_protocols=<=TLSv1 -o smtpd_tls_mandatory_protocols=<=TLSv1
  -o smtpd_tls_ciphers=medium -o tls_medium_cipherlist=DEFAULT:@SECLEVEL=0
127.0.0.1:$L_SELF inet n - n - - smtpd
  -o syslog_name=postfix-rmx/self -o smtpd_tls_cert_file=$C/self.crt -o smtpd_tls_key_file=$C/self.key
127.0.0.1:$L_W inet n - n - - smtpd
  -o syslog_name=postfix-rmx/watched -o smtpd_tls_cert_file=$C/w.crt -o smtpd_tls_key_file=$C/w.key
EOF2
pf_start rmx || { echo "0 passed, 1 failed"; exit 1; }
CERT_PIN=$(openssl x509 -in "$C/server.crt" -noout -fingerprint -sha256 | cut -d= -f2)
KEY_PIN=$(openssl x509 -in "$C/server.crt" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -c | awk '{print toupper($2)}')

# probe OUT ARGS... - run the probe, keep output and exit status
probe() {
    _o=$1
    shift
    "$PG" probe --timeout 5 --profiles "$PF_ROOT/contrib/profiles.toml" "$@" >"$PF_T/$_o" 2>&1
    RC=$?
}
has() { grep -qF -- "$2" "$PF_T/$1" || { fail "no '$2' in: $(tr '\n' '|' <"$PF_T/$1" | cut -c1-300)"; return 1; }; }

p_ca() {
    probe ca.out --ca-file "$C/ca.crt" --profile hipaa "[127.0.0.1]:$L_CA"
    [ "$RC" -eq 0 ] || { fail "exit $RC for a TLS 1.3 CA-signed MX under hipaa"; return 1; }
    has ca.out "TLSv1.3 with cipher" && has ca.out "verified: yes (chain to a trusted CA); names match 127.0.0.1" &&
        has ca.out "sha256: $CERT_PIN" && has ca.out "pubkey sha256: $KEY_PIN" &&
        has ca.out "hipaa: pass" && has ca.out "strict: pass" &&
        has ca.out "pins = [\"$CERT_PIN\", \"$KEY_PIN\"]" && has ca.out "nexthop = \"[127.0.0.1]:$L_CA\"" || return 1
    grep -E '^  (hipaa|strict):' "$PF_T/ca.out" | sed 's/^/    /'
}
p_tls10() {
    probe t10.out --profile hipaa "[127.0.0.1]:$L_T10"
    [ "$RC" -eq 1 ] || { fail "exit $RC for a TLS 1.0-only MX under hipaa, expected 1"; return 1; }
    has t10.out "hipaa: fail: TLSv1 only (needs TLSv1.2)" && has t10.out "gdpr: fail: TLSv1 only (needs TLSv1.1)" || return 1
    grep -E '^  (hipaa|gdpr):' "$PF_T/t10.out" | sed 's/^/    /'
}
p_plain() {
    probe plain.out "[127.0.0.1]:$PLAIN"
    [ "$RC" -eq 1 ] || { fail "exit $RC for an MX without STARTTLS, expected 1"; return 1; }
    has plain.out "STARTTLS not offered" && has plain.out "hipaa: fail: STARTTLS not offered" || return 1
}
p_self() {
    probe self.out --ca-file "$C/ca.crt" "[127.0.0.1]:$L_SELF"
    has self.out "verified: no (self-signed certificate)" && has self.out "hipaa: pass" || return 1
    # a profile whose outbound level demands verify fails it
    sed 's/^auth = "encrypt"/auth = "verify"/' "$PF_ROOT/contrib/profiles.toml" >"$PF_T/profiles-verify.toml"
    "$PG" probe --timeout 5 --profiles "$PF_T/profiles-verify.toml" --ca-file "$C/ca.crt" "[127.0.0.1]:$L_SELF" >"$PF_T/selfv.out" 2>&1
    has selfv.out "hipaa: fail: certificate not verified (self-signed certificate)" || return 1
}
p_json() {
    probe j.out --json --ca-file "$C/ca.crt" "[127.0.0.1]:$L_CA" "[127.0.0.1]:$L_T10" "[127.0.0.1]:$NOBODY"
    python3 - "$PF_T/j.out" "$CERT_PIN" "$KEY_PIN" >"$PF_T/j.err" 2>&1 <<'EOF2' || { fail "$(tail -n 2 "$PF_T/j.err" | tr '\n' ' ')"; return 1; }
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(rows) == 3, rows
ca, t10, nobody = rows
assert ca["tls"]["version"] == "TLSv1.3" and ca["certificate"]["verified"] and ca["certificate"]["name_matched"]
assert ca["certificate"]["sha256"] == sys.argv[2] and ca["certificate"]["pubkey_sha256"] == sys.argv[3]
assert ca["grades"]["hipaa"] == "pass", ca["grades"]
assert t10["tls"]["version"] == "TLSv1" and t10["grades"]["hipaa"] == "fail: TLSv1 only (needs TLSv1.2)", t10["grades"]
assert not nobody["connected"] and "connection refused" in nobody["error"], nobody
assert all(v.startswith("fail: cannot connect") for v in nobody["grades"].values()), nobody["grades"]
EOF2
}
# posture watch: the partners of a piiguard.toml
cat >"$PF_T/watch.toml" <<EOF2
[general]
rules_dir = "$PF_ROOT/rules"
profiles_file = "$PF_ROOT/contrib/profiles.toml"
[trace]
key_file = ""
[[policyd.partner]]
domain = "hospital.example"
nexthop = "[127.0.0.1]:$L_W"
profile = "hipaa"
EOF2
watch() {
    _o=$1
    shift
    "$PG" probe --watch -c "$PF_T/watch.toml" --state "$PF_T/watch.state" --ca-file "$C/ca.crt" --timeout 5 "$@" >"$PF_T/$_o" 2>&1
    RC=$?
}
# swap_cert CRT KEY - the watched listener presents another certificate (postfix reload)
swap_cert() {
    cp "$1" "$C/w.crt" && cp "$2" "$C/w.key" && postfix -c "$PF_T/rmx/etc" reload >/dev/null 2>&1
    sleep 1
}
p_watch_first() {
    watch w1.out --expiry-days 0
    [ "$RC" -eq 0 ] || { fail "exit $RC on the first run: $(head -c 200 "$PF_T/w1.out")"; return 1; }
    has w1.out "first probe, recorded" || return 1
    watch w2.out --expiry-days 0
    [ "$RC" -eq 0 ] && has w2.out "unchanged" || { fail "second run: exit $RC, $(head -c 200 "$PF_T/w2.out")"; return 1; }
}
p_watch_change() {
    swap_cert "$C/renew.crt" "$C/server.key"
    watch w3.out --expiry-days 0
    [ "$RC" -eq 1 ] || { fail "exit $RC after a renewal, expected 1"; return 1; }
    _new=$(openssl x509 -in "$C/renew.crt" -noout -fingerprint -sha256 | cut -d= -f2)
    has w3.out "certificate_changed: [127.0.0.1]:$L_W (127.0.0.1:$L_W): new certificate, same key: certificate pin now $_new" || return 1
    swap_cert "$C/self.crt" "$C/self.key"
    watch w4.out --expiry-days 0
    _kp=$(openssl x509 -in "$C/self.crt" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -c | awk '{print toupper($2)}')
    [ "$RC" -eq 1 ] && has w4.out "key_changed:" && has w4.out "$_kp" && has w4.out "weaker:" &&
        has w4.out "certificate no longer verifies" || return 1
    sed 's/^/    /' "$PF_T/w3.out" "$PF_T/w4.out" | cut -c1-200
}
p_watch_expiry() {
    watch w5.out --expiry-days 30
    [ "$RC" -eq 1 ] && has w5.out "expiring: [127.0.0.1]:$L_W (127.0.0.1:$L_W): certificate expires in 1 day(s)" || return 1
}
scenario "1 TLS 1.3, CA-signed: verified, pins as openssl computes them, every profile passes, exit 0" p_ca
scenario "2 TLS 1.0 only: hipaa and gdpr fail with the version in words, exit 1" p_tls10
scenario "3 no STARTTLS: said, every profile fails, exit 1" p_plain
scenario "4 self-signed: not verified; passes encrypt profiles, fails a verify one" p_self
scenario "5 --json for several destinations, including one that refuses the connection" p_json
scenario "6 --watch: first run records the partners, a second one finds nothing" p_watch_first
scenario "7 --watch: a renewed certificate, then a new key (with the new pins), found" p_watch_change
scenario "8 --watch: a certificate expiring within --expiry-days, found" p_watch_expiry
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
