#!/usr/bin/env bash
# `allot exec-agent` by hand: usage errors (exit 64), --help, the protocol
# over a pipe (hello, start, poll until EXITED, a malformed request, an
# unknown op, pool of a stand-in cluster, end of input -> exit 0), and an
# executor that cannot be made (the hello answered with the error, exit 1).
set -u
A=${ALLOT:?ALLOT must name the allot binary}
T=${TEST_TMPDIR:-$(mktemp -d)}
fail() { echo "FAIL: $*"; exit 1; }

usage() {
	"$A" exec-agent "$@" > /dev/null 2>&1 < /dev/null
	[ $? -eq 64 ] || fail "exec-agent $*: expected exit 64"
}
usage
usage --local
usage --state-dir "$T/s"
usage --local --slurm-conf x --state-dir "$T/s"
usage --local --account-prefix p --state-dir "$T/s"
usage --slurm-conf x --nodes a --state-dir "$T/s"
usage --local --state-dir "$T/s" --bogus
"$A" exec-agent --help | grep -q -- "--slurm-conf PATH" || fail "--help"

# A stand-in cluster over a pipe: requests are answered in order.
out=$( { echo '{"op":"hello"}'
	 echo '{"op":"start","id":7,"command":"echo hi","workdir":"'"$T"'","out_path":"'"$T"'/o7","err_path":null,"env":["X=1"],"nodelist":"n1","node":"n1","gpus":[0,1],"time_limit_s":0,"grace_s":1}'
	 echo 'not json'
	 echo '{"op":"fly"}'
	 echo '{"op":"pool","cluster":"c1","default_model":"H100"}'
	 sleep 1
	 echo '{"op":"poll","cap":16}'
	 echo '{"op":"stop","id":99,"grace_s":0}'
       } | "$A" exec-agent --local --state-dir "$T/s1" --nodes n1,n2)
st=$?
[ $st -eq 0 ] || fail "agent exit status $st at end of input"
[ "$(echo "$out" | wc -l)" -eq 7 ] || fail "expected 7 replies, got: $out"
echo "$out" | sed -n 1p | grep -qx '{"rc":0,"name":"local"}' || fail "hello: $out"
echo "$out" | sed -n 2p | grep -qx '{"rc":0}' || fail "start: $out"
echo "$out" | sed -n 3p | grep -q '"rc":-1,"err":"request: not a JSON object"' || fail "bad line: $out"
echo "$out" | sed -n 4p | grep -q '"err":"op: unknown \\"fly\\""' || fail "unknown op: $out"
echo "$out" | sed -n 5p | grep -q 'nodes n2 cluster=c1 model=H100 gpus=8' || fail "pool: $out"
echo "$out" | sed -n 5p | grep -q 'end nodes=2 gpus=16' || fail "pool end: $out"
echo "$out" | sed -n 6p | grep -q '"kind":3,.*"up":1,"name":"n1"' || fail "poll NODE: $out"
echo "$out" | sed -n 7p | grep -q '"rc":-3' || fail "stop unknown: $out"
for i in $(seq 1 50); do [ -s "$T/o7" ] && break; sleep 0.1; done
[ "$(cat "$T/o7")" = hi ] || fail "job output: $(cat "$T/o7")"

# An executor that cannot be made: the first request gets the error.
out=$(echo '{"op":"hello"}' | "$A" exec-agent --slurm-conf "$T/none.conf" --state-dir "$T/s2" 2> "$T/err")
st=$?
[ $st -eq 1 ] || fail "bad conf: exit $st"
echo "$out" | grep -q '"rc":-2,"err":"slurm_conf: .*none.conf' || fail "bad conf reply: $out"
grep -q "none.conf" "$T/err" || fail "bad conf stderr: $(cat "$T/err")"
exit 0
