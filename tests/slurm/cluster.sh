#!/usr/bin/env bash
# cluster.sh — a private, real Slurm cluster on this machine for tests
# (issue 6; facts in ../shared/SLURM-NOTES.md, use in docs/SLURM.md).
#
#   cluster.sh start DIR [NODES] [CLUSTER_NAME] [PORT_BASE]
#   cluster.sh stop DIR
#
# start: everything lives under DIR (created): its own munged (key, socket,
# pid, seed, log), one slurmctld on PORT_BASE and NODES slurmd daemons
# (`slurmd -N nodeK`, K = 1..NODES, ports PORT_BASE+K) each declaring 8
# fake GPUs (gres.conf File= symbolic links to /dev/null: they stat as
# character devices, so Slurm sets CUDA_VISIBLE_DEVICES).  Writes
# DIR/slurm.conf, DIR/gres.conf and DIR/env (`export SLURM_CONF=...`; source
# it), then waits until every node is idle (polling, with a timeout).
# Defaults: 4 nodes, cluster "allot", PORT_BASE "auto": a random base in
# 20000-31999 (below the ephemeral range) whose NODES+1 ports nobody
# listens on (/proc/net/tcp*), written to DIR/port.  Runs as root.  If any
# step fails it stops whatever it started and exits 1 with a message.
#
# stop: cancels every job, then stops the slurmd daemons, slurmctld and
# munged in that order, each by its pid file: SIGTERM, then SIGKILL if it is
# still there after a few seconds; a zombie (PID 1 here may not reap)
# counts as gone.  Exits 0 when everything is gone.
#
# Exit 2 on usage errors, 3 when the Slurm or munge daemons are not
# installed (tests turn that into a skip).
set -u

die() {
	echo "cluster.sh: $*" >&2
	exit 1
}

usage() {
	echo "usage: cluster.sh start DIR [NODES] [CLUSTER_NAME] [PORT_BASE]" >&2
	echo "       cluster.sh stop DIR" >&2
	exit 2
}

# 0 if pid names a live process that is not a zombie.
alive() {
	local st
	[ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2> /dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# stop_pidfile FILE NAME: SIGTERM, wait up to 10 s, SIGKILL, wait up to 5 s.
stop_pidfile() {
	local f=$1 name=$2 pid i
	[ -s "$f" ] || return 0
	pid=$(tr -dc 0-9 < "$f")
	[ -n "$pid" ] || return 0
	if ! alive "$pid"; then
		rm -f "$f"
		return 0
	fi
	kill -TERM "$pid" 2> /dev/null
	for i in $(seq 1 100); do
		alive "$pid" || break
		sleep 0.1
	done
	if alive "$pid"; then
		echo "cluster.sh: $name (pid $pid) ignored SIGTERM; SIGKILL" >&2
		kill -KILL "$pid" 2> /dev/null
		for i in $(seq 1 50); do
			alive "$pid" || break
			sleep 0.1
		done
	fi
	if alive "$pid"; then
		echo "cluster.sh: $name (pid $pid) is still there" >&2
		return 1
	fi
	rm -f "$f"
	return 0
}

do_stop() {
	local d=$1 rc=0 f i
	[ -d "$d" ] || return 0
	if [ -s "$d/slurmctld.pid" ] && alive "$(tr -dc 0-9 < "$d/slurmctld.pid")"; then
		export SLURM_CONF=$d/slurm.conf
		# no new work, cancel what runs, wait for it to go (at most 10 s)
		timeout 5 scontrol update PartitionName=gpu State=DRAIN > /dev/null 2>&1
		timeout 5 scancel --quiet --full --partition=gpu > /dev/null 2>&1
		for i in $(seq 1 50); do
			[ -z "$(timeout 5 squeue -h -t R,CG,PD -o %i 2> /dev/null)" ] && break
			sleep 0.2
		done
	fi
	for f in "$d"/slurmd-*.pid; do
		[ -e "$f" ] || continue
		stop_pidfile "$f" "slurmd $(basename "$f" .pid)" || rc=1
	done
	stop_pidfile "$d/slurmctld.pid" slurmctld || rc=1
	stop_pidfile "$d/munge/munged.pid" munged || rc=1
	return $rc
}

# 0 if no TCP socket listens on ports $1..$2 (IPv4 or IPv6).
ports_free() {
	local lo=$1 hi=$2 st hex p
	while read -r _ local _ st _; do
		[ "$st" = 0A ] || continue
		hex=${local##*:}
		p=$((16#$hex))
		[ "$p" -ge "$lo" ] && [ "$p" -le "$hi" ] && return 1
	done < <(tail -q -n +2 /proc/net/tcp /proc/net/tcp6 2> /dev/null)
	return 0
}

# A free port base for n nodes, or nothing.
pick_base() {
	local n=$1 i b
	for i in $(seq 1 50); do
		b=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
		ports_free "$b" $((b + n)) && { echo "$b"; return 0; }
	done
	return 1
}

# The whole start; any failure returns 1 after a message.
do_start() {
	local d=$1 n=$2 name=$3 pb=$4 host i idle k
	host=$(hostname -s)
	mkdir -p "$d" || return 1
	d=$(cd "$d" && pwd) || return 1
	export SLURM_CONF=$d/slurm.conf
	mkdir -p "$d/munge" "$d/state" "$d/spool" "$d/dev" || return 1
	chmod 755 "$d" "$d/munge" || return 1
	for i in $(seq 1 "$n"); do mkdir -p "$d/spool/node$i" || return 1; done
	for k in 0 1 2 3 4 5 6 7; do ln -sf /dev/null "$d/dev/nvidia$k" || return 1; done

	# munge: its own 1 KiB key, mode 600
	if [ ! -s "$d/munge/munge.key" ]; then
		(umask 077 && head -c 1024 /dev/urandom > "$d/munge/munge.key") || return 1
	fi
	chmod 600 "$d/munge/munge.key"
	munged --force --key-file="$d/munge/munge.key" --socket="$d/munge/munge.socket" \
		--pid-file="$d/munge/munged.pid" --seed-file="$d/munge/munged.seed" \
		--log-file="$d/munge/munged.log" || { echo "munged failed" >&2; return 1; }
	for i in $(seq 1 50); do
		[ -S "$d/munge/munge.socket" ] && [ -s "$d/munge/munged.pid" ] && break
		sleep 0.1
	done
	[ -S "$d/munge/munge.socket" ] || { echo "munged: no socket" >&2; return 1; }

	cat > "$d/slurm.conf" << EOF
# written by tests/slurm/cluster.sh
ClusterName=$name
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$pb
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
SlurmdLogFile=$d/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$d/jobcomp.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
GresTypes=gpu
ReturnToService=2
SlurmdParameters=config_overrides
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
MinJobAge=600
KillWait=2
MaxJobCount=100000
MailProg=/bin/true
NodeName=node[1-$n] NodeAddr=127.0.0.1 NodeHostname=localhost Port=$((pb + 1))-$((pb + n)) CPUs=8 RealMemory=16000 Gres=gpu:8 State=UNKNOWN
PartitionName=gpu Nodes=node[1-$n] Default=YES MaxTime=INFINITE State=UP
EOF
	cat > "$d/gres.conf" << EOF
AutoDetect=off
NodeName=node[1-$n] Name=gpu File=$d/dev/nvidia[0-7]
EOF
	echo "export SLURM_CONF=$d/slurm.conf" > "$d/env"
	echo "$pb" > "$d/port"

	slurmctld -c -f "$d/slurm.conf" || { echo "slurmctld failed to start" >&2; return 1; }
	for i in $(seq 1 100); do
		timeout 5 scontrol ping 2> /dev/null | grep -q 'is UP' && break
		sleep 0.1
	done
	timeout 5 scontrol ping 2> /dev/null | grep -q 'is UP' ||
		{ echo "slurmctld does not answer (log: $d/slurmctld.log)" >&2; return 1; }
	for i in $(seq 1 "$n"); do
		slurmd -f "$d/slurm.conf" -N "node$i" ||
			{ echo "slurmd node$i failed (log: $d/slurmd-node$i.log)" >&2; return 1; }
	done
	for i in $(seq 1 150); do
		idle=$(timeout 5 sinfo -h -t idle -o %D 2> /dev/null | head -1)
		[ "${idle:-0}" = "$n" ] && return 0
		sleep 0.2
	done
	echo "only ${idle:-0} of $n nodes idle after 30 s:" >&2
	timeout 5 sinfo -N >&2
	return 1
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
case $cmd in
start)
	nodes=${3:-4}
	cname=${4:-allot}
	pbase=${5:-auto}
	case $nodes in '' | *[!0-9]*) usage ;; esac
	if [ "$pbase" = auto ]; then
		pbase=$(pick_base "$nodes") || die "no free port range found"
	fi
	case $pbase in '' | *[!0-9]*) usage ;; esac
	ports_free "$pbase" $((pbase + nodes)) ||
		die "ports $pbase-$((pbase + nodes)) are in use"
	[ "$nodes" -ge 1 ] && [ "$nodes" -le 256 ] || usage
	for p in slurmctld slurmd munged scontrol sinfo squeue scancel; do
		command -v "$p" > /dev/null 2>&1 || PATH=$PATH:/usr/sbin command -v "$p" > /dev/null 2>&1 ||
			{ echo "cluster.sh: $p is not installed" >&2; exit 3; }
	done
	export PATH=$PATH:/usr/sbin
	[ "$(id -u)" = 0 ] || die "must run as root (SlurmUser=root)"
	if [ -e "$dir/slurmctld.pid" ] && alive "$(tr -dc 0-9 < "$dir/slurmctld.pid")"; then
		die "$dir: a cluster is already running there"
	fi
	if ! do_start "$dir" "$nodes" "$cname" "$pbase"; then
		do_stop "$dir"
		die "start failed in $dir; stopped what was started"
	fi
	exit 0
	;;
stop)
	export PATH=$PATH:/usr/sbin
	do_stop "$dir" || die "stop: something is still running (see above)"
	exit 0
	;;
*) usage ;;
esac
