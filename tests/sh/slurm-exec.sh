#!/usr/bin/env bash
# A real Slurm on this machine (tests/slurm/cluster.sh): start 4 nodes with
# 8 fake GPUs each, run a job asking gres:gpu:2 pinned to node3 through
# both srun and sbatch, check from inside the job that it ran on node3
# (SLURMD_NODENAME) with two GPU ids in CUDA_VISIBLE_DEVICES and that its
# exit code comes back; a second cluster side by side with NODE_PREFIX=b;
# kill-node / start-node (slurmd of node2 killed and back, idle again) and
# stop-ctld / start-ctld (slurmctld restarted with its state: a running
# job survives); then stop every daemon by its pid file and check none is
# left.  Skips (77) when Slurm is not installed or not root.
set -u
CL=tests/slurm/cluster.sh
export PATH=$PATH:/usr/sbin
command -v slurmctld > /dev/null 2>&1 && command -v slurmd > /dev/null 2>&1 &&
	command -v munged > /dev/null 2>&1 && command -v srun > /dev/null 2>&1 ||
	{ echo "SKIP: slurmctld/slurmd/munged/srun not installed"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
# a short folder: the munge socket path must fit a sockaddr_un
D=$(mktemp -d /tmp/allot-slurm.XXXXXX) || exit 1
D2=$(mktemp -d /tmp/allot-slurm.XXXXXX) || exit 1

started=0
fail() {
	echo "FAIL: $*"
	for f in "$D"/slurmctld.log "$D"/slurmd-node3.log; do
		[ -f "$f" ] && { echo "--- $f (tail)"; tail -15 "$f"; }
	done
	exit 1
}
cleanup() {
	[ $started = 1 ] && bash $CL stop "$D"
	[ -s "$D2/slurmctld.pid" ] && bash $CL stop "$D2"
	rm -rf "$D" "$D2"
}
trap cleanup EXIT

t0=$(date +%s.%N)
bash $CL start "$D" 4 allot-t auto || fail "cluster start"
started=1
t1=$(date +%s.%N)
echo "cluster of 4 nodes up in $(awk "BEGIN{print $t1 - $t0}") s"
. "$D/env"
[ "$(sinfo -h -t idle -o %D)" = 4 ] || fail "not 4 idle nodes"
[ "$(sinfo -h -N -o %G | sort -u)" = "gpu:8" ] || fail "GRES: $(sinfo -h -N -o %G)"

out=$(cd "$D" && timeout 20 srun -w node3 --gres=gpu:2 \
	sh -c 'echo "node=$SLURMD_NODENAME cvd=$CUDA_VISIBLE_DEVICES"') || fail "srun"
[ "$out" = "node=node3 cvd=0,1" ] || fail "srun saw: $out"

(cd "$D" && timeout 20 sbatch --wait -Q -w node3 --gres=gpu:2 -J allot-t1 -o "$D/b.out" \
	--wrap 'echo "node=$SLURMD_NODENAME cvd=$CUDA_VISIBLE_DEVICES"; exit 3')
rc=$?
[ $rc = 3 ] || fail "sbatch --wait exit $rc, want 3"
out=$(cat "$D/b.out")
[ "$out" = "node=node3 cvd=0,1" ] || fail "sbatch job saw: $out"

# two jobs on node3 at once get disjoint GPUs
(cd "$D" && timeout 20 sbatch -Q -w node3 --gres=gpu:2 -o "$D/c1.out" --wrap 'echo $CUDA_VISIBLE_DEVICES; sleep 1')
(cd "$D" && timeout 20 sbatch --wait -Q -w node3 --gres=gpu:2 -o "$D/c2.out" --wrap 'echo $CUDA_VISIBLE_DEVICES; sleep 1')
for i in $(seq 1 50); do [ -s "$D/c1.out" ] && break; sleep 0.1; done
a=$(cat "$D/c1.out") b=$(cat "$D/c2.out")
[ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ] || fail "concurrent GPU sets: '$a' '$b'"

# a second cluster with other node names, side by side
NODE_PREFIX=b bash $CL start "$D2" 2 allot-t2 auto || fail "second cluster start"
[ "$(SLURM_CONF=$D2/slurm.conf sinfo -h -N -o %N | tr '\n' ' ')" = "b1 b2 " ] ||
	fail "second cluster nodes: $(SLURM_CONF=$D2/slurm.conf sinfo -h -N -o %N)"
[ "$(sinfo -h -N -o %N | tr '\n' ' ')" = "node1 node2 node3 node4 " ] || fail "first cluster nodes changed"
bash $CL stop "$D2" || fail "second cluster stop"

# slurmd of node2 killed, then back
p2=$(cat "$D/slurmd-node2.pid")
bash $CL kill-node "$D" 2 || fail "kill-node"
[ -r /proc/$p2/stat ] && [ "$(sed 's/.*) \(.\).*/\1/' /proc/$p2/stat)" != Z ] && fail "slurmd $p2 still there"
bash $CL start-node "$D" 2 || fail "start-node"
[ "$(sinfo -h -N -n node2 -o %T)" = idle ] || fail "node2 after start-node: $(sinfo -h -N -n node2 -o %T)"

# slurmctld restarted with its state under a running job
jid=$(cd "$D" && sbatch --parsable -w node1 -o /dev/null --wrap 'sleep 30') || fail "sbatch sleep"
for i in $(seq 1 100); do [ "$(squeue -h -j "$jid" -o %T)" = RUNNING ] && break; sleep 0.1; done
bash $CL stop-ctld "$D" || fail "stop-ctld"
timeout 5 scontrol ping 2> /dev/null | grep -q 'is UP' && fail "slurmctld answers after stop-ctld"
bash $CL start-ctld "$D" || fail "start-ctld"
[ "$(squeue -h -j "$jid" -o %T)" = RUNNING ] || fail "job $jid after start-ctld: $(squeue -h -j "$jid" -o %T)"
scancel "$jid"

pids=$(cat "$D"/slurmd-*.pid "$D"/slurmctld.pid "$D"/munge/munged.pid)
[ "$(echo "$pids" | wc -w)" = 6 ] || fail "pid files: $pids"
bash $CL stop "$D" || fail "cluster stop"
started=0
for p in $pids; do
	if [ -r /proc/$p/stat ] && [ "$(sed 's/.*) \(.\).*/\1/' /proc/$p/stat)" != Z ]; then
		fail "pid $p still running after stop"
	fi
done
echo "ok: srun and sbatch on node3 with 2 GPUs, exit code, disjoint GPUs; two clusters; kill-node/start-node; stop-ctld/start-ctld under a job; stopped"
exit 0
