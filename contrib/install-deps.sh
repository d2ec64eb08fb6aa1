#!/bin/sh
# install-deps.sh - install the Debian 12 packages piiguard needs to build and test.
#
# Idempotent: packages already installed are left alone, and apt-get update
# runs once, only when something is missing. Needs root (or sudo) to install.
set -eu

PKGS="g++ make pkg-config libmilter-dev libssl-dev libpcre2-dev libtomlplusplus-dev zlib1g-dev
doctest-dev clang-14 libfuzzer-14-dev libclang-rt-14-dev python3 libzip-dev libexpat1-dev libseccomp-dev poppler-utils"
# Test-only packages (real Postfix, swaks, miltertest) for `make check`.
if [ "${1:-}" = "--test" ]; then
    PKGS="$PKGS postfix swaks libnet-ssleay-perl miltertest openssl chromium opendkim python3-dkim unbound ldnsutils"
fi
# milter/net: libunbound (piiguard validates DNSSEC itself for DANE) and the root's trust anchor
PKGS="$PKGS libunbound-dev dns-root-data"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: missing Debian packages:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-deps: not root and no sudo; install them with: apt-get install$missing" >&2
        exit 1
    fi
fi
# Postfix asks a debconf question on install: answer it so nothing is configured
# or started system-wide (the tests run their own private instance).
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
