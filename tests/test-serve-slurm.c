/*
 * test-serve-slurm.c — `allot serve` above two real Slurm clusters
 * (issue 6): cluster "ca" with 4 nodes a1..a4 and cluster "cb" with 2
 * nodes b1..b2, 8 fake GPUs each (tests/slurm/cluster.sh), joined into
 * one pool through one exec-agent process per cluster.  End to end over
 * HTTP:
 *
 *  - the pool is imported from both clusters (6 nodes, 48 GPUs), every
 *    node reported usable;
 *  - a 2-GPU job runs on the node and the GPUs allot chose, checked from
 *    inside the job (SLURMD_NODENAME, CUDA_VISIBLE_DEVICES as Slurm set
 *    it, against the job's recorded allocation); a 2-node gang stays in
 *    one cluster and Slurm gives it exactly allot's nodes; with cluster
 *    ca drained a job goes to cluster cb;
 *  - cancel of a running job goes through Slurm;
 *  - preemption with grace: a borrower that leaves on SIGTERM and one
 *    that ignores it (killed after its grace) make room for the owner of a
 *    grant, and are requeued;
 *  - a slurmd killed: the node is reported unusable, the checkpointable
 *    job on it is requeued and runs again elsewhere, the other fails with
 *    "node failure"; the restarted slurmd brings the node back;
 *  - slurmctld of ca stopped: ca's nodes become unusable ("cluster
 *    unreachable") and a new job goes to cb; restarted, the job that ran
 *    through it completes exactly once;
 *  - allot restarted while a job runs in Slurm: reattached and completed;
 *    a job submitted to Slurm behind allot's back is reported as foreign
 *    and left running;
 *  - the accounting cross-check: allot's GPU-seconds against Slurm's for
 *    every run, none mismatched.
 *
 * serve_slurm_timeout: a job's time limit is Slurm's (in whole minutes):
 * a 60 s limit on `sleep 600` ends the run as Slurm's TIMEOUT, which
 * allot records as failed with reason "timeout", charged for its time.
 *
 * Skips without Slurm, munge, root or $ALLOT.  The clusters are started
 * and stopped by this process; the checks run in a forked child (the
 * daemon dies with it: PR_SET_PDEATHSIG), so the daemons are stopped by
 * their pid files whatever the outcome.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "daemon.h"
#include "test.h"

#define WAIT_MS 40000

static int
have(const char *prog)
{
	char cmd[256];

	snprintf(cmd, sizeof cmd, "PATH=$PATH:/usr/sbin command -v %s "
		 ">/dev/null 2>&1", prog);
	return system(cmd) == 0;
}

static void
sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs a shell command; fails the test if it fails. */
static void
sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	fflush(NULL);
	rc = system(cmd);
	if (rc != 0)
		test_fail(__FILE__, __LINE__, "`%s` failed (%d)", cmd, rc);
}

static long long
submit(struct daemon *d, const char *tok, const char *body)
{
	json_t *v = JREQ(d, "POST", "/v1/jobs", tok, body, 201);
	long long id = daemon_jint(v, "id");

	json_decref(v);
	return id;
}

static json_t *
job_get(struct daemon *d, long long id)
{
	char path[64];

	snprintf(path, sizeof path, "/v1/jobs/%lld", id);
	return JREQ(d, "GET", path, d->token, NULL, 200);
}

/* Waits until job id is in state st; returns its JSON. */
static json_t *
wait_state(struct daemon *d, long long id, const char *st, int line)
{
	double end = test_now_s() + WAIT_MS / 1000.0;

	for (;;) {
		json_t *v = job_get(d, id);
		/* "running": Slurm runs it, not merely submitted (starting) */
		if (strcmp(daemon_jstr(v, "state"), st) == 0 &&
		    !json_is_true(json_object_get(v, "starting")))
			return v;
		if (test_now_s() > end)
			test_fail(__FILE__, line, "job %lld is %s (%s), not %s", id,
				  daemon_jstr(v, "state"), daemon_jstr(v, "reason"), st);
		json_decref(v);
		daemon_nap_ms(100);
	}
}
#define WAIT_STATE(d, id, st) wait_state(d, id, st, __LINE__)

/* Waits until job id has run `runs` times and is in state st. */
static json_t *
wait_runs(struct daemon *d, long long id, long long runs, const char *st,
	  int line)
{
	double end = test_now_s() + WAIT_MS / 1000.0;

	for (;;) {
		json_t *v = job_get(d, id);
		if (daemon_jint(v, "runs") == runs &&
		    strcmp(daemon_jstr(v, "state"), st) == 0)
			return v;
		if (test_now_s() > end)
			test_fail(__FILE__, line, "job %lld: %s run %lld (%s), not "
				  "%s run %lld", id, daemon_jstr(v, "state"),
				  daemon_jint(v, "runs"), daemon_jstr(v, "reason"),
				  st, runs);
		json_decref(v);
		daemon_nap_ms(100);
	}
}

/* The node's state ("up", "down", ...) and reason in GET /v1/nodes. */
static void
node_state(struct daemon *d, const char *node, char *st, size_t n,
	   char *why, size_t wn)
{
	json_t *v = JREQ(d, "GET", "/v1/nodes", d->token, NULL, 200);
	json_t *a = json_object_get(v, "nodes");

	snprintf(st, n, "?");
	if (why)
		snprintf(why, wn, "?");
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *o = json_array_get(a, i);
		if (strcmp(daemon_jstr(o, "name"), node) == 0) {
			snprintf(st, n, "%s", daemon_jstr(o, "state"));
			if (why)
				snprintf(why, wn, "%s", daemon_jstr(o, "reason"));
		}
	}
	json_decref(v);
}

static void
wait_node(struct daemon *d, const char *node, const char *want,
	  const char *why_has, int line)
{
	double end = test_now_s() + WAIT_MS / 1000.0;
	char st[32], why[128];

	for (;;) {
		node_state(d, node, st, sizeof st, why, sizeof why);
		if (strcmp(st, want) == 0 &&
		    (why_has == NULL || strstr(why, why_has) != NULL))
			return;
		if (test_now_s() > end)
			test_fail(__FILE__, line, "node %s is %s (%s), not %s", node,
				  st, why, want);
		daemon_nap_ms(100);
	}
}
#define WAIT_NODE(d, n, st, why) wait_node(d, n, st, why, __LINE__)

/* The whole file (static buffer), "" if absent. */
static const char *
slurp(const char *dir, const char *name)
{
	static char buf[4096];
	char path[700];
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	buf[0] = '\0';
	if ((f = fopen(path, "r")) == NULL)
		return buf;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static void
wait_file(const char *dir, const char *name)
{
	double end = test_now_s() + WAIT_MS / 1000.0;

	while (*slurp(dir, name) == '\0') {
		if (test_now_s() > end)
			test_fail(__FILE__, __LINE__, "%s/%s never written", dir, name);
		daemon_nap_ms(100);
	}
}

/* "a3:0,1" -> node "a3", gpus "0,1" (the first member of an allocation). */
static void
alloc_first(const char *alloc, char *node, size_t nn, char *gpus, size_t gn)
{
	const char *c = strchr(alloc, ':');
	size_t k;

	CHECK(c != NULL);
	snprintf(node, nn, "%.*s", (int)(c - alloc), alloc);
	k = strcspn(c + 1, ";@");
	snprintf(gpus, gn, "%.*s", (int)k, c + 1);
}

/* The GPU list in allot's text ("0-1" or "0,1") as "0,1". */
static void
gpu_list(const char *t, char *out, size_t n)
{
	int lo, hi;
	size_t len = 0;

	out[0] = '\0';
	while (*t) {
		char *end;
		lo = hi = (int)strtol(t, &end, 10);
		if (*end == '-')
			hi = (int)strtol(end + 1, &end, 10);
		for (int g = lo; g <= hi && len + 4 < n; g++)
			len += (size_t)snprintf(out + len, n - len, "%s%d",
						len ? "," : "", g);
		t = *end == ',' ? end + 1 : end;
		if (end == t && *t != '\0')
			break;
	}
}

static void
checks(const char *ca, const char *cb, const char *dir)
{
	struct daemon d;
	char arg1[200], arg2[200], body[2048], node[32], gpus[64], want[64];
	char st[32], path[128];
	const char *out;
	json_t *v, *a;
	long long j1, j2, j3, j4, b1, b2, o1, k1, k2, c1, c2, r1;
	double t0;

	snprintf(arg1, sizeof arg1, "ca=%s/slurm.conf", ca);
	snprintf(arg2, sizeof arg2, "cb=%s/slurm.conf", cb);
	/* What serve will import, previewed. */
	sh("$ALLOT pool import %s %s 2> %s/import.err | grep -c '^nodes ' | "
	   "grep -qx 6 && grep -q 'imported 2 clusters: 6 nodes, 48 GPUs' "
	   "%s/import.err", arg1, arg2, ca, ca);
	daemon_start(&d, dir, "--cluster", arg1, "--cluster", arg2,
		     "--grace", "2", NULL);

	/* The pool: both clusters' nodes, usable. */
	v = JREQ(&d, "GET", "/v1/pool", d.token, NULL, 200);
	CHECK_EQ_INT(daemon_jint(v, "nodes"), 6);
	CHECK_EQ_INT(daemon_jint(v, "gpus"), 48);
	CHECK_EQ_INT(daemon_jint(v, "sites"), 2);
	json_decref(v);
	WAIT_NODE(&d, "a1", "up", NULL);
	WAIT_NODE(&d, "b2", "up", NULL);
	/* Slurm gives whole GPUs: a share is refused at submission. */
	CHECK_ERROR(&d, "POST", "/v1/jobs", d.token, "{\"command\":\"true\","
		    "\"gpu_milli\":500}", 400, "invalid", "gpu_milli");

	/* 1. Where allot chose, checked from inside the job. */
	snprintf(body, sizeof body, "{\"command\":\"echo \\\"$SLURMD_NODENAME "
		 "$CUDA_VISIBLE_DEVICES $ALLOT_GPU_IDS $SLURM_JOB_ACCOUNT\\\" > "
		 "j1.out\",\"gpus\":2,\"workdir\":\"%s\"}", dir);
	j1 = submit(&d, d.token, body);
	v = WAIT_STATE(&d, j1, "completed");
	alloc_first(daemon_jstr(v, "alloc"), node, sizeof node, gpus, sizeof gpus);
	json_decref(v);
	gpu_list(gpus, want, sizeof want);
	out = slurp(dir, "j1.out");
	{
		char n2[32], cvd[64], ids[64], acct[64];
		CHECK_EQ_INT(sscanf(out, "%31s %63s %63s %63s", n2, cvd, ids,
				    acct), 4);
		CHECK_STR(n2, node);     /* Slurm ran it on allot's node */
		CHECK_STR(cvd, want);    /* with allot's GPUs */
		CHECK_STR(ids, want);
		CHECK_STR(acct, "admin"); /* under the tenant's account */
	}

	/* A 2-node gang: one cluster, exactly allot's nodes. */
	snprintf(body, sizeof body, "{\"command\":\"echo \\\"$SLURM_JOB_NODELIST "
		 "$SLURM_JOB_NUM_NODES\\\" > j2.out\",\"nodes\":2,\"gpus_per_node\":8,"
		 "\"workdir\":\"%s\"}", dir);
	j2 = submit(&d, d.token, body);
	v = WAIT_STATE(&d, j2, "completed");
	{
		const char *al = daemon_jstr(v, "alloc");
		char n1[32], n2[32], g[64], expect[64];
		const char *semi = strchr(al, ';');
		CHECK(semi != NULL);
		alloc_first(al, n1, sizeof n1, g, sizeof g);
		alloc_first(semi + 1, n2, sizeof n2, g, sizeof g);
		CHECK(n1[0] == n2[0]); /* same cluster: same prefix */
		/* Slurm's compressed form: a[1-2] or a[1,3] */
		{
			int x = atoi(n1 + 1), y = atoi(n2 + 1);
			int lo = x < y ? x : y, hi = x < y ? y : x;
			snprintf(expect, sizeof expect, "%c[%d%c%d] 2", n1[0], lo,
				 hi - lo == 1 ? '-' : ',', hi);
		}
		CHECK_STR(slurp(dir, "j2.out"), expect);
	}
	json_decref(v);

	/* Cluster ca drained: the job goes to cb. */
	for (int k = 1; k <= 4; k++) {
		snprintf(path, sizeof path, "/v1/nodes/a%d/drain", k);
		json_decref(JREQ(&d, "POST", path, d.token, NULL, 200));
	}
	snprintf(body, sizeof body, "{\"command\":\"echo $SLURMD_NODENAME > "
		 "j3.out\",\"gpus\":1,\"workdir\":\"%s\"}", dir);
	j3 = submit(&d, d.token, body);
	json_decref(WAIT_STATE(&d, j3, "completed"));
	CHECK(slurp(dir, "j3.out")[0] == 'b');
	for (int k = 1; k <= 4; k++) {
		snprintf(path, sizeof path, "/v1/nodes/a%d/resume", k);
		json_decref(JREQ(&d, "POST", path, d.token, NULL, 200));
	}

	/* 2. Cancel through Slurm. */
	snprintf(body, sizeof body, "{\"command\":\"trap 'echo TERM > j4.term; "
		 "exit 0' TERM; echo up > j4.up; sleep 60 & wait\",\"gpus\":1,"
		 "\"workdir\":\"%s\"}", dir);
	j4 = submit(&d, d.token, body);
	json_decref(WAIT_STATE(&d, j4, "running"));
	wait_file(dir, "j4.up");
	snprintf(path, sizeof path, "/v1/jobs/%lld/cancel", j4);
	json_decref(JREQ(&d, "POST", path, d.token, NULL, 200));
	json_decref(WAIT_STATE(&d, j4, "cancelled"));
	CHECK_STR(slurp(dir, "j4.term"), "TERM");

	/* 3. Preemption with grace.  teamA holds a guarantee of 32 H100;
	 * teamB borrows cluster ca (cb drained) with two 2-node jobs; A's
	 * 4-node gang takes ca back. */
	json_decref(JREQ(&d, "POST", "/v1/tenants", d.token, "{\"name\":\"teamA\"}", 201));
	json_decref(JREQ(&d, "POST", "/v1/tenants", d.token, "{\"name\":\"teamB\"}", 201));
	json_decref(JREQ(&d, "POST", "/v1/users", d.token,
			 "{\"name\":\"ua\",\"account\":\"teamA\"}", 201));
	json_decref(JREQ(&d, "POST", "/v1/users", d.token,
			 "{\"name\":\"ub\",\"account\":\"teamB\"}", 201));
	json_decref(JREQ(&d, "POST", "/v1/grants", d.token,
			 "{\"account\":\"teamA\",\"model\":\"H100\",\"gpus\":32,"
			 "\"start\":0,\"end\":9999999999}", 201));
	{
		char *ta = daemon_mktoken(&d, "ua"), *tb = daemon_mktoken(&d, "ub");
		json_decref(JREQ(&d, "POST", "/v1/nodes/b1/drain", d.token, NULL, 200));
		json_decref(JREQ(&d, "POST", "/v1/nodes/b2/drain", d.token, NULL, 200));
		snprintf(body, sizeof body, "{\"command\":\"trap 'echo TERM >> b1.log; "
			 "exit 0' TERM; echo start >> b1.log; sleep 60 & wait\","
			 "\"nodes\":2,\"gpus_per_node\":8,\"preemptible\":true,"
			 "\"grace_s\":5,\"workdir\":\"%s\"}", dir);
		b1 = submit(&d, tb, body);
		snprintf(body, sizeof body, "{\"command\":\"trap '' TERM; echo start "
			 ">> b2.log; sleep 60\",\"nodes\":2,\"gpus_per_node\":8,"
			 "\"grace_s\":1,\"checkpointable\":true,\"workdir\":\"%s\"}", dir);
		b2 = submit(&d, tb, body);
		json_decref(WAIT_STATE(&d, b1, "running"));
		json_decref(WAIT_STATE(&d, b2, "running"));
		wait_file(dir, "b1.log");
		wait_file(dir, "b2.log");
		t0 = test_now_s();
		snprintf(body, sizeof body, "{\"command\":\"echo $SLURM_JOB_ACCOUNT > a1.out\","
			 "\"nodes\":4,\"gpus_per_node\":8,\"workdir\":\"%s\"}", dir);
		o1 = submit(&d, ta, body);
		json_decref(WAIT_STATE(&d, o1, "completed"));
		CHECK(test_now_s() - t0 >= 1.0); /* b2 went only after its grace */
		/* its account (Slurm keeps account names in lower case) */
		CHECK_STR(slurp(dir, "a1.out"), "teama");
		CHECK(strstr(slurp(dir, "b1.log"), "start") != NULL);
		{
			char p2[700];
			FILE *f;
			char line[64];
			int term = 0;
			snprintf(p2, sizeof p2, "%s/b1.log", dir);
			CHECK((f = fopen(p2, "r")) != NULL);
			while (fgets(line, sizeof line, f) != NULL)
				term += strncmp(line, "TERM", 4) == 0;
			fclose(f);
			CHECK(term >= 1); /* SIGTERM reached the batch script */
		}
		json_decref(wait_runs(&d, b1, 2, "running", __LINE__));
		json_decref(wait_runs(&d, b2, 2, "running", __LINE__));
		snprintf(path, sizeof path, "/v1/jobs/%lld/cancel", b1);
		json_decref(JREQ(&d, "POST", path, d.token, NULL, 200));
		snprintf(path, sizeof path, "/v1/jobs/%lld/cancel", b2);
		json_decref(JREQ(&d, "POST", path, d.token, NULL, 200));
		json_decref(WAIT_STATE(&d, b1, "cancelled"));
		json_decref(WAIT_STATE(&d, b2, "cancelled"));
		json_decref(JREQ(&d, "POST", "/v1/nodes/b1/resume", d.token, NULL, 200));
		json_decref(JREQ(&d, "POST", "/v1/nodes/b2/resume", d.token, NULL, 200));
		free(ta);
		free(tb);
	}

	/* 4. A slurmd killed.  Two 8-GPU jobs on cluster ca (cb drained):
	 * one checkpointable, one not. */
	json_decref(JREQ(&d, "POST", "/v1/nodes/b1/drain", d.token, NULL, 200));
	json_decref(JREQ(&d, "POST", "/v1/nodes/b2/drain", d.token, NULL, 200));
	snprintf(body, sizeof body, "{\"command\":\"echo $SLURMD_NODENAME >> k1.log; "
		 "sleep 300\",\"gpus\":8,\"checkpointable\":true,\"workdir\":\"%s\"}",
		 dir);
	k1 = submit(&d, d.token, body);
	v = WAIT_STATE(&d, k1, "running");
	alloc_first(daemon_jstr(v, "alloc"), node, sizeof node, gpus, sizeof gpus);
	json_decref(v);
	snprintf(body, sizeof body, "{\"command\":\"sleep 300\",\"gpus\":8,"
		 "\"workdir\":\"%s\"}", dir);
	k2 = submit(&d, d.token, body);
	v = WAIT_STATE(&d, k2, "running");
	{
		char n2[32], g2[64];
		alloc_first(daemon_jstr(v, "alloc"), n2, sizeof n2, g2, sizeof g2);
		json_decref(v);
		wait_file(dir, "k1.log");
		t0 = test_now_s();
		sh("bash tests/slurm/cluster.sh kill-node %s %s", ca, node + 1);
		if (strcmp(n2, node) != 0)
			sh("bash tests/slurm/cluster.sh kill-node %s %s", ca, n2 + 1);
		WAIT_NODE(&d, node, "down", NULL);
		json_decref(wait_runs(&d, k1, 2, "running", __LINE__));
		v = WAIT_STATE(&d, k2, "failed");
		CHECK_STR(daemon_jstr(v, "reason"), "node failure");
		json_decref(v);
		printf("slurmd killed -> node down, job requeued and running again: "
		       "%.1f s\n", test_now_s() - t0);
		v = job_get(&d, k1);
		alloc_first(daemon_jstr(v, "alloc"), st, sizeof st, gpus, sizeof gpus);
		CHECK(strcmp(st, node) != 0 && strcmp(st, n2) != 0);
		json_decref(v);
		sh("bash tests/slurm/cluster.sh start-node %s %s", ca, node + 1);
		if (strcmp(n2, node) != 0)
			sh("bash tests/slurm/cluster.sh start-node %s %s", ca, n2 + 1);
		WAIT_NODE(&d, node, "up", NULL);
		WAIT_NODE(&d, n2, "up", NULL);
	}
	snprintf(path, sizeof path, "/v1/jobs/%lld/cancel", k1);
	json_decref(JREQ(&d, "POST", path, d.token, NULL, 200));
	json_decref(WAIT_STATE(&d, k1, "cancelled"));
	json_decref(JREQ(&d, "POST", "/v1/nodes/b1/resume", d.token, NULL, 200));
	json_decref(JREQ(&d, "POST", "/v1/nodes/b2/resume", d.token, NULL, 200));

	/* 5. slurmctld of ca stopped under a running job; ca's nodes are
	 * unusable meanwhile and new work goes to cb. */
	json_decref(JREQ(&d, "POST", "/v1/nodes/b1/drain", d.token, NULL, 200));
	json_decref(JREQ(&d, "POST", "/v1/nodes/b2/drain", d.token, NULL, 200));
	snprintf(body, sizeof body, "{\"command\":\"echo run >> c1.log; sleep 8\","
		 "\"gpus\":1,\"workdir\":\"%s\"}", dir);
	c1 = submit(&d, d.token, body);
	json_decref(WAIT_STATE(&d, c1, "running"));
	wait_file(dir, "c1.log");
	json_decref(JREQ(&d, "POST", "/v1/nodes/b1/resume", d.token, NULL, 200));
	json_decref(JREQ(&d, "POST", "/v1/nodes/b2/resume", d.token, NULL, 200));
	sh("bash tests/slurm/cluster.sh stop-ctld %s", ca);
	for (int k = 1; k <= 4; k++) {
		char n[16];
		snprintf(n, sizeof n, "a%d", k);
		WAIT_NODE(&d, n, "down", "unreachable");
	}
	snprintf(body, sizeof body, "{\"command\":\"echo $SLURMD_NODENAME > c2.out\","
		 "\"gpus\":1,\"workdir\":\"%s\"}", dir);
	c2 = submit(&d, d.token, body);
	json_decref(WAIT_STATE(&d, c2, "completed"));
	CHECK(slurp(dir, "c2.out")[0] == 'b');
	v = JREQ(&d, "GET", "/v1/executor", d.token, NULL, 200);
	CHECK(json_array_size(json_object_get(v, "nodes_unusable")) >= 4);
	json_decref(v);
	sh("bash tests/slurm/cluster.sh start-ctld %s", ca);
	WAIT_NODE(&d, "a1", "up", NULL);
	v = WAIT_STATE(&d, c1, "completed");
	CHECK_EQ_INT(daemon_jint(v, "runs"), 1);
	json_decref(v);
	CHECK_STR(slurp(dir, "c1.log"), "run"); /* ran once */

	/* 6. allot restarted while a job runs in Slurm; meanwhile someone
	 * submits to Slurm behind allot's back. */
	snprintf(body, sizeof body, "{\"command\":\"echo run >> r1.log; sleep 6\","
		 "\"gpus\":1,\"workdir\":\"%s\"}", dir);
	r1 = submit(&d, d.token, body);
	json_decref(WAIT_STATE(&d, r1, "running"));
	wait_file(dir, "r1.log");
	CHECK_EQ_INT(daemon_stop(&d, SIGKILL), 128 + SIGKILL);
	sh("cd %s && SLURM_CONF=%s/slurm.conf sbatch -Q -J outsider -w a4 "
	   "--gres=gpu:1 -o /dev/null --wrap 'sleep 120' > /dev/null", dir, ca);
	daemon_start(&d, dir, "--cluster", arg1, "--cluster", arg2,
		     "--grace", "2", NULL);
	v = WAIT_STATE(&d, r1, "completed");
	CHECK_EQ_INT(daemon_jint(v, "runs"), 1);
	json_decref(v);
	CHECK_STR(slurp(dir, "r1.log"), "run");
	{
		double end = test_now_s() + 20;
		int found = 0;
		while (!found && test_now_s() < end) {
			v = JREQ(&d, "GET", "/v1/executor", d.token, NULL, 200);
			a = json_object_get(v, "foreign_jobs");
			for (size_t i = 0; i < json_array_size(a); i++)
				if (strstr(daemon_jstr(json_array_get(a, i), "what"),
					   "outsider") != NULL) {
					CHECK_STR(daemon_jstr(json_array_get(a, i),
							      "cluster"), "ca");
					found = 1;
				}
			json_decref(v);
			if (!found)
				daemon_nap_ms(200);
		}
		CHECK(found);
	}
	/* left alone: still in Slurm */
	sh("SLURM_CONF=%s/slurm.conf squeue -h -n outsider -t running -o %%i | "
	   "grep -q .", ca);

	/* Slurm took the same GPUs as allot in every run of this test. */
	{
		long code;
		char *m = daemon_req(&d, "GET", "/metrics", d.token, NULL, &code);
		CHECK_EQ_INT(code, 200);
		CHECK_CONTAINS(m, "\nallot_gpu_index_mismatch_total 0\n");
		free(m);
	}

	/* 7. The accounting cross-check. */
	v = JREQ(&d, "GET", "/v1/usage/check", d.token, NULL, 200);
	printf("usage check: %lld runs, %lld checked, allot %.0f GPU-s, Slurm "
	       "%.0f GPU-s, %lld mismatched\n", daemon_jint(v, "runs"),
	       daemon_jint(v, "checked"),
	       json_real_value(json_object_get(v, "allot_gpu_seconds")),
	       json_real_value(json_object_get(v, "executor_gpu_seconds")),
	       daemon_jint(v, "mismatched"));
	CHECK(daemon_jint(v, "checked") >= 10);
	CHECK_EQ_INT(daemon_jint(v, "mismatched"), 0);
	json_decref(v);
	sh("$ALLOT usage --check --url %s --token %s | grep -Eq "
	   "'^[0-9]+ runs, [0-9]+ with the executor.s figure: .* 0 differ'",
	   d.url, d.token);
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
}

TEST(serve_slurm_e2e)
{
	char ca[64], cb[64], cmd[512], dir[600];
	pid_t pid;
	int st, rc, ok_a = 0, ok_b = 0;

	if (!have("slurmctld") || !have("slurmd") || !have("munged") ||
	    !have("sbatch"))
		test_skip("slurmctld/slurmd/munged/sbatch not installed");
	if (geteuid() != 0)
		test_skip("needs root (SlurmUser=root)");
	if (getenv("ALLOT") == NULL)
		test_skip("needs ALLOT (the allot binary)");
	/* short: the munge socket path must fit a sockaddr_un */
	snprintf(ca, sizeof ca, "/tmp/allot-ca.XXXXXX");
	snprintf(cb, sizeof cb, "/tmp/allot-cb.XXXXXX");
	CHECK(mkdtemp(ca) != NULL && mkdtemp(cb) != NULL);
	snprintf(cmd, sizeof cmd, "NODE_PREFIX=a bash tests/slurm/cluster.sh "
		 "start %s 4 ca auto", ca);
	ok_a = system(cmd) == 0;
	snprintf(cmd, sizeof cmd, "NODE_PREFIX=b bash tests/slurm/cluster.sh "
		 "start %s 2 cb auto", cb);
	ok_b = ok_a && system(cmd) == 0;
	pid = -1;
	if (ok_a && ok_b) {
		snprintf(dir, sizeof dir, "%s/d", test_tmpdir());
		fflush(NULL);
		if ((pid = fork()) == 0) {
			checks(ca, cb, dir);
			fflush(NULL);
			_exit(0);
		}
		while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	rc = 0;
	snprintf(cmd, sizeof cmd, "bash tests/slurm/cluster.sh stop %s", ca);
	if (ok_a)
		rc |= system(cmd);
	snprintf(cmd, sizeof cmd, "bash tests/slurm/cluster.sh stop %s", cb);
	if (ok_b)
		rc |= system(cmd);
	snprintf(cmd, sizeof cmd, "rm -rf %s %s", ca, cb);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s %s\n", ca, cb);
	if (!ok_a || !ok_b)
		test_fail(__FILE__, __LINE__, "cluster.sh start failed");
	CHECK(pid > 0);
	CHECK_EQ_INT(rc, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		test_fail(__FILE__, __LINE__, "the checks failed (status %d)", st);
}

static void
timeout_checks(const char *c, const char *dir)
{
	struct daemon d;
	char arg[200], body[1024];
	json_t *v;
	long long id, dur;

	snprintf(arg, sizeof arg, "ct=%s/slurm.conf", c);
	daemon_start(&d, dir, "--cluster", arg, NULL);
	snprintf(body, sizeof body, "{\"command\":\"sleep 600\",\"gpus\":1,"
		 "\"time_limit_s\":60,\"workdir\":\"%s\"}", dir);
	id = submit(&d, d.token, body);
	json_decref(WAIT_STATE(&d, id, "running"));
	{
		double end = test_now_s() + 150;
		for (;;) {
			v = job_get(&d, id);
			if (strcmp(daemon_jstr(v, "state"), "running") != 0)
				break;
			json_decref(v);
			if (test_now_s() > end)
				test_fail(__FILE__, __LINE__, "job %lld still "
					  "running after 150 s", id);
			daemon_nap_ms(500);
		}
	}
	CHECK_STR(daemon_jstr(v, "state"), "failed");
	CHECK_STR(daemon_jstr(v, "reason"), "timeout");
	dur = daemon_jint(v, "end") - daemon_jint(v, "start");
	printf("time limit 60 s: ended by Slurm after %lld s\n", dur);
	CHECK(dur >= 60 && dur <= 150);
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/usage/check", d.token, NULL, 200);
	CHECK_EQ_INT(daemon_jint(v, "checked"), 1);
	CHECK_EQ_INT(daemon_jint(v, "mismatched"), 0);
	json_decref(v);
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
}

TEST(serve_slurm_timeout)
{
	char c[64], cmd[512], dir[600];
	pid_t pid = -1;
	int st = 0, rc = 0, ok;

	if (!have("slurmctld") || !have("slurmd") || !have("munged"))
		test_skip("slurmctld/slurmd/munged not installed");
	if (geteuid() != 0)
		test_skip("needs root (SlurmUser=root)");
	if (getenv("ALLOT") == NULL)
		test_skip("needs ALLOT (the allot binary)");
	snprintf(c, sizeof c, "/tmp/allot-ct.XXXXXX");
	CHECK(mkdtemp(c) != NULL);
	snprintf(cmd, sizeof cmd, "NODE_PREFIX=t bash tests/slurm/cluster.sh "
		 "start %s 2 ct auto", c);
	ok = system(cmd) == 0;
	if (ok) {
		snprintf(dir, sizeof dir, "%s/d", test_tmpdir());
		fflush(NULL);
		if ((pid = fork()) == 0) {
			timeout_checks(c, dir);
			fflush(NULL);
			_exit(0);
		}
		while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		snprintf(cmd, sizeof cmd, "bash tests/slurm/cluster.sh stop %s", c);
		rc = system(cmd);
	}
	snprintf(cmd, sizeof cmd, "rm -rf %s", c);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", c);
	if (!ok)
		test_fail(__FILE__, __LINE__, "cluster.sh start failed");
	CHECK(pid > 0);
	CHECK_EQ_INT(rc, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		test_fail(__FILE__, __LINE__, "the checks failed (status %d)", st);
}
