#!/usr/bin/env bash
# `allot serve` from the command line: usage errors exit 64 naming the
# option, --help, a database it cannot create, and a clean SIGTERM stop
# with the bound port printed.  The daemon is always stopped by its pid.
set -u
A=${ALLOT:?ALLOT must name the allot binary}
T=${TEST_TMPDIR:-$(mktemp -d)}
# Jobs write their output files into their working directory, which is
# the submitting shell's: work in $T, never in the source tree.
case $A in /*) ;; *) A=$PWD/$A ;; esac
cd "$T" || exit 1
fail() { echo "FAIL: $*"; [ -f "$T/err" ] && cat "$T/err"; exit 1; }
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null' EXIT

$A serve --help > "$T/help" || fail "--help"
grep -q -- "--listen HOST:PORT" "$T/help" || fail "help text"
$A serve --db "$T/x.db" 2> "$T/err"; [ $? = 64 ] || fail "no --listen: not 64"
grep -q "required" "$T/err" || fail "no --listen: $(cat "$T/err")"
$A serve --listen nowhere --db "$T/x.db" 2> "$T/err"; [ $? = 64 ] || fail "bad --listen"
grep -q -- "--listen: expected HOST:PORT" "$T/err" || fail "bad --listen message"
$A serve --listen 127.0.0.1:99999 --db "$T/x.db" 2> "$T/err"; [ $? = 64 ] || fail "port range"
$A serve --listen 127.0.0.1:0 --db "$T/x.db" --threads 0 2> "$T/err"; [ $? = 64 ] || fail "--threads 0"
$A serve --listen 127.0.0.1:0 --db "$T/x.db" --bogus 2> "$T/err"; [ $? = 64 ] || fail "unknown option"
# Slurm clusters: NAME=SLURM_CONF, not with --pool, options that need them
L="--listen 127.0.0.1:0 --db $T/x.db"
$A serve $L --cluster nocolon 2> "$T/err"; [ $? = 64 ] && grep -q "expected NAME=SLURM_CONF" "$T/err" || fail "--cluster without ="
$A serve $L --cluster =x.conf 2> /dev/null; [ $? = 64 ] || fail "--cluster with no name"
$A serve $L --cluster a=x.conf --pool gen:nodes=1 2> "$T/err"; [ $? = 64 ] && grep -q "imported from them" "$T/err" || fail "--pool with --cluster"
$A serve $L --no-account 2> /dev/null; [ $? = 64 ] || fail "--no-account without --cluster"
$A serve $L --cluster a=x.conf --no-account --account-prefix p 2> /dev/null; [ $? = 64 ] || fail "--no-account with --account-prefix"
# a cluster whose slurm.conf is missing: the agent says why, serve exits
# at once naming the cluster, and no database is made
$A serve --listen 127.0.0.1:0 --db "$T/c.db" --cluster a="$T/none.conf" 2> "$T/err"; rc=$?
[ $rc != 0 ] && [ $rc != 64 ] && grep -q "cluster a=$T/none.conf: slurm_conf" "$T/err" || fail "missing slurm.conf: rc $rc: $(cat "$T/err")"
[ ! -e "$T/c.db" ] || fail "missing slurm.conf: a database was made"
$A serve --listen 127.0.0.1:0 --db "$T/no/such/dir/x.db" --state-dir "$T/s1" 2> "$T/err"
rc=$?
[ $rc != 0 ] && [ $rc != 64 ] || fail "unwritable db: rc $rc"
grep -q "allot serve:" "$T/err" || fail "unwritable db message: $(cat "$T/err")"

# Start, read the port, stop with SIGTERM: exit 0, the token file 0600.
$A serve --listen 127.0.0.1:0 --db "$T/a.db" --admin-token-file "$T/tok" > "$T/out" 2> "$T/err" &
pid=$!
for _ in $(seq 1 100); do grep -q "^listening on 127.0.0.1:[0-9]*$" "$T/out" 2>/dev/null && break; sleep 0.05; done
grep -q "^listening on 127.0.0.1:[1-9][0-9]*$" "$T/out" || fail "no listening line: $(cat "$T/out")"
[ "$(stat -c %a "$T/tok")" = 600 ] || fail "token file mode $(stat -c %a "$T/tok")"
grep -Eq "^allot_1_[0-9a-f]{64}$" "$T/tok" || fail "token format"
[ -d "$T/a.db.state" ] || fail "default state dir"
kill -TERM "$pid"
wait "$pid"; rc=$?
pid=
[ $rc = 0 ] || fail "SIGTERM exit $rc"
grep -q "signal 15: shutting down" "$T/err" || fail "shutdown log"
# A second start keeps the token file as it was (no new admin).
cp "$T/tok" "$T/tok1"
$A serve --listen 127.0.0.1:0 --db "$T/a.db" --admin-token-file "$T/tok" > "$T/out" 2> "$T/err" &
pid=$!
for _ in $(seq 1 100); do grep -q "^listening" "$T/out" 2>/dev/null && break; sleep 0.05; done
kill -INT "$pid"; wait "$pid"; rc=$?; pid=
[ $rc = 0 ] || fail "SIGINT exit $rc"
cmp -s "$T/tok" "$T/tok1" || fail "token file rewritten on restart"
exit 0
