#!/bin/sh
# memory/run.sh PIIGUARD - peak RSS must not grow with message size.
#
# Scans generated 5 MB and 50 MB messages (tests/memory/genmail.py) and
# compares the peak resident set sizes: the 50 MB scan may use at most 4 MB
# more than the 5 MB one (streaming: bounded windows, no message buffer).
# Both must find the IBAN planted at the very end.
set -u
PG=$1
cd "$(dirname "$0")/../.."
OUT=tests/out
. tests/tally.sh

python3 tests/memory/genmail.py 5 $OUT/mem-5.eml
python3 tests/memory/genmail.py 50 $OUT/mem-50.eml
# peak_rss FILE - "KB RESULT-LINE" of one scan
peak_rss() {
    python3 - "$PG" "$1" <<'PY'
import resource, subprocess, sys
r = subprocess.run([sys.argv[1], "scan", "--json", sys.argv[2]], capture_output=True, text=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode, r.stdout.strip())
PY
}
set -- $(peak_rss $OUT/mem-5.eml)
rss5=$1; rc5=$2; shift 2; res5="$*"
set -- $(peak_rss $OUT/mem-50.eml)
rss50=$1; rc50=$2; shift 2; res50="$*"
echo "peak RSS: 5 MB message ${rss5} KB, 50 MB message ${rss50} KB"
if [ "$rc5" -eq 0 ] && [ "$rc50" -eq 0 ] && [ $((rss50 - rss5)) -le 4096 ]; then
    ok "peak RSS bounded (50 MB: ${rss50} KB, 5 MB: ${rss5} KB)"
else
    ko "peak RSS grows with message size (50 MB: ${rss50} KB, 5 MB: ${rss5} KB)"
fi
for r in "$res5" "$res50"; do
    case "$r" in
        *'"iban": 1'*) ok "the IBAN at the end of the message was found" ;;
        *) ko "the IBAN at the end was not found: $r" ;;
    esac
done
rm -f $OUT/mem-5.eml $OUT/mem-50.eml
tally
