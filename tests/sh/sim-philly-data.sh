#!/usr/bin/env bash
# The whole Philly trace (../shared/data) on the default pool, both orders:
# every job completes and the JSON carries the run figures.
set -u
: "${ALLOT:?ALLOT must name the allot binary}"
f=${ALLOT_DATA:-../shared/data}/philly/philly.csv
[ -r "$f" ] || { echo "SKIP: needs $f"; exit 77; }
fail=0
for order in "" --first-fit; do
	json=$("$ALLOT" sim --trace "$f" --format philly $order --json) ||
		{ echo "run $order failed"; exit 1; }
	for want in '"jobs":82247,"completed":82247,"rejected":0,"unfinished":0' \
		    '"gpus":2496' '"events":164494' '"stuck":0'; do
		printf '%s' "$json" | grep -q "$want" || { echo "$order: no $want"; fail=1; }
	done
	printf '%s' "$json" | grep -Eq '"events_per_s":[0-9]+' || { echo "no events_per_s"; fail=1; }
done
exit $fail
