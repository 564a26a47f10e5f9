#!/usr/bin/env bash
# `allot sim` failure paths: a malformed trace line names FILE:LINE: field
# and exits with the data-error status (65); --skip-bad skips and counts it;
# usage errors exit 64.
set -u
: "${ALLOT:?ALLOT must name the allot binary}"
D=tests/data/sim
fail=0
err=$TEST_TMPDIR/err

"$ALLOT" sim --trace $D/bad.philly.csv --format philly --pool $D/one-node-4gpu.pool \
	>"$TEST_TMPDIR/out" 2>"$err"
rc=$?
[ $rc -eq 65 ] || { echo "malformed line: exit $rc, want 65"; fail=1; }
grep -q "^$D/bad.philly.csv:4: num_gpus: expected an integer" "$err" ||
	{ echo "malformed line message:"; cat "$err"; fail=1; }
[ -s "$TEST_TMPDIR/out" ] && { echo "output despite the error"; fail=1; }

json=$("$ALLOT" sim --trace $D/bad.philly.csv --format philly \
	--pool $D/one-node-4gpu.pool --skip-bad --json 2>"$err")
rc=$?
[ $rc -eq 0 ] || { echo "--skip-bad: exit $rc"; fail=1; }
printf '%s' "$json" | grep -q '"skipped":1,"jobs":3,"completed":3' ||
	{ echo "--skip-bad json: $json"; fail=1; }
grep -q "skipped 1 bad lines (first: $D/bad.philly.csv:4: num_gpus" "$err" ||
	{ echo "--skip-bad note:"; cat "$err"; fail=1; }

usage() { # expected status, then arguments
	local want=$1
	shift
	"$ALLOT" sim "$@" >/dev/null 2>"$err"
	local rc=$?
	[ $rc -eq "$want" ] || { echo "allot sim $*: exit $rc, want $want"; cat "$err"; fail=1; }
	[ -s "$err" ] || { echo "allot sim $*: no message"; fail=1; }
}
usage 64 --format philly
usage 64 --trace $D/hand.philly.csv
usage 64 --trace $D/hand.philly.csv --format csv
usage 64 --trace $D/hand.philly.csv --format philly --policy Fastest
usage 64 --trace $D/hand.philly.csv --format philly --seed -1
usage 64 --trace $D/hand.philly.csv --format philly --bogus
usage 64 --trace $D/hand.philly.csv --format openb
usage 64 --trace $D/hand.philly.csv --format philly --seed
usage 66 --trace $D/no-such-file.csv --format philly
"$ALLOT" sim --trace $D/hand.philly.csv --format philly --out /dev/null/x >/dev/null 2>"$err"
[ $? -ne 0 ] || { echo "--out into a non-directory succeeded"; fail=1; }
"$ALLOT" sim --help | grep -q -- '--first-fit' || { echo "help lacks --first-fit"; fail=1; }
exit $fail
