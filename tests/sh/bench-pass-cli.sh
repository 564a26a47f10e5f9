#!/usr/bin/env bash
# allot bench-pass end to end on a small world: the JSON fields scripts
# rely on, decisions that add up to the queue, and bad options refused.
set -u
A=${ALLOT:-build/allot}
fail() { echo "FAIL: $*"; exit 1; }
out=$($A bench-pass --gpus 2560 --pending 500 --tenants 20 --repeat 2 --json) || fail "run: $out"
for k in '"gpus":2560' '"pending":500' '"tenants":20' '"pass_ms":' '"bytes_per_gpu":' '"bytes_per_job":'; do
	echo "$out" | grep -q "$k" || fail "no $k in $out"
done
# Every queued job got exactly one decision: starts + pending reasons = queue.
starts=$(echo "$out" | grep -o '"starts":[0-9]*' | cut -d: -f2)
reasons=$(echo "$out" | grep -o '"pending_reasons":{[^}]*}' | grep -o ':[0-9][0-9]*' |
	awk -F: '{s += $2} END {print s + 0}')
[ $((starts + reasons)) -eq 500 ] || fail "starts $starts + pending $reasons != 500"
# The same seed gives the same decisions.
a=$($A bench-pass --gpus 2560 --pending 500 --tenants 20 --repeat 1 --json | sed 's/"pass_ms[a-z_]*":[0-9.]*,//g; s/"build_ms":[0-9.]*,//')
b=$($A bench-pass --gpus 2560 --pending 500 --tenants 20 --repeat 1 --json | sed 's/"pass_ms[a-z_]*":[0-9.]*,//g; s/"build_ms":[0-9.]*,//')
[ "$a" = "$b" ] || fail "not deterministic: $a / $b"
t() { # expected message, args...
	want=$1; shift
	msg=$($A bench-pass "$@" 2>&1); rc=$?
	[ $rc -ne 0 ] || fail "$* accepted"
	echo "$msg" | grep -q -- "$want" || fail "$*: expected '$want', got: $msg"
}
t '--gpus: not a count' --gpus x
t 'gpus: ' --gpus 8
t '--fill: not a fraction' --fill 2
t '--repeat: not a count' --repeat 0
t 'unknown option' --bogus
exit 0
