#!/bin/sh
# milter_attach_bench.sh - memory of piiguard-milter under large attachments:
# CONNS (default 20) concurrent connections each send messages carrying one
# generated XLSX attachment of ATTACH_MB (default 25) MB (made at run time in
# a temporary directory: a worksheet of inline strings, deflated, one
# synthetic NHS number in its last row) through obj/milter_client over a unix
# socket, MESSAGES in all (default 1000). Prints the milter's peak RSS
# (VmHWM of /proc/PID/status) and its RSS after the first tenth of the
# messages and after all of them. Targets (issue 10): peak under 300 MB, no
# growth between the two RSS figures. Figures only: not a timed test.
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
CONNS=${ATTACH_BENCH_CONNECTIONS:-20}
MB=${ATTACH_BENCH_MB:-25}
MESSAGES=${ATTACH_BENCH_MESSAGES:-1000}
T=$(mktemp -d /tmp/piiguard-abench.XXXXXX) || exit 1
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
sed -e "s|@ROOT@|$ROOT|g" -e "s|@T@|$T|g" tests/bench/milter.toml >"$T/milter.toml"

python3 - "$T/attach.eml" "$MB" <<'PY'
import base64, io, os, random, sys, zipfile
out, mb = sys.argv[1], float(sys.argv[2])
rng = random.Random(10)
want = int(mb * 1048576)
b = io.BytesIO()
with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
    z.writestr("[Content_Types].xml",
               '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
               '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
               '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
               '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
               'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>')
    z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
               '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    # the worksheet: rows of random base64 tokens (the XML compresses about
    # 1.3:1, so the sheet stays inside limits.zip_total_bytes and its text
    # inside limits.attach_bytes) until the archive reaches the wanted size
    with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as w:
        w.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
        w.write(b'<row r="1"><c r="A1" t="inlineStr"><is><t>Reference</t></is></c><c r="B1" t="inlineStr"><is><t>Note</t></is></c></row>')
        row = 2
        while b.tell() < want - 65536:
            chunk = []
            for _ in range(200):
                tok = base64.b64encode(os.urandom(75))
                chunk.append(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c><c r="B%d" t="inlineStr"><is><t>%s</t></is></c></row>'
                             % (row, row, tok[:50], row, tok[50:]))
                row += 1
            w.write(b"".join(chunk))
        w.write(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>NHS number</t></is></c><c r="B%d" t="inlineStr"><is><t>943 476 5919</t></is></c></row>'
                % (row, row, row))
        w.write(b"</sheetData></worksheet>")
data = b.getvalue()
with open(out, "w") as f:
    f.write("From: Alice Sender <alice@sender.example>\nTo: Bob <bob@example.com>\nSubject: staff list\n"
            "Date: Mon, 3 Jun 2024 09:59:58 +0000\nMessage-ID: <attach.bench@sender.example>\nMIME-Version: 1.0\n"
            "Content-Type: multipart/mixed; boundary=\"b0\"\n\n--b0\nContent-Type: text/plain; charset=utf-8\n\n"
            "The list is attached.\n\n--b0\n"
            "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; name=staff.xlsx\n"
            "Content-Disposition: attachment; filename=staff.xlsx\nContent-Transfer-Encoding: base64\n\n")
    f.write(base64.encodebytes(data).decode())
    f.write("--b0--\n")
print("generated %.1f MB XLSX (%.1f MB message)" % (len(data) / 1048576, os.path.getsize(out) / 1048576), file=sys.stderr)
PY
[ -s "$T/attach.eml" ] || { echo "milter-attach: could not generate the message"; exit 1; }

${PIIGUARD_MILTER:-./piiguard-milter} -f -c "$T/milter.toml" -p "unix:$T/piiguard.sock" 2>"$T/piiguard.log" &
PID=$!
n=0
until obj/milter_client --socket "unix:$T/piiguard.sock" --connections 1 --per-connection 1 --seconds 0 >/dev/null 2>&1; do
    n=$((n + 1))
    if [ $n -gt 50 ]; then
        echo "milter-attach: piiguard-milter did not start"
        cat "$T/piiguard.log"
        exit 1
    fi
    sleep 0.1
done
# kb FIELD - a field of /proc/PID/status in KB
kb() { sed -nE "s/^$1:[[:space:]]+([0-9]+) kB/\1/p" "/proc/$PID/status"; }
# send N - N messages over CONNS connections (N/CONNS each); prints the client's line
send() {
    per=$(( ($1 + CONNS - 1) / CONNS ))
    obj/milter_client --socket "unix:$T/piiguard.sock" --message-file "$T/attach.eml" \
        --connections "$CONNS" --per-connection "$per" --seconds 0 2>&1
}
first=$((MESSAGES / 10))
[ "$first" -lt "$CONNS" ] && first=$CONNS
rc=0
t0=$(date +%s)
out1=$(send "$first") || rc=1
rss1=$(kb VmRSS)
out2=$(send $((MESSAGES - first))) || rc=1
t1=$(date +%s)
rss2=$(kb VmRSS)
hwm=$(kb VmHWM)
echo "milter-attach client: $out1"
echo "milter-attach client: $out2"
python3 - "$hwm" "$rss1" "$rss2" "$CONNS" "$MB" "$first" "$MESSAGES" "$((t1 - t0))" <<'PY'
import sys
hwm, r1, r2 = (int(x) / 1024 for x in sys.argv[1:4])
conns, mb, first, total, secs = sys.argv[4:9]
print("milter-attach: peak RSS %.0f MB (VmHWM) with %s concurrent %s MB XLSX attachments (target < 300 MB); "
      "RSS %.0f MB after %s messages, %.0f MB after %s (%+.0f MB); %s s" % (hwm, conns, mb, r1, first, r2, total, r2 - r1, secs))
PY
grep -q 'uk_nhs\|hipaa' "$T/piiguard.log" || { echo "milter-attach: piiguard-milter reported no NHS number (log below)"; tail -n 3 "$T/piiguard.log"; rc=1; }
exit $rc
