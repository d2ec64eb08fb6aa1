#!/bin/sh
# bench/run.sh - `make bench`: throughput figures beside baselines measured in
# the same run, on one core (taskset -c 0 when available). The machine is
# shared and noisy: compare the ratios, not the absolute figures. The daemon
# figures (policy, milter, postfix-e2e) use both cores, client and server.
set -u
cd "$(dirname "$0")/../.."
OUT=tests/out
mkdir -p $OUT
PIN=""
command -v taskset >/dev/null 2>&1 && PIN="taskset -c 0"
MB=${BENCH_MB:-64}
echo "== piiguard bench (single core, ${MB} MB of generated mail-like text)"
$PIN obj/scan_bench --rules rules --mb "$MB" --text-out $OUT/bench-text.txt
# Read floor: grep -F -c of a string that is not in the text (best of 3).
best=""
for i in 1 2 3; do
    t=$( { /usr/bin/env time -f %e $PIN grep -F -c 'absent-string-xyzzy' $OUT/bench-text.txt >/dev/null; } 2>&1 | tail -n 1)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l 2>/dev/null || python3 -c "print(int($t < $best))")" = 1 ]; then best=$t; fi
done
python3 -c "import os; s=os.path.getsize('$OUT/bench-text.txt')/1048576; t=max($best, 0.001); print('grep-F-floor: %.0f MB/s (grep -F -c of an absent string, %.1f MB)' % (s/t, s))"
rm -f $OUT/bench-text.txt
# audit report: MB/s of a generated Postfix log (JSON Lines out), peak memory.
python3 tests/audit/genlog.py "$MB" >$OUT/bench-mail.log
/usr/bin/env time -f '%e %M' -o $OUT/bench-audit.time $PIN ./piiguard audit report --format json $OUT/bench-mail.log >/dev/null
python3 -c "import os; s=os.path.getsize('$OUT/bench-mail.log')/1048576; t, kb = open('$OUT/bench-audit.time').read().split()[-2:]; print('audit-report: %.0f MB/s (%.1f MB of mail log, peak RSS %d MB)' % (s/max(float(t), 0.001), s, int(kb)//1024))"
rm -f $OUT/bench-mail.log $OUT/bench-audit.time
# policy daemon: requests/s, unix and inet sockets (tests/bench/policy_bench.sh).
sh tests/bench/policy_bench.sh
# attachments: DOCX/XLSX/PDF MB/s beside unzip/pdftotext baselines (tests/bench/attach_bench.sh).
sh tests/bench/attach_bench.sh
# milter protocol: piiguard-milter beside a no-op libmilter milter, same client.
sh tests/bench/milter_bench.sh
# milter memory: 20 concurrent 25 MB XLSX attachments, peak RSS and growth (tests/bench/milter_attach_bench.sh).
sh tests/bench/milter_attach_bench.sh
# end to end: smtp-source -> Postfix + milter -> smtp-sink, piiguard vs no-op.
sh tests/bench/postfix_bench.sh
