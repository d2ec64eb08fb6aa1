#!/bin/sh
# install/run.sh - `make install` into a scratch DESTDIR: every program, rule
# file, man page, snippet and unit lands where the docs say, the installed
# config points at the installed rules, and the installed tools work on it.
set -u
cd "$(dirname "$0")/../.."
D=$(mktemp -d /tmp/piiguard-install.XXXXXX)
trap 'rm -rf "$D"' EXIT
. tests/tally.sh

if make --no-print-directory install PREFIX=/usr DESTDIR="$D" SYSCONFDIR=/etc >"$D/install.log" 2>&1; then
    ok "make install PREFIX=/usr DESTDIR=..."
else
    ko "make install failed"; tail -n 20 "$D/install.log"
fi
for f in usr/bin/piiguard usr/sbin/piiguard-milter usr/sbin/piiguard-policyd \
    usr/share/man/man1/piiguard.1 usr/share/man/man5/piiguard-rules.5 usr/share/man/man5/piiguard.toml.5 \
    usr/share/man/man8/piiguard-milter.8 usr/share/man/man8/piiguard-policyd.8 \
    usr/share/piiguard/postfix/main.cf.snippet usr/share/piiguard/postfix/master.cf.snippet \
    usr/share/piiguard/systemd/piiguard-milter.service etc/piiguard/piiguard.toml etc/piiguard/profiles.toml; do
    if [ -s "$D/$f" ]; then ok "installed /$f"; else ko "missing /$f"; fi
done
n=$(ls "$D/usr/share/piiguard/rules/"*.toml 2>/dev/null | wc -l)
if [ "$n" -eq "$(ls rules/*.toml | wc -l)" ]; then ok "$n rule files installed"; else ko "$n rule files installed"; fi
if grep -q '^rules_dir = "/usr/share/piiguard/rules"$' "$D/etc/piiguard/piiguard.toml"; then
    ok "installed config points at the installed rules"
else
    ko "installed config rules_dir: $(grep '^rules_dir' "$D/etc/piiguard/piiguard.toml")"
fi
if grep -q '/usr/sbin/piiguard-milter' "$D/usr/share/piiguard/systemd/piiguard-milter.service"; then
    ok "systemd unit runs the installed daemon"
else
    ko "systemd unit does not name /usr/sbin/piiguard-milter"
fi
if "$D/usr/bin/piiguard" lint --rules "$D/usr/share/piiguard/rules" >/dev/null; then ok "installed piiguard lints the installed rules"
else ko "installed piiguard lint failed"; fi
# The installed config, with paths moved into DESTDIR, passes the daemon's -n check.
sed -e "s|^rules_dir = \"|rules_dir = \"$D|" "$D/etc/piiguard/piiguard.toml" >"$D/etc/piiguard/check.toml"
if "$D/usr/sbin/piiguard-milter" -n -c "$D/etc/piiguard/check.toml"; then ok "piiguard-milter -n accepts the installed config"
else ko "piiguard-milter -n refuses the installed config"; fi
# A second install keeps the admin's config.
echo "# edited by the admin" >>"$D/etc/piiguard/piiguard.toml"
make --no-print-directory install PREFIX=/usr DESTDIR="$D" SYSCONFDIR=/etc >/dev/null 2>&1
if grep -q "edited by the admin" "$D/etc/piiguard/piiguard.toml"; then ok "reinstall keeps an edited config"
else ko "reinstall overwrote the admin's config"; fi
tally
