#!/usr/bin/env bash
# `allot sim` policy options: usage errors exit 64 with a message, a bad
# grants or events file names FILE:LINE: field and exits 65, --help lists
# every option, and --first-fit stays an alias of --order first-fit.
set -u
: "${ALLOT:?ALLOT must name the allot binary}"
D=tests/data/sim
P=tests/data/sim/policy
fail=0
err=$TEST_TMPDIR/err
base=(--trace $P/reclaim.philly.csv --format philly --pool $P/one-node-8gpu.pool)

run() { # expected status, message fragment, then arguments
	local want=$1 msg=$2
	shift 2
	"$ALLOT" sim "$@" >"$TEST_TMPDIR/out" 2>"$err"
	local rc=$?
	[ $rc -eq "$want" ] || { echo "allot sim $*: exit $rc, want $want"; cat "$err"; fail=1; }
	grep -qF -- "$msg" "$err" || { echo "allot sim $*: message lacks \"$msg\":"; cat "$err"; fail=1; }
	[ "$want" -eq 0 ] || [ ! -s "$TEST_TMPDIR/out" ] || { echo "allot sim $*: output despite the error"; fail=1; }
}
run 64 "--order: unknown order \"lifo\"" "${base[@]}" --order lifo
run 64 "--grants needs --order priority" "${base[@]}" --grants $P/reclaim.grants.csv
run 64 "--backfill needs --order priority" "${base[@]}" --order first-fit --backfill 2
run 64 "--no-reclaim needs --order priority" "${base[@]}" --no-reclaim
run 64 "--half-life needs --order priority" "${base[@]}" --half-life 3
run 64 "--time-limit-factor needs --order priority" "${base[@]}" --time-limit-factor 2
run 64 "--first-fit contradicts --order priority" "${base[@]}" --order priority --first-fit
run 64 "--backfill: expected reservations per pass" "${base[@]}" --order priority --backfill -1
run 64 "--half-life: expected days" "${base[@]}" --order priority --half-life x
run 64 "--time-limit-factor: expected a number" "${base[@]}" --order priority --time-limit-factor 0
run 64 "--checkpoint-every needs --events" "${base[@]}" --checkpoint-every 60
run 64 "--explain: expected JOB or JOB@TIME" "${base[@]}" --explain 1@soon
run 64 "--explain: no job 2 (the trace has 2 jobs" "${base[@]}" --explain 2

printf 'tenant,model,gpus,start,end\na,H100,8,2017-10-01,2017-10-02\nb,A100,8,0,10\n' >"$TEST_TMPDIR/g.csv"
run 65 "$TEST_TMPDIR/g.csv:3: model: no GPU model \"A100\" in the pool" "${base[@]}" --order priority --grants "$TEST_TMPDIR/g.csv"
printf 'tenant,model,gpus,start,end\na,H100,8,2017-10-02,2017-10-01\n' >"$TEST_TMPDIR/g.csv"
run 65 "$TEST_TMPDIR/g.csv:2: end: must be after start" "${base[@]}" --order priority --grants "$TEST_TMPDIR/g.csv"
run 66 "$TEST_TMPDIR/none.csv" "${base[@]}" --order priority --grants "$TEST_TMPDIR/none.csv"
printf 'time,node,action\n0,n0,fail\n5,n[0-1],repair\n' >"$TEST_TMPDIR/e.csv"
run 65 "$TEST_TMPDIR/e.csv:3: node: no node \"n1\" in the pool" "${base[@]}" --events "$TEST_TMPDIR/e.csv"
printf 'time,node,action\n0,n0,reboot\n' >"$TEST_TMPDIR/e.csv"
run 65 "$TEST_TMPDIR/e.csv:2: action: expected join, leave, drain, fail or repair" "${base[@]}" --events "$TEST_TMPDIR/e.csv"

# --first-fit and --order first-fit give the same bytes.
"$ALLOT" sim --trace $D/small.philly.csv --format philly --pool $D/four-nodes.pool --first-fit \
	--out "$TEST_TMPDIR/a" >/dev/null || { echo "--first-fit run failed"; fail=1; }
"$ALLOT" sim --trace $D/small.philly.csv --format philly --pool $D/four-nodes.pool --order first-fit \
	--out "$TEST_TMPDIR/b" >/dev/null || { echo "--order first-fit run failed"; fail=1; }
for f in metrics.json jobs.csv utilisation.csv per_tenant.csv; do
	cmp -s "$TEST_TMPDIR/a/$f" "$TEST_TMPDIR/b/$f" || { echo "--first-fit and --order first-fit differ: $f"; fail=1; }
done

# --pass-interval: fewer passes, every job still ends; priority order only.
"$ALLOT" sim --trace tests/data/sim/small.philly.csv --format philly --pass-interval 60 \
	2>&1 | grep -q -- '--pass-interval' || { echo "--pass-interval accepted without --order priority"; fail=1; }
p0=$("$ALLOT" sim --trace tests/data/sim/small.philly.csv --format philly --order priority --json |
	grep -o '"passes":[0-9]*' | head -1 | cut -d: -f2)
p1=$("$ALLOT" sim --trace tests/data/sim/small.philly.csv --format philly --order priority \
	--pass-interval 3600 --json | grep -o '"passes":[0-9]*' | head -1 | cut -d: -f2)
[ -n "$p0" ] && [ -n "$p1" ] && [ "$p1" -lt "$p0" ] || { echo "--pass-interval: passes $p1 !< $p0"; fail=1; }
"$ALLOT" sim --trace tests/data/sim/small.philly.csv --format philly --order priority \
	--pass-interval 86401 2>&1 | grep -q -- '--pass-interval: expected seconds' ||
	{ echo "--pass-interval 86401 not refused"; fail=1; }

# --help names every option the parser takes, and nothing it does not.
help=$("$ALLOT" sim --help)
for o in --trace --format --pool --nodes --policy --seed --order --first-fit --grants \
	 --backfill --half-life --no-reclaim --time-limit-factor --events --checkpoint-every \
	 --pass-interval --explain --skip-bad --sample --json --out; do
	printf '%s\n' "$help" | grep -q -- "^  $o" || { echo "help lacks $o"; fail=1; }
	printf '%s\n' "$help" | head -1 | grep -q -- "$o" || { echo "usage line lacks $o"; fail=1; }
done
for o in $(printf '%s\n' "$help" | grep -o '^  --[a-z-]*'); do
	"$ALLOT" sim "$o" 2>&1 | grep -q "unknown option" && { echo "help names $o, the parser refuses it"; fail=1; }
done
exit $fail
