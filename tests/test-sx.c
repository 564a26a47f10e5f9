/*
 * test-sx.c — the Slurm executor (src/exec/sx.h) against a real, private
 * Slurm cluster of 4 nodes with 8 fake GPUs each (tests/slurm/cluster.sh):
 * a job pinned to node3 with 2 GPUs runs there (SLURMD_NODENAME from
 * inside the job), sees two GPU ids in CUDA_VISIBLE_DEVICES and allot's
 * ALLOT_* variables, and its exit code comes back; an id is never
 * submitted twice; exec_stop ends a running job (stopped = 1), with
 * SIGKILL after the grace period for one that ignores SIGTERM; a fresh
 * executor on the same state directory recovers a running job (also one
 * whose Slurm id was never written down: found by name), a finished one,
 * one reported before and an unknown one; a two-node job charged to a
 * Slurm account named after the tenant.  Bad configurations are refused
 * before libslurm sees them; the nodes come back as a pool file that
 * allot's parser reads (4 nodes, 32 GPUs).  slurmctld stopped while a job
 * runs: polls neither block nor lose it, start and stop fail fast, and
 * after slurmctld's restart the job is followed and stopped again.
 *
 * sx_slurm_nodes, on its own cluster (nodes sxn1..sxn4): a NODE event per
 * node at the start; jobs submitted by hand give exactly one FOREIGN each
 * (allot_id from an allot comment) and are left alone; a 2-GPU job's
 * acct_gpu_s is 2 x Slurm's run time (scontrol's StartTime/EndTime), kept
 * in the exit file for a recovery; the slurmd under a job killed: NODE
 * up=0, then the job's EXITED with node_failed = 1, and NODE up=1 once
 * the slurmd is back; slurmctld stopped: after 3 s "cluster unreachable"
 * for every node, nothing LOST, a recovery meanwhile keeps the claimed id;
 * slurmctld back with its state: nodes up again, the job followed to its
 * end.  Both skip without Slurm or root.
 *
 * The cluster is started and stopped by this process; the checks run in a
 * forked child (test_fail exits at once), so the daemons are stopped by
 * their pid files whatever the outcome.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec/exec.h"
#include "exec/sx.h"
#include "model/pool.h"
#include "model/poolfile.h"
#include "test.h"
#include "util/err.h"

#define WAIT_MS 20000

static int
have(const char *prog)
{
	char cmd[256];

	snprintf(cmd, sizeof cmd, "PATH=$PATH:/usr/sbin command -v %s "
		 ">/dev/null 2>&1", prog);
	return system(cmd) == 0;
}

/* Events seen so far, across calls. */
struct evlog {
	struct exec_event ev[256];
	size_t n;
};

/* Polls until an event of kind for id arrives; returns it (fails after
 * WAIT_MS). */
static struct exec_event
wait_ev(struct exec *x, struct evlog *lg, uint64_t id, int kind)
{
	double end = test_now_s() + WAIT_MS / 1000.0;

	for (;;) {
		for (size_t i = 0; i < lg->n; i++)
			if (lg->ev[i].id == id && lg->ev[i].kind == kind)
				return lg->ev[i];
		if (test_now_s() > end)
			test_fail(__FILE__, __LINE__, "job %llu: no event %d "
				  "after %d ms", (unsigned long long)id, kind,
				  WAIT_MS);
		if (lg->n < 250)
			lg->n += exec_poll(x, lg->ev + lg->n, 1); /* one at a time */
		test_nap_ms(50);
	}
}

/* 1 if id got STARTED before its EXITED in lg, each once. */
static int
started_then_exited(const struct evlog *lg, uint64_t id)
{
	int s = -1, x = -1, ns = 0, nx = 0;

	for (size_t i = 0; i < lg->n; i++) {
		if (lg->ev[i].id != id)
			continue;
		if (lg->ev[i].kind == EXEC_STARTED) {
			s = (int)i;
			ns++;
		}
		if (lg->ev[i].kind == EXEC_EXITED) {
			x = (int)i;
			nx++;
		}
	}
	return ns == 1 && nx == 1 && s < x;
}

static char *
slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* 1 while pid is a process that is not a zombie. */
static int
alive(long pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

/* Stops the cluster's slurmctld (SIGTERM, waits until it is gone). */
static void
ctl_kill(const char *d)
{
	char path[600];
	long pid = 0;
	FILE *f;
	double end = test_now_s() + 10;

	snprintf(path, sizeof path, "%s/slurmctld.pid", d);
	CHECK((f = fopen(path, "r")) != NULL);
	CHECK(fscanf(f, "%ld", &pid) == 1);
	fclose(f);
	CHECK(pid > 1 && kill((pid_t)pid, SIGTERM) == 0);
	while (alive(pid) && test_now_s() < end)
		test_nap_ms(50);
	CHECK(!alive(pid));
}

static struct exec_job
job(uint64_t id, const char *cmd, const char *dir, const char *out)
{
	static const int gpus[2] = {2, 3};
	static const char *const env[] = {"FOO=bar", "ALLOT_ACCOUNT=physics",
					  NULL};
	struct exec_job j;

	memset(&j, 0, sizeof j);
	j.id = id;
	j.command = cmd;
	j.workdir = dir;
	j.out_path = out;
	j.err_path = out;
	j.env = env;
	j.node = "node3";
	j.nodelist = "node3";
	j.gpus = gpus;
	j.ngpus = 2;
	j.time_limit_s = 120;
	j.grace_s = 1;
	return j;
}

static void
checks(const char *d, const char *conf)
{
	char state[600], out[600], bad[600];
	struct err e = {0};
	struct exec *x, *y;
	struct exec_job j;
	struct exec_event ev, rev[4];
	struct evlog lg = {0}, lg2 = {0};
	uint64_t ids[4] = {4, 5, 6, 1};
	const char *text;
	double t0;
	FILE *f;

	snprintf(state, sizeof state, "%s/sx-state", d);
	/* refused before libslurm sees them */
	snprintf(bad, sizeof bad, "%s/none.conf", d);
	CHECK(sx_new(bad, state, NULL, &e) == NULL);
	CHECK_EQ_INT(e.code, ERR_IO);
	snprintf(bad, sizeof bad, "%s/bad.conf", d);
	CHECK((f = fopen(bad, "w")) != NULL);
	fputs("ClusterName=x\n", f);
	fclose(f);
	CHECK(sx_new(bad, state, NULL, &e) == NULL);
	CHECK_CONTAINS(e.msg, "SlurmctldHost");

	x = sx_new(conf, state, NULL, &e);
	if (x == NULL)
		test_fail(__FILE__, __LINE__, "sx_new: %s", e.msg);
	CHECK_STR(exec_name(x), "slurm");

	/* the cluster's nodes as a pool file allot reads */
	{
		char *txt = NULL;
		struct pool pool;
		CHECK_EQ_INT(sx_pool_text(x, "allot-sx", NULL, &txt, &e),
			     ERR_INVALID); /* untyped gpu GRES, no default */
		CHECK_CONTAINS(e.msg, "untyped");
		CHECK(txt == NULL);
		if (sx_pool_text(x, "allot-sx", "H100", &txt, &e) != 0)
			test_fail(__FILE__, __LINE__, "sx_pool_text: %s", e.msg);
		CHECK_CONTAINS(txt, "\nnodes node3 cluster=allot-sx model=H100 "
			       "gpus=8 cpu=8000 mem=16000 state=up\n");
		CHECK_CONTAINS(txt, "\nend nodes=4 gpus=32\n");
		pool_init(&pool);
		if (poolfile_parse("slurm", txt, strlen(txt), &pool, &e) != 0)
			test_fail(__FILE__, __LINE__, "poolfile_parse: %s\n%s",
				  e.msg, txt);
		CHECK_EQ_INT(pool.nnodes, 4);
		CHECK_EQ_INT(pool.total_gpus, 32);
		pool_free(&pool);
		free(txt);
	}

	/* 1: pinned to node3 with 2 GPUs; exit code 7 */
	snprintf(out, sizeof out, "%s/j1.out", d);
	j = job(1, "echo \"node=$SLURMD_NODENAME cvd=$CUDA_VISIBLE_DEVICES "
		"id=$ALLOT_JOB_ID ids=$ALLOT_GPU_IDS n=$ALLOT_GPUS foo=$FOO "
		"it's\"; exit 7", d, out);
	t0 = test_now_s();
	if (exec_start(x, &j, &e) != 0)
		test_fail(__FILE__, __LINE__, "exec_start: %s", e.msg);
	CHECK_EQ_INT(exec_start(x, &j, &e), ERR_CONFLICT);
	ev = wait_ev(x, &lg, 1, EXEC_EXITED);
	printf("job 1: submitted to EXITED in %.2f s\n", test_now_s() - t0);
	CHECK(started_then_exited(&lg, 1));
	CHECK_EQ_INT(ev.status, 7);
	CHECK_EQ_INT(ev.signal, 0);
	CHECK_EQ_INT(ev.stopped, 0);
	CHECK_EQ_INT(ev.timed_out, 0);
	CHECK((text = slurp(out)) != NULL);
	CHECK_STR(text, "node=node3 cvd=0,1 id=1 ids=2,3 n=2 foo=bar it's\n");
	CHECK_EQ_INT(exec_start(x, &j, &e), ERR_CONFLICT);
	CHECK_EQ_INT(exec_stop(x, 1, 0, &e), ERR_NOTFOUND);

	/* refused by Slurm (no such node): the id stays free */
	j = job(9, "true", d, out);
	j.node = j.nodelist = "node99";
	CHECK_EQ_INT(exec_start(x, &j, &e), ERR_INVALID);
	j.node = j.nodelist = "node2";
	CHECK_EQ_INT(exec_start(x, &j, &e), 0);
	ev = wait_ev(x, &lg, 9, EXEC_EXITED);
	CHECK_EQ_INT(ev.status, 0);

	/* 2: stopped with SIGTERM */
	j = job(2, "sleep 60", d, out);
	CHECK_EQ_INT(exec_start(x, &j, &e), 0);
	ev = wait_ev(x, &lg, 2, EXEC_STARTED);
	/* the GPUs Slurm gave it, from the job's GRES detail */
	CHECK_STR(ev.text, "slurm_gpus=0,1");
	t0 = test_now_s();
	CHECK_EQ_INT(exec_stop(x, 2, 10, &e), 0);
	ev = wait_ev(x, &lg, 2, EXEC_EXITED);
	printf("job 2: stop to EXITED in %.2f s\n", test_now_s() - t0);
	/* ended by the TERM, not by the KILL 10 s later (a loaded machine
	 * took 5.2 s once) */
	CHECK(test_now_s() - t0 < 9.0);
	CHECK_EQ_INT(ev.stopped, 1);
	CHECK_EQ_INT(ev.status, -1);
	CHECK_EQ_INT(ev.signal, SIGTERM);

	/* 3: ignores SIGTERM: SIGKILL after the 1 s grace */
	j = job(3, "trap '' TERM; sleep 60 & wait; sleep 60", d, out);
	CHECK_EQ_INT(exec_start(x, &j, &e), 0);
	wait_ev(x, &lg, 3, EXEC_STARTED);
	t0 = test_now_s();
	CHECK_EQ_INT(exec_stop(x, 3, 1, &e), 0);
	ev = wait_ev(x, &lg, 3, EXEC_EXITED);
	printf("job 3: stop to EXITED in %.2f s (grace 1 s)\n", test_now_s() - t0);
	CHECK(test_now_s() - t0 >= 0.9);
	CHECK_EQ_INT(ev.stopped, 1);
	CHECK_EQ_INT(ev.status, -1);
	CHECK_EQ_INT(ev.signal, SIGKILL);

	/* recovery: 4 runs on, 5 finishes meanwhile, 6 never started here,
	 * 1 was reported before */
	j = job(4, "sleep 60", d, out);
	CHECK_EQ_INT(exec_start(x, &j, &e), 0);
	snprintf(bad, sizeof bad, "%s/j5.done", d);
	{
		char cmd[800];
		snprintf(cmd, sizeof cmd, "touch %s; exit 5", bad);
		j = job(5, cmd, d, out);
		CHECK_EQ_INT(exec_start(x, &j, &e), 0);
	}
	wait_ev(x, &lg, 4, EXEC_STARTED);
	exec_free(x);
	/* a crash between the submission and writing the Slurm id down */
	CHECK(snprintf(out, sizeof out, "%s/4/slurm", state) < (int)sizeof out);
	CHECK_EQ_INT(unlink(out), 0);
	t0 = test_now_s();
	while (access(bad, F_OK) != 0 && test_now_s() < t0 + 20)
		test_nap_ms(50);
	test_nap_ms(300);
	y = sx_new(conf, state, "tenant-", &e); /* Slurm accounts from here */
	CHECK(y != NULL);
	CHECK_EQ_INT(exec_recover(y, ids, 4, rev, &e), 0);
	CHECK_EQ_INT(rev[0].kind, EXEC_STARTED);
	CHECK_EQ_INT(rev[0].id, 4);
	CHECK(rev[1].kind == EXEC_EXITED || rev[1].kind == EXEC_STARTED);
	if (rev[1].kind == EXEC_STARTED) /* still completing in Slurm */
		rev[1] = wait_ev(y, &lg2, 5, EXEC_EXITED);
	CHECK_EQ_INT(rev[1].status, 5);
	CHECK_EQ_INT(rev[1].stopped, 0);
	CHECK_EQ_INT(rev[2].kind, EXEC_LOST);
	CHECK_EQ_INT(rev[3].kind, EXEC_EXITED);
	CHECK_EQ_INT(rev[3].status, 7);
	CHECK_EQ_INT(access(out, F_OK), 0); /* the id found by name, written */
	j = job(4, "true", d, out);
	CHECK_EQ_INT(exec_start(y, &j, &e), ERR_CONFLICT);
	CHECK_EQ_INT(exec_stop(y, 4, 0, &e), 0);
	ev = wait_ev(y, &lg2, 4, EXEC_EXITED);
	CHECK_EQ_INT(ev.stopped, 1);

	/* 12: two nodes, 2 GPUs each, charged to account tenant-physics
	 * (without slurmdbd Slurm records any account name) */
	snprintf(out, sizeof out, "%s/j12.out", d);
	j = job(12, "echo \"$SLURM_JOB_NODELIST $SLURMD_NODENAME "
		"$SLURM_JOB_ACCOUNT $ALLOT_NODELIST $ALLOT_NODE\"", d, out);
	j.node = "node2";
	j.nodelist = "node2,node4";
	CHECK_EQ_INT(exec_start(y, &j, &e), 0);
	ev = wait_ev(y, &lg2, 12, EXEC_EXITED);
	CHECK_EQ_INT(ev.status, 0);
	CHECK_STR(slurp(out), "node[2,4] node2 tenant-physics node2,node4 node2\n");

	/* slurmctld stops while job 10 runs: exec_poll does not block and
	 * loses nothing, exec_start/exec_stop fail fast (the id stays free);
	 * once slurmctld is back (state kept) the job is followed again */
	snprintf(out, sizeof out, "%s/j10.out", d);
	j = job(10, "sleep 40", d, out);
	j.node = j.nodelist = "node1";
	CHECK_EQ_INT(exec_start(y, &j, &e), 0);
	wait_ev(y, &lg2, 10, EXEC_STARTED);
	ctl_kill(d);
	t0 = test_now_s();
	for (int k = 0; k < 10; k++) {
		struct exec_event tmp[8];
		size_t got = exec_poll(y, tmp, 8);
		for (size_t q = 0; q < got; q++) /* only "unreachable" NODEs */
			CHECK_EQ_INT(tmp[q].kind, EXEC_NODE);
		test_nap_ms(120);
	}
	CHECK_EQ_INT(exec_stop(y, 10, 0, &e), ERR_IO);
	CHECK_CONTAINS(e.msg, "does not answer");
	j = job(11, "true", d, out);
	CHECK_EQ_INT(exec_start(y, &j, &e), ERR_IO);
	printf("slurmctld down: 10 polls, a stop and a start in %.2f s\n",
	       test_now_s() - t0);
	CHECK(test_now_s() - t0 < 4.0);
	CHECK(snprintf(bad, sizeof bad, "%s/11", state) < (int)sizeof bad);
	CHECK(access(bad, F_OK) != 0);
	{
		char cmd[800];
		snprintf(cmd, sizeof cmd, "PATH=$PATH:/usr/sbin slurmctld -f %s "
			 "&& for i in $(seq 1 100); do SLURM_CONF=%s scontrol ping "
			 "2>/dev/null | grep -q UP && exit 0; sleep 0.1; done; "
			 "exit 1", conf, conf);
		CHECK_EQ_INT(system(cmd), 0);
	}
	t0 = test_now_s();
	while (exec_stop(y, 10, 0, &e) == ERR_IO && test_now_s() < t0 + 10)
		test_nap_ms(100);
	ev = wait_ev(y, &lg2, 10, EXEC_EXITED);
	printf("slurmctld back: job 10 stopped %.2f s later\n", test_now_s() - t0);
	CHECK_EQ_INT(ev.stopped, 1);
	for (size_t k = 0; k < lg2.n; k++)
		CHECK(lg2.ev[k].kind != EXEC_LOST);
	exec_free(y);

	/* Partitions: node1-2 stay in the default partition "gpu", node3-4
	 * move to "big"; a job pinned to node3 goes to "big", one on node1
	 * and node3 has no partition and is refused with its id still free. */
	{
		char cmd[800];
		struct evlog lg3 = {0};
		snprintf(cmd, sizeof cmd, "SLURM_CONF=%s scontrol update "
			 "PartitionName=gpu Nodes=node[1-2] && SLURM_CONF=%s "
			 "scontrol create PartitionName=big Nodes=node[3-4] "
			 "State=UP MaxTime=INFINITE", conf, conf);
		CHECK_EQ_INT(system(cmd), 0);
		snprintf(state, sizeof state, "%s/sx-parts", d);
		y = sx_new(conf, state, NULL, &e);
		CHECK(y != NULL);
		j = job(20, "echo $SLURM_JOB_PARTITION > part.out", d, out);
		if (exec_start(y, &j, &e) != 0)
			test_fail(__FILE__, __LINE__, "start on node3: %s", e.msg);
		ev = wait_ev(y, &lg3, 20, EXEC_EXITED);
		CHECK_EQ_INT(ev.status, 0);
		CHECK(snprintf(bad, sizeof bad, "%s/part.out", d) < (int)sizeof bad);
		text = slurp(bad);
		CHECK(text != NULL);
		CHECK_STR(text, "big\n");
		j = job(21, "true", d, out);
		j.nodelist = "node1,node3";
		j.node = "node1";
		CHECK_EQ_INT(exec_start(y, &j, &e), ERR_INVALID);
		CHECK_CONTAINS(e.msg, "no partition");
		CHECK(snprintf(bad, sizeof bad, "%s/21", state) < (int)sizeof bad);
		CHECK(access(bad, F_OK) != 0); /* not claimed */
		exec_free(y);
	}
}

TEST(sx_slurm_cluster)
{
	char d[64], cmd[512], conf[128];
	pid_t pid;
	int st, rc;

	if (!have("slurmctld") || !have("slurmd") || !have("munged"))
		test_skip("slurmctld/slurmd/munged not installed");
	if (geteuid() != 0)
		test_skip("needs root (SlurmUser=root)");
	/* short: the munge socket path must fit a sockaddr_un */
	snprintf(d, sizeof d, "/tmp/allot-sx.XXXXXX");
	CHECK(mkdtemp(d) != NULL);
	snprintf(cmd, sizeof cmd, "bash tests/slurm/cluster.sh start %s 4 "
		 "allot-sx auto", d);
	if (system(cmd) != 0) {
		snprintf(cmd, sizeof cmd, "rm -rf %s", d);
		rc = system(cmd);
		(void)rc;
		test_fail(__FILE__, __LINE__, "cluster.sh start failed");
	}
	snprintf(conf, sizeof conf, "%s/slurm.conf", d);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		checks(d, conf);
		fflush(NULL);
		_exit(0);
	}
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	snprintf(cmd, sizeof cmd, "bash tests/slurm/cluster.sh stop %s", d);
	rc = system(cmd);
	snprintf(cmd, sizeof cmd, "rm -rf %s", d);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", d);
	CHECK(pid > 0);
	CHECK_EQ_INT(rc, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		test_fail(__FILE__, __LINE__, "the checks failed (status %d)", st);
}

/* Runs a shell command built from fmt; its exit status. */
static int
sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int
sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	fflush(NULL);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Polls until a NODE event for name with up arrives at index >= from;
 * returns its index (fails after ms). */
static size_t
wait_node(struct exec *x, struct evlog *lg, size_t from, const char *name,
	  int up, long ms)
{
	double end = test_now_s() + (double)ms / 1000.0;

	for (;;) {
		for (size_t i = from; i < lg->n; i++)
			if (lg->ev[i].kind == EXEC_NODE && lg->ev[i].up == up &&
			    strcmp(lg->ev[i].name, name) == 0)
				return i;
		if (test_now_s() > end)
			test_fail(__FILE__, __LINE__, "node %s: no NODE up=%d "
				  "after %ld ms", name, up, ms);
		if (lg->n < 250)
			lg->n += exec_poll(x, lg->ev + lg->n, 4);
		test_nap_ms(50);
	}
}

static size_t
count_kind(const struct evlog *lg, int kind, uint64_t id)
{
	size_t c = 0;

	for (size_t i = 0; i < lg->n; i++)
		c += lg->ev[i].kind == kind && lg->ev[i].id == id;
	return c;
}

/* Polls for about ms, collecting events. */
static void
poll_for(struct exec *x, struct evlog *lg, long ms)
{
	double end = test_now_s() + (double)ms / 1000.0;

	while (test_now_s() < end) {
		if (lg->n < 250)
			lg->n += exec_poll(x, lg->ev + lg->n, 8);
		test_nap_ms(50);
	}
}

static struct exec_job
job_on(uint64_t id, const char *cmd, const char *dir, const char *node,
       size_t ngpus)
{
	struct exec_job j = job(id, cmd, dir, "/dev/null");

	j.node = j.nodelist = node;
	j.ngpus = ngpus;
	return j;
}

static void
checks_nodes(const char *d, const char *conf)
{
	static const char *const names[4] = {"sxn1", "sxn2", "sxn3", "sxn4"};
	char state[600], path[700], *text;
	struct err e = {0};
	struct exec *x, *z;
	struct exec_job j;
	struct exec_event ev, rev[2];
	struct evlog lg = {0}, lz = {0};
	uint64_t rids[2] = {23, 99};
	long long hand = 0, hand77 = 0, t_start = 0, t_end = 0;
	double t0, t_down, t_back;
	size_t i0, i1;
	FILE *f;

	snprintf(state, sizeof state, "%s/sx-state", d);
	x = sx_new(conf, state, NULL, &e);
	if (x == NULL)
		test_fail(__FILE__, __LINE__, "sx_new: %s", e.msg);

	/* every node once at the start, usable */
	poll_for(x, &lg, 300);
	for (int k = 0; k < 4; k++) {
		size_t c = 0;
		for (size_t i = 0; i < lg.n; i++)
			if (lg.ev[i].kind == EXEC_NODE &&
			    strcmp(lg.ev[i].name, names[k]) == 0) {
				CHECK_EQ_INT(lg.ev[i].up, 1);
				CHECK_STR(lg.ev[i].text, "IDLE");
				CHECK(lg.ev[i].at > 0);
				c++;
			}
		CHECK_EQ_INT(c, 1);
	}

	/* a job by hand: one FOREIGN, never touched */
	CHECK_EQ_INT(sh("cd %s && SLURM_CONF=%s PATH=$PATH:/usr/sbin sbatch "
			"--parsable -w sxn4 --gres=gpu:3 -J 'by hand' -o /dev/null "
			"--wrap 'sleep 40' > %s/hand.jid", d, conf, d), 0);
	/* and one that says it is allot's (an earlier daemon's, say) */
	CHECK_EQ_INT(sh("cd %s && SLURM_CONF=%s PATH=$PATH:/usr/sbin sbatch "
			"--parsable -w sxn4 -J allot-77 --comment 'allot id=77 "
			"account=x' -o /dev/null --wrap 'sleep 40' >> %s/hand.jid",
			d, conf, d), 0);
	snprintf(path, sizeof path, "%s/hand.jid", d);
	CHECK((f = fopen(path, "r")) != NULL);
	CHECK(fscanf(f, "%lld %lld", &hand, &hand77) == 2);
	fclose(f);
	/* 2: accounting, 2 GPUs for about 2 s */
	j = job_on(21, "sleep 2", d, "sxn2", 2);
	CHECK_EQ_INT(exec_start(x, &j, &e), 0);
	wait_ev(x, &lg, (uint64_t)hand, EXEC_FOREIGN);
	ev = wait_ev(x, &lg, 21, EXEC_EXITED);
	poll_for(x, &lg, 300);
	CHECK_EQ_INT(count_kind(&lg, EXEC_FOREIGN, (uint64_t)hand), 1);
	for (size_t i = 0; i < lg.n; i++)
		if (lg.ev[i].kind == EXEC_FOREIGN && lg.ev[i].id == (uint64_t)hand) {
			printf("FOREIGN %lld: %s\n", hand, lg.ev[i].text);
			CHECK_STR(lg.ev[i].name, "");
			CHECK_CONTAINS(lg.ev[i].text, "name=by_hand user=0 state=");
			CHECK_CONTAINS(lg.ev[i].text, "gpus=3");
		}
	CHECK_EQ_INT(count_kind(&lg, EXEC_FOREIGN, 0), 0);
	ev = wait_ev(x, &lg, (uint64_t)hand77, EXEC_FOREIGN);
	CHECK_CONTAINS(ev.text, "name=allot-77 user=0 state=");
	CHECK_CONTAINS(ev.text, " gpus=0 allot_id=77");
	CHECK_EQ_INT(count_kind(&lg, EXEC_FOREIGN, (uint64_t)hand77), 1);
	ev = wait_ev(x, &lg, 21, EXEC_EXITED);
	CHECK_EQ_INT(ev.status, 0);
	CHECK_EQ_INT(ev.acct_known, 1);
	CHECK_EQ_INT(ev.node_failed, 0);
	/* Slurm's own times of job 21 */
	CHECK_EQ_INT(sh("SLURM_CONF=%s PATH=$PATH:/usr/sbin scontrol -o show job "
			"$(sed 's/jobid=//' %s/21/slurm) | tr ' ' '\\n' | sed -n "
			"'s/^StartTime=//p;s/^EndTime=//p' | while read t; do "
			"date -d \"$t\" +%%s; done > %s/t21", conf, state, d), 0);
	snprintf(path, sizeof path, "%s/t21", d);
	CHECK((f = fopen(path, "r")) != NULL);
	CHECK(fscanf(f, "%lld %lld", &t_start, &t_end) == 2);
	fclose(f);
	printf("job 21: Slurm ran it %lld s; acct_gpu_s %lld\n",
	       t_end - t_start, (long long)ev.acct_gpu_s);
	CHECK(t_end - t_start >= 2);
	CHECK_EQ_INT(ev.acct_gpu_s, 2 * (t_end - t_start));
	CHECK_EQ_INT(ev.at, t_end);
	/* the exit file keeps it for a recovery */
	snprintf(path, sizeof path, "%s/21/exit", state);
	CHECK((text = slurp(path)) != NULL);
	CHECK_CONTAINS(text, "node_failed=0 acct_known=1 acct_gpu_s=");
	/* the jobs by hand were not touched */
	CHECK_EQ_INT(sh("SLURM_CONF=%s PATH=$PATH:/usr/sbin squeue -h -j %lld "
			"-o %%T | grep -q -E 'RUNNING|PENDING'", conf, hand), 0);
	CHECK_EQ_INT(sh("SLURM_CONF=%s PATH=$PATH:/usr/sbin squeue -h -j %lld "
			"-o %%T | grep -q -E 'RUNNING|PENDING'", conf, hand77), 0);

	/* 22 on sxn3, whose slurmd dies: NODE up=0, EXITED node_failed */
	j = job_on(22, "sleep 60", d, "sxn3", 1);
	CHECK_EQ_INT(exec_start(x, &j, &e), 0);
	wait_ev(x, &lg, 22, EXEC_STARTED);
	i0 = lg.n;
	t0 = test_now_s();
	CHECK_EQ_INT(sh("bash tests/slurm/cluster.sh kill-node %s 3", d), 0);
	i1 = wait_node(x, &lg, i0, "sxn3", 0, 25000);
	t_down = test_now_s() - t0;
	ev = wait_ev(x, &lg, 22, EXEC_EXITED);
	for (size_t i = i0; i < i1; i++) /* the NODE came first */
		CHECK(lg.ev[i].kind != EXEC_EXITED);
	printf("slurmd of sxn3 killed: NODE up=0 after %.1f s, job 22 EXITED "
	       "after %.1f s\n", t_down, test_now_s() - t0);
	CHECK(test_now_s() - t0 < 20.0);
	CHECK_EQ_INT(ev.node_failed, 1);
	CHECK_EQ_INT(ev.status, -1);
	CHECK_EQ_INT(ev.stopped, 0);
	CHECK_EQ_INT(ev.acct_known, 1);
	CHECK(ev.acct_gpu_s >= 1); /* 1 GPU for a few seconds */
	snprintf(path, sizeof path, "%s/22/exit", state);
	CHECK((text = slurp(path)) != NULL);
	CHECK_CONTAINS(text, "node_failed=1");
	for (size_t i = i0; i < lg.n; i++) /* nothing else changed */
		if (lg.ev[i].kind == EXEC_NODE)
			CHECK_STR(lg.ev[i].name, "sxn3");
	i0 = lg.n;
	t0 = test_now_s();
	CHECK_EQ_INT(sh("bash tests/slurm/cluster.sh start-node %s 3", d), 0);
	wait_node(x, &lg, i0, "sxn3", 1, 10000);
	printf("slurmd of sxn3 restarted: NODE up=1 after %.1f s\n",
	       test_now_s() - t0);

	/* slurmctld stops under job 23 (sleep 8): after 3 s every node
	 * "cluster unreachable", nothing LOST; a recovery meanwhile keeps
	 * the claimed id; back: states and job 23 followed to its end */
	j = job_on(23, "sleep 8", d, "sxn1", 1);
	CHECK_EQ_INT(exec_start(x, &j, &e), 0);
	wait_ev(x, &lg, 23, EXEC_STARTED);
	i0 = lg.n;
	CHECK_EQ_INT(sh("bash tests/slurm/cluster.sh stop-ctld %s", d), 0);
	t0 = test_now_s();
	for (int k = 0; k < 4; k++)
		wait_node(x, &lg, i0, names[k], 0, 8000);
	printf("slurmctld stopped: nodes unreachable after %.1f s\n",
	       test_now_s() - t0);
	CHECK(test_now_s() - t0 > 3.0);
	for (size_t i = i0; i < lg.n; i++) {
		CHECK(lg.ev[i].kind != EXEC_LOST);
		if (lg.ev[i].kind == EXEC_NODE)
			CHECK_STR(lg.ev[i].text, "cluster unreachable");
	}
	z = sx_new(conf, state, NULL, &e);
	CHECK(z != NULL);
	CHECK_EQ_INT(exec_recover(z, rids, 2, rev, &e), 0);
	CHECK_EQ_INT(rev[0].kind, EXEC_STARTED);
	CHECK_EQ_INT(rev[1].kind, EXEC_LOST);
	CHECK_EQ_INT(rev[1].never_started, 1);
	i0 = lg.n;
	CHECK_EQ_INT(sh("bash tests/slurm/cluster.sh start-ctld %s", d), 0);
	t0 = test_now_s();
	for (int k = 0; k < 4; k++)
		wait_node(x, &lg, i0, names[k], 1, 15000);
	t_back = test_now_s() - t0;
	ev = wait_ev(x, &lg, 23, EXEC_EXITED);
	printf("slurmctld restarted: every node up again after %.1f s, "
	       "job 23 EXITED %.1f s after the restart\n", t_back,
	       test_now_s() - t0);
	CHECK_EQ_INT(ev.status, 0);
	CHECK_EQ_INT(ev.acct_known, 1);
	CHECK(ev.acct_gpu_s >= 7 && ev.acct_gpu_s <= 10);
	ev = wait_ev(z, &lz, 23, EXEC_EXITED);
	CHECK_EQ_INT(ev.status, 0);
	CHECK_EQ_INT(count_kind(&lg, EXEC_LOST, 23), 0);
	CHECK_EQ_INT(count_kind(&lz, EXEC_LOST, 23), 0);
	/* recovery after the end: from the exit file, accounting kept */
	exec_free(z);
	z = sx_new(conf, state, NULL, &e);
	CHECK(z != NULL);
	rids[0] = 21;
	CHECK_EQ_INT(exec_recover(z, rids, 1, rev, &e), 0);
	CHECK_EQ_INT(rev[0].kind, EXEC_EXITED);
	CHECK_EQ_INT(rev[0].acct_known, 1);
	CHECK_EQ_INT(rev[0].acct_gpu_s, 2 * (t_end - t_start));
	exec_free(z);
	exec_free(x);
}

TEST(sx_slurm_nodes)
{
	char d[64], conf[128];
	pid_t pid;
	int st, rc;

	if (!have("slurmctld") || !have("slurmd") || !have("munged"))
		test_skip("slurmctld/slurmd/munged not installed");
	if (geteuid() != 0)
		test_skip("needs root (SlurmUser=root)");
	snprintf(d, sizeof d, "/tmp/allot-sxn.XXXXXX");
	CHECK(mkdtemp(d) != NULL);
	if (sh("NODE_PREFIX=sxn bash tests/slurm/cluster.sh start %s 4 "
	       "allot-sxn auto", d) != 0) {
		rc = sh("rm -rf %s", d);
		(void)rc;
		test_fail(__FILE__, __LINE__, "cluster.sh start failed");
	}
	snprintf(conf, sizeof conf, "%s/slurm.conf", d);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		checks_nodes(d, conf);
		fflush(NULL);
		_exit(0);
	}
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	rc = sh("bash tests/slurm/cluster.sh stop %s", d);
	if (sh("rm -rf %s", d) != 0)
		fprintf(stderr, "cannot remove %s\n", d);
	CHECK(pid > 0);
	CHECK_EQ_INT(rc, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		test_fail(__FILE__, __LINE__, "the checks failed (status %d)", st);
}
