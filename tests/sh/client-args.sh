#!/usr/bin/env bash
# The client commands without a daemon: argument errors exit 64 with the
# reason on stderr; no URL or token anywhere exits 64 saying where to put
# them; an unreachable server exits 2; --help exits 0.
set -u
A=${ALLOT:-build/allot}
T=${TEST_TMPDIR:-$(mktemp -d)}
fail() { echo "FAIL: $*"; exit 1; }
# Nothing from the caller's environment or home.
unset ALLOT_URL ALLOT_TOKEN ALLOT_TIMEOUT ALLOT_CONFIG
export HOME=$T
C="--url 127.0.0.1:1 --token t"

expect() { # status, message, command...
	local want=$1 msg=$2; shift 2
	out=$("$@" 2>&1 >/dev/null); rc=$?
	[ $rc -eq "$want" ] || fail "$*: exit $rc, want $want: $out"
	echo "$out" | grep -qF -- "$msg" || fail "$*: expected '$msg' in: $out"
}
expect 64 "no command" $A submit $C --gpus 2
expect 64 "--gpus: expected an integer" $A submit $C --gpus x -- true
expect 64 "--gpus: expected an integer" $A submit $C --gpus=-1 -- true
expect 64 "--time: hours after a day count must be 0..23" $A submit $C --time 1-24 -- true
expect 64 "--time: seconds must be 0..59" $A submit $C -t 5:75 -- true
expect 64 "either --wrap or a command" $A submit $C --wrap "echo a" -- echo b
expect 64 "either --gpus or --nodes" $A submit $C --gpus 2 --nodes 2 --gpus-per-node 4 -- true
expect 64 "go together" $A submit $C --nodes 2 -- true
expect 64 "share of one GPU" $A submit $C --gpus 2 --gpu-share 500 -- true
expect 64 "--gpu-share: expected an integer 1..1000" $A submit $C --gpu-share 0 -- true
expect 64 "unknown class" $A submit $C --class party -- true
expect 64 "unknown option --bogus" $A submit $C --bogus -- true
expect 64 "--account needs a value" $A submit $C --account= -- true
printf '#!/bin/sh\n#SBATCH --gpus 2\n#SBATCH --time 1-24\necho\n' > "$T/bad.sh"
expect 64 "bad.sh:3: --time: hours after a day count" $A submit $C "$T/bad.sh"
printf '#SBATCH --gpus 2 stray\n' > "$T/stray.sh"
expect 64 "stray.sh:1: unexpected \"stray\" in a directive" $A submit $C "$T/stray.sh"
printf '#SBATCH --nodes 2\n' > "$T/half.sh"
expect 64 "go together" $A submit $C "$T/half.sh"
expect 64 "unexpected argument --bogus" $A queue $C --bogus
expect 64 "--limit: expected 1..100000" $A queue $C --limit 0
expect 64 "not a job id" $A cancel $C 12x
expect 64 "no job id" $A cancel $C
expect 64 "--state needs --user or --account" $A cancel $C -t pending
expect 64 "job ids or filters, not both" $A cancel $C 5 -u someone
expect 64 "--state: pending or running" $A cancel $C -u someone -t done
expect 64 "needs a value" $A cancel $C -u=
expect 64 "--limit: expected a positive integer" $A jobs $C --limit 0
expect 64 "a job id or filters" $A jobs $C 5 --state running
expect 64 "expected list or add" $A grant $C
expect 64 "needs --account, --model, --gpus, --start and --end" $A grant add $C -A a --model H100
expect 64 "--start: expected unix seconds" $A grant add $C -A a --model H100 --gpus 8 --start 2026-13-01 --end 5
expect 64 "--end must be after --start" $A grant add $C -A a --model H100 --gpus 8 --start 2026-01-02 --end 2026-01-01
expect 64 "--from: expected unix seconds" $A usage $C --from yesterday
expect 64 "--url needs a value" $A queue --url
# Settings: none anywhere, then a bad config file, then a config that names
# an unreachable server (exit 2, after the retries of a GET).
expect 64 "no server URL: pass --url, set ALLOT_URL" $A queue
expect 64 "no API token" $A queue --url 127.0.0.1:1
printf 'url = 127.0.0.1:1\ntokn = x\n' > "$T/cfg"
expect 64 "cfg:2: tokn: unknown key" env ALLOT_CONFIG="$T/cfg" $A jobs
expect 64 "nonexistent" env ALLOT_CONFIG="$T/nonexistent" $A jobs
printf 'url = 127.0.0.1:1\ntoken = x\ntimeout = 2\n' > "$T/cfg"
expect 2 "Couldn't connect" env ALLOT_CONFIG="$T/cfg" $A jobs 5
ALLOT_URL=127.0.0.1:1 ALLOT_TOKEN=x expect 2 "127.0.0.1:1/v1/jobs/5/cancel" $A cancel 5
# --help is not an error
for c in submit queue cancel jobs grant usage; do
	$A $c --help > "$T/help" || fail "$c --help"
	grep -q "usage: allot $c" "$T/help" || fail "$c --help text"
done
exit 0
