#!/bin/sh
# corpus/run.sh PIIGUARD SHARED - the shared corpora through `piiguard scan`.
#
# 1. dev/: scored by shared/tools/score.py against truth.jsonl; message-level
#    precision and recall must be >= 0.99 and every type's F1 >= 0.97.
# 2. real/: every file scans (exit 0, one JSON line, within 30 s); the PII
#    hits are listed for review (types and counts only).
# 3. dev-attach/: scored the same way (RULES.md, Attachments): message
#    precision and recall >= 0.99, every type's F1 >= 0.97, and the messages
#    the truth marks incomplete are exactly those reported incomplete.
# 4. real-attach/: 500 hostile real-world attachments (fuzzed, encrypted,
#    bombs, zip64): every one scans with exit 0, one JSON line, within 30 s
#    and under 1 GB of address space.
set -u
PG=$1
SHARED=$2
cd "$(dirname "$0")/../.."
OUT=tests/out
. tests/tally.sh

if [ ! -f "$SHARED/corpus/dev/truth.jsonl" ]; then
    ko "no corpus at $SHARED/corpus (set SHARED=)"
    tally
    exit 1
fi

"$PG" scan --json "$SHARED"/corpus/dev/*.eml >"$OUT/dev.jsonl" 2>"$OUT/dev.err"
python3 "$SHARED/tools/score.py" "$SHARED/corpus/dev/truth.jsonl" "$OUT/dev.jsonl" --strict \
    --json "$OUT/dev-score.json" >"$OUT/dev-score.txt" 2>&1
tail -n 1 "$OUT/dev-score.txt"
if python3 - "$OUT/dev-score.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
m = r["message"]
bad = []
if m["precision"] < 0.99: bad.append("message precision %.3f < 0.99" % m["precision"])
if m["recall"] < 0.99: bad.append("message recall %.3f < 0.99" % m["recall"])
for t, s in sorted(r["types"].items()):
    if s["in_macro"] and s["f1"] < 0.97: bad.append("%s F1 %.3f < 0.97" % (t, s["f1"]))
for b in bad: print("  " + b)
sys.exit(1 if bad else 0)
PY
then ok "dev corpus: precision/recall >= 0.99, every type F1 >= 0.97"
else ko "dev corpus below the bar (see $OUT/dev-score.txt)"; fi

# real/: no crash, no hang, one line per file.
n=0
bad=0
: >"$OUT/real.jsonl"
for f in $(find "$SHARED/corpus/real" -type f ! -name '*.md' ! -name '*.tsv' | sort); do
    n=$((n + 1))
    if ! timeout 30 "$PG" scan --json "$f" >>"$OUT/real.jsonl" 2>>"$OUT/real.err"; then
        bad=$((bad + 1))
        echo "  scan failed (exit $?): $f"
    fi
done
lines=$(wc -l <"$OUT/real.jsonl")
if [ "$bad" -eq 0 ] && [ "$lines" -eq "$n" ]; then ok "real corpus: $n files scanned, no failure"
else ko "real corpus: $bad of $n files failed, $lines result lines"; fi
echo "real corpus PII hits (file: types):"
python3 - "$OUT/real.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["pii"]:
        print("  %s: %s" % (o["file"].split("corpus/real/")[-1], json.dumps(o["types"], sort_keys=True)))
PY

# dev-attach/: attachments by content, scored like dev/.
if [ -f "$SHARED/corpus/dev-attach/truth.jsonl" ]; then
    "$PG" scan --json "$SHARED"/corpus/dev-attach/*.eml >"$OUT/dev-attach.jsonl" 2>"$OUT/dev-attach.err"
    python3 "$SHARED/tools/score.py" "$SHARED/corpus/dev-attach/truth.jsonl" "$OUT/dev-attach.jsonl" --strict \
        --json "$OUT/dev-attach-score.json" >"$OUT/dev-attach-score.txt" 2>&1
    tail -n 1 "$OUT/dev-attach-score.txt"
    if python3 - "$OUT/dev-attach-score.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
m = r["message"]
bad = []
if m["precision"] < 0.99: bad.append("message precision %.3f < 0.99" % m["precision"])
if m["recall"] < 0.99: bad.append("message recall %.3f < 0.99" % m["recall"])
for t, s in sorted(r["types"].items()):
    if s["in_macro"] and s["f1"] < 0.97: bad.append("%s F1 %.3f < 0.97" % (t, s["f1"]))
inc = r.get("incomplete")
if inc is None: bad.append("no incomplete figures")
elif not (inc["expected"] == inc["flagged"] == inc["agree"]): bad.append("incomplete: %r" % (inc,))
for b in bad: print("  " + b)
sys.exit(1 if bad else 0)
PY
    then ok "dev-attach corpus: precision/recall >= 0.99, every type F1 >= 0.97, incomplete exactly as labelled"
    else ko "dev-attach corpus below the bar (see $OUT/dev-attach-score.txt)"; fi
else
    ko "no dev-attach corpus at $SHARED/corpus/dev-attach"
fi

# real-attach/: nothing may crash, hang or blow up.
n=0
bad=0
: >"$OUT/real-attach.jsonl"
for f in "$SHARED"/corpus/real-attach/*.eml; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    if ! (ulimit -v 1048576; timeout 30 "$PG" scan --json "$f") >>"$OUT/real-attach.jsonl" 2>>"$OUT/real-attach.err"; then
        bad=$((bad + 1))
        echo "  scan failed (exit $?): $f"
    fi
done
lines=$(wc -l <"$OUT/real-attach.jsonl")
if [ "$n" -ge 500 ] && [ "$bad" -eq 0 ] && [ "$lines" -eq "$n" ]; then
    ok "real-attach corpus: $n files scanned within 30 s and 1 GB each, no failure"
else
    ko "real-attach corpus: $bad of $n files failed, $lines result lines"
fi
python3 - "$OUT/real-attach.jsonl" <<'PY'
import collections, json, sys
c = collections.Counter()
for line in open(sys.argv[1]):
    o = json.loads(line)
    c[",".join(o.get("incomplete", [])) or "complete"] += 1
print("real-attach outcomes: " + ", ".join("%s %d" % kv for kv in sorted(c.items())))
PY
tally
