#!/usr/bin/env bash
# allot report end to end on the hand-made run directory
# tests/data/report/run1: the terminal summary's figures, the page written
# to DIR/report.html or -o FILE (self-contained, byte-identical on a second
# run, no temporary file left), --json, a broken line (exit 65 with
# FILE:LINE: field, no page written), a directory without files (every
# section "no data"), and usage errors.
set -u
A=${ALLOT:?ALLOT must name the allot binary}
T=${TEST_TMPDIR:-$(mktemp -d)}
fail() { echo "FAIL: $*"; exit 1; }
F=tests/data/report/run1

cp -r "$F" "$T/run" || fail "copy the fixture"
out=$($A report "$T/run") || fail "report: exit $?"
[ -s "$T/run/report.html" ] || fail "no $T/run/report.html"
for k in '^allot report: korea-2026, 2025-08-01 to 2027-08-01, 12480 GPUs$' \
	'^finalists       lg, skt$' \
	'^  p2           2026-02-01 2026-07-31     1024     1024        0        0        0      768$' \
	'^open call       159 of 514 proposals awarded \(30\.9 %\), 4224 of 13712 GPUs \(30\.8 %\)$' \
	'^utilisation     81\.5 % \(summary\.json\); 70\.3 % of site capacity allocated$' \
	'^idle reclaimed  48 GPUs; 2 reclaims of 6 servers, 2 warnings, 1 readmissions$' \
	'^budget          drawn 250\.0 billion of 1\.00 trillion won \(25\.0 %\)$' \
	"^report          $T/run/report.html\$"; do
	echo "$out" | grep -Eq "$k" || fail "no line matching $k in: $out"
done

# -o FILE, twice: the same bytes; nothing from the network; no .tmp left.
$A report "$F" -o "$T/a.html" > /dev/null || fail "-o a"
$A report "$F" -o "$T/b.html" > /dev/null || fail "-o b"
cmp -s "$T/a.html" "$T/b.html" || fail "two runs differ"
$A report "$T/run" -o "$T/d.html" > /dev/null || fail "-o d"
cmp -s "$T/d.html" "$T/run/report.html" || fail "-o and the default differ"
[ -e "$T/a.html.tmp" ] && fail "temporary file left"
grep -Eiq '<script|<link|<img|<iframe|(src|href) *=|url\(' "$T/a.html" && fail "page loads something"
grep -q 'http' "$T/a.html" && fail "page names a URL"
[ "$(grep -c '<svg ' "$T/a.html")" -eq 9 ] || fail "not 9 charts"

# --json: one object naming the page.
$A report "$F" -o "$T/c.html" --json > "$T/s.json" || fail "--json"
[ "$(wc -l < "$T/s.json")" -eq 1 ] || fail "--json is not one line"
grep -q '"opencall":{"proposals":514,"awarded":159,"acceptance_pct":30.93,"asked_gpus":13712,"awarded_gpus":4224,"gpu_pct":30.81}' "$T/s.json" ||
	fail "json opencall: $(cat "$T/s.json")"
grep -q "\"html\":\"$T/c.html\"}\$" "$T/s.json" || fail "json html: $(cat "$T/s.json")"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/s.json" 2> /dev/null ||
	{ command -v python3 > /dev/null && fail "--json is not JSON"; }

# A broken line: exit 65, the place on stderr, no page.
cp -r "$F" "$T/bad"
printf 'round,date,team,score,lo,hi,p_last,gate,out\nr1,2026-01-15,lg,90,85,95,0.1,pass,0\nr1,2026-01-15,nc,x,1,2,0.5,pass,1\n' > "$T/bad/rounds.csv"
err=$($A report "$T/bad" 2>&1 > /dev/null); rc=$?
[ $rc -eq 65 ] || fail "broken line: exit $rc"
echo "$err" | grep -q "^allot report: $T/bad/rounds.csv:3: score: " || fail "broken line: $err"
[ -e "$T/bad/report.html" ] && fail "page written despite the error"
err=$($A report "$T/bad/" 2>&1 > /dev/null)
echo "$err" | grep -q "^allot report: $T/bad/rounds.csv:3: score: " || fail "trailing slash: $err"

# No files at all: every section says "no data".
mkdir "$T/empty"
$A report "$T/empty" > "$T/empty.txt" || fail "empty dir: exit $?"
[ "$(grep -c 'class="nodata">no data (' "$T/empty/report.html")" -eq 9 ] || fail "empty dir sections"
grep -q '^open call       no data$' "$T/empty.txt" || fail "empty summary: $(cat "$T/empty.txt")"

# Usage and missing input.
$A report "$T/none" 2> /dev/null; [ $? -eq 66 ] || fail "missing dir exit"
$A report 2> /dev/null; [ $? -eq 64 ] || fail "no dir exit"
$A report "$F" "$F" 2> /dev/null; [ $? -eq 64 ] || fail "two dirs exit"
$A report "$F" -o 2> /dev/null; [ $? -eq 64 ] || fail "-o without a file exit"
$A report "$F" -o "$T/no/such/dir/x.html" > /dev/null 2>&1; [ $? -eq 74 ] || fail "unwritable output exit"
$A report --help | grep -q '^usage: allot report DIR' || fail "--help"
exit 0
