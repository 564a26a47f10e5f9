#!/usr/bin/env bash
# allot round on tests/data/round/korea: the Korea 2026 rubric's shape
# (benchmarks 10/20/10 with per-item logs for kmmlu and own, experts 35,
# users 25 by Bradley-Terry, the from-scratch gate, 3 finalists, tie rule
# part users) on made-up data (gen.sh).  Checks the decision, the strata
# of the joint bootstrap, determinism and an audit round trip.
set -u
: "${ALLOT:?ALLOT must name the allot binary}"
T=${TEST_TMPDIR:-$(mktemp -d)}
K=tests/data/round/korea
fail=0
bad() { echo "FAIL: $*"; fail=1; }

"$ALLOT" round run --dir $K --json >"$T/j1" 2>"$T/err" || bad "run: $(cat "$T/err")"
"$ALLOT" round run --dir $K --json >"$T/j2" 2>&1 || bad "run 2"
cmp -s "$T/j1" "$T/j2" || bad "two runs differ"
j() { jq -r "$1" "$T/j1"; }
[ "$(j '.strata | map("\(.name)=\(.units)") | join(" ")')" = \
  "panel=5 voters=10 items:kmmlu=20 items:own=20" ] || bad "strata: $(j .strata)"
[ "$(j '.out | join(",")')" = "team-c,team-e" ] || bad "out: $(j .out)"
[ "$(j '.finalists | join(",")')" = "team-a,team-b,team-d" ] || bad "finalists"
[ "$(j '.teams[4].gates_failed')" = "from-scratch" ] || bad "team-e gate"
[ "$(j '.inputs | length')" = 19 ] || bad "inputs: $(j '.inputs | length')"
j .decision | grep -q "^team-e: out, gate failed; team-c: out, team-c and team-a not separable .*tie rule part users" ||
	bad "decision: $(j .decision)"
# raw scores from the files: kmmlu and own are the item means, common the
# mean of mmlu, arc_challenge and hellaswag (0.75 + 0.65 + 0.78) / 3
[ "$(j '.teams[0].raw[0]')" = 0.75 ] || bad "team-a kmmlu"
[ "$(j '.teams[0].raw[1] * 10000 | round')" = 7267 ] || bad "team-a common"
[ "$(j '.teams[0].raw[3]')" = 8 ] || bad "team-a experts"
# every gate passer's P(last) sums to 1
[ "$(j '[.teams[] | select(.gate) | .p_last] | add * 1e9 | round')" = 1000000000 ] ||
	bad "P(last) sum"

L=$T/audit.jsonl
"$ALLOT" round run --dir $K --audit "$L" --time 1768003200 >/dev/null 2>&1 || bad "audit run"
out=$("$ALLOT" round replay --audit "$L" --seq 1 --dir $K 2>&1) || bad "replay: $out"
echo "$out" | grep -q "^replayed seq 1: same decision" || bad "replay: $out"
exit $fail
