#!/usr/bin/env bash
# cluster.sh — a private, real Slurm cluster on this machine for tests
# (issue 6; facts in ../shared/SLURM-NOTES.md, use in docs/SLURM.md).
#
#   cluster.sh start DIR [NODES] [CLUSTER_NAME] [PORT_BASE]
#   cluster.sh stop DIR
#   cluster.sh kill-node DIR K [down]
#   cluster.sh start-node DIR K
#   cluster.sh stop-ctld DIR
#   cluster.sh start-ctld DIR
#
# start: everything lives under DIR (created): its own munged (key, socket,
# pid, seed, log), one slurmctld on PORT_BASE and NODES slurmd daemons
# (`slurmd -N PREFIXK`, K = 1..NODES, ports PORT_BASE+K; PREFIX is the
# environment's NODE_PREFIX, default "node", letters, digits, '-' or '_',
# not ending in a digit, written to DIR/prefix: two clusters side by side
# need different prefixes when their nodes go into one pool) each declaring 8
# fake GPUs (gres.conf File= symbolic links to /dev/null: they stat as
# character devices, so Slurm sets CUDA_VISIBLE_DEVICES).  Writes
# DIR/slurm.conf, DIR/gres.conf and DIR/env (`export SLURM_CONF=...`; source
# it), then waits until every node is idle (polling, with a timeout).
# SlurmdTimeout=5: slurmctld pings each slurmd every SlurmdTimeout/3 s and
# marks a node that has not answered for 5 s DOWN (its jobs NODE_FAIL);
# MessageTimeout=3 because slurmctld retries a refused connection to a
# dead slurmd once a second for MIN(MessageTimeout, 10) s per ping (with
# the default 10 a killed slurmd is DOWN after ~25 s, with 3 after ~12 s);
# ReturnToService=2 returns it when its slurmd registers again.
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
# kill-node: SIGKILL to the slurmd of node PREFIXK (its pid file); waits
# (5 s at most) until that process is gone.  The job steps it started
# keep running until slurmctld declares the node DOWN (about SlurmdTimeout
# later) and kills them.  With "down" it also waits (30 s at most) until
# slurmctld reports the node DOWN.
# start-node: starts that slurmd again and waits (30 s at most) until
# slurmctld reports the node idle, mixed or allocated (responding).
# stop-ctld: stops slurmctld by its pid file (SIGTERM, which saves its
# state, SIGKILL after 10 s); slurmd daemons and jobs keep running.
# start-ctld: starts slurmctld again WITHOUT -c, so it recovers its saved
# jobs and nodes, and waits (30 s at most) until `scontrol ping` says UP.
# Each exits 0 once the effect is seen, 1 with a message saying what it
# did and what it saw otherwise.
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
	echo "       cluster.sh kill-node DIR K [down] | start-node DIR K" >&2
	echo "       cluster.sh stop-ctld DIR | start-ctld DIR" >&2
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
	local d=$1 n=$2 name=$3 pb=$4 px=$5 host i idle k
	host=$(hostname -s)
	mkdir -p "$d" || return 1
	d=$(cd "$d" && pwd) || return 1
	export SLURM_CONF=$d/slurm.conf
	mkdir -p "$d/munge" "$d/state" "$d/spool" "$d/dev" || return 1
	chmod 755 "$d" "$d/munge" || return 1
	for i in $(seq 1 "$n"); do mkdir -p "$d/spool/$px$i" || return 1; done
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
SlurmdTimeout=5
MessageTimeout=3
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
NodeName=$px[1-$n] NodeAddr=127.0.0.1 NodeHostname=localhost Port=$((pb + 1))-$((pb + n)) CPUs=8 RealMemory=16000 Gres=gpu:8 State=UNKNOWN
PartitionName=gpu Nodes=$px[1-$n] Default=YES MaxTime=INFINITE State=UP
EOF
	cat > "$d/gres.conf" << EOF
AutoDetect=off
NodeName=$px[1-$n] Name=gpu File=$d/dev/nvidia[0-7]
EOF
	echo "export SLURM_CONF=$d/slurm.conf" > "$d/env"
	echo "$pb" > "$d/port"
	echo "$px" > "$d/prefix"
	echo "$n" > "$d/nodes"

	slurmctld -c -f "$d/slurm.conf" || { echo "slurmctld failed to start" >&2; return 1; }
	for i in $(seq 1 100); do
		timeout 5 scontrol ping 2> /dev/null | grep -q 'is UP' && break
		sleep 0.1
	done
	timeout 5 scontrol ping 2> /dev/null | grep -q 'is UP' ||
		{ echo "slurmctld does not answer (log: $d/slurmctld.log)" >&2; return 1; }
	for i in $(seq 1 "$n"); do
		slurmd -f "$d/slurm.conf" -N "$px$i" ||
			{ echo "slurmd $px$i failed (log: $d/slurmd-$px$i.log)" >&2; return 1; }
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

# node_state DIR NAME: sinfo's state of one node ("idle", "down*", ...).
node_state() {
	SLURM_CONF=$1/slurm.conf timeout 5 sinfo -h -N -n "$2" -o %T 2> /dev/null | head -1
}

# The node name K of the cluster in DIR (its prefix file + K), checked.
node_name() {
	local d=$1 k=$2 px n
	case $k in '' | *[!0-9]*) usage ;; esac
	[ -s "$d/prefix" ] && [ -s "$d/slurm.conf" ] || die "$d: no cluster (no prefix or slurm.conf file)"
	px=$(cat "$d/prefix") n=$(cat "$d/nodes" 2> /dev/null)
	[ "$k" -ge 1 ] && [ "$k" -le "${n:-0}" ] || die "node $k: the cluster in $d has nodes 1..${n:-?}"
	echo "$px$k"
}

ctld_up() {
	SLURM_CONF=$1/slurm.conf timeout 5 scontrol ping 2> /dev/null | grep -q 'is UP'
}

do_kill_node() {
	local d=$1 nm=$2 want=$3 f pid i st
	f=$d/slurmd-$nm.pid
	[ -s "$f" ] || die "kill-node $nm: no pid file $f (slurmd not running?)"
	pid=$(tr -dc 0-9 < "$f")
	alive "$pid" || die "kill-node $nm: slurmd pid $pid (from $f) is not running"
	kill -KILL "$pid" 2> /dev/null || die "kill-node $nm: kill -KILL $pid failed"
	for i in $(seq 1 50); do
		alive "$pid" || break
		sleep 0.1
	done
	alive "$pid" && die "kill-node $nm: sent SIGKILL to slurmd pid $pid; still alive after 5 s"
	rm -f "$f"
	[ "$want" = down ] || return 0
	for i in $(seq 1 150); do
		st=$(node_state "$d" "$nm")
		case $st in down*) return 0 ;; esac
		sleep 0.2
	done
	die "kill-node $nm: slurmd pid $pid killed, but slurmctld still says '$st' after 30 s (want down)"
}

do_start_node() {
	local d=$1 nm=$2 f i st
	f=$d/slurmd-$nm.pid
	if [ -s "$f" ] && alive "$(tr -dc 0-9 < "$f")"; then
		die "start-node $nm: slurmd already runs (pid $(cat "$f"))"
	fi
	SLURM_CONF=$d/slurm.conf slurmd -f "$d/slurm.conf" -N "$nm" ||
		die "start-node $nm: slurmd -N $nm failed (log: $d/slurmd-$nm.log)"
	for i in $(seq 1 150); do
		st=$(node_state "$d" "$nm")
		case $st in idle | mixed | allocated) return 0 ;; esac
		sleep 0.2
	done
	die "start-node $nm: slurmd started, but slurmctld still says '$st' after 30 s (want idle, mixed or allocated; log: $d/slurmd-$nm.log)"
}

do_start_ctld() {
	local d=$1 i
	if [ -s "$d/slurmctld.pid" ] && alive "$(tr -dc 0-9 < "$d/slurmctld.pid")"; then
		die "start-ctld: slurmctld already runs (pid $(cat "$d/slurmctld.pid"))"
	fi
	SLURM_CONF=$d/slurm.conf slurmctld -f "$d/slurm.conf" ||
		die "start-ctld: slurmctld -f $d/slurm.conf failed (log: $d/slurmctld.log)"
	for i in $(seq 1 150); do
		ctld_up "$d" && return 0
		sleep 0.2
	done
	die "start-ctld: slurmctld started (without -c) but scontrol ping does not say UP after 30 s (log: $d/slurmctld.log)"
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
	px=${NODE_PREFIX:-node}
	case $px in
	'' | *[!A-Za-z0-9_-]* | *[0-9]) die "NODE_PREFIX '$px': letters, digits, - or _, not ending in a digit" ;;
	esac
	if [ -e "$dir/slurmctld.pid" ] && alive "$(tr -dc 0-9 < "$dir/slurmctld.pid")"; then
		die "$dir: a cluster is already running there"
	fi
	if ! do_start "$dir" "$nodes" "$cname" "$pbase" "$px"; then
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
kill-node | start-node)
	[ $# -ge 3 ] || usage
	export PATH=$PATH:/usr/sbin
	dir=$(cd "$dir" 2> /dev/null && pwd) || die "$cmd: no folder $2"
	nm=$(node_name "$dir" "$3") || exit 1
	if [ "$cmd" = kill-node ]; then
		do_kill_node "$dir" "$nm" "${4:-}"
	else
		do_start_node "$dir" "$nm"
	fi
	exit 0
	;;
stop-ctld)
	export PATH=$PATH:/usr/sbin
	[ -s "$dir/slurmctld.pid" ] || die "stop-ctld: no pid file $dir/slurmctld.pid"
	stop_pidfile "$dir/slurmctld.pid" slurmctld || die "stop-ctld: slurmctld did not stop (TERM, then KILL)"
	exit 0
	;;
start-ctld)
	export PATH=$PATH:/usr/sbin
	dir=$(cd "$dir" 2> /dev/null && pwd) || die "$cmd: no folder $2"
	[ -s "$dir/slurm.conf" ] || die "start-ctld: no $dir/slurm.conf"
	do_start_ctld "$dir"
	exit 0
	;;
*) usage ;;
esac
