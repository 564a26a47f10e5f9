#!/usr/bin/env bash
# `allot sim` end to end on the hand-computed example of docs/SIM.md: four
# Philly-format jobs on one 4-GPU node, strict FIFO and first-fit, every
# figure checked against the numbers worked out by hand.
set -u
: "${ALLOT:?ALLOT must name the allot binary}"
D=tests/data/sim
fail=0
# first "key":value in $json (top-level keys come before the tenants)
get() { printf '%s' "$json" | grep -o "\"$1\":[^,}]*" | head -1 | cut -d: -f2-; }
want() {
	local got
	got=$(get "$1")
	if [ "$got" != "$2" ]; then
		echo "$3: $1 = $got, want $2"
		fail=1
	fi
}
dist() { printf '%s' "$json" | grep -o "\"$1\":{[^}]*}" | head -1; }

json=$("$ALLOT" sim --trace $D/hand.philly.csv --format philly \
	--pool $D/one-node-4gpu.pool --json) || { echo "fifo run failed"; exit 1; }
want completed 4 fifo
want rejected 0 fifo
want makespan_s 21 fifo
want alloc_pct 66.666667 fifo
want frag_pct 14.285714 fifo
want jain 0.906531 fifo
want events 8 fifo
want order '"fifo"' fifo
[ "$(dist wait_s)" = '"wait_s":{"n":4,"mean":8.750,"p50":10,"p90":13,"p99":13,"max":13}' ] ||
	{ echo "fifo wait: $(dist wait_s)"; fail=1; }
[ "$(dist jct_s)" = '"jct_s":{"n":4,"mean":15.000,"p50":15,"p90":18,"p99":18,"max":18}' ] ||
	{ echo "fifo jct: $(dist jct_s)"; fail=1; }
printf '%s' "$json" | grep -q '"wall_s":' || { echo "no wall_s"; fail=1; }
printf '%s' "$json" | grep -q '"events_per_s":' || { echo "no events_per_s"; fail=1; }

json=$("$ALLOT" sim --trace $D/hand.philly.csv --format philly \
	--pool $D/one-node-4gpu.pool --first-fit --json) ||
	{ echo "first-fit run failed"; exit 1; }
want makespan_s 17 first-fit
want alloc_pct 82.352941 first-fit
want order '"first-fit"' first-fit
[ "$(dist wait_s)" = '"wait_s":{"n":4,"mean":3.750,"p50":0,"p90":12,"p99":12,"max":12}' ] ||
	{ echo "first-fit wait: $(dist wait_s)"; fail=1; }

# The summary table without --json, and per-job times with --out.
out=$("$ALLOT" sim --trace $D/hand.philly.csv --format philly \
	--pool $D/one-node-4gpu.pool --out "$TEST_TMPDIR/o") || { echo "table run failed"; exit 1; }
printf '%s\n' "$out" | grep -q 'completed 4, rejected 0' || { echo "table: $out"; fail=1; }
printf '%s\n' "$out" | grep -q 'allocation   66.67 %' || { echo "table: $out"; fail=1; }
printf '%s\n' "$out" | grep -q 'Jain 0.9065 over 2 tenants' || { echo "table: $out"; fail=1; }
expect='id,tenant,submit,start,end,wait,jct,gpus
0,b,1506816003,1506816015,1506816021,12,18,2
1,a,1506816000,1506816000,1506816010,0,10,2
2,a,1506816002,1506816015,1506816019,13,17,1
3,b,1506816000,1506816010,1506816015,10,15,4'
[ "$(cat "$TEST_TMPDIR/o/jobs.csv")" = "$expect" ] ||
	{ echo "jobs.csv:"; cat "$TEST_TMPDIR/o/jobs.csv"; fail=1; }
grep -q '^a,2,2,0,0,13,13,10,17,17,24.000,37.000,0.648649$' "$TEST_TMPDIR/o/per_tenant.csv" ||
	{ echo "per_tenant.csv:"; cat "$TEST_TMPDIR/o/per_tenant.csv"; fail=1; }
[ "$(sed -n 2p "$TEST_TMPDIR/o/utilisation.csv")" = "1506816000,50.000000" ] ||
	{ echo "utilisation.csv:"; cat "$TEST_TMPDIR/o/utilisation.csv"; fail=1; }
grep -q wall "$TEST_TMPDIR/o/metrics.json" && { echo "metrics.json has wall-clock figures"; fail=1; }
exit $fail
