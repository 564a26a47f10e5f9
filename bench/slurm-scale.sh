#!/usr/bin/env bash
# slurm-scale.sh — Slurm's allocation logic at national scale beside
# allot's pass (issue 6; docs/BENCHMARKS.md "slurmctld at national scale").
#
#	bench/slurm-scale.sh [--scale K] [--seconds S] [--no-topo]
#	                     [--driver PATH] [--keep DIR] [--summary]
#
# Starts a private munged and ONE slurmctld (no slurmd at all) holding the
# pool of `allot bench-pass` divided by K (default 1: 32,500 nodes x 8
# GPUs, all State=CLOUD: slurmctld allocates them without any slurmd, its
# ResumeProgram and SuspendProgram are /bin/true), with topology/tree
# switches per 72-GPU NVLink domain (--no-topo: none), and partition "gpu"
# DOWN.  The driver (bench-slurm-scale, built by `make bench`) then times
# allot's pass on the same world, submits bench-pass's queue (100,000 / K
# jobs) through libslurm, sets the partition UP and samples sdiag for S
# seconds (default 60), and counts what Slurm allocated.  slurmctld's peak
# memory comes from /proc.  Prints "key value" lines and a summary
# (--summary: the summary only; bench-all.sh).  Takes about 12 minutes at
# K = 1 (submitting and releasing 100,000 jobs: 7 minutes), 3 at K = 10.
#
# Everything lives in a fresh folder under ${TMPDIR:-/tmp} (removed at the
# end unless --keep DIR is given).  Every daemon started here is stopped by
# its pid, also on failure or interrupt (trap).  Runs slurmctld and the
# driver under `nice -n 10`.  Skips (message, exit 0, "skipped") when not
# root or slurmctld/munged/sdiag are missing.  Env SLURM_SCALE_SCHED adds
# to SchedulerParameters (e.g. "bf_max_job_test=100000,bf_continue").
set -u
export PATH=$PATH:/usr/sbin

scale=1
seconds=60
topo=1
keep=
driver=
summary=0
while [ $# -gt 0 ]; do
	case $1 in
	--scale) scale=${2:?}; shift 2 ;;
	--seconds) seconds=${2:?}; shift 2 ;;
	--no-topo) topo=0; shift ;;
	--keep) keep=${2:?}; shift 2 ;;
	--driver) driver=${2:?}; shift 2 ;;
	--summary) summary=1; shift ;;
	*) echo "usage: slurm-scale.sh [--scale K] [--seconds S] [--no-topo] [--driver PATH] [--keep DIR] [--summary]" >&2
	   exit 2 ;;
	esac
done
case $scale$seconds in *[!0-9]*) echo "slurm-scale.sh: --scale and --seconds take counts" >&2; exit 2 ;; esac

if [ "$(id -u)" != 0 ]; then
	echo "skipped: slurm-scale needs root (SlurmUser=root)"
	exit 0
fi
for p in slurmctld munged sdiag scontrol; do
	command -v "$p" > /dev/null 2>&1 || { echo "skipped: $p is not installed"; exit 0; }
done
if [ -z "$driver" ]; then
	for c in ${ALLOT:+"$(dirname "$ALLOT")/bench/bench-slurm-scale"} build/bench/bench-slurm-scale; do
		[ -x "$c" ] && { driver=$c; break; }
	done
fi
if [ -z "$driver" ] || [ ! -x "$driver" ]; then
	echo "skipped: the driver bench-slurm-scale is not built (make bench builds it)"
	exit 0
fi

if [ -n "$keep" ]; then
	d=$keep
	mkdir -p "$d" || exit 1
else
	d=$(mktemp -d "${TMPDIR:-/tmp}/slurm-scale.XXXXXX") || exit 1
fi
d=$(cd "$d" && pwd)
ctld_pid=
munge_pid=

# 0 if pid names a live process that is not a zombie.
alive() {
	local st
	[ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2> /dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# stop PID NAME SECONDS: SIGTERM, wait, SIGKILL.
stop() {
	local pid=$1 name=$2 n=$(($3 * 10)) i
	alive "$pid" || return 0
	kill -TERM "$pid" 2> /dev/null
	for i in $(seq 1 "$n"); do alive "$pid" || return 0; sleep 0.1; done
	echo "slurm-scale.sh: $name (pid $pid) ignored SIGTERM for $3 s; SIGKILL" >&2
	kill -KILL "$pid" 2> /dev/null
	for i in $(seq 1 50); do alive "$pid" || return 0; sleep 0.1; done
	echo "slurm-scale.sh: $name (pid $pid) is still there" >&2
}

cleanup() {
	# slurmctld saves its state on SIGTERM (100,000 jobs): give it time.
	[ -n "$ctld_pid" ] && stop "$ctld_pid" slurmctld 60
	[ -n "$munge_pid" ] && stop "$munge_pid" munged 10
	[ -z "$keep" ] && rm -rf "$d"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# A free port for slurmctld below cluster.sh's range and the ephemeral one.
port=
for i in $(seq 1 50); do
	p=$((12000 + RANDOM % 8000))
	hex=$(printf ':%04X ' "$p")
	if ! tail -q -n +2 /proc/net/tcp /proc/net/tcp6 2> /dev/null | awk '$4 == "0A"' | grep -q "$hex"; then
		port=$p
		break
	fi
done
[ -n "$port" ] || { echo "slurm-scale.sh: no free port" >&2; exit 1; }

mkdir -p "$d/munge" "$d/state" || exit 1
chmod 755 "$d" "$d/munge"
(umask 077 && head -c 1024 /dev/urandom > "$d/munge/munge.key") || exit 1
munged --force --key-file="$d/munge/munge.key" --socket="$d/munge/munge.socket" \
	--pid-file="$d/munge/munged.pid" --seed-file="$d/munge/munged.seed" \
	--log-file="$d/munge/munged.log" || { echo "slurm-scale.sh: munged failed" >&2; exit 1; }
for i in $(seq 1 50); do
	[ -s "$d/munge/munged.pid" ] && [ -S "$d/munge/munge.socket" ] && break
	sleep 0.1
done
munge_pid=$(tr -dc 0-9 < "$d/munge/munged.pid" 2> /dev/null)
[ -S "$d/munge/munge.socket" ] || { echo "slurm-scale.sh: munged: no socket" >&2; exit 1; }

conf_out=$("$driver" conf "$d" "$scale" "$topo") || { echo "slurm-scale.sh: conf failed" >&2; exit 1; }
sched=batch_sched_delay=0,sched_min_interval=0${SLURM_SCALE_SCHED:+,$SLURM_SCALE_SCHED}
if [ "$topo" = 1 ]; then topoline="TopologyPlugin=topology/tree"; else topoline="TopologyPlugin=topology/none"; fi
cat > "$d/slurm.conf" << EOF
# written by bench/slurm-scale.sh (settings modelled on tests/slurm/cluster.sh)
ClusterName=scale
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=$port
AuthType=auth/munge
AuthInfo=socket=$d/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool/%n
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd-%n.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmctldDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
GresTypes=gpu
$topoline
ReturnToService=2
SchedulerParameters=$sched
MinJobAge=600
KillWait=2
MaxJobCount=250000
MailProg=/bin/true
# CLOUD nodes: allocated without slurmd; "powering up" never ends within the run
ResumeProgram=/bin/true
SuspendProgram=/bin/true
SuspendTime=36000
ResumeTimeout=36000
SuspendTimeout=60
ResumeRate=0
SuspendRate=0
Include $d/nodes.conf
PartitionName=gpu Nodes=ALL Default=YES MaxTime=INFINITE State=DOWN
EOF
export SLURM_CONF=$d/slurm.conf
# --summary: the key-value lines go to $d/run.out only.
if [ "$summary" = 1 ]; then exec 3>&1 > "$d/run.out"; else exec 3>&1; fi
echo "dir $d"
echo "$conf_out" | sed 's/^/conf_/'
echo "scheduler_parameters $sched"
echo "topology $([ "$topo" = 1 ] && echo tree || echo none)"

t0=$(date +%s%N)
nice -n 10 slurmctld -c -f "$d/slurm.conf" || { echo "slurm-scale.sh: slurmctld failed (log: $d/slurmctld.log)" >&2; exit 1; }
for i in $(seq 1 600); do
	[ -s "$d/slurmctld.pid" ] && break
	sleep 0.1
done
ctld_pid=$(tr -dc 0-9 < "$d/slurmctld.pid" 2> /dev/null)
up=
for i in $(seq 1 300); do
	if timeout 10 scontrol ping 2> /dev/null | grep -q 'is UP'; then up=1; break; fi
	alive "$ctld_pid" || break
	sleep 0.5
done
[ -n "$up" ] || { echo "slurm-scale.sh: slurmctld does not answer (log: $d/slurmctld.log)" >&2; tail -5 "$d/slurmctld.log" >&2; exit 1; }
echo "slurmctld_start_s $(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')"
rss_idle=$(awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$ctld_pid/status")
echo "slurmctld_rss_idle_mib $rss_idle"

nice -n 10 "$driver" run "$scale" "$seconds" | tee "$d/driver.out"
rc=${PIPESTATUS[0]}
out=$(cat "$d/driver.out")
rss_peak=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$ctld_pid/status" 2> /dev/null)
echo "slurmctld_rss_peak_mib $rss_peak"
[ $rc = 0 ] || { echo "slurm-scale.sh: the driver failed ($rc; log: $d/slurmctld.log)" >&2; exit 1; }

# Summary.
exec 1>&3
v() { echo "$out" | awk -v k="$1" '$1 == k { print $2; exit }'; }
ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }
[ "$summary" = 1 ] || echo
echo "summary: ${seconds} s after release, $(v pool_nodes) CLOUD nodes / $(v pool_gpus) GPUs, $(v pending) pending (scale 1/$scale, topology $([ "$topo" = 1 ] && echo tree || echo none))"
echo "  slurmctld main cycle ms  last $(ms "$(v sdiag_main_last_us)")  mean $(ms "$(v sdiag_main_mean_us)")  max $(ms "$(v sdiag_main_max_us)")  ($(v sdiag_main_cycles) cycles, mean depth $(v sdiag_main_mean_depth))"
echo "  slurmctld backfill ms    last $(ms "$(v sdiag_bf_last_us)")  mean $(ms "$(v sdiag_bf_mean_us)")  max $(ms "$(v sdiag_bf_max_us)")  ($(v sdiag_bf_cycles) cycles, last depth $(v sdiag_bf_last_depth) tried $(v sdiag_bf_last_depth_try))"
echo "  slurm allocated          $(v slurm_allocated) jobs / $(v slurm_gpus) GPUs in ${seconds} s (by 10 s: $(v slurm_alloc_by_10s), by 60 s: $(v slurm_alloc_by_60s); first at $(v slurm_alloc_first_s) s, last at $(v slurm_alloc_last_s) s); sdiag jobs started $(v sdiag_jobs_started), backfilled $(v sdiag_bf_backfilled)"
echo "  allot pass, empty pool   $(v allot_pass_ms_empty) ms: $(v allot_starts_empty) jobs / $(v allot_gpus_empty) GPUs"
echo "  allot pass, 81 % busy    $(v allot_pass_ms_filled) ms: $(v allot_starts_filled) jobs / $(v allot_gpus_filled) GPUs (bench-pass's state)"
echo "  submission               $(v submit_per_s) jobs/s through libslurm ($(v submit_s) s)"
echo "  slurmctld memory         $rss_idle MiB idle, $rss_peak MiB peak"
echo "  SchedulerParameters      $sched (the rest Slurm 22.05's defaults)"
echo "  load average at the end  $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
exit 0
