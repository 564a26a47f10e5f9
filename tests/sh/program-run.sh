#!/usr/bin/env bash
# `allot run korea-2026` end to end at a twentieth of its size: the
# summary, --json, --out (the report's files, audit.jsonl, report.html),
# the audit chain verified and a tampered entry caught, determinism, the
# built-in scenario printed and run again from the file, and broken
# scenario files named by line.
set -u
A=${ALLOT:?ALLOT must name the allot binary}
T=${TEST_TMPDIR:-$(mktemp -d)}
fail() { echo "FAIL: $*"; exit 1; }

out=$($A run korea-2026 --scale 0.05 --out "$T/a") || fail "run: exit $?"
for k in '^allot run korea-2026: 2025-08-01 \.\. 2027-08-01, seed 1$' \
	'^program      sovereign-ai \(competition\): budget 350\.0 bn won' \
	'^  round r1     2026-01-15 \(published scores\): naver 75\.5 \(gate failed\) OUT, skt 80\.5, upstage 79\.9, nc-ai 72\.4 OUT, lg 90\.2,$' \
	'^  round r2     2026-08-17 \(quality model\)' \
	'^  finalists  [a-z-]+, [a-z-]+$' \
	'^open call    call-2026a: 26 proposals asked 688 GPUs' \
	'^idle         [0-9]+ warnings, [0-9]+ reclaims, [0-9]+ GPUs reclaimed' \
	'^utilisation  [0-9.]+ % of GPU capacity' \
	'^audit        [0-9]+ decisions, hash chained$' \
	"^report       $T/a/report.html"; do
	echo "$out" | grep -Eq "$k" || fail "no line matching $k: $out"
done
for f in summary.json tenants.csv gpus_by_tenant.csv capacity_by_site.csv waits.csv \
	rounds.csv phases.csv opencall.csv reclaim.csv budget.csv audit.jsonl report.html; do
	[ -s "$T/a/$f" ] || fail "$f missing or empty"
done
# The report loads nothing from anywhere.
grep -Eq '<script|src="http|href="http|@import' "$T/a/report.html" && fail "report.html loads something"
$A report "$T/a" -o "$T/r2.html" > /dev/null || fail "allot report on the run"
cmp -s "$T/a/report.html" "$T/r2.html" || fail "allot report differs from run --out's report"

# The decisions hold as a chain; one edited byte is named.
$A audit verify "$T/a/audit.jsonl" > /dev/null || fail "audit verify"
sed '3s/B200\\",24/B200\\",240/' "$T/a/audit.jsonl" > "$T/bad.jsonl"
cmp -s "$T/a/audit.jsonl" "$T/bad.jsonl" && fail "tampering changed nothing"
err=$($A audit verify "$T/bad.jsonl" 2>&1)
[ $? -eq 65 ] || fail "tampered log: want exit 65 ($err)"
case $err in *"entry 3"*) ;; *) fail "tampered log not named: $err" ;; esac

# --json: one object; the same run twice gives the same files.
$A run korea-2026 --scale 0.05 --json > "$T/j.json" || fail "json run"
[ "$(wc -l < "$T/j.json")" -eq 1 ] || fail "--json is not one line"
for k in '"scenario":"korea-2026"' '"finalists":\["[a-z-]+","[a-z-]+"\]' '"jobs":\{"generated":[0-9]+' \
	'"utilisation_pct":[0-9.]+' '"audit_head":"[0-9a-f]{64}"'; do
	grep -Eq "$k" "$T/j.json" || fail "json lacks $k: $(cut -c1-300 "$T/j.json")"
done
cmp -s "$T/j.json" "$T/a/summary.json" || fail "summary.json differs from --json"
$A run korea-2026 --scale 0.05 --out "$T/b" > /dev/null || fail "second run"
for f in summary.json gpus_by_tenant.csv rounds.csv phases.csv budget.csv audit.jsonl; do
	cmp -s "$T/a/$f" "$T/b/$f" || fail "$f differs between two runs"
done
# The report names its folder; nothing else differs.
sed '/written by allot report from/d' "$T/a/report.html" > "$T/ra.html"
sed '/written by allot report from/d' "$T/b/report.html" > "$T/rb.html"
cmp -s "$T/ra.html" "$T/rb.html" || fail "report.html differs between two runs"
$A run korea-2026 --scale 0.05 --seed 2 --json > "$T/s2.json" || fail "seed 2"
cmp -s "$T/j.json" "$T/s2.json" && fail "seeds 1 and 2 gave the same run"

# The built-in scenario as a file runs the same.
$A run --print-scenario > "$T/k.scn" || fail "--print-scenario"
grep -q '^scenario korea-2026$' "$T/k.scn" || fail "printed scenario"
$A run "$T/k.scn" --scale 0.05 --json > "$T/f.json" || fail "run FILE"
cmp -s "$T/j.json" "$T/f.json" || fail "the printed scenario runs differently"

# Broken files: FILE:LINE: field: reason, exit 65; usage errors exit 64.
sed 's/^round sovereign-ai r2 2026-08-17/round sovereign-ai r2 2026-13-17/' "$T/k.scn" > "$T/bad.scn"
line=$(grep -n '2026-13-17' "$T/bad.scn" | cut -d: -f1)
err=$($A run "$T/bad.scn" 2>&1)
[ $? -eq 65 ] || fail "bad date: exit ($err)"
[ "$err" = "allot run: $T/bad.scn:$line: date: expected a date YYYY-MM-DD, got \"2026-13-17\"" ] ||
	fail "bad date said: $err"
printf 'scenario x\nstart 2026-01-01\nend 2026-06-01\npool gen:nodes=4\nprogram p reserved\ntenant a program p\ngrant a H100 8\n' > "$T/m.scn"
err=$($A run "$T/m.scn" 2>&1)
[ $? -eq 65 ] || fail "unknown model: exit ($err)"
case $err in *"m.scn:7: model: no such model in the pool \"H100\""*) ;; *) fail "unknown model said: $err" ;; esac
err=$($A run "$T/nope.scn" 2>&1)
[ $? -ne 0 ] || fail "missing file ran"
err=$($A run korea-2026 --scale 0 2>&1 >/dev/null)
[ $? -eq 64 ] || fail "--scale 0: want 64"
err=$($A run korea-2026 --bogus 2>&1 >/dev/null)
[ $? -eq 64 ] || fail "--bogus: want 64"
exit 0
