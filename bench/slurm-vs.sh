#!/usr/bin/env bash
# slurm-vs.sh — the same job stream (a) submitted to Slurm directly and
# scheduled by Slurm, and (b) through `allot serve --cluster` into Slurm:
# submissions/s, jobs started/s, submit-to-start latency, makespan, side
# by side (issue 6; docs/BENCHMARKS.md "Slurm alone vs. through allot").
#
#	bench/slurm-vs.sh [--jobs N] [--nodes M] [--seed S] [--conns K]
#	                  [--sleep SEC] [--pass-ms MS] [--keep DIR]
#
# The stream: N jobs (default 200; 2,000 for the recorded figures) drawn
# with seed S (42) by bench/slurmvs/driver.c: 1, 2, 4 or 8 GPUs on one
# node, or a 2-node gang of 8 GPUs each; each job records when its command
# began and ended, and sleeps SEC seconds between (default 0.5; 0 = no
# sleep).  K submitters (default 4, forked processes) send it as fast as
# they can.
#
# (a) a fresh private cluster (tests/slurm/cluster.sh, M nodes x 8 fake
#     GPUs, default 8), one warm-up job through sbatch, then the driver
#     submits through libslurm (slurm_submit_batch_job: -N, gres:gpu:G)
#     and waits until Slurm's jobcomp log has every job; cluster stopped.
# (b) another fresh cluster of the same size, the same warm-up, then
#     `allot serve --cluster c=DIR/slurm.conf` on a fresh database
#     (--pass-interval-ms MS, default the daemon's 200); the driver waits
#     until allot reports all M nodes up, POSTs the same jobs over HTTP
#     (libcurl, admin token, one keep-alive connection per submitter),
#     waits until none is pending or running, and reads allot's record;
#     the daemon is stopped by its pid, then the cluster.
# Then the driver prints both side by side (see report() in driver.c).
#
# The driver is compiled here with cc against the allot build's
# liballot.a (beside $ALLOT, default build/allot) and -lslurm -lcurl
# -ljansson.  Everything lives in a fresh folder under /tmp (short: the
# munge socket path must fit), removed at the end unless --keep DIR.
# Every daemon started here is stopped by its pid (cluster.sh stop, the
# allot daemon by $!), also on failure or interrupt (trap).
# Skips (message, exit 0) when not root, or slurmctld, slurmd, munged,
# sbatch, cc, the Slurm headers or the allot build are missing.  Exit 1
# when a step fails, or when some job did not begin or did not end
# COMPLETED in Slurm's record (the report's "note:" lines name them; the
# folder is then kept for inspection).
set -u
export PATH=$PATH:/usr/sbin

jobs=200
nodes=8
seed=42
conns=4
sleep_s=0.5
pass_ms=
keep=
usage() {
	echo "usage: slurm-vs.sh [--jobs N] [--nodes M] [--seed S] [--conns K] [--sleep SEC] [--pass-ms MS] [--keep DIR]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--jobs) jobs=${2:?}; shift 2 ;;
	--nodes) nodes=${2:?}; shift 2 ;;
	--seed) seed=${2:?}; shift 2 ;;
	--conns) conns=${2:?}; shift 2 ;;
	--sleep) sleep_s=${2:?}; shift 2 ;;
	--pass-ms) pass_ms=${2:?}; shift 2 ;;
	--keep) keep=${2:?}; shift 2 ;;
	*) usage ;;
	esac
done
case $jobs$nodes$seed$conns$pass_ms in *[!0-9]*) usage ;; esac
case $sleep_s in '' | *[!0-9.]*) usage ;; esac
[ "$nodes" -ge 2 ] && [ "$conns" -ge 1 ] && [ "$conns" -le 64 ] && [ "$jobs" -ge 1 ] || usage

here=$(cd "$(dirname "$0")/.." && pwd)
allot=${ALLOT:-$here/build/allot}
case $allot in /*) ;; *) allot=$(pwd)/$allot ;; esac

if [ "$(id -u)" != 0 ]; then
	echo "skipped: slurm-vs needs root (SlurmUser=root)"
	exit 0
fi
for p in slurmctld slurmd munged sbatch scontrol cc; do
	command -v "$p" > /dev/null 2>&1 || { echo "skipped: $p is not installed"; exit 0; }
done
if [ ! -r /usr/include/slurm/slurm.h ]; then
	echo "skipped: the Slurm headers (libslurm-dev) are not installed"
	exit 0
fi
if [ ! -x "$allot" ] || [ ! -r "$(dirname "$allot")/liballot.a" ]; then
	echo "skipped: no allot build at $allot (with liballot.a beside it; set ALLOT)"
	exit 0
fi
if ! "$allot" serve --help 2>&1 | grep -q -- --cluster; then
	echo "skipped: $allot serve has no --cluster"
	exit 0
fi

if [ -n "$keep" ]; then
	d=$keep
	mkdir -p "$d" || exit 1
else
	d=$(mktemp -d /tmp/slurmvs.XXXXXX) || exit 1
fi
d=$(cd "$d" && pwd)
started=      # cluster folders to stop
serve_pid=

# 0 if pid names a live process that is not a zombie.
alive() {
	local st
	[ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2> /dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

stop_serve() {
	local i
	[ -n "$serve_pid" ] || return 0
	kill -TERM "$serve_pid" 2> /dev/null
	for i in $(seq 100); do
		alive "$serve_pid" || break
		sleep 0.1
	done
	alive "$serve_pid" && kill -KILL "$serve_pid" 2> /dev/null
	wait "$serve_pid" 2> /dev/null
	serve_pid=
}

cleanup() {
	local c
	stop_serve
	for c in $started; do
		bash "$here/tests/slurm/cluster.sh" stop "$c" > /dev/null 2>&1 ||
			echo "slurm-vs.sh: cluster.sh stop $c failed" >&2
	done
	started=
	[ -n "$keep" ] || rm -rf "$d"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

since() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }

drv=$d/driver
cc -D_POSIX_C_SOURCE=200809L -std=c11 -O2 -g -Wall -Wextra -I"$here/src" \
	"$here/bench/slurmvs/driver.c" "$(dirname "$allot")/liballot.a" \
	-lslurm -lcurl -ljansson -lm -pthread -o "$drv" || { echo "slurm-vs.sh: cannot compile the driver" >&2; exit 1; }
"$drv" gen "$jobs" "$seed" "$d/jobs" || exit 1

# cluster_up NAME: a fresh cluster in $d/NAME, warmed up with one job
# (slurmctld schedules nothing for its first seconds).
cluster_up() {
	local c=$d/$1 t0
	t0=$(date +%s%N)
	NODE_PREFIX=${1}n bash "$here/tests/slurm/cluster.sh" start "$c" "$nodes" "$1" auto > "$d/$1.start.log" 2>&1 ||
		{ cat "$d/$1.start.log" >&2; echo "slurm-vs.sh: cluster $1 did not start" >&2; exit 1; }
	started="$started $c"
	SLURM_CONF=$c/slurm.conf timeout 60 sbatch -Q -W -N 1 --gres=gpu:1 -J warmup -o /dev/null --wrap true ||
		{ echo "slurm-vs.sh: the warm-up job failed on $1" >&2; exit 1; }
	echo "cluster $1: $nodes nodes x 8 GPUs up and warm in $(since "$t0") s"
}

cluster_down() {
	bash "$here/tests/slurm/cluster.sh" stop "$d/$1" > /dev/null 2>&1 ||
		echo "slurm-vs.sh: cluster.sh stop $d/$1 failed" >&2
	started=$(echo "$started" | sed "s| $d/$1||")
}

echo "slurm-vs: $jobs jobs (seed $seed: $(awk '$2 > 1 { g++ } $2 == 1 { c[$3]++ } END { printf "1 GPU %d, 2 GPUs %d, 4 GPUs %d, 8 GPUs %d, 2x8 gangs %d", c[1], c[2], c[4], c[8], g }' "$d/jobs")), sleep $sleep_s s, $conns submitters, $nodes nodes x 8 GPUs"
echo "  date $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# (a) Slurm alone
mkdir -p "$d/a/out"
cluster_up sva
t0=$(date +%s%N)
SLURM_CONF=$d/sva/slurm.conf "$drv" slurm "$d/jobs" "$d/a" "$conns" "$sleep_s" "$d/sva/jobcomp.log" || exit 1
echo "(a) Slurm alone: done in $(since "$t0") s"
cluster_down sva

# (b) through allot
mkdir -p "$d/b/out"
cluster_up svb
"$allot" serve --listen 127.0.0.1:0 --db "$d/b/allot.db" --state-dir "$d/b/state" \
	--admin-token-file "$d/b/admin.token" ${pass_ms:+--pass-interval-ms "$pass_ms"} \
	--cluster "c=$d/svb/slurm.conf" > "$d/b/serve.out" 2> "$d/b/serve.log" &
serve_pid=$!
for i in $(seq 300); do
	grep -q '^listening on' "$d/b/serve.out" 2> /dev/null && break
	alive "$serve_pid" || break
	sleep 0.1
done
port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$d/b/serve.out")
if [ -z "$port" ]; then
	tail -20 "$d/b/serve.log" >&2
	echo "slurm-vs.sh: allot serve did not start" >&2
	exit 1
fi
t0=$(date +%s%N)
"$drv" allot "$d/jobs" "$d/b" "$conns" "$sleep_s" "http://127.0.0.1:$port" \
	"$(cat "$d/b/admin.token")" "$nodes" || { tail -20 "$d/b/serve.log" >&2; exit 1; }
echo "(b) through allot: done in $(since "$t0") s (allot serve --pass-interval-ms ${pass_ms:-default})"
stop_serve
# When the Slurm executor claimed each id (its folder, made just before
# slurm_submit_batch_job) and saw it final (its exit file): birth times;
# then Slurm's job id (its slurm file).
for x in "$d/b/state/clusters/c"/*/; do
	x=${x%/}
	[ -e "$x/exit" ] && echo "${x##*/} $(stat -c %.9W "$x" "$x/exit" | tr '\n' ' ')$(sed -n 's/^jobid=//p' "$x/slurm")"
done > "$d/b/claims" 2> /dev/null
cluster_down svb

echo
"$drv" report "$d/jobs" "$d/a" "$d/sva/jobcomp.log" "$d/b" "$d/svb/jobcomp.log"
rc=$?
if [ $rc != 0 ] && [ -z "$keep" ]; then
	keep=$d   # a job did not run as it should: keep the evidence
	echo "slurm-vs.sh: not every job began and completed; see the notes" >&2
fi
[ -n "$keep" ] && echo "(kept in $d)"
exit $rc
