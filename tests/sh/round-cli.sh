#!/usr/bin/env bash
# allot round end to end on the hand-made round in tests/data/round/basic:
# the table and --json (byte-identical twice), --audit then replay (same
# decision), an edited input named by replay, a tampered audit entry
# caught by `allot audit verify` and by replay, a logged decision that
# differs from the recomputed one, and hostile inputs: each a clear error
# naming the place, non-zero exit, nothing appended to the audit log.
set -u
: "${ALLOT:?ALLOT must name the allot binary}"
T=${TEST_TMPDIR:-$(mktemp -d)}
B=tests/data/round/basic
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# -- the table ------------------------------------------------------------
out=$("$ALLOT" round run --dir $B 2>"$T/err") || bad "run: $(cat "$T/err")"
echo "$out" | grep -Eq '^alpha +72\.77 +\[[0-9.]+, [0-9.]+\] +0\.000 +1 +pass +stays$' ||
	bad "alpha row: $out"
echo "$out" | grep -Eq '^beta +51\.23 .* 3 +pass +out$' || bad "beta row: $out"
echo "$out" | grep -Eq '^gamma +57\.50 .* 2 +pass +stays$' || bad "gamma row: $out"
echo "$out" | grep -Eq '^delta +87\.12 .* - +- +FAIL +out$' || bad "delta row: $out"
echo "$out" | grep -q '^decision: delta: out, gate failed; beta: out' ||
	bad "decision: $out"
echo "$out" | grep -Eq '^gamma +0\.75 \(0\.22\) +5 \(0\.5\) +0\.4 \(0\.12\)$' ||
	bad "parts row: $out"

# -- --json: deterministic ------------------------------------------------
"$ALLOT" round run --rubric $B/rubric.txt --dir $B --json >"$T/j1" || bad "json 1"
"$ALLOT" round run --rubric $B/rubric.txt --dir $B --json >"$T/j2" || bad "json 2"
cmp -s "$T/j1" "$T/j2" || bad "two --json runs differ"
# (no jq: the output is canonical, so plain patterns do)
ninputs() { grep -o '{"name":"[^"]*","sha256":"[0-9a-f]*"}' "$1" | wc -l; }
grep -q '"finalists":\["alpha","gamma"\]' "$T/j1" || bad "json finalists: $(cat "$T/j1")"
grep -q '"name":"delta","gate":false,[^}]*"score":87.125,' "$T/j1" || bad "json delta score"
[ "$(ninputs "$T/j1")" -eq 12 ] || bad "json inputs"

# -- audit and replay ------------------------------------------------------
R=$T/round
cp -r $B "$R"
L=$T/audit.jsonl
"$ALLOT" round run --dir "$R" --audit "$L" --time 1767225600 >/dev/null 2>"$T/err" ||
	bad "run --audit: $(cat "$T/err")"
grep -q "audit: $L: seq 1, hash [0-9a-f]\{64\}" "$T/err" || bad "audit note: $(cat "$T/err")"
[ "$(wc -l <"$L")" -eq 1 ] || bad "one entry expected"
"$ALLOT" audit verify "$L" >/dev/null || bad "verify after run"
grep -q '"kind":"round","policy":"round:test-r1@1"' "$L" || bad "kind and policy"
[ "$(ninputs "$L")" -eq 12 ] || bad "inputs logged"
# the payload is the --json output, byte for byte (escaped as a string)
esc=$(sed 's/\\/\\\\/g; s/"/\\"/g' "$T/j1")
grep -qF "\"payload\":\"$esc\"" "$L" || bad "payload != --json"
out=$("$ALLOT" round replay --audit "$L" --seq 1 --dir "$R" 2>&1)
[ $? -eq 0 ] || bad "replay: $out"
echo "$out" | grep -q '^replayed seq 1: same decision' || bad "replay output: $out"
out=$("$ALLOT" round replay --audit "$L" --seq 1 --dir "$R" --rubric $B/rubric.txt 2>&1) ||
	bad "replay --rubric: $out"
# a second round appended: seq 2, chain intact, both replay
"$ALLOT" round run --dir "$R" --audit "$L" --time 1767225700 >/dev/null 2>&1 || bad "run 2"
"$ALLOT" audit verify "$L" | grep -q '^ok: 2 entries' || bad "verify 2"
"$ALLOT" round replay --audit "$L" --seq 2 --dir "$R" >/dev/null || bad "replay seq 2"

# a different rubric file
sed 's/seed 7/seed 8/' $B/rubric.txt >"$T/rubric8.txt"
out=$("$ALLOT" round replay --audit "$L" --seq 1 --dir "$R" --rubric "$T/rubric8.txt" 2>&1)
[ $? -eq 1 ] || bad "replay with another rubric: exit 0"
echo "$out" | grep -q "rubric $T/rubric8.txt changed: logged sha256 [0-9a-f]\{64\}, now [0-9a-f]\{64\}" ||
	bad "rubric change message: $out"

# one byte of an input edited: replay names it and both hashes
cp -r "$R" "$T/edited"
sed -i '2s/alpha$/beta/' "$T/edited/votes.csv"
old=$(sed -n 's/.*{"name":"votes.csv","sha256":"\([0-9a-f]*\)"}.*/\1/p' "$T/j1")
[ ${#old} -eq 64 ] || bad "votes.csv hash in the json: $old"
new=$(sha256sum "$T/edited/votes.csv" | cut -d' ' -f1)
out=$("$ALLOT" round replay --audit "$L" --seq 1 --dir "$T/edited" 2>&1)
[ $? -eq 1 ] || bad "replay of an edited input: exit not 1: $out"
echo "$out" | grep -q "input votes.csv changed: logged sha256 $old, now $new" ||
	bad "edited input message: $out"
# a removed input
rm "$T/edited/results/beta/samples_toy_2026-01-10T00-00-00.jsonl"
out=$("$ALLOT" round replay --audit "$L" --seq 1 --dir "$T/edited" 2>&1)
[ $? -eq 1 ] || bad "replay with a missing input: exit not 1"
echo "$out" | grep -q "input results/beta/samples_toy_2026-01-10T00-00-00.jsonl: cannot be read" ||
	bad "missing input message: $out"

# a file read now that was not logged (a new results file)
cp -r "$R" "$T/extra"
printf '{"results": {"other": {"acc,none": 0.1}}}' >"$T/extra/results/alpha/extra.json"
out=$("$ALLOT" round replay --audit "$L" --seq 1 --dir "$T/extra" 2>&1)
[ $? -eq 1 ] || bad "replay with an extra input: exit not 1: $out"
echo "$out" | grep -q "input results/alpha/extra.json is read now but was not logged" ||
	bad "extra input message: $out"

# a tampered entry: audit verify and replay both fail naming it
sed 's/beta\\",\\"delta/gamma\\",\\"delta/' "$L" >"$T/tampered"
cmp -s "$L" "$T/tampered" && bad "tamper did not change the log"
out=$("$ALLOT" audit verify "$T/tampered" 2>&1)
[ $? -eq 65 ] || bad "verify tampered: exit not 65"
echo "$out" | grep -q "entry 1 (seq 1): edited" || bad "verify tampered: $out"
out=$("$ALLOT" round replay --audit "$T/tampered" --seq 1 --dir "$R" 2>&1)
[ $? -eq 65 ] || bad "replay tampered: exit not 65: $out"
echo "$out" | grep -q "the audit log does not verify: entry 1 (seq 1): edited" ||
	bad "replay tampered: $out"

# a validly chained entry whose decision differs from the recomputed one
payload=$(sed 's/"out":\["beta","delta"\]/"out":["gamma","delta"]/' "$T/j1")
args=()
for n in $(grep -o '{"name":"[^"]*","sha256"' "$T/j1" | sed 's/{"name":"\(.*\)","sha256"/\1/'); do
	args+=(--input "$n=$R/$n")
done
[ ${#args[@]} -eq 24 ] || bad "forged: ${#args[@]} input args"
L2=$T/forged.jsonl
"$ALLOT" audit append "$L2" --kind round --policy "round:test-r1@1" --time 5 \
	--payload "$payload" "${args[@]}" >/dev/null || bad "forged append"
out=$("$ALLOT" round replay --audit "$L2" --seq 1 --dir "$R" 2>&1)
[ $? -eq 1 ] || bad "replay of a forged decision: exit not 1: $out"
echo "$out" | grep -q "different decision" || bad "forged: $out"
echo "$out" | grep -q 'logged: .*"out":\["gamma"' || bad "forged difference: $out"
# replay of an entry that is not a round
"$ALLOT" audit append "$L2" --kind award --policy x --payload '{}' >/dev/null
out=$("$ALLOT" round replay --audit "$L2" --seq 2 --dir "$R" 2>&1)
[ $? -eq 65 ] || bad "replay of an award"
echo "$out" | grep -q "seq 2 is a award decision, not a round" || bad "award: $out"
out=$("$ALLOT" round replay --audit "$L2" --seq 9 --dir "$R" 2>&1)
[ $? -eq 66 ] || bad "replay of a missing seq: $out"

# -- more files than an audit entry holds (64): one input per results/TEAM/
# directory, the hash of its manifest; replay still names the file
M=$T/many
mkdir -p "$M/results"
printf 'rubric many\npart bench 1 source results task=toy metric=acc norm minmax\nfinalists 5\ntie point\nbootstrap reps 50\n' >"$M/rubric.txt"
echo team >"$M/teams.csv"
for t in 0 1 2 3 4 5 6 7 8 9; do
	echo "t$t" >>"$M/teams.csv"
	mkdir "$M/results/t$t"
	printf '{"results": {"toy": {"acc,none": 0.%s}}}' "$t" >"$M/results/t$t/a.json"
	for k in 1 2 3 4 5; do
		printf '{"results": {"other%s": {"acc,none": 0.5}}}' "$k" >"$M/results/t$t/b$k.json"
	done
	printf '{"doc_id": 0, "acc": 0.%s}\n{"doc_id": 1, "acc": 0.%s}\n' "$t" "$t" \
		>"$M/results/t$t/samples_toy_2026.jsonl"
done
LM=$T/many.jsonl
"$ALLOT" round run --dir "$M" --audit "$LM" >/dev/null 2>"$T/err" || bad "many: $(cat "$T/err")"
[ "$(ninputs "$LM")" -eq 11 ] || bad "many: inputs: $(ninputs "$LM")"
m=$(cd "$M" && LC_ALL=C; for f in results/t0/*; do printf '%s  %s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$f"; done | sha256sum | cut -d' ' -f1)
grep -q "\"inputs\":\[{\"name\":\"results/t0/\",\"sha256\":\"$m\"}" "$LM" ||
	bad "many: the first input is not results/t0/ with its manifest hash $m"
[ "$(grep -o '{\\"name\\":\\"[^\\]*\\",\\"sha256\\"' "$LM" | wc -l)" -eq 71 ] ||
	bad "many: payload files"
"$ALLOT" round replay --audit "$LM" --seq 1 --dir "$M" >/dev/null || bad "many: replay"
printf '{"results": {"other3": {"acc,none": 0.6}}}' >"$M/results/t3/b3.json"
out=$("$ALLOT" round replay --audit "$LM" --seq 1 --dir "$M" 2>&1)
[ $? -eq 1 ] || bad "many: edited file: exit not 1"
echo "$out" | grep -q "input results/t3/b3.json changed: logged sha256 [0-9a-f]\{64\}, now" ||
	bad "many: edited file: $out"

# -- hostile inputs: clear error, non-zero exit, nothing appended ----------
cp "$L" "$T/log-before"
hostile() { # description, expected exit, expected message; edits done in $H
	local what=$1 want=$2 msg=$3 rc
	out=$("$ALLOT" round run --dir "$H" --audit "$L" 2>&1)
	rc=$?
	[ $rc -eq "$want" ] || bad "$what: exit $rc, want $want: $out"
	echo "$out" | grep -qF -- "$msg" || bad "$what: expected '$msg', got: $out"
	cmp -s "$L" "$T/log-before" || bad "$what: the audit log changed"
}
fresh() { rm -rf "$T/h"; cp -r $B "$T/h"; H=$T/h; }

fresh; echo "v1,beta,alpha,beta" >>"$H/votes.csv"
hostile "duplicate vote" 65 "h/votes.csv:22: voter: duplicate vote"
fresh; echo "v7,alpha,omega,alpha" >>"$H/votes.csv"
hostile "unknown team in votes" 65 "h/votes.csv:22: model_b"
fresh; echo "e1,alpha,style,nan" >>"$H/panel.csv"
hostile "NaN panel score" 65 "h/panel.csv:14: score"
fresh; echo "e4,alpha,quality,11" >>"$H/panel.csv"
hostile "out-of-range panel score" 65 "h/panel.csv:14: score"
fresh; echo "e4,omega,quality,5" >>"$H/panel.csv"
hostile "unknown team in panel" 65 "h/panel.csv:14: team"
fresh; f=$H/results/alpha/results_2026-01-10T00-00-00.json
head -c 60 "$f" >"$f.cut" && mv "$f.cut" "$f"
hostile "truncated results JSON" 65 "alpha/results_2026-01-10T00-00-00.json:1:"
fresh; f=$H/results/beta/samples_toy_2026-01-10T00-00-00.jsonl
head -c 70 "$f" >"$f.cut" && mv "$f.cut" "$f"
hostile "truncated samples JSONL" 65 "beta/samples_toy_2026-01-10T00-00-00.jsonl:2:"
fresh; echo "omega,scratch,yes" >>"$H/gates.csv"
hostile "gate for an unknown team" 65 "h/gates.csv:6: team: unknown team \"omega\" (not in teams.csv)"
fresh; echo "alpha,licence,yes" >>"$H/gates.csv"
hostile "unknown gate" 65 "h/gates.csv:6: gate: unknown gate \"licence\""
fresh; sed -i '/^gamma/d' "$H/gates.csv"
hostile "missing gate row" 65 "no row for team gamma, gate scratch"
fresh; echo "alpha,scratch,no" >>"$H/gates.csv"
hostile "duplicate gate row" 65 "scratch of alpha given twice (line 2)"
fresh; sed -i 's/^part bench   40/part bench   0/' "$H/rubric.txt"
hostile "zero weight" 65 "rubric.txt:3: weight: bench: expected a number > 0"
fresh; sed -i 's/task=toy/task=toy,absent/' "$H/rubric.txt"
hostile "task absent from results" 65 "team alpha: no task absent with metric acc,none in its results"
fresh; rm -r "$H/results/gamma"
hostile "team without results" 66 "team gamma: a part reads results: "
fresh; sed -i '/,delta,/d' "$H/votes.csv"
hostile "team without votes" 65 "votes: team delta has no votes"
fresh; rm "$H/results/gamma/samples_toy_2026-01-10T00-00-00.jsonl"
hostile "samples for some teams only" 65 "samples of task toy for team alpha but none for team gamma"
fresh; echo "delta" >>"$H/teams.csv"
hostile "team listed twice" 65 "teams.csv:6: team: delta listed twice"
fresh; sed -i 's/^e3,beta,quality,7$/e3,beta,quality,7\ne3,beta,quality,6/' "$H/panel.csv"
hostile "duplicate panel score" 65 "h/panel.csv:8"
fresh; mkdir "$H/votes"
hostile "votes.csv and votes/" 65 "both votes.csv and votes/"

# -- usage ----------------------------------------------------------------
usage() { "$ALLOT" round "$@" >/dev/null 2>&1; [ $? -eq 64 ] || bad "usage: round $*"; }
usage
usage walk
usage run
usage run --dir $B --frobnicate
usage run --dir $B --time soon
usage replay --dir $B
usage replay --audit "$L" --seq 0 --dir $B
"$ALLOT" round run --dir "$T/nowhere" >/dev/null 2>&1
[ $? -eq 66 ] || bad "missing round directory: not 66"
exit $fail
