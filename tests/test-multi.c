/*
 * test-multi.c — the remote executor (src/exec/remote.h: an agent
 * process over a socketpair) and the multi executor (src/exec/multi.h:
 * several clusters as one).
 *
 * Without Slurm: agents are `$ALLOT exec-agent --local --nodes ...`
 * stand-in clusters (the local executor, named nodes): routing by node,
 * refused spans, merged pool text, events merged, stop, recovery after the
 * multi executor is freed and made again, recovery while one agent is
 * dead (STARTED, asked again later: LOST never_started or EXITED, once),
 * an agent killed with SIGKILL (NODE down, respawn, the job's EXITED
 * exactly once), and broken agents (/bin/sh scripts: exits at once, a
 * malformed reply, an over-long line, a hang; an agent that refuses a bad
 * slurm.conf).  With Slurm (skipped otherwise): two real clusters
 * (tests/slurm/cluster.sh, node prefixes a and b) behind one multi
 * executor: placement checked inside the jobs, an agent killed while its
 * Slurm job runs, a foreign job reported once across an agent respawn.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
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
#include "exec/multi.h"
#include "exec/remote.h"
#include "model/pool.h"
#include "model/poolfile.h"
#include "test.h"
#include "util/alloc.h"

#define WAIT_MS 20000

static const char *
tpath(const char *name)
{
	static char buf[8][512];
	static int k;
	char *p = buf[k++ % 8];

	snprintf(p, 512, "%s/%s", test_tmpdir(), name);
	return p;
}

static const char *
allot_bin(void)
{
	const char *a = getenv("ALLOT");

	if (a == NULL || *a == '\0')
		test_skip("needs ALLOT (the allot binary)");
	return a;
}

/* A stand-in cluster: an agent running the local executor on state dir
 * DIR/st-NAME with the given nodes. */
static struct exec *
agent(const char *name, const char *nodes)
{
	char dir[600];
	const char *argv[] = {allot_bin(), "exec-agent", "--local",
			      "--state-dir", dir, "--nodes", nodes, NULL};
	struct err e = {0};
	struct exec *x;

	snprintf(dir, sizeof dir, "%s/st-%s", test_tmpdir(), name);
	x = remote_new(argv, &e);
	if (x == NULL)
		test_fail(__FILE__, __LINE__, "remote_new %s: %s", name, e.msg);
	CHECK_STR(exec_name(x), "remote");
	return x;
}

static struct exec *
two(void)
{
	struct exec *m[2];
	const char *names[] = {"ca", "cb"};
	struct err e = {0};
	struct exec *x;

	m[0] = agent("ca", "a1,a2");
	m[1] = agent("cb", "b1,b2");
	x = multi_new(m, names, 2, &e);
	if (x == NULL)
		test_fail(__FILE__, __LINE__, "multi_new: %s", e.msg);
	CHECK_STR(exec_name(x), "multi");
	return x;
}

static struct exec_job
job(uint64_t id, const char *cmd, const char *nodelist, const char *outname)
{
	struct exec_job j;

	memset(&j, 0, sizeof j);
	j.id = id;
	j.command = cmd;
	j.workdir = test_tmpdir();
	j.nodelist = nodelist;
	j.node = NULL;
	j.out_path = outname ? tpath(outname) : NULL;
	j.grace_s = 5;
	return j;
}

/* Every event polled so far. */
struct log {
	struct exec_event ev[2048];
	size_t n;
};

static void
pull(struct exec *x, struct log *lg)
{
	CHECK(lg->n < 2048 - 64);
	lg->n += exec_poll(x, lg->ev + lg->n, 64);
}

static size_t
count(const struct log *lg, uint64_t id, int kind)
{
	size_t c = 0;

	for (size_t i = 0; i < lg->n; i++)
		if (lg->ev[i].kind == kind && lg->ev[i].id == id &&
		    kind != EXEC_NODE)
			c++;
	return c;
}

static const struct exec_event *
find(const struct log *lg, uint64_t id, int kind)
{
	for (size_t i = 0; i < lg->n; i++)
		if (lg->ev[i].kind == kind && lg->ev[i].id == id)
			return &lg->ev[i];
	return NULL;
}

/* Polls until id has an event of kind (fails after WAIT_MS). */
static const struct exec_event *
wait_for(struct exec *x, struct log *lg, uint64_t id, int kind, int line)
{
	double until = test_now_s() + WAIT_MS / 1000.0;
	const struct exec_event *v;

	while ((v = find(lg, id, kind)) == NULL) {
		if (test_now_s() > until)
			test_fail(__FILE__, line, "no event %d for id %llu", kind,
				  (unsigned long long)id);
		pull(x, lg);
		test_nap_ms(20);
	}
	return v;
}
#define WAIT(x, lg, id, kind) wait_for(x, lg, id, kind, __LINE__)

/* The last NODE event for name, or NULL. */
static const struct exec_event *
last_node(const struct log *lg, const char *name)
{
	const struct exec_event *v = NULL;

	for (size_t i = 0; i < lg->n; i++)
		if (lg->ev[i].kind == EXEC_NODE &&
		    strcmp(lg->ev[i].name, name) == 0)
			v = &lg->ev[i];
	return v;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = xmalloc(65536);
	size_t n;

	if (f == NULL) {
		s[0] = '\0';
		return s;
	}
	n = fread(s, 1, 65535, f);
	s[n] = '\0';
	fclose(f);
	return s;
}

static void
start_ok(struct exec *x, const struct exec_job *j, int line)
{
	struct err e = {0};
	int rc = exec_start(x, j, &e);

	if (rc != 0)
		test_fail(__FILE__, line, "exec_start %llu: %d %s",
			  (unsigned long long)j->id, rc, e.msg);
}
#define START(x, j) start_ok(x, j, __LINE__)

TEST(multi_pool_and_routing)
{
	struct exec *x = two();
	struct err e = {0};
	struct pool p;
	char *text = NULL, *s;
	struct exec_job j;
	struct log *lg = xcalloc(1, sizeof *lg);
	int rc;

	CHECK_EQ_INT(multi_pool_text(x, "H100", &text, &e), 0);
	pool_init(&p);
	rc = poolfile_parse("merged", text, strlen(text), &p, &e);
	if (rc != 0)
		test_fail(__FILE__, __LINE__, "%s\n%s", e.msg, text);
	CHECK_EQ_INT(p.nnodes, 4);
	CHECK_EQ_INT(p.total_gpus, 32);
	CHECK_EQ_INT(p.nclusters, 2);
	CHECK_EQ_INT(p.nsites, 2);
	CHECK_STR(pool_node_name(&p, 0), "a1");
	CHECK_STR(pool_node_name(&p, 3), "b2");
	CHECK_EQ_INT(pool_node_cluster(&p, 1), 0);
	CHECK_EQ_INT(pool_node_cluster(&p, 2), 1);
	CHECK_CONTAINS(text, "end nodes=4 gpus=32\n");
	/* one provider line, one model line */
	CHECK(strstr(strstr(text, "model H100\n") + 1, "model H100\n") ==
	      NULL);
	CHECK(strstr(strstr(text, "provider local\n") + 1, "provider local\n")
	      == NULL);
	pool_free(&p);
	free(text);

	/* refused: a span, an unknown node, an empty list */
	j = job(1, "true", "a1,b1", NULL);
	CHECK_EQ_INT(exec_start(x, &j, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "nodelist: spans clusters ca and cb");
	j = job(1, "true", "a1,zz", NULL);
	CHECK_EQ_INT(exec_start(x, &j, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "node zz: in no cluster");
	j = job(1, "true", NULL, NULL);
	CHECK_EQ_INT(exec_start(x, &j, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "nodelist: empty");
	CHECK_EQ_INT(exec_stop(x, 1, 0, &e), ERR_NOTFOUND);

	/* the ids were never claimed: usable now; one job per cluster */
	j = job(1, "echo \"$ALLOT_NODE $ALLOT_NODELIST\"", "a2", "o1");
	j.node = "a2";
	START(x, &j);
	j = job(2, "echo \"$ALLOT_NODE $ALLOT_NODELIST\"", "b1,b2", "o2");
	j.node = "b1";
	START(x, &j);
	j = job(3, "sleep 30", "b2", NULL);
	START(x, &j);
	j = job(1, "true", "a1", NULL);
	CHECK_EQ_INT(exec_start(x, &j, &e), ERR_CONFLICT);
	WAIT(x, lg, 3, EXEC_STARTED);
	CHECK_EQ_INT(exec_stop(x, 3, 1, &e), 0);
	CHECK_EQ_INT(WAIT(x, lg, 1, EXEC_EXITED)->status, 0);
	CHECK_EQ_INT(WAIT(x, lg, 2, EXEC_EXITED)->status, 0);
	CHECK_EQ_INT(WAIT(x, lg, 3, EXEC_EXITED)->stopped, 1);
	CHECK_EQ_INT(exec_stop(x, 3, 1, &e), ERR_NOTFOUND);
	s = slurp(tpath("o1"));
	CHECK_STR(s, "a2 a2\n");
	free(s);
	s = slurp(tpath("o2"));
	CHECK_STR(s, "b1 b1,b2\n");
	free(s);
	for (int i = 0; i < 10; i++) {
		pull(x, lg);
		test_nap_ms(20);
	}
	for (uint64_t id = 1; id <= 3; id++) {
		CHECK_EQ_INT(count(lg, id, EXEC_STARTED), 1);
		CHECK_EQ_INT(count(lg, id, EXEC_EXITED), 1);
	}
	/* both clusters' nodes came up through the merged events */
	CHECK(last_node(lg, "a1") != NULL && last_node(lg, "a1")->up == 1);
	CHECK(last_node(lg, "b2") != NULL && last_node(lg, "b2")->up == 1);
	/* the cost of the protocol: an empty poll is one round trip to
	 * each agent */
	{
		double t0 = test_now_s();
		struct exec_event ev[8];

		for (int i = 0; i < 500; i++)
			CHECK_EQ_INT(exec_poll(x, ev, 8), 0);
		printf("empty poll of 2 agents: %.1f us (ASan build)\n",
		       (test_now_s() - t0) / 500 * 1e6);
		t0 = test_now_s();
		for (uint64_t id = 100; id < 150; id++) {
			j = job(id, "true", id % 2 ? "a1" : "b1", NULL);
			START(x, &j);
		}
		printf("start through an agent: %.2f ms each\n",
		       (test_now_s() - t0) / 50 * 1e3);
		for (uint64_t id = 100; id < 150; id++)
			WAIT(x, lg, id, EXEC_EXITED);
	}
	exec_free(x);
	free(lg);
}

TEST(multi_recover_after_restart)
{
	struct exec *x = two();
	struct err e = {0};
	struct exec_job j;
	struct exec_event ev[4];
	struct log *lg = xcalloc(1, sizeof *lg);
	uint64_t ids[4] = {10, 11, 12, 99};

	/* nodes are learnt from the first poll's NODE events (no pool text) */
	j = job(10, "sleep 2", "a1", NULL);
	START(x, &j);
	j = job(11, "exit 3", "b1", NULL);
	START(x, &j);
	j = job(12, "sleep 30", "b2", NULL);
	START(x, &j);
	WAIT(x, lg, 11, EXEC_EXITED);
	WAIT(x, lg, 10, EXEC_STARTED);
	WAIT(x, lg, 12, EXEC_STARTED);
	exec_free(x); /* the agents exit; the jobs keep running */

	x = two();
	CHECK_EQ_INT(exec_recover(x, ids, 4, ev, &e), 0);
	CHECK_EQ_INT(ev[0].kind, EXEC_STARTED);
	CHECK_EQ_INT(ev[1].kind, EXEC_EXITED);
	CHECK_EQ_INT(ev[1].status, 3);
	CHECK_EQ_INT(ev[2].kind, EXEC_STARTED);
	CHECK_EQ_INT(ev[3].kind, EXEC_LOST);
	CHECK_EQ_INT(ev[3].never_started, 1);
	/* the recovered ids are routed to their clusters */
	CHECK_EQ_INT(exec_stop(x, 12, 1, &e), 0);
	CHECK_EQ_INT(exec_stop(x, 99, 1, &e), ERR_NOTFOUND);
	lg->n = 0;
	CHECK_EQ_INT(WAIT(x, lg, 10, EXEC_EXITED)->status, 0);
	CHECK_EQ_INT(WAIT(x, lg, 12, EXEC_EXITED)->stopped, 1);
	CHECK_EQ_INT(count(lg, 10, EXEC_STARTED), 0);
	CHECK_EQ_INT(count(lg, 11, EXEC_EXITED), 0);
	exec_free(x);
	free(lg);
}

/* The pid of this process's agent child whose command line holds key. */
static pid_t
agent_pid(const char *key)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;

	CHECK(d != NULL);
	while ((de = readdir(d)) != NULL) {
		char path[300], buf[4096];
		long pid = atol(de->d_name), ppid = 0;
		FILE *f;
		size_t n;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof path, "/proc/%ld/stat", pid);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		if (strrchr(buf, ')') == NULL ||
		    sscanf(strrchr(buf, ')') + 2, "%*c %ld", &ppid) != 1 ||
		    ppid != (long)getpid())
			continue;
		snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		for (size_t i = 0; i < n; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		buf[n] = '\0';
		if (strstr(buf, "exec-agent") && strstr(buf, key))
			found = (pid_t)pid;
	}
	closedir(d);
	return found;
}

TEST(multi_agent_killed)
{
	struct exec *x = two();
	struct err e = {0};
	struct exec_job j;
	struct log *lg = xcalloc(1, sizeof *lg);
	char *text = NULL;
	pid_t pid, pid2;
	double until;

	CHECK_EQ_INT(multi_pool_text(x, NULL, &text, &e), 0);
	free(text);
	j = job(20, "sleep 1.5; echo done", "a1", "o20");
	START(x, &j);
	j = job(21, "sleep 1", "b1", NULL);
	START(x, &j);
	WAIT(x, lg, 20, EXEC_STARTED);
	pid = agent_pid("st-ca");
	CHECK(pid > 0);
	CHECK_EQ_INT(kill(pid, SIGKILL), 0);
	/* NODE down for both of its nodes, then up again (respawned) */
	until = test_now_s() + WAIT_MS / 1000.0;
	while (last_node(lg, "a2") == NULL || last_node(lg, "a2")->up != 0) {
		CHECK(test_now_s() < until);
		pull(x, lg);
		test_nap_ms(20);
	}
	CHECK_STR(last_node(lg, "a1")->text, "executor agent died");
	CHECK_EQ_INT(last_node(lg, "a1")->up, 0);
	CHECK(last_node(lg, "b1")->up == 1); /* the other cluster is fine */
	/* while it is down (less than a second since it died) */
	j = job(22, "true", "a2", NULL);
	{
		int rc = exec_start(x, &j, &e);

		/* ERR_IO if the respawn has not happened yet; 0 if it has */
		CHECK(rc == ERR_IO || rc == 0);
		if (rc == ERR_IO)
			CHECK_CONTAINS(e.msg, "executor agent");
	}
	WAIT(x, lg, 20, EXEC_EXITED);
	WAIT(x, lg, 21, EXEC_EXITED);
	until = test_now_s() + WAIT_MS / 1000.0;
	while (last_node(lg, "a1")->up != 1) {
		CHECK(test_now_s() < until);
		pull(x, lg);
		test_nap_ms(20);
	}
	pid2 = agent_pid("st-ca");
	CHECK(pid2 > 0 && pid2 != pid);
	for (int i = 0; i < 20; i++) {
		pull(x, lg);
		test_nap_ms(20);
	}
	CHECK_EQ_INT(count(lg, 20, EXEC_STARTED), 1);
	CHECK_EQ_INT(count(lg, 20, EXEC_EXITED), 1);
	CHECK_EQ_INT(find(lg, 20, EXEC_EXITED)->status, 0);
	CHECK_EQ_INT(count(lg, 21, EXEC_EXITED), 1);
	{
		char *s = slurp(tpath("o20"));

		CHECK_STR(s, "done\n");
		free(s);
	}
	exec_free(x);
	free(lg);
}

TEST(multi_recover_member_down)
{
	struct exec *x = two();
	struct err e = {0};
	struct exec_job j;
	struct exec_event ev[3];
	struct log *lg = xcalloc(1, sizeof *lg);
	uint64_t ids[3] = {30, 31, 99};
	const struct exec_event *v;
	pid_t pid;
	int rc;

	j = job(30, "sleep 30", "b1", NULL);
	START(x, &j);
	j = job(31, "exit 4", "a1", NULL);
	START(x, &j);
	WAIT(x, lg, 30, EXEC_STARTED);
	WAIT(x, lg, 31, EXEC_EXITED);
	exec_free(x);

	/* the daemon restarts while cluster cb's agent is dead */
	x = two();
	pid = agent_pid("st-cb");
	CHECK(pid > 0);
	CHECK_EQ_INT(kill(pid, SIGKILL), 0);
	CHECK_EQ_INT(exec_recover(x, ids, 3, ev, &e), 0);
	/* 30 may be on cb: not lost, STARTED; 31 is known to ca; 99 is
	 * unknown to ca, and cb could not say */
	CHECK_EQ_INT(ev[0].kind, EXEC_STARTED);
	CHECK_EQ_INT(ev[1].kind, EXEC_EXITED);
	CHECK_EQ_INT(ev[1].status, 4);
	CHECK_EQ_INT(ev[2].kind, EXEC_STARTED);
	/* a stop of 30 at once: ERR_IO while cb is down (0 if the machine
	 * was so slow that its respawn is already due) */
	rc = exec_stop(x, 30, 1, &e);
	CHECK(rc == ERR_IO || rc == 0);
	if (rc == ERR_IO)
		CHECK_CONTAINS(e.msg, "do not answer");
	/* cb comes back (respawned by poll), is asked again: 99 never
	 * started anywhere, 30 runs on until stopped and exits once */
	lg->n = 0;
	v = WAIT(x, lg, 99, EXEC_LOST);
	CHECK_EQ_INT(v->never_started, 1);
	CHECK_EQ_INT(exec_stop(x, 99, 0, &e), ERR_NOTFOUND);
	if (rc == ERR_IO)
		CHECK_EQ_INT(exec_stop(x, 30, 1, &e), 0);
	CHECK_EQ_INT(WAIT(x, lg, 30, EXEC_EXITED)->stopped, 1);
	for (int i = 0; i < 10; i++) {
		pull(x, lg);
		test_nap_ms(20);
	}
	CHECK_EQ_INT(count(lg, 30, EXEC_STARTED), 0);
	CHECK_EQ_INT(count(lg, 30, EXEC_EXITED), 1);
	CHECK_EQ_INT(count(lg, 99, EXEC_LOST), 1);
	CHECK_EQ_INT(count(lg, 31, EXEC_EXITED), 0);
	CHECK(agent_pid("st-cb") > 0 && agent_pid("st-cb") != pid);
	exec_free(x);
	free(lg);
}

/* remote_new over a shell script; NULL with e filled on failure. */
static struct exec *
sh_agent(const char *script, struct err *e)
{
	const char *argv[] = {"/bin/sh", "-c", script, NULL};

	return remote_new(argv, e);
}

#define HELLO "read l; echo '{\"rc\":0,\"name\":\"fake\"}'; "

TEST(remote_broken_agents)
{
	struct err e = {0};
	struct exec *x;
	struct exec_event ev[8];
	double t0;
	char conf[600], dir[600];

	/* exits at once */
	CHECK(sh_agent("exit 3", &e) == NULL);
	CHECK_EQ_INT(e.code, ERR_IO);
	CHECK_CONTAINS(e.msg, "executor agent: agent ");
	CHECK_CONTAINS(e.msg, "(it exited with status 3)");
	/* cannot be executed */
	{
		const char *argv[] = {"/nonexistent/agent", NULL};

		CHECK(remote_new(argv, &e) == NULL);
		CHECK_CONTAINS(e.msg, "status 127");
	}
	/* hello answered wrongly */
	CHECK(sh_agent("read l; echo '[1,2]'; exec sleep 5", &e) == NULL);
	CHECK_CONTAINS(e.msg, "malformed reply");
	/* a malformed reply later: ERR_IO, agent killed, no hang */
	x = sh_agent(HELLO "read l; echo 'garbage'; exec sleep 5", &e);
	CHECK(x != NULL);
	CHECK_STR(exec_name(x), "remote");
	t0 = test_now_s();
	CHECK_EQ_INT(exec_stop(x, 1, 0, &e), ERR_IO);
	CHECK_CONTAINS(e.msg, "malformed reply");
	CHECK(test_now_s() - t0 < 2);
	/* the respawned script refuses nothing at first, then fails again */
	exec_free(x);
	/* an over-long line (17 MB without a newline) */
	x = sh_agent(HELLO "read l; head -c 17000000 /dev/zero | tr '\\0' a; "
		     "exec sleep 5", &e);
	CHECK(x != NULL);
	CHECK_EQ_INT(exec_stop(x, 1, 0, &e), ERR_IO);
	CHECK_CONTAINS(e.msg, "longer than");
	exec_free(x);
	/* a hang: poll gives up after its 5 s deadline */
	x = sh_agent(HELLO "read l; exec sleep 30", &e);
	CHECK(x != NULL);
	t0 = test_now_s();
	CHECK_EQ_INT(exec_poll(x, ev, 8), 0);
	CHECK(test_now_s() - t0 >= 4.9 && test_now_s() - t0 < 8);
	/* down: start is refused at once (no respawn within a second of
	 * the failure) */
	{
		struct exec_job j;

		memset(&j, 0, sizeof j);
		j.id = 5;
		j.command = "true";
		j.workdir = "/";
		t0 = test_now_s();
		CHECK_EQ_INT(exec_start(x, &j, &e), ERR_IO);
		CHECK_CONTAINS(e.msg, "executor agent down: ");
		CHECK_CONTAINS(e.msg, "no reply before the deadline");
		CHECK(test_now_s() - t0 < 0.5);
	}
	exec_free(x);
	/* a start sent, the agent dead before it answered: handed over (0);
	 * the respawned agent's recover says it never started: LOST once */
	{
		char script[1200];
		struct exec_job j;
		struct log *lg = xcalloc(1, sizeof *lg);
		const struct exec_event *v;

		snprintf(script, sizeof script, HELLO
			 "if [ -e %s/marker ]; then read l; echo '{\"rc\":0,"
			 "\"ev\":[{\"id\":5,\"kind\":2,\"never_started\":1}]}';"
			 " while read l; do echo '{\"rc\":0,\"ev\":[]}'; done; "
			 "else read l; touch %s/marker; exit 0; fi",
			 test_tmpdir(), test_tmpdir());
		x = sh_agent(script, &e);
		CHECK(x != NULL);
		memset(&j, 0, sizeof j);
		j.id = 5;
		j.command = "true";
		j.workdir = "/";
		CHECK_EQ_INT(exec_start(x, &j, &e), 0);
		v = WAIT(x, lg, 5, EXEC_LOST);
		CHECK_EQ_INT(v->never_started, 1);
		for (int i = 0; i < 5; i++)
			pull(x, lg);
		CHECK_EQ_INT(count(lg, 5, EXEC_LOST), 1);
		CHECK_EQ_INT(count(lg, 5, EXEC_STARTED), 0);
		exec_free(x);
		free(lg);
	}
	/* an agent whose executor cannot be made: its error, at once */
	snprintf(conf, sizeof conf, "%s/none/slurm.conf", test_tmpdir());
	snprintf(dir, sizeof dir, "%s/st", test_tmpdir());
	{
		const char *argv[] = {allot_bin(), "exec-agent", "--slurm-conf",
				      conf, "--state-dir", dir, NULL};

		CHECK(remote_new(argv, &e) == NULL);
		CHECK_EQ_INT(e.code, ERR_IO);
		CHECK_CONTAINS(e.msg, "none/slurm.conf");
	}
	/* multi_new checks its names and frees the members on error */
	{
		struct exec *m[2] = {agent("d1", "x1"), agent("d2", "x2")};
		const char *names[] = {"same", "same"};

		CHECK(multi_new(m, names, 2, &e) == NULL);
		CHECK_CONTAINS(e.msg, "given twice");
	}
	/* a node in two clusters */
	{
		struct exec *m[2] = {agent("e1", "n1,n2"), agent("e2", "n2")};
		const char *names[] = {"c1", "c2"};
		char *text = NULL;

		x = multi_new(m, names, 2, &e);
		CHECK(x != NULL);
		CHECK_EQ_INT(multi_pool_text(x, NULL, &text, &e), ERR_INVALID);
		CHECK_CONTAINS(e.msg, "node n2: in clusters c1 and c2");
		CHECK(text == NULL);
		exec_free(x);
	}
	/* the local executor without --nodes cannot describe its nodes */
	{
		const char *argv[] = {allot_bin(), "exec-agent", "--local",
				      "--state-dir", dir, NULL};
		struct exec *m[1];
		const char *names[] = {"c1"};
		char *text = NULL;

		m[0] = remote_new(argv, &e);
		CHECK(m[0] != NULL);
		x = multi_new(m, names, 1, &e);
		CHECK_EQ_INT(multi_pool_text(x, NULL, &text, &e), ERR_INVALID);
		CHECK_CONTAINS(e.msg, "cluster c1: pool:");
		exec_free(x);
	}
}

static int
have(const char *prog)
{
	char cmd[256];

	snprintf(cmd, sizeof cmd, "PATH=$PATH:/usr/sbin command -v %s "
		 ">/dev/null 2>&1", prog);
	return system(cmd) == 0;
}

/* The checks against two running clusters in da and db (a child
 * process: the caller stops the clusters whatever happens here). */
static void
slurm_checks(const char *da, const char *db)
{
	char ca[600], cb[600], sa[600], sb[600];
	const char *aa[] = {allot_bin(), "exec-agent", "--slurm-conf", ca,
			    "--state-dir", sa, NULL};
	const char *ab[] = {allot_bin(), "exec-agent", "--slurm-conf", cb,
			    "--state-dir", sb, NULL};
	const char *names[] = {"ma", "mb"};
	struct exec *m[2], *x;
	struct err e = {0};
	struct pool p;
	char *text = NULL, *s;
	struct exec_job j;
	struct log *lg = xcalloc(1, sizeof *lg);
	double t0 = test_now_s();

	snprintf(ca, sizeof ca, "%s/slurm.conf", da);
	snprintf(cb, sizeof cb, "%s/slurm.conf", db);
	snprintf(sa, sizeof sa, "%s/st-ma", test_tmpdir());
	snprintf(sb, sizeof sb, "%s/st-mb", test_tmpdir());
	m[0] = remote_new(aa, &e);
	if (m[0] == NULL)
		test_fail(__FILE__, __LINE__, "agent a: %s", e.msg);
	m[1] = remote_new(ab, &e);
	if (m[1] == NULL)
		test_fail(__FILE__, __LINE__, "agent b: %s", e.msg);
	x = multi_new(m, names, 2, &e);
	CHECK(x != NULL);
	if (multi_pool_text(x, "H100", &text, &e) != 0)
		test_fail(__FILE__, __LINE__, "multi_pool_text: %s", e.msg);
	pool_init(&p);
	if (poolfile_parse("merged", text, strlen(text), &p, &e) != 0)
		test_fail(__FILE__, __LINE__, "%s\n%s", e.msg, text);
	CHECK_EQ_INT(p.nnodes, 8);
	CHECK_EQ_INT(p.total_gpus, 64);
	CHECK_EQ_INT(p.nclusters, 2);
	CHECK_STR(pool_node_name(&p, 0), "a1");
	CHECK_STR(pool_node_name(&p, 7), "b4");
	CHECK_CONTAINS(text, "end nodes=8 gpus=64\n");
	pool_free(&p);
	free(text);
	printf("two agents up, merged pool read: %.2f s\n", test_now_s() - t0);
	j = job(1, "echo \"$SLURMD_NODENAME $ALLOT_NODE\"", "a2", "sa");
	j.node = "a2";
	START(x, &j);
	j = job(2, "echo \"$SLURMD_NODENAME $ALLOT_NODE\"", "b3", "sb");
	j.node = "b3";
	START(x, &j);
	j = job(3, "true", "a1,b1", NULL);
	CHECK_EQ_INT(exec_start(x, &j, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "spans clusters ma and mb");
	CHECK_EQ_INT(WAIT(x, lg, 1, EXEC_EXITED)->status, 0);
	CHECK_EQ_INT(WAIT(x, lg, 2, EXEC_EXITED)->status, 0);
	printf("a job on each cluster ran: %.2f s\n", test_now_s() - t0);
	s = slurp(tpath("sa"));
	CHECK_STR(s, "a2 a2\n");
	free(s);
	s = slurp(tpath("sb"));
	CHECK_STR(s, "b3 b3\n");
	free(s);
	/* NODE events come from the Slurm executor (if it reports them) */
	CHECK(last_node(lg, "a4") == NULL || last_node(lg, "a4")->up == 1);
	CHECK(last_node(lg, "b4") == NULL || last_node(lg, "b4")->up == 1);
	CHECK_EQ_INT(count(lg, 1, EXEC_EXITED), 1);
	CHECK_EQ_INT(count(lg, 2, EXEC_EXITED), 1);

	/* cluster ma's agent killed while its job runs in Slurm: its nodes
	 * go down, the respawned agent recovers the job, EXITED once */
	{
		char cmd[800];
		pid_t pid;
		double until;

		/* a job submitted to cluster mb behind allot's back */
		snprintf(cmd, sizeof cmd, "PATH=$PATH:/usr/bin SLURM_CONF=%s "
			 "sbatch -Q -w b4 -o /dev/null --wrap 'sleep 60'", cb);
		CHECK_EQ_INT(system(cmd), 0);
		j = job(4, "sleep 3", "a3", NULL);
		j.node = "a3";
		START(x, &j);
		WAIT(x, lg, 4, EXEC_STARTED);
		pid = agent_pid("st-ma");
		CHECK(pid > 0);
		CHECK_EQ_INT(kill(pid, SIGKILL), 0);
		until = test_now_s() + WAIT_MS / 1000.0;
		while (last_node(lg, "a1") == NULL || last_node(lg, "a1")->up) {
			CHECK(test_now_s() < until);
			pull(x, lg);
			test_nap_ms(20);
		}
		CHECK_STR(last_node(lg, "a1")->text, "executor agent died");
		CHECK_EQ_INT(last_node(lg, "a4")->up, 0);
		CHECK(last_node(lg, "b1") == NULL || last_node(lg, "b1")->up);
		CHECK_EQ_INT(WAIT(x, lg, 4, EXEC_EXITED)->status, 0);
		for (int i = 0; i < 10; i++) {
			pull(x, lg);
			test_nap_ms(20);
		}
		CHECK_EQ_INT(count(lg, 4, EXEC_STARTED), 1);
		CHECK_EQ_INT(count(lg, 4, EXEC_EXITED), 1);
		CHECK(agent_pid("st-ma") != pid);
		printf("agent killed: job 4 recovered and ended %.2f s\n",
		       test_now_s() - t0);
		/* FOREIGN (if the Slurm executor reports them) name the
		 * cluster */
		{
			size_t nf = 0;

			for (size_t i = 0; i < lg->n; i++)
				if (lg->ev[i].kind == EXEC_FOREIGN) {
					CHECK_STR(lg->ev[i].name, "mb");
					nf++;
				}
			printf("FOREIGN events: %zu; node a1 %s again\n", nf,
			       last_node(lg, "a1")->up ? "up" : "not yet up");
			/* mb's agent killed: its new Slurm executor finds the
			 * foreign job again; it is not reported twice */
			if (nf == 1) {
				pid = agent_pid("st-mb");
				CHECK(pid > 0);
				CHECK_EQ_INT(kill(pid, SIGKILL), 0);
				until = test_now_s() + WAIT_MS / 1000.0;
				while (last_node(lg, "b1")->up) {
					CHECK(test_now_s() < until);
					pull(x, lg);
					test_nap_ms(20);
				}
				while (!last_node(lg, "b1")->up) {
					CHECK(test_now_s() < until);
					pull(x, lg);
					test_nap_ms(20);
				}
				for (int i = 0; i < 50; i++) {
					pull(x, lg);
					test_nap_ms(20);
				}
				nf = 0;
				for (size_t i = 0; i < lg->n; i++)
					nf += lg->ev[i].kind == EXEC_FOREIGN;
				CHECK_EQ_INT(nf, 1);
				printf("mb's agent respawned, FOREIGN still once\n");
			}
		}
	}
	exec_free(x);
	free(lg);
}

TEST(multi_two_slurm_clusters)
{
	char da[64], db[64], cmd[700];
	pid_t pid = -1;
	int st = 0, rc = 0, ok;

	allot_bin();
	if (!have("slurmctld") || !have("slurmd") || !have("munged"))
		test_skip("slurmctld/slurmd/munged not installed");
	if (geteuid() != 0)
		test_skip("needs root (SlurmUser=root)");
	/* short: the munge socket path must fit a sockaddr_un */
	snprintf(da, sizeof da, "/tmp/allot-ma.XXXXXX");
	snprintf(db, sizeof db, "/tmp/allot-mb.XXXXXX");
	CHECK(mkdtemp(da) != NULL && mkdtemp(db) != NULL);
	snprintf(cmd, sizeof cmd, "NODE_PREFIX=a bash tests/slurm/cluster.sh "
		 "start %s 4 allot-ma auto && NODE_PREFIX=b bash "
		 "tests/slurm/cluster.sh start %s 4 allot-mb auto", da, db);
	ok = system(cmd) == 0;
	fflush(NULL);
	if (ok && (pid = fork()) == 0) {
		slurm_checks(da, db);
		fflush(NULL);
		_exit(0);
	}
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	for (int k = 0; k < 2; k++) {
		snprintf(cmd, sizeof cmd, "bash tests/slurm/cluster.sh stop %s",
			 k ? db : da);
		rc |= system(cmd);
		snprintf(cmd, sizeof cmd, "rm -rf %s", k ? db : da);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", k ? db : da);
	}
	if (!ok)
		test_fail(__FILE__, __LINE__, "cluster.sh start failed");
	CHECK(pid > 0);
	CHECK_EQ_INT(rc, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		test_fail(__FILE__, __LINE__, "the checks failed (status %d)", st);
}
