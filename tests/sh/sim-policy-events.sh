#!/usr/bin/env bash
# `allot sim --events` end to end, in all three orders, on the case of
# tests/test-nodeevents.c (sim_events_fail_requeue): one 8-GPU node, J0
# (100 s) from t0, J1 (50 s) from t0+10; the node fails at t0+30 (J0
# requeued, 240 GPU-s lost) and is repaired at t0+60; J0 goes back first:
# 60..160, then J1 160..210.  Capacity 8 GPUs for 210 s, 30 s of it down.
set -u
: "${ALLOT:?ALLOT must name the allot binary}"
P=tests/data/sim/policy
T0=1506816000
fail=0
get() { printf '%s' "$json" | grep -o "\"$1\":[^,}]*" | head -1 | cut -d: -f2-; }
want() {
	local got
	got=$(get "$1")
	[ "$got" = "$2" ] || { echo "$3: $1 = $got, want $2"; fail=1; }
}
expect="id,tenant,submit,start,end,wait,jct,gpus
0,a,$T0,$((T0 + 60)),$((T0 + 160)),60,160,8
1,a,$((T0 + 10)),$((T0 + 160)),$((T0 + 210)),150,200,8"
for order in fifo first-fit priority; do
	json=$("$ALLOT" sim --trace $P/fail.philly.csv --format philly \
		--pool $P/one-node-8gpu.pool --order $order --events $P/fail.events.csv \
		--out "$TEST_TMPDIR/$order" --json) || { echo "$order: run failed"; fail=1; continue; }
	want alloc_pct 85.714286 $order
	want down_pct 14.285714 $order
	want requeued 1 $order
	want node_events 2 $order
	want lost_gpu_h 0.067 $order
	want capacity_gpu_h 0.467 $order
	want checkpoint_s 3600 $order
	want events_file "\"$P/fail.events.csv\"" $order
	printf '%s' "$json" | grep -q '"reasons":{"resources":4,"priority":0,' ||
		{ echo "$order reasons: $json"; fail=1; }
	printf '%s' "$json" | grep -q '"pending_job_h":{"resources":0.050,' ||
		{ echo "$order pending_job_h: $json"; fail=1; }
	[ "$(cat "$TEST_TMPDIR/$order/jobs.csv")" = "$expect" ] ||
		{ echo "$order jobs.csv:"; cat "$TEST_TMPDIR/$order/jobs.csv"; fail=1; }
done

# The table names the capacity line; the story of J0 names the node.
out=$("$ALLOT" sim --trace $P/fail.philly.csv --format philly --pool $P/one-node-8gpu.pool \
	--events $P/fail.events.csv --explain 0) || { echo "table run failed"; exit 1; }
printf '%s\n' "$out" | grep -q 'capacity     2 events, 14.3 % of capacity down, 1 jobs requeued, 0.1 GPU-h of work lost' ||
	{ echo "table:"; printf '%s\n' "$out"; fail=1; }
printf '%s\n' "$out" | grep -q "t=$((T0 + 30)) *+30 *node 0 failed: requeued, 100 s of work left" ||
	{ echo "explain:"; printf '%s\n' "$out"; fail=1; }

# A node that never comes back: J1 waits for capacity that is gone; the
# run ends, J1 is stuck (a warning), not rejected.
printf 'time,node,action\n2017-10-01 00:00:30,n0,fail\n' >"$TEST_TMPDIR/gone.csv"
json=$("$ALLOT" sim --trace $P/fail.philly.csv --format philly --pool $P/one-node-8gpu.pool \
	--events "$TEST_TMPDIR/gone.csv" --json 2>"$TEST_TMPDIR/err") || { echo "gone: run failed"; fail=1; }
want unfinished 2 gone
want rejected 0 gone
want stuck 2 gone
grep -q 'warning: 2 jobs never started' "$TEST_TMPDIR/err" || { echo "gone: no warning"; cat "$TEST_TMPDIR/err"; fail=1; }
exit $fail
