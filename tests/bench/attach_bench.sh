#!/bin/sh
# bench/attach_bench.sh - attachment throughput (issue 10), one core: DOCX, XLSX
# and PDF MB/s through `piiguard scan` (the attachments wrapped in mail, base64,
# one process for all) beside `unzip -p FILE | grep -c X` and
# `pdftotext FILE - | grep -c X` on the same files (one pipeline per file, as a
# filter would run them); then messages/s for the whole dev-attach mix.
# Files: the attachments of ../shared/corpus/dev-attach (SHARED=), each kind
# repeated to about BENCH_ATTACH_MB (default 20) MB.
set -u
cd "$(dirname "$0")/../.."
SHARED=${SHARED:-../shared}
OUT=tests/out/bench-attach
PIN=""
command -v taskset >/dev/null 2>&1 && PIN="taskset -c 0"
if [ ! -d "$SHARED/corpus/dev-attach" ]; then
    echo "attach: no $SHARED/corpus/dev-attach, skipped"
    exit 0
fi
rm -rf "$OUT"
mkdir -p "$OUT"
python3 - "$OUT" "${BENCH_ATTACH_MB:-20}" "$SHARED"/corpus/dev-attach/*.eml <<'PY'
import base64, email, email.policy, os, sys
out, mb, files = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
kinds = {"docx": [], "xlsx": [], "pdf": []}
for f in files:
    m = email.message_from_binary_file(open(f, "rb"), policy=email.policy.compat32)
    for p in m.walk():
        d = p.get_payload(decode=True) if not p.is_multipart() else None
        if not d:
            continue
        if d[:4] == b"PK\x03\x04" and b"word/document.xml" in d: kinds["docx"].append(d)
        elif d[:4] == b"PK\x03\x04" and b"xl/workbook.xml" in d: kinds["xlsx"].append(d)
        elif b"%PDF-" in d[:1024]: kinds["pdf"].append(d)
for k, blobs in kinds.items():
    os.makedirs(os.path.join(out, k, "files"))
    os.makedirs(os.path.join(out, k, "mail"))
    total, i = 0, 0
    while blobs and total < mb * 1048576:
        d = blobs[i % len(blobs)]
        name = "f%04d.%s" % (i, k)
        open(os.path.join(out, k, "files", name), "wb").write(d)
        b64 = base64.encodebytes(d).decode()
        open(os.path.join(out, k, "mail", name + ".eml"), "w").write(
            "Subject: bench\nMIME-Version: 1.0\nContent-Type: application/octet-stream; name=%s\n"
            "Content-Transfer-Encoding: base64\n\n%s" % (name, b64))
        total += len(d)
        i += 1
PY
for k in docx xlsx pdf; do
    n=$(ls $OUT/$k/files | wc -l)
    [ "$n" -gt 0 ] || continue
    mb=$(du -cb $OUT/$k/files/* | tail -n 1 | awk '{printf "%.1f", $1/1048576}')
    t0=$(date +%s.%N)
    PIIGUARD_PDFTOTEXT=${PIIGUARD_PDFTOTEXT:-pdftotext} $PIN ./piiguard scan --json $OUT/$k/mail/*.eml >/dev/null
    t1=$(date +%s.%N)
    if [ "$k" = pdf ]; then
        for f in $OUT/$k/files/*; do $PIN pdftotext -raw -enc UTF-8 "$f" - 2>/dev/null | $PIN grep -c 4532 >/dev/null; done
        base="pdftotext FILE - | grep -c X"
    else
        for f in $OUT/$k/files/*; do $PIN unzip -p "$f" 2>/dev/null | $PIN grep -c 4532 >/dev/null; done
        base="unzip -p FILE | grep -c X"
    fi
    t2=$(date +%s.%N)
    python3 -c "
mb=$mb; a=$t1-$t0; b=$t2-$t1
print('attach-$k: piiguard %.1f MB/s, baseline (%s) %.1f MB/s, ratio %.2f (%d files, %.1f MB)' % (mb/a, '$base', mb/b, b/a, $n, mb))"
done
n=$(ls "$SHARED"/corpus/dev-attach/*.eml | wc -l)
t0=$(date +%s.%N)
$PIN ./piiguard scan --json "$SHARED"/corpus/dev-attach/*.eml >/dev/null
t1=$(date +%s.%N)
python3 -c "print('attach-mix: %.0f messages/s (dev-attach, %d messages with office, PDF and archive attachments)' % ($n/($t1-$t0), $n))"
rm -rf "$OUT"
