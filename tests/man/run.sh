#!/bin/sh
# man/run.sh - check the man pages: each man/*.[158] formats without a single
# warning, piiguard(1) names every option the scan and lint subcommands
# accept, and piiguard-rules(5) names every key the rule loader accepts.
# Needs groff (or man-db's man); installs nothing. Arguments are ignored.
set -u
cd "$(dirname "$0")/../.." || exit 2
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok: $1"; }
ko() { fail=$((fail + 1)); echo "FAIL: $1"; }
mkdir -p tests/out

# Formatter: groff with every warning enabled, else man-db's --warnings.
if command -v groff >/dev/null 2>&1; then
    fmt() { groff -man -ww -z "$1"; }
    fmtname="groff -man -ww -z"
elif command -v man >/dev/null 2>&1; then
    fmt() { man --warnings -l "$1" >/dev/null; }
    fmtname="man --warnings -l"
else
    fmtname=""
fi

pages=$(ls man/*.[158] 2>/dev/null)
if [ -z "$pages" ]; then
    ko "no man pages in man/"
fi
for p in $pages; do
    if [ -z "$fmtname" ]; then
        ko "$p: neither groff nor man is installed"
        continue
    fi
    fmt "$p" >tests/out/man.warn 2>&1
    rc=$?
    if [ "$rc" -eq 0 ] && [ ! -s tests/out/man.warn ]; then
        ok "$p: $fmtname: no warnings"
    else
        ko "$p: $fmtname: exit $rc:"
        cat tests/out/man.warn
    fi
done

# mentions PAGE WHAT WORD... - each WORD appears in PAGE's source (with roff's
# \- for - and \& zero-width breaks removed)
mentions() {
    page=$1
    what=$2
    shift 2
    if [ ! -f "$page" ]; then
        ko "$page missing"
        return
    fi
    if [ "$#" -eq 0 ]; then
        ko "$page: found no $what in the code to check"
        return
    fi
    text=$(sed -e 's/\\-/-/g' -e 's/\\&//g' "$page")
    missing=""
    for w in "$@"; do
        case $text in
        *"$w"*) ;;
        *) missing="$missing $w" ;;
        esac
    done
    if [ -z "$missing" ]; then
        ok "$page names every $what ($#)"
    else
        ko "$page does not name every $what; missing:$missing"
    fi
}

# Options: every `s == "--..."` comparison in the CLI sources.
opts=$(grep -ho 's == "--[a-z-]*"' milter/cli/scan.cpp milter/cli/lint.cpp |
    sed -e 's/^s == "//' -e 's/"$//' | sort -u)
# shellcheck disable=SC2086
mentions man/piiguard.1 "option of piiguard scan/lint" $opts

# Rule keys: the strings in the rule_keys, context_keys and example_keys arrays.
keys=$(sed -n '/^constexpr std::string_view \(rule\|context\|example\)_keys\[\]/,/};/p' \
    milter/core/detect/rules_load.cpp | grep -o '"[a-z_]*"' | tr -d '"' | sort -u)
# shellcheck disable=SC2086
mentions man/piiguard-rules.5 "rule file key" $keys

# Validators: every name registered in validators.cpp.
vals=$(sed -n '/named_validators\[\] = {/,/};/p' milter/core/detect/validators.cpp |
    grep -o '{"[a-z_]*"' | tr -d '{"' | sort -u)
# shellcheck disable=SC2086
mentions man/piiguard-rules.5 "validator" $vals

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
