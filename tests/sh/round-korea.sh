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
# (no jq: the output is canonical, so plain patterns do)
has() { grep -q -- "$1" "$T/j1" || bad "${2:-$1} not in the output"; }
has '"strata":\[{"name":"panel","units":5},{"name":"voters","units":10},{"name":"items:kmmlu","units":20},{"name":"items:own","units":20}\]' strata
has '"out":\["team-c","team-e"\]'
has '"finalists":\["team-a","team-b","team-d"\]'
has '"name":"team-e","gate":false,"gates_failed":"from-scratch"'
[ "$(grep -o '{"name":"[^"]*","sha256":"[0-9a-f]*"}' "$T/j1" | wc -l)" -eq 19 ] || bad "19 inputs"
has '"decision":"team-e: out, gate failed; team-c: out, team-c and team-a not separable .*: tie rule part users' decision
# raw scores from the files: kmmlu and own are the item means, common the
# mean of mmlu, arc_challenge and hellaswag (0.75 + 0.65 + 0.78) / 3,
# experts the panel mean 8
has '"name":"team-a","gate":true,"gates_failed":"","raw":\[0\.75,0\.726666666666666[0-9]*,0\.69999999999999996,8,' "team-a raw"
# the gate passers' P(last) sum to 1
sum=$(grep -o '"p_last":[-0-9.e]*' "$T/j1" | cut -d: -f2 | awk '{s += $1} END {printf "%.9f", s}')
[ "$sum" = 1.000000000 ] || bad "P(last) sum $sum"

L=$T/audit.jsonl
"$ALLOT" round run --dir $K --audit "$L" --time 1768003200 >/dev/null 2>&1 || bad "audit run"
out=$("$ALLOT" round replay --audit "$L" --seq 1 --dir $K 2>&1) || bad "replay: $out"
echo "$out" | grep -q "^replayed seq 1: same decision" || bad "replay: $out"
exit $fail
