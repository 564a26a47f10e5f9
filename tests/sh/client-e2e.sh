#!/usr/bin/env bash
# The client commands against a real `allot serve` on 127.0.0.1 with a
# temporary database: submit -> run -> complete with a real child process,
# queue, hold and cancel, a running job cancelled, the job list across
# pages, and the server's refusals as exit 1 with the field named.
# Skips (77) while allot has no serve command.
set -u
A=${ALLOT:-build/allot}
T=${TEST_TMPDIR:-$(mktemp -d)}
# Jobs write their output files into their working directory, which is
# the submitting shell's: work in $T, never in the source tree.
case $A in /*) ;; *) A=$PWD/$A ;; esac
cd "$T" || exit 1
pid=""
fail() {
	echo "FAIL: $*"
	[ -f "$T/serve.log" ] && { echo "--- serve.log (tail)"; tail -20 "$T/serve.log"; }
	exit 1
}
trap '[ -n "$pid" ] && kill -9 $pid 2> /dev/null' EXIT
$A serve --help > /dev/null 2>&1 || { echo "SKIP: this allot has no serve command"; exit 77; }
unset ALLOT_CONFIG ALLOT_URL ALLOT_TOKEN ALLOT_TIMEOUT
export HOME=$T

$A serve --listen 127.0.0.1:0 --db "$T/allot.db" --state-dir "$T/state" \
	--admin-token-file "$T/admin.token" --pass-interval-ms 50 > "$T/out" 2> "$T/serve.log" &
pid=$!
for _ in $(seq 400); do
	grep -q "listening on" "$T/out" && break
	kill -0 "$pid" 2> /dev/null || fail "serve exited"
	sleep 0.025
done
line=$(grep -m1 "listening on" "$T/out") || fail "no 'listening on' line"
addr=${line##*listening on }
addr=${addr%% *}
# Settings from a config file this time (url and token_file).
printf 'url = %s\ntoken_file = %s\n' "$addr" "$T/admin.token" > "$T/config"
export ALLOT_CONFIG=$T/config

state_of() { $A jobs "$1" | awk '$1 == "state" { print $2 }'; }
wait_state() { # id, state; up to 20 s (a loaded machine)
	for _ in $(seq 800); do
		[ "$(state_of "$1")" = "$2" ] && return 0
		sleep 0.025
	done
	fail "job $1 is $(state_of "$1"), not $2"
}

# submit -> run -> complete; the job sees its GPUs and its directory
mkdir -p "$T/work"
out=$($A submit -J first -D "$T/work" --gpus 2 --time 5 -- sh -c 'echo "gpus=$CUDA_VISIBLE_DEVICES" > out.txt; sleep 1') ||
	fail "submit: $out"
echo "$out" | grep -Eq '^Submitted batch job [0-9]+$' || fail "submit said: $out"
id1=${out##* }
wait_state "$id1" completed
grep -Eq '^gpus=[0-9]+,[0-9]+$' "$T/work/out.txt" || fail "job output: $(cat "$T/work/out.txt")"
$A jobs "$id1" | grep -q '^exit_code *0$' || fail "exit code: $($A jobs "$id1")"
$A jobs "$id1" | grep -q '^name *first$' || fail "name"
$A jobs "$id1" | grep -Eq '^start +[0-9]+ \([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z\)$' ||
	fail "start time: $($A jobs "$id1" | grep '^start')"
$A jobs "$id1" --json | grep -q "\"id\":$id1" || fail "jobs ID --json"

# arguments reach the job as typed: quotes, blanks, $ and * unexpanded
idq=$($A submit --parsable -D "$T/work" -- sh -c 'printf "%s|" "$@" > args.txt' x "it's" 'a  b' '$HOME' '*') ||
	fail "submit quoted"
wait_state "$idq" completed
[ "$(cat "$T/work/args.txt")" = "it's|a  b|\$HOME|*|" ] || fail "arguments: $(cat "$T/work/args.txt")"

# usage: the first job's GPU-seconds (2 GPUs, >= 1 s) are booked to its
# account and model
$A usage > "$T/u" || fail "usage"
head -1 "$T/u" | grep -q "ACCOUNT" || fail "usage header: $(cat "$T/u")"
awk '$1 == "admin" && $2 == "H100" && $3 >= 2' "$T/u" | grep -q . || fail "usage rows: $(cat "$T/u")"
$A usage --json | grep -q '"usage":\[' || fail "usage --json"
# the local executor keeps no accounting of its own: nothing to check against
$A usage --check | grep -Eq '^[1-9][0-9]* runs, 0 with the executor.s figure' ||
	fail "usage --check: $($A usage --check)"
# the ledger: the admin account's runs, borrowed (no grant) at the market price
$A usage --ledger > "$T/l" || fail "usage --ledger"
head -1 "$T/l" | grep -q "ACCOUNT" && awk '$1 == "admin"' "$T/l" | grep -q H100 ||
	fail "usage --ledger: $(cat "$T/l")"
$A usage --ledger --check 2> /dev/null; [ $? -eq 64 ] || fail "--ledger --check accepted"
$A usage -A nobody 2> "$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q '^allot usage: account: no account' "$T/err" || fail "usage -A nobody: exit $rc: $(cat "$T/err")"

# held: pending in the queue, then cancelled; a second cancel is refused
id2=$($A submit --parsable --hold -J held --wrap "touch $T/held-ran") || fail "submit --hold"
$A queue > "$T/q" || fail "queue"
head -1 "$T/q" | grep -q "JOBID.*ACCOUNT.*USER.*NAME.*ST.*TIME.*GPUS.*REASON" || fail "queue header: $(head -1 "$T/q")"
awk -v id="$id2" '$1 == id && $5 == "PD"' "$T/q" | grep -q . || fail "held job not PD in: $(cat "$T/q")"
$A queue --why > "$T/q" || fail "queue --why"
grep -q "^ *why: " "$T/q" && grep -q "^ *priority [0-9.]* = " "$T/q" ||
	fail "queue --why has no reason or priority parts: $(cat "$T/q")"
$A queue --json | grep -q '"pending":\[' || fail "queue --json"
$A cancel "$id2" || fail "cancel held"
wait_state "$id2" cancelled
$A cancel "$id2" 2> "$T/err"; rc=$?
[ $rc -eq 1 ] || fail "second cancel: exit $rc: $(cat "$T/err")"
[ ! -e "$T/held-ran" ] || fail "a held, cancelled job ran"

# a batch script's #SBATCH lines give options; the command line wins
printf '#!/bin/sh\n#SBATCH --nodes 2\n#SBATCH --gpus-per-node=8 -t 1-00:00 # comment\n#SBATCH --job-name="my job" -C H100\n\necho hi\n#SBATCH --gpus 99\n' \
	> "$T/work/job.sh"
chmod +x "$T/work/job.sh"
id5=$($A submit --parsable --hold -D "$T/work" "$T/work/job.sh" arg1) || fail "submit script"
$A jobs "$id5" > "$T/j" || fail "jobs $id5"
grep -q '^name *my job$' "$T/j" && grep -q '^nodes *2$' "$T/j" && grep -q '^gpus_per_node *8$' "$T/j" &&
	grep -q '^time_limit_s *86400$' "$T/j" && grep -q '^models *\["H100"\]$' "$T/j" &&
	grep -q "^command *$T/work/job.sh arg1\$" "$T/j" || fail "script directives: $(cat "$T/j")"
id6=$($A submit --parsable --hold --gpus 4 -J cli "$T/work/job.sh") || fail "submit script, overridden"
$A jobs "$id6" > "$T/j" || fail "jobs $id6"
grep -q '^name *cli$' "$T/j" && grep -q '^gpus *4$' "$T/j" && grep -q '^nodes *1$' "$T/j" &&
	grep -q '^models *\["H100"\]$' "$T/j" || fail "command line over directives: $(cat "$T/j")"
$A cancel "$id5" "$id6" || fail "cancel script jobs"

# hold and release: a held job waits; released, it runs
id4=$($A submit --parsable --hold -J later -D "$T/work" -- touch released.txt) || fail "submit later"
$A jobs "$id4" | grep -q '^held *true$' || fail "not held: $($A jobs "$id4")"
$A jobs "$id4" --release || fail "release"
wait_state "$id4" completed
[ -e "$T/work/released.txt" ] || fail "released job did not run"
$A jobs "$id4" --hold 2> "$T/err"; rc=$?
[ $rc -eq 1 ] || fail "hold of a finished job: exit $rc: $(cat "$T/err")"

# a running job cancelled: SIGTERM reaches it
id3=$($A submit --parsable -J sleeper --grace 1 --wrap "sleep 60") || fail "submit sleeper"
wait_state "$id3" running
$A queue | awk -v id="$id3" '$1 == id && $5 == "R" && $NF ~ /^site-[^:]*$/' | grep -q . ||
	fail "running job not R on its node: $($A queue)"
$A cancel -v "$id3" | grep -q "cancelled job $id3" || fail "cancel -v"
wait_state "$id3" cancelled

# pages: 5 more held jobs; the list follows next_cursor 2 at a time
for k in 1 2 3 4 5; do $A submit --parsable --hold -J "p$k" -- true > /dev/null || fail "submit p$k"; done
n=$($A jobs --all --page-size 2 | tail -n +2 | wc -l)
[ "$n" = 12 ] || fail "jobs --all --page-size 2: $n rows, want 12"
n=$($A jobs --all --noheader | wc -l)
[ "$n" = 12 ] || fail "jobs --all --noheader: $n rows"
$A queue --noheader | grep -q JOBID && fail "queue --noheader printed a header"
n=$($A jobs --limit 3 --page-size 2 | tail -n +2 | wc -l)
[ "$n" = 3 ] || fail "jobs --limit 3: $n rows"
$A jobs --all --json --page-size 3 | grep -o '"id":[0-9]*' | sort -u | wc -l | grep -qx 12 ||
	fail "jobs --all --json"
n=$($A queue | awk '$5 == "PD"' | wc -l)
[ "$n" = 5 ] || fail "queue: $n pending, want 5"
n=$($A queue --limit 2 | awk '$5 == "PD"' | wc -l)
[ "$n" = 2 ] || fail "queue --limit 2: $n pending"
n=$($A jobs --state cancelled | tail -n +2 | wc -l)
[ "$n" = 4 ] || fail "jobs --state cancelled: $n rows"
# scancel -A ACCOUNT -t pending: the 5 held jobs
$A cancel -A admin -t pending -v > "$T/c" || fail "cancel by filter: $(cat "$T/c")"
[ "$(grep -c '^cancelled job' "$T/c")" = 5 ] || fail "cancel by filter said: $(cat "$T/c")"
n=$($A queue --noheader | wc -l)
[ "$n" = 0 ] || fail "after cancel -A admin -t pending: $n jobs left"
$A cancel -u admin -v | grep -q "no matching jobs" || fail "cancel with nothing left"

# grants
$A grant list | grep -q "no grants" || fail "grant list on a new server: $($A grant list)"
out=$($A grant add -A admin --model H100 --gpus 16 --start 2026-01-01 --end 2027-01-01T00:00) ||
	fail "grant add: $out"
echo "$out" | grep -Eq '^Added grant [0-9]+$' || fail "grant add said: $out"
$A grant list > "$T/g" || fail "grant list"
head -1 "$T/g" | grep -q "GPUS" || fail "grant list header: $(cat "$T/g")"
grep -q "1767225600" "$T/g" && grep -q "1798761600" "$T/g" || fail "grant times: $(cat "$T/g")"
$A grant add -A admin --model NOSUCH --gpus 1 --start 0 --end 10 2> "$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "^allot grant: model: " "$T/err" || fail "grant bad model: exit $rc: $(cat "$T/err")"

# refusals: exit 1, the field named; unknown job; bad token; unreachable
$A submit --gpus 100000 -- true 2> "$T/err"; rc=$?
[ $rc -eq 1 ] || fail "too many GPUs: exit $rc"
grep -q "gpus" "$T/err" || fail "field not named: $(cat "$T/err")"
$A submit --model NOSUCH -- true 2> "$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "models" "$T/err" || fail "unknown model: exit $rc: $(cat "$T/err")"
$A jobs 999999 2> "$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "404" "$T/err" || fail "unknown job: exit $rc: $(cat "$T/err")"
$A queue --token allot_1_0000 2> "$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "401" "$T/err" || fail "bad token: exit $rc: $(cat "$T/err")"
kill "$pid"
wait "$pid" 2> /dev/null
pid=""
$A queue --timeout 1 2> "$T/err"; rc=$?
[ $rc -eq 2 ] || fail "stopped server: exit $rc: $(cat "$T/err")"
exit 0
