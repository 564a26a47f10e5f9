#!/usr/bin/env bash
# `allot sim --order priority --grants` end to end on a case worked out by
# hand (docs/SCHEDULING.md): one 8-GPU node; tenant b (no grant) borrows
# the whole node at t=0 for 100 s; at t=10 tenant a, guaranteed the 8
# GPUs, asks for them.  With reclaim b's job is preempted at once (not
# checkpointable, no grace), a runs 10..60, b starts over 60..160; without
# it a waits for b (quota_cohort) and runs 100..150.  --explain tells b's
# story in order.
set -u
: "${ALLOT:?ALLOT must name the allot binary}"
P=tests/data/sim/policy
T0=1506816000
fail=0
base=(sim --trace $P/reclaim.philly.csv --format philly --pool $P/one-node-8gpu.pool
      --order priority --grants $P/reclaim.grants.csv)
get() { printf '%s' "$json" | grep -o "\"$1\":[^,}]*" | head -1 | cut -d: -f2-; }
want() {
	local got
	got=$(get "$1")
	[ "$got" = "$2" ] || { echo "$3: $1 = $got, want $2"; fail=1; }
}

json=$("$ALLOT" "${base[@]}" --out "$TEST_TMPDIR/r" --json) || { echo "reclaim run failed"; exit 1; }
want preempted 1 reclaim
want preempt_lost_gpu_h 0.022 reclaim   # 8 GPUs x 10 s thrown away
want completed 2 reclaim
want order '"priority"' reclaim
want reclaim true reclaim
want grants "\"$P/reclaim.grants.csv\"" reclaim
printf '%s' "$json" | grep -q '"reasons":{"resources":0,"priority":0,"never_fits":0,"held":0,"quota_limit":0,"quota_cohort":1,"reclaiming":1,"reserved":0,"backfill":0,"topology":0}' ||
	{ echo "reclaim reasons: $json"; fail=1; }
printf '%s' "$json" | grep -q '"pending_job_h":{[^}]*"quota_cohort":0.014,' ||
	{ echo "reclaim pending_job_h (50 s of quota_cohort): $json"; fail=1; }
expect="id,tenant,submit,start,end,wait,jct,gpus
0,b,$T0,$((T0 + 60)),$((T0 + 160)),60,160,8
1,a,$((T0 + 10)),$((T0 + 10)),$((T0 + 60)),0,50,8"
[ "$(cat "$TEST_TMPDIR/r/jobs.csv")" = "$expect" ] || { echo "reclaim jobs.csv:"; cat "$TEST_TMPDIR/r/jobs.csv"; fail=1; }
grep -q '"reasons":' "$TEST_TMPDIR/r/metrics.json" || { echo "metrics.json lacks reasons"; fail=1; }

json=$("$ALLOT" "${base[@]}" --no-reclaim --out "$TEST_TMPDIR/n" --json) || { echo "no-reclaim run failed"; exit 1; }
want preempted 0 no-reclaim
want reclaim false no-reclaim
expect="id,tenant,submit,start,end,wait,jct,gpus
0,b,$T0,$T0,$((T0 + 100)),0,100,8
1,a,$((T0 + 10)),$((T0 + 100)),$((T0 + 150)),90,140,8"
[ "$(cat "$TEST_TMPDIR/n/jobs.csv")" = "$expect" ] || { echo "no-reclaim jobs.csv:"; cat "$TEST_TMPDIR/n/jobs.csv"; fail=1; }
printf '%s' "$json" | grep -q '"quota_cohort":0.025,' || { echo "no-reclaim: 90 s of quota_cohort: $json"; fail=1; }

# b's story: started, told to leave for job 1, stopped, waited over quota,
# started again, completed.
out=$("$ALLOT" "${base[@]}" --explain 0) || { echo "explain run failed"; exit 1; }
story=$(printf '%s\n' "$out" | sed -n '/^job 0:/,$p' | grep -o 't=[0-9]* *+[0-9]* *[a-z]*[^[(]*' | sed 's/  */ /g')
expect="t=$T0 +0 submitted
t=$T0 +0 started, to end by t=$((T0 + 100))
t=$((T0 + 10)) +10 told to leave for job 1, stops at t=$((T0 + 10))
t=$((T0 + 10)) +10 preempted and requeued, 100 s of work left
t=$((T0 + 10)) +10 pending: over its quota, and no idle quota is left to borrow 
t=$((T0 + 60)) +60 started, to end by t=$((T0 + 160))
t=$((T0 + 160)) +160 ended: completed"
[ "$story" = "$expect" ] || { echo "explain 0:"; printf '%s\n' "$story"; echo "want:"; printf '%s\n' "$expect"; fail=1; }
printf '%s\n' "$out" | grep -q 'priority 6500.0 = fairshare 5000.0 + age 0.0 + size 1000.0 + class 500.0' ||
	{ echo "explain: no priority breakdown"; printf '%s\n' "$out"; fail=1; }

# At t0+30 a runs on b's GPUs; b waits over its quota.
json=$("$ALLOT" "${base[@]}" --explain "0@2017-10-01 00:00:30" --json) || { echo "explain@T failed"; exit 1; }
printf '%s' "$json" | grep -q "\"at\":$((T0 + 30)),\"state_at\":{\"t\":$((T0 + 10)),\"event\":\"pending\",\"reason\":\"quota_cohort\"" ||
	{ echo "explain@T json: $json"; fail=1; }
exit $fail
