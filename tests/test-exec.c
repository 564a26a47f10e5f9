/*
 * test-exec.c — the local executor (src/exec/local.h) with real child
 * processes under the test's temporary directory: the job's environment,
 * workdir and output files; exit codes; the time limit with a job that
 * honours SIGTERM and one that ignores it (SIGKILL after the grace
 * period, timing bounds checked); exec_stop; a "daemon restart" (the
 * executor freed while jobs run or finish, a new one on the same state
 * directory recovering them); ids with no trace; a shepherd killed with
 * SIGKILL (LOST, and its job killed too); never starting an id twice;
 * 50 jobs at once, all reaped; and the descriptors a shepherd keeps.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "exec/exec.h"
#include "exec/local.h"
#include "test.h"
#include "util/alloc.h"

static const char *
tpath(const char *name)
{
	static char buf[8][512];
	static int k;
	char *p = buf[k++ % 8];

	snprintf(p, 512, "%s/%s", test_tmpdir(), name);
	return p;
}

/* How long to wait for an event that must come: long, because the
 * machine may be loaded (fsyncs of seconds); a healthy run never waits. */
#define WAIT_MS 20000

static struct exec *
mk(const char *sub)
{
	struct err e = {0};
	struct exec *x = local_new(tpath(sub), &e);

	if (x == NULL)
		test_fail(__FILE__, __LINE__, "local_new: %s", e.msg);
	CHECK_STR(exec_name(x), "local");
	return x;
}

static struct exec_job
job(uint64_t id, const char *cmd)
{
	struct exec_job j;

	memset(&j, 0, sizeof j);
	j.id = id;
	j.command = cmd;
	j.workdir = test_tmpdir();
	j.grace_s = 5;
	return j;
}

static void
start_ok(struct exec *x, const struct exec_job *j)
{
	struct err e = {0};
	int rc = exec_start(x, j, &e);

	if (rc != 0)
		test_fail(__FILE__, __LINE__, "exec_start %llu: %d %s",
			  (unsigned long long)j->id, rc, e.msg);
}

/* Events polled but not yet asked for (one test per process, so one
 * executor at a time: exec_free'd executors leave nothing here that a
 * later wait would misread, since every wait names its id and kind). */
static struct exec_event pend[512];
static size_t npend;

/* Polls until id has an event of kind, keeping the others for later
 * waits; an EXITED or LOST for id while waiting for something else fails
 * the test.  Fails after timeout_ms. */
static struct exec_event
wait_ev(struct exec *x, uint64_t id, int kind, long timeout_ms)
{
	double until = test_now_s() + (double)timeout_ms / 1000;

	for (;;) {
		for (size_t i = 0; i < npend; i++) {
			struct exec_event ev = pend[i];
			if (ev.id != id)
				continue;
			memmove(pend + i, pend + i + 1,
				(npend - i - 1) * sizeof *pend);
			npend--;
			if (ev.kind == kind)
				return ev;
			if (ev.kind != EXEC_STARTED)
				test_fail(__FILE__, __LINE__, "job %llu: event %d "
					  "(status %d signal %d) while waiting for %d",
					  (unsigned long long)id, ev.kind,
					  ev.status, ev.signal, kind);
			i--;
		}
		if (test_now_s() >= until)
			break;
		CHECK(npend < 512 - 64);
		npend += exec_poll(x, pend + npend, 64);
		test_nap_ms(10);
	}
	test_fail(__FILE__, __LINE__, "no event %d for job %llu in %ld ms", kind,
		  (unsigned long long)id, timeout_ms);
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

static int
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static pid_t
pid_in(const char *path, unsigned long long *start)
{
	char *s = slurp(path);
	long long p = 0;
	unsigned long long st = 0;

	if (sscanf(s, "pid=%lld start=%llu", &p, &st) != 2)
		p = 0;
	free(s);
	if (start)
		*start = st;
	return (pid_t)p;
}

TEST(exec_env_and_output)
{
	struct exec *x = mk("st");
	static const int gpus[] = {1, 3};
	const char *env[] = {"FOO=bar baz", "ALLOT_GPUS=ignored-by-order", NULL};
	struct exec_job j = job(1, "env; pwd; echo to-err >&2; echo done");
	struct exec_event ev;
	char *out, *errs;

	setenv("ALLOT_TOKEN", "allot_1_secret", 1);
	setenv("MY_API_TOKEN", "secret2", 1);
	setenv("ALLOT_TEST_KEEP", "kept", 1);
	mkdir(tpath("wd"), 0700);
	j.workdir = tpath("wd");
	j.out_path = tpath("out");
	j.err_path = tpath("err");
	j.gpus = gpus;
	j.ngpus = 2;
	j.node = "node7";
	j.nodelist = "node7,node8";
	j.env = env;
	start_ok(x, &j);
	CHECK(exists(tpath("st/1/started")));
	ev = wait_ev(x, 1, EXEC_STARTED, WAIT_MS);
	CHECK(exists(tpath("st/1/pid"))); /* STARTED = the pid file is there */
	CHECK(ev.at > 0);
	ev = wait_ev(x, 1, EXEC_EXITED, WAIT_MS);
	CHECK_EQ_INT(ev.status, 0);
	CHECK_EQ_INT(ev.signal, 0);
	CHECK_EQ_INT(ev.timed_out, 0);
	CHECK_EQ_INT(ev.stopped, 0);
	CHECK(ev.at >= (int64_t)time(NULL) - 5);
	out = slurp(tpath("out"));
	errs = slurp(tpath("err"));
	CHECK_CONTAINS(out, "\nCUDA_VISIBLE_DEVICES=1,3\n");
	CHECK_CONTAINS(out, "\nALLOT_NODE=node7\n");
	CHECK_CONTAINS(out, "\nALLOT_NODELIST=node7,node8\n");
	CHECK_CONTAINS(out, "\nALLOT_JOB_ID=1\n");
	CHECK_CONTAINS(out, "\nFOO=bar baz\n");
	CHECK_CONTAINS(out, "\nALLOT_GPUS=ignored-by-order\n"); /* the job's env wins */
	CHECK_CONTAINS(out, "\nALLOT_TEST_KEEP=kept\n");
	CHECK(strstr(out, "ALLOT_TOKEN") == NULL);
	CHECK(strstr(out, "secret") == NULL);
	CHECK_CONTAINS(out, tpath("wd"));
	CHECK_CONTAINS(out, "\ndone\n");
	CHECK_STR(errs, "to-err\n");
	CHECK(exists(tpath("st/1/exit")));
	/* nothing more for it */
	CHECK_EQ_INT(exec_poll(x, &ev, 1), 0);
	{
		struct err e = {0};
		CHECK_EQ_INT(exec_stop(x, 1, 0, &e), ERR_NOTFOUND);
	}
	free(out);
	free(errs);
	exec_free(x);
}

TEST(exec_exit_code_and_shared_output)
{
	struct exec *x = mk("st");
	struct exec_job j = job(2, "echo a; echo b >&2; exit 7");
	struct exec_event ev;
	char *out;

	j.out_path = j.err_path = tpath("both");
	start_ok(x, &j);
	ev = wait_ev(x, 2, EXEC_EXITED, WAIT_MS);
	CHECK_EQ_INT(ev.status, 7);
	CHECK_EQ_INT(ev.signal, 0);
	CHECK_EQ_INT(ev.timed_out, 0);
	out = slurp(tpath("both"));
	CHECK_STR(out, "a\nb\n");
	free(out);
	/* a job without GPUs sees none; no output paths = /dev/null */
	j = job(3, "test -z \"$CUDA_VISIBLE_DEVICES\" && test \"$ALLOT_GPUS\" = 0");
	start_ok(x, &j);
	ev = wait_ev(x, 3, EXEC_EXITED, WAIT_MS);
	CHECK_EQ_INT(ev.status, 0);
	exec_free(x);
}

TEST(exec_time_limit_term)
{
	struct exec *x = mk("st");
	struct exec_job j = job(4, "sleep 10");
	struct exec_event ev;
	double t0 = test_now_s(), dt;

	j.time_limit_s = 1;
	j.grace_s = 5;
	start_ok(x, &j);
	ev = wait_ev(x, 4, EXEC_EXITED, WAIT_MS);
	dt = test_now_s() - t0;
	CHECK_EQ_INT(ev.timed_out, 1);
	CHECK_EQ_INT(ev.stopped, 0);
	CHECK_EQ_INT(ev.status, -1);
	CHECK_EQ_INT(ev.signal, SIGTERM);
	CHECK(dt >= 0.95 && dt < 4.5); /* well before the 5 s grace */
	exec_free(x);
}

TEST(exec_time_limit_kill_after_grace)
{
	struct exec *x = mk("st");
	struct exec_job j = job(5, "trap '' TERM; sleep 10");
	struct exec_event ev;
	double t0 = test_now_s(), dt;

	j.time_limit_s = 1;
	j.grace_s = 1;
	start_ok(x, &j);
	ev = wait_ev(x, 5, EXEC_EXITED, WAIT_MS);
	dt = test_now_s() - t0;
	CHECK_EQ_INT(ev.timed_out, 1);
	CHECK_EQ_INT(ev.signal, SIGKILL);
	CHECK_EQ_INT(ev.status, -1);
	CHECK(dt >= 1.95 && dt < 6); /* not before limit + grace */
	exec_free(x);
}

TEST(exec_stop_term_and_kill)
{
	struct exec *x = mk("st");
	struct exec_job j = job(6, "sleep 10");
	struct exec_job k = job(7, "trap '' TERM; sleep 10");
	struct exec_event ev;
	struct err e = {0};
	double t0, dt;

	start_ok(x, &j);
	start_ok(x, &k);
	wait_ev(x, 6, EXEC_STARTED, WAIT_MS);
	test_nap_ms(100); /* let sh reach its trap */
	t0 = test_now_s();
	CHECK_EQ_INT(exec_stop(x, 6, 3, &e), 0);
	CHECK_EQ_INT(exec_stop(x, 7, 1, &e), 0);
	ev = wait_ev(x, 6, EXEC_EXITED, WAIT_MS);
	dt = test_now_s() - t0;
	CHECK_EQ_INT(ev.stopped, 1);
	CHECK_EQ_INT(ev.timed_out, 0);
	CHECK_EQ_INT(ev.signal, SIGTERM);
	CHECK(dt < 2.9); /* before the 3 s grace */
	ev = wait_ev(x, 7, EXEC_EXITED, WAIT_MS);
	dt = test_now_s() - t0;
	CHECK_EQ_INT(ev.stopped, 1);
	CHECK_EQ_INT(ev.signal, SIGKILL);
	CHECK(dt >= 0.95 && dt < 5);
	CHECK_EQ_INT(exec_stop(x, 99, 1, &e), ERR_NOTFOUND);
	exec_free(x);
}

TEST(exec_restart_reattaches)
{
	struct exec *x = mk("st");
	struct exec_job j = job(8, "sleep 1; exit 5");
	struct exec_event ev[3];
	struct err e = {0};
	uint64_t ids[3] = {8, 9, 10};

	start_ok(x, &j);
	wait_ev(x, 8, EXEC_STARTED, WAIT_MS);
	exec_free(x); /* the daemon goes away; the job does not */
	x = mk("st");
	CHECK_EQ_INT(exec_recover(x, ids, 3, ev, &e), 0);
	CHECK_EQ_INT(ev[0].id, 8);
	CHECK_EQ_INT(ev[0].kind, EXEC_STARTED);
	CHECK_EQ_INT(ev[1].id, 9);
	CHECK_EQ_INT(ev[1].kind, EXEC_LOST); /* no trace */
	CHECK_EQ_INT(ev[1].never_started, 1);
	CHECK_EQ_INT(ev[2].kind, EXEC_LOST);
	CHECK_EQ_INT(ev[2].never_started, 1);
	CHECK_EQ_INT(ev[0].never_started, 0);
	ev[0] = wait_ev(x, 8, EXEC_EXITED, WAIT_MS);
	CHECK_EQ_INT(ev[0].status, 5);
	/* the id stays burnt across restarts */
	CHECK_EQ_INT(exec_start(x, &j, &e), ERR_CONFLICT);
	exec_free(x);
}

TEST(exec_restart_races_the_start)
{
	/* The daemon dies right after exec_start, before the shepherd said
	 * it is ready: recovery either reattaches (the job runs once) or
	 * reports LOST, and then the job must never run. */
	char cmd[600];
	int lost = 0, started = 0;

	for (int k = 0; k < 6; k++) {
		struct exec *x = mk("st");
		struct exec_job j;
		struct exec_event ev;
		struct err e = {0};
		uint64_t id = 200 + (uint64_t)k;
		char name[32], *s;

		snprintf(name, sizeof name, "ran%d", k);
		snprintf(cmd, sizeof cmd, "echo ran >> '%s'", tpath(name));
		j = job(id, cmd);
		start_ok(x, &j);
		exec_free(x);
		if (k % 2)
			test_nap_ms(20);
		x = mk("st");
		CHECK_EQ_INT(exec_recover(x, &id, 1, &ev, &e), 0);
		if (ev.kind == EXEC_LOST) {
			lost++;
			CHECK_EQ_INT(ev.never_started, 1);
			test_nap_ms(300);
			s = slurp(tpath(name));
			CHECK_STR(s, "");
			free(s);
		} else {
			if (ev.kind == EXEC_STARTED) {
				started++;
				ev = wait_ev(x, id, EXEC_EXITED, WAIT_MS);
			}
			CHECK_EQ_INT(ev.kind, EXEC_EXITED);
			CHECK_EQ_INT(ev.status, 0);
			s = slurp(tpath(name));
			CHECK_STR(s, "ran\n");
			free(s);
		}
		exec_free(x);
	}
	fprintf(stderr, "lost %d started %d\n", lost, started);
	CHECK(lost + started <= 6);
}

TEST(exec_restart_finished_meanwhile)
{
	struct exec *x = mk("st");
	struct exec_job j = job(11, "exit 3");
	struct exec_event ev;
	struct err e = {0};
	uint64_t id = 11;

	start_ok(x, &j);
	exec_free(x);
	for (int i = 0; i < 2000 && !exists(tpath("st/11/exit")); i++)
		test_nap_ms(10);
	CHECK(exists(tpath("st/11/exit")));
	x = mk("st");
	CHECK_EQ_INT(exec_recover(x, &id, 1, &ev, &e), 0);
	CHECK_EQ_INT(ev.kind, EXEC_EXITED);
	CHECK_EQ_INT(ev.status, 3);
	CHECK_EQ_INT(ev.signal, 0);
	CHECK(ev.at > 0);
	/* reported once: the new executor does not watch it */
	CHECK_EQ_INT(exec_poll(x, &ev, 1), 0);
	exec_free(x);
}

TEST(exec_recover_never_started_pid_missing)
{
	/* A claim with no pid file (a crash inside exec_start before the
	 * shepherd wrote it): LOST, and a stop file forbids a late shepherd. */
	struct exec *x = mk("st");
	struct exec_event ev;
	struct err e = {0};
	uint64_t id = 12;

	CHECK(mkdir(tpath("st/12"), 0700) == 0);
	CHECK_EQ_INT(exec_recover(x, &id, 1, &ev, &e), 0);
	CHECK_EQ_INT(ev.kind, EXEC_LOST);
	CHECK_EQ_INT(ev.never_started, 1); /* the caller may requeue it */
	CHECK(exists(tpath("st/12/stop")));
	exec_free(x);
}

TEST(exec_shepherd_killed_is_lost)
{
	struct exec *x = mk("st");
	struct exec_job j = job(13, "sleep 10");
	struct exec_event ev;
	unsigned long long st;
	pid_t sp, jp;

	start_ok(x, &j);
	wait_ev(x, 13, EXEC_STARTED, WAIT_MS);
	for (int i = 0; i < 2000 && !exists(tpath("st/13/job")); i++)
		test_nap_ms(10);
	sp = pid_in(tpath("st/13/pid"), &st);
	jp = pid_in(tpath("st/13/job"), NULL);
	CHECK(sp > 0 && jp > 0 && sp != jp);
	CHECK(st > 0);
	CHECK_EQ_INT(kill(sp, SIGKILL), 0);
	ev = wait_ev(x, 13, EXEC_LOST, WAIT_MS);
	CHECK_EQ_INT(ev.status, -1);
	CHECK_EQ_INT(ev.never_started, 0); /* it ran: never requeued blindly */
	/* its job is killed with it, not left running unsupervised */
	for (int i = 0; i < 1000 && kill(jp, 0) == 0; i++) {
		char path[64], *s;
		snprintf(path, sizeof path, "/proc/%d/stat", (int)jp);
		s = slurp(path);
		int zombie = strstr(s, ") Z ") != NULL;
		free(s);
		if (zombie)
			break;
		test_nap_ms(10);
	}
	{
		char path[64], *s;
		snprintf(path, sizeof path, "/proc/%d/stat", (int)jp);
		s = slurp(path);
		CHECK(s[0] == '\0' || strstr(s, ") Z ") != NULL);
		free(s);
	}
	exec_free(x);
}

TEST(exec_never_twice)
{
	struct exec *x = mk("st");
	char cmd[600];
	struct exec_job j;
	struct exec_event ev;
	struct err e = {0};
	char *s;
	int lines = 0;

	snprintf(cmd, sizeof cmd, "echo ran >> '%s'; sleep 0.3", tpath("count"));
	j = job(14, cmd);
	start_ok(x, &j);
	CHECK_EQ_INT(exec_start(x, &j, &e), ERR_CONFLICT); /* while running */
	CHECK_CONTAINS(e.msg, "14");
	ev = wait_ev(x, 14, EXEC_EXITED, WAIT_MS);
	CHECK_EQ_INT(ev.status, 0);
	CHECK_EQ_INT(exec_start(x, &j, &e), ERR_CONFLICT); /* after */
	exec_free(x);
	x = mk("st");
	CHECK_EQ_INT(exec_start(x, &j, &e), ERR_CONFLICT); /* after a restart */
	test_nap_ms(200);
	CHECK_EQ_INT(exec_poll(x, &ev, 1), 0);
	s = slurp(tpath("count"));
	for (char *p = s; *p; p++)
		lines += *p == '\n';
	CHECK_EQ_INT(lines, 1);
	free(s);
	exec_free(x);
}

TEST(exec_invalid_requests)
{
	struct exec *x = mk("st");
	struct exec_job j = job(15, "true");
	struct err e = {0};

	j.workdir = tpath("no-such-dir");
	CHECK_EQ_INT(exec_start(x, &j, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "workdir");
	j.workdir = tpath("st"); /* exists, but let a file stand in for it */
	{
		FILE *f = fopen(tpath("file"), "w");
		CHECK(f != NULL);
		fclose(f);
	}
	j.workdir = tpath("file");
	CHECK_EQ_INT(exec_start(x, &j, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "workdir");
	j = job(15, NULL);
	CHECK_EQ_INT(exec_start(x, &j, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "command");
	j = job(15, "");
	CHECK_EQ_INT(exec_start(x, &j, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "command");
	j = job(15, "true");
	j.time_limit_s = -1;
	CHECK_EQ_INT(exec_start(x, &j, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "time_limit_s");
	j = job(15, "true");
	j.out_path = tpath("no-such-dir/out");
	CHECK_EQ_INT(exec_start(x, &j, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "out_path");
	/* nothing was started: the id is still free */
	CHECK(!exists(tpath("st/15")));
	j = job(15, "true");
	j.time_limit_s = INT64_MAX; /* no overflow: simply no limit */
	start_ok(x, &j);
	CHECK_EQ_INT(wait_ev(x, 15, EXEC_EXITED, WAIT_MS).status, 0);
	exec_free(x);
	{
		struct err e2 = {0};
		CHECK(local_new("", &e2) == NULL);
		CHECK_EQ_INT(e2.code, ERR_INVALID);
		CHECK(local_new(tpath("file/sub"), &e2) == NULL);
		CHECK_EQ_INT(e2.code, ERR_IO);
	}
}

/* Children of this process in state Z, from /proc. */
static int
zombies(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	CHECK(d != NULL);
	while ((de = readdir(d)) != NULL) {
		char path[300], *s, *p;
		int ppid;
		char st;
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
		s = slurp(path);
		if ((p = strrchr(s, ')')) != NULL &&
		    sscanf(p + 1, " %c %d", &st, &ppid) == 2 &&
		    ppid == (int)getpid() && st == 'Z')
			n++;
		free(s);
	}
	closedir(d);
	return n;
}

TEST(exec_many_at_once)
{
	enum { N = 50 };
	struct exec *x = mk("st");
	struct exec_event ev[2 * N];
	int exited[N] = {0}, started[N] = {0}, left = N;
	double until;

	for (int i = 0; i < N; i++) {
		char cmd[64];
		struct exec_job j;
		snprintf(cmd, sizeof cmd, "sleep 0.2; exit %d", i % 7);
		j = job(100 + (uint64_t)i, cmd);
		start_ok(x, &j);
	}
	until = test_now_s() + 60;
	while (left > 0 && test_now_s() < until) {
		size_t n = exec_poll(x, ev, 2 * N);
		for (size_t i = 0; i < n; i++) {
			int k = (int)(ev[i].id - 100);
			CHECK(k >= 0 && k < N);
			if (ev[i].kind == EXEC_STARTED) {
				CHECK_EQ_INT(exited[k], 0);
				started[k]++;
			} else {
				CHECK_EQ_INT(ev[i].kind, EXEC_EXITED);
				CHECK_EQ_INT(started[k], 1);
				CHECK_EQ_INT(ev[i].status, k % 7);
				exited[k]++;
				left--;
			}
		}
		test_nap_ms(20);
	}
	CHECK_EQ_INT(left, 0);
	for (int k = 0; k < N; k++) {
		CHECK_EQ_INT(started[k], 1);
		CHECK_EQ_INT(exited[k], 1);
	}
	CHECK_EQ_INT(zombies(), 0);
	exec_free(x);
}

TEST(exec_shepherd_keeps_no_inherited_fds)
{
	struct exec *x = mk("st");
	struct exec_job j = job(16, "sleep 0.5");
	int pfd[2];
	int n = 0;
	pid_t sp;
	DIR *d;
	struct dirent *de;
	char path[64];

	CHECK(pipe(pfd) == 0); /* not close-on-exec: like a listening socket */
	start_ok(x, &j);
	wait_ev(x, 16, EXEC_STARTED, WAIT_MS);
	sp = pid_in(tpath("st/16/pid"), NULL);
	CHECK(sp > 0);
	test_nap_ms(100);
	snprintf(path, sizeof path, "/proc/%d/fd", (int)sp);
	d = opendir(path);
	CHECK(d != NULL);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	CHECK_EQ_INT(n, 4); /* /dev/null x3 and its job directory */
	snprintf(path, sizeof path, "/proc/%d/comm", (int)sp);
	{
		char *s = slurp(path);
		CHECK_STR(s, "allot-shepherd\n");
		free(s);
	}
	/* re-executed, not a copy of this process: its argv is its own */
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)sp);
	{
		char *s = slurp(path);
		CHECK_STR(s, "allot-shepherd"); /* up to the first NUL */
		CHECK_STR(s + strlen(s) + 1, "0");          /* no time limit */
		CHECK_STR(s + strlen(s) + 3, "5");          /* grace */
		free(s);
	}
	close(pfd[0]);
	close(pfd[1]);
	CHECK_EQ_INT(wait_ev(x, 16, EXEC_EXITED, WAIT_MS).status, 0);
	exec_free(x);
}

/* 1 if pid is gone or a zombie (reparented processes may stay zombies
 * under a pid 1 that does not reap). */
static int
dead(pid_t pid)
{
	char path[64], *s;
	int r;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	s = slurp(path);
	r = s[0] == '\0' || strstr(s, ") Z ") != NULL;
	free(s);
	return r;
}

TEST(exec_leftovers_killed_with_the_job)
{
	struct exec *x = mk("st");
	char cmd[600];
	struct exec_job j;
	char *s;
	pid_t bg;

	snprintf(cmd, sizeof cmd, "sleep 10 & echo $! > '%s'; exit 0",
		 tpath("bg"));
	j = job(17, cmd);
	start_ok(x, &j);
	CHECK_EQ_INT(wait_ev(x, 17, EXEC_EXITED, WAIT_MS).status, 0);
	s = slurp(tpath("bg"));
	bg = (pid_t)atoi(s);
	free(s);
	CHECK(bg > 0);
	for (int i = 0; i < 1000 && !dead(bg); i++)
		test_nap_ms(10);
	CHECK(dead(bg));
	exec_free(x);
}

TEST(exec_stop_right_after_start)
{
	/* exec_stop before the shepherd has answered: the stop file and the
	 * shepherd's check after its pid file make sure it still ends. */
	struct exec *x = mk("st");
	struct exec_job j = job(18, "sleep 10");
	struct exec_event ev;
	struct err e = {0};
	double t0 = test_now_s();

	start_ok(x, &j);
	CHECK_EQ_INT(exec_stop(x, 18, 1, &e), 0);
	ev = wait_ev(x, 18, EXEC_EXITED, WAIT_MS);
	CHECK_EQ_INT(ev.stopped, 1);
	CHECK_EQ_INT(ev.status, -1);
	CHECK(ev.signal == 0 || ev.signal == SIGTERM); /* never ran, or TERMed */
	CHECK(test_now_s() - t0 < 8.0); /* far less than sleep 10 */
	exec_free(x);
}

TEST(exec_poll_one_slot_at_a_time)
{
	struct exec *x = mk("st");
	struct exec_job j = job(19, "exit 2");
	struct exec_event ev = {0};
	int kinds[4] = {-1, -1, -1, -1}, n = 0;
	double until = test_now_s() + 20;

	start_ok(x, &j);
	while (n < 2 && test_now_s() < until) {
		if (exec_poll(x, &ev, 1) == 1) {
			CHECK_EQ_INT(ev.id, 19);
			kinds[n++] = ev.kind;
		}
		test_nap_ms(10);
	}
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(kinds[0], EXEC_STARTED);
	CHECK_EQ_INT(kinds[1], EXEC_EXITED);
	CHECK_EQ_INT(ev.status, 2);
	CHECK_EQ_INT(exec_poll(x, &ev, 0), 0);
	exec_free(x);
}

static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	fputs(text, f);
	fclose(f);
}

/* This process's start time from /proc/self/stat (field 22). */
static unsigned long long
self_start(void)
{
	char *s = slurp("/proc/self/stat"), *p = strrchr(s, ')');
	unsigned long long v = 0;
	int field = 2;

	CHECK(p != NULL);
	for (p++; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	v = strtoull(p, NULL, 10);
	free(s);
	return v;
}

TEST(exec_recover_checks_pid_reuse)
{
	/* Hand-made state: "shepherds" that are this test process.  With the
	 * wrong start time the pid is someone else's (reused): LOST, and
	 * nothing is signalled (we would die).  With the right one it is
	 * alive: STARTED, and an exit file appearing later gives EXITED. */
	struct exec *x = mk("st");
	struct exec_event ev[2];
	struct err e = {0};
	uint64_t ids[2] = {300, 301};
	char text[128];

	CHECK(mkdir(tpath("st/300"), 0700) == 0);
	CHECK(mkdir(tpath("st/301"), 0700) == 0);
	snprintf(text, sizeof text, "pid=%d start=%llu\n", (int)getpid(),
		 self_start() + 1);
	put(tpath("st/300/pid"), text);
	put(tpath("st/300/job"), text);
	snprintf(text, sizeof text, "pid=%d start=%llu\n", (int)getpid(),
		 self_start());
	put(tpath("st/301/pid"), text);
	CHECK_EQ_INT(exec_recover(x, ids, 2, ev, &e), 0);
	CHECK_EQ_INT(ev[0].kind, EXEC_LOST);
	CHECK_EQ_INT(ev[0].never_started, 0); /* its pid file says it began */
	CHECK_EQ_INT(ev[1].kind, EXEC_STARTED);
	CHECK_EQ_INT(exec_poll(x, ev, 2), 0); /* still "running" */
	put(tpath("st/301/exit"),
	    "status=-1 signal=9 timed_out=1 stopped=0 end=1700000000 ran=1\n");
	ev[0] = wait_ev(x, 301, EXEC_EXITED, WAIT_MS);
	CHECK_EQ_INT(ev[0].status, -1);
	CHECK_EQ_INT(ev[0].signal, 9);
	CHECK_EQ_INT(ev[0].timed_out, 1);
	CHECK_EQ_INT(ev[0].at, 1700000000);
	exec_free(x);
}
