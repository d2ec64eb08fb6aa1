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

# Attachments: a ZIP of 5 MB and one of 25 MB (512 KB entries, the IBAN in the
# last one) are spooled to a temporary file and read through it: peak RSS must
# not follow the attachment size.
python3 - $OUT <<'PY'
import base64, io, random, sys, zipfile
for mb in (5, 25):
    b = io.BytesIO()
    rnd = random.Random(mb)
    with zipfile.ZipFile(b, "w", zipfile.ZIP_STORED) as z:
        for i in range(mb * 2):
            z.writestr("blob%03d.bin" % i, bytes(rnd.getrandbits(8) for _ in range(512 * 1024)))
        z.writestr("last.txt", "iban GB82 WEST 1234 5698 7654 32\n")
    with open("%s/mem-zip-%d.eml" % (sys.argv[1], mb), "w") as f:
        f.write("Subject: zip\nMIME-Version: 1.0\nContent-Type: application/zip; name=a.zip\n"
                "Content-Transfer-Encoding: base64\n\n")
        f.write(base64.encodebytes(b.getvalue()).decode())
PY
set -- $(peak_rss $OUT/mem-zip-5.eml)
zrss5=$1; zrc5=$2; shift 2; zres5="$*"
set -- $(peak_rss $OUT/mem-zip-25.eml)
zrss25=$1; zrc25=$2; shift 2; zres25="$*"
echo "peak RSS: 5 MB ZIP attachment ${zrss5} KB, 25 MB ZIP attachment ${zrss25} KB"
if [ "$zrc5" -eq 0 ] && [ "$zrc25" -eq 0 ] && [ $((zrss25 - zrss5)) -le 8192 ]; then
    ok "peak RSS bounded for ZIP attachments (25 MB: ${zrss25} KB, 5 MB: ${zrss5} KB)"
else
    ko "peak RSS grows with the ZIP attachment (25 MB: ${zrss25} KB, 5 MB: ${zrss5} KB)"
fi
for r in "$zres5" "$zres25"; do
    case "$r" in
        *'"iban": 1'*) ok "the IBAN in the ZIP's last entry was found" ;;
        *) ko "the IBAN in the ZIP's last entry was not found: $r" ;;
    esac
done
rm -f $OUT/mem-zip-5.eml $OUT/mem-zip-25.eml
tally
