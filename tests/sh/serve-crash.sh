#!/usr/bin/env bash
# kill -9 crash test (issue 5, "Done when"): start `allot serve` on a
# temporary database, stream submissions from several concurrent clients
# (`allot submit`, each with its own idempotency key and a job name equal
# to it) recording every acknowledged id, kill -9 the daemon at a random
# moment, restart it, send again (same key) what was in flight, and
# repeat.  At the end, with every job finished:
#   - every acknowledged job is present, under its id, exactly once;
#   - no key became two jobs (a resent key got its committed job back);
#   - no job ran twice: each job appends its key to one shared file, and
#     no key appears there twice; every completed job appears once;
#   - no job ends failed with reason `lost`: a job marked for start that
#     the executor never started (kill -9 between the durable mark and
#     exec_start) is requeued under a new run id ("was lost before it
#     started: requeued" in the log) and must complete, having run once;
#     and with only the daemon killed every started job's shepherd
#     survives to record its exit.
# CRASH_ROUNDS (default 20) and CRASH_CLIENTS (default 4) scale it; the
# bench/ run uses more rounds.  Skips (77) while allot has no serve.
set -u
A=${ALLOT:-build/allot}
T=${TEST_TMPDIR:-$(mktemp -d)}
# Jobs write their output files into their working directory, which is
# the submitting shell's: work in $T, never in the source tree.
case $A in /*) ;; *) A=$PWD/$A ;; esac
cd "$T" || exit 1
ROUNDS=${CRASH_ROUNDS:-20}
CLIENTS=${CRASH_CLIENTS:-4}
pid=""
cpids=""
fail() {
	echo "FAIL: $*"
	[ -f "$T/serve.log" ] && { echo "--- serve.log (tail)"; tail -20 "$T/serve.log"; }
	exit 1
}
cleanup() {
	touch "$T/stop"
	[ -n "$pid" ] && kill -9 "$pid" 2> /dev/null
	for p in $cpids; do kill -- "-$p" 2> /dev/null; done
	wait 2> /dev/null
}
trap cleanup EXIT
$A serve --help > /dev/null 2>&1 || { echo "SKIP: this allot has no serve command"; exit 77; }
unset ALLOT_CONFIG ALLOT_URL ALLOT_TOKEN
export HOME=$T ALLOT_TIMEOUT=5

start() {
	: > "$T/out"
	$A serve --listen 127.0.0.1:0 --db "$T/allot.db" --state-dir "$T/state" \
		--admin-token-file "$T/admin.token" --pass-interval-ms 50 \
		> "$T/out" 2>> "$T/serve.log" &
	pid=$!
	for _ in $(seq 400); do
		grep -q "listening on" "$T/out" && break
		kill -0 "$pid" 2> /dev/null || fail "serve exited: $(cat "$T/out")"
		sleep 0.025
	done
	line=$(grep -m1 "listening on" "$T/out") || fail "serve printed no 'listening on' line"
	addr=${line##*listening on }
	addr=${addr%% *}
	export ALLOT_URL="http://$addr"
	[ -s "$T/admin.token" ] || fail "no admin token file"
	ALLOT_TOKEN=$(cat "$T/admin.token")
	export ALLOT_TOKEN
}

client() { # round, client
	local n=0 key id
	while [ ! -e "$T/stop" ]; do
		n=$((n + 1))
		key=r$1c$2n$n
		echo "$key" >> "$T/tried"
		if id=$($A submit --parsable --idempotency-key "$key" --job-name "$key" \
			--wrap "echo $key >> $T/ran" 2>> "$T/client.err"); then
			echo "$key $id" >> "$T/acked"
		fi
	done
}

# After a restart: the submissions in flight when the daemon died are sent
# again with the same key.  Committed before the crash, they must come
# back as the same job; not committed, they become one new job.
resend() {
	local key id rpids=""
	sort "$T/tried" > "$T/tried.s"
	awk '{ print $1 }' "$T/acked" | sort > "$T/acked.s"
	for key in $(comm -23 "$T/tried.s" "$T/acked.s"); do
		(
			if id=$($A submit --parsable --idempotency-key "$key" --job-name "$key" \
				--wrap "echo $key >> $T/ran" 2>> "$T/client.err"); then
				echo "$key $id" >> "$T/acked"
			else
				echo "$key" >> "$T/resend.failed"
			fi
		) &
		rpids="$rpids $!"
		resent=$((resent + 1))
	done
	for p in $rpids; do wait "$p"; done   # not a bare wait: the daemon is a child too
	[ ! -s "$T/resend.failed" ] ||
		fail "resending $(head -1 "$T/resend.failed") after a restart: $(tail -1 "$T/client.err")"
}

resent=0
: > "$T/tried"
: > "$T/acked"
: > "$T/ran"
t0=$(date +%s)
for r in $(seq "$ROUNDS"); do
	rm -f "$T/stop"
	start
	resend
	cpids=""
	set -m   # each client loop in its own process group, to stop it at once
	for k in $(seq "$CLIENTS"); do
		client "$r" "$k" &
		cpids="$cpids $!"
	done
	set +m
	# One round in four dies within 0.1 s of listening: while it is still
	# recovering the jobs of earlier rounds; the others 0.2-0.6 s in.
	case $((RANDOM % 4)) in
	0) sleep "0.0$((RANDOM % 10))" ;;
	*) sleep "0.$((RANDOM % 5 + 2))" ;;
	esac
	kill -9 "$pid"
	wait "$pid" 2> /dev/null
	pid=""
	# A submission in flight now is lost to its client (not acknowledged,
	# maybe committed): stopping the clients' retries keeps rounds short.
	touch "$T/stop"
	for p in $cpids; do kill -- "-$p" 2> /dev/null; done
	for p in $cpids; do wait "$p" 2> /dev/null; done
	cpids=""
done
start
resend
acked=$(wc -l < "$T/acked")
[ "$acked" -gt 0 ] || fail "no submission was acknowledged in $ROUNDS rounds: $(tail -3 "$T/client.err")"

# Let every job finish: every job in a final state (completed, failed,
# cancelled), read from the job list itself, not only the queue.
left=unknown
for _ in $(seq 600); do
	if $A jobs --all > "$T/all" 2> /dev/null; then
		left=$(awk 'FNR > 1 && $5 != "CD" && $5 != "F" && $5 != "CA"' "$T/all" | wc -l)
		[ "$left" = 0 ] && break
	fi
	sleep 0.05
done
[ "$left" = 0 ] || fail "$left jobs not finished: $(awk 'FNR > 1 && $5 != "CD" && $5 != "F" && $5 != "CA"' "$T/all" | head -5)"
# every acknowledged job: present under its id with its name, exactly once
awk 'NR == FNR { if (FNR > 1) { n[$1]++; name[$1] = $2; st[$1] = $5 } next }
     { if (n[$2] != 1) { print "job " $2 " (" $1 "): " (n[$2] + 0) " rows"; bad = 1 }
       else if (name[$2] != $1) { print "job " $2 ": name " name[$2] ", want " $1; bad = 1 } }
     END { exit bad }' "$T/all" "$T/acked" > "$T/missing" ||
	fail "acknowledged jobs lost or renamed: $(head -5 "$T/missing")"
dup=$(tail -n +2 "$T/all" | awk '{ print $2 }' | sort | uniq -d | head -3)
[ -z "$dup" ] || fail "a key was made into two jobs: $dup"
twice=$(sort "$T/ran" | uniq -d | head -3)
[ -z "$twice" ] || fail "jobs ran twice: $twice"
# every completed job ran, exactly once
awk 'NR == FNR { ran[$1]++; next } FNR > 1 && $5 == "CD" && ran[$2] != 1 {
	print $2 " completed but ran " (ran[$2] + 0) " times"; bad = 1 } END { exit bad }' \
	"$T/ran" "$T/all" > "$T/noran" || fail "$(head -3 "$T/noran")"
# No job ends `lost`: one never started is requeued; one started has a
# shepherd that survives the daemon and records its exit.
awk 'NR == FNR { ran[$1]++; next } FNR > 1 && $5 == "F" && $NF == "lost" {
	print $2 " ended lost after " (ran[$2] + 0) " runs"; bad = 1 } END { exit bad }' \
	"$T/ran" "$T/all" > "$T/lostran" || fail "$(head -3 "$T/lostran")"
# Each job requeued because it was lost before it started: completed, ran once.
grep -o 'job [0-9]* was lost before it started: requeued' "$T/serve.log" |
	awk '{ print $2 }' | sort -u > "$T/requeued"
awk 'FILENAME == ARGV[1] { ran[$1]++; next } FILENAME == ARGV[2] { if (FNR > 1) { st[$1] = $5; name[$1] = $2 } next }
     { if (st[$1] != "CD" || ran[name[$1]] != 1) {
	print "job " $1 " requeued after a lost start: state " st[$1] ", ran " (ran[name[$1]] + 0) " times"; bad = 1 } }
     END { exit bad }' "$T/ran" "$T/all" "$T/requeued" > "$T/requeuebad" || fail "$(head -3 "$T/requeuebad")"
requeued=$(wc -l < "$T/requeued")
jobs=$(tail -n +2 "$T/all" | wc -l)
done_=$(awk 'FNR > 1 && $5 == "CD"' "$T/all" | wc -l)
echo "ok: $ROUNDS kill -9 rounds, $CLIENTS clients, $acked acknowledged ($resent resent after a restart), $jobs jobs," \
	"$done_ completed, $requeued requeued after a lost start, $(wc -l < "$T/ran") runs, $(($(date +%s) - t0)) s"
exit 0
