#!/usr/bin/env bash
# `allot pool` end to end: gen -> check -> show (text and JSON) at full
# scale, the hand-written example, a bad file's message and exit status,
# a missing file, usage errors, --help.
set -u
A=${ALLOT:?ALLOT must name the allot binary}
T=${TEST_TMPDIR:-$(mktemp -d)}
fail() { echo "FAIL: $*"; exit 1; }

# The issue's example: 3 sites, 32,500 nodes of 8 B200, 72-GPU domains.
spec="sites=3,nodes=32500,gpus=8,models=B200,domain=72"
$A pool gen "$spec" -o "$T/big.pool" || fail "gen -o"
lines=$(wc -l < "$T/big.pool")
[ "$lines" -lt 40 ] || fail "big.pool has $lines lines"
$A pool gen "$spec" > "$T/big2.pool" || fail "gen to stdout"
cmp -s "$T/big.pool" "$T/big2.pool" || fail "gen is not deterministic"
out=$($A pool check "$T/big.pool") || fail "check big.pool"
[ "$out" = "$T/big.pool: ok: 32500 nodes, 260000 GPUs, 3612 NVLink domains, 3 sites" ] ||
	fail "check said: $out"

# show: the file and the spec give the same summary.
$A pool show "$T/big.pool" --json | sed 's/"source":"[^"]*",//' > "$T/a.json" || fail "show file"
$A pool show "gen:$spec" --json | sed 's/"source":"[^"]*",//' > "$T/b.json" || fail "show gen:"
cmp -s "$T/a.json" "$T/b.json" || fail "show differs between file and gen:"
grep -q '"nodes":32500,"gpus":260000,"domains":3612' "$T/a.json" || fail "json totals: $(cat "$T/a.json")"
grep -q '"name":"site-2","provider":"provider-2","nodes":10834,"gpus":86672,"gpus_by_model":{"B200":86672}' "$T/a.json" ||
	fail "json site-2"
grep -q '"domain_sizes":\[{"gpus":72,"count":3609},{"gpus":56,"count":1},{"gpus":48,"count":2}\]' "$T/a.json" ||
	fail "json domain sizes: $(grep -o '"domain_sizes":[^]]*]' "$T/a.json")"

# --scale
out=$($A pool gen "nodes=1000,models=H100" --scale 0.5 | $A pool check /dev/stdin) ||
	fail "gen --scale | check"
[ "$out" = "/dev/stdin: ok: 500 nodes, 4000 GPUs, 500 NVLink domains, 1 sites" ] || fail "scale: $out"

# The hand-written example, in text.
out=$($A pool show tests/data/pool/korea-small.pool) || fail "show korea-small"
echo "$out" | grep -q '^pool tests/data/pool/korea-small.pool: 43 nodes, 264 GPUs, 25 NVLink domains, 8 racks, 4 clusters, 3 sites, 3 providers$' ||
	fail "show header: $out"
echo "$out" | grep -Eq '^  chuncheon +Naver +21 +88 +H200=16 GB200=72$' || fail "show site line: $out"
echo "$out" | grep -q '^NVLink domains by size: 72 GPUs x 1, 8 GPUs x 24$' || fail "show domains"
echo "$out" | grep -q '^node states: up 42, drain 1, down 0, absent 0$' || fail "show states"

# A bad file: the exact place on stderr, exit 65 (data error).
printf 'allot-pool 1\nmodel B200\nprovider p\nsite s provider=p\ncluster c site=s\nnodes n[0-3] cluster=c model=B200 gpus=x cpu=1 mem=1\nend\n' > "$T/bad.pool"
$A pool check "$T/bad.pool" > "$T/out" 2> "$T/err"
rc=$?
[ "$rc" = 65 ] || fail "bad file: exit $rc"
[ ! -s "$T/out" ] || fail "bad file: stdout not empty"
[ "$(cat "$T/err")" = "allot pool: $T/bad.pool:6: gpus: expected an integer 0..8, got \"x\"" ] ||
	fail "bad file said: $(cat "$T/err")"
$A pool show "$T/bad.pool" > /dev/null 2>&1
[ $? = 65 ] || fail "show of a bad file"

# An undefined reference names what is missing.
printf 'allot-pool 1\nsite s provider=Nobody\nend\n' > "$T/undef.pool"
err=$($A pool check "$T/undef.pool" 2>&1 >/dev/null)
[ "$err" = "allot pool: $T/undef.pool:2: provider: undefined provider \"Nobody\"" ] || fail "undefined: $err"

# A missing file: 66; a bad spec: 65 naming the key.
$A pool check "$T/nope.pool" 2> /dev/null
[ $? = 66 ] || fail "missing file"
err=$($A pool gen "nodes=10,domain=12" 2>&1 >/dev/null)
[ $? = 65 ] || fail "bad spec status"
[ "$err" = "allot pool: spec: domain: 12 GPUs is not a whole number of 8-GPU B200 nodes" ] ||
	fail "bad spec: $err"
[ ! -e "$T/never.pool" ] || fail "stray file"
$A pool gen "nodes=x" -o "$T/never.pool" 2> /dev/null
[ ! -e "$T/never.pool" ] || fail "a failed gen left a file"

# Usage.
$A pool > /dev/null 2>&1; [ $? = 64 ] || fail "no subcommand"
$A pool frob > /dev/null 2>&1; [ $? = 64 ] || fail "unknown subcommand"
$A pool check > /dev/null 2>&1; [ $? = 64 ] || fail "check without a pool"
$A pool --help | grep -q '^usage: allot pool gen SPEC' || fail "--help"
# import: the clusters named, each NAME=SLURM_CONF; a missing slurm.conf
# is refused (by the cluster's agent) naming the cluster and the file, and
# leaves no scratch folder
$A pool import > /dev/null 2>&1; [ $? = 64 ] || fail "import without a cluster"
$A pool import nocolon > /dev/null 2>&1; [ $? = 64 ] || fail "import without NAME="
n0=$(ls -d /tmp/allot-pool-import.* 2> /dev/null | wc -l)
err=$($A pool import a=$T/none.conf 2>&1 >/dev/null); rc=$?
[ $rc = 74 ] && echo "$err" | grep -q "^allot pool: --cluster a=$T/none.conf: slurm_conf: $T/none.conf: No such file" ||
	fail "import of a missing slurm.conf: $rc: $err"
[ "$(ls -d /tmp/allot-pool-import.* 2> /dev/null | wc -l)" = "$n0" ] || fail "import left a scratch folder"
exit 0
