#!/usr/bin/env bash
# The same trace, pool, policy and seed give byte-identical --out files,
# for Philly and SWF traces, strict FIFO and first-fit, with a policy that
# draws random numbers.
set -u
: "${ALLOT:?ALLOT must name the allot binary}"
D=tests/data/sim
fail=0
run() { # name, then allot sim arguments
	local name=$1
	shift
	for k in 1 2; do
		"$ALLOT" sim "$@" --out "$TEST_TMPDIR/$name.$k" >/dev/null ||
			{ echo "$name run $k failed"; exit 1; }
	done
	for f in metrics.json utilisation.csv jobs.csv per_tenant.csv; do
		[ -s "$TEST_TMPDIR/$name.1/$f" ] || { echo "$name: $f missing or empty"; fail=1; }
		cmp "$TEST_TMPDIR/$name.1/$f" "$TEST_TMPDIR/$name.2/$f" ||
			{ echo "$name: $f differs between two runs"; fail=1; }
	done
}
run philly --trace $D/small.philly.csv --format philly --pool $D/four-nodes.pool \
	--policy Random --seed 7
run philly-ff --trace $D/small.philly.csv --format philly --pool $D/four-nodes.pool \
	--policy Random --seed 7 --first-fit
run swf --trace $D/small.swf --format swf --policy FGD --seed 3 --sample 600
# 300 jobs + header; every job completed (no empty end column).
[ "$(wc -l < "$TEST_TMPDIR/philly.1/jobs.csv")" -eq 301 ] || { echo "jobs.csv lines"; fail=1; }
awk -F, 'NR > 1 && $5 == "" { bad = 1 } END { exit bad }' "$TEST_TMPDIR/philly.1/jobs.csv" ||
	{ echo "a job did not finish"; fail=1; }
# Strict FIFO and first-fit decide differently on a queueing trace.
cmp -s "$TEST_TMPDIR/philly.1/jobs.csv" "$TEST_TMPDIR/philly-ff.1/jobs.csv" &&
	{ echo "first-fit gave the same schedule as strict FIFO"; fail=1; }
# Windows of 600 s: consecutive times 600 apart.
awk -F, 'NR > 2 && $1 - prev != 600 { bad = 1 } NR > 1 { prev = $1 } END { exit bad }' \
	"$TEST_TMPDIR/swf.1/utilisation.csv" || { echo "swf windows not 600 s apart"; fail=1; }
exit $fail
