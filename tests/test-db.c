/*
 * test-db.c — the SQLite store (src/store/db.h) against real files under
 * the test's temporary directory: schema creation, reopening and version
 * checks; job rows field by field; filters and cursor pages; idempotent
 * resubmission; concurrent submitters through the group commit; tokens
 * kept as salt and hash only; the other tables; db_shutdown draining; and
 * the store-level crash test (a child submitting is killed with SIGKILL at
 * a random moment; every acknowledged id must be there after reopening,
 * none twice).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ledger/audit.h"
#include "store/db.h"
#include "test.h"
#include "util/alloc.h"
#include "util/file.h"
#include "util/rng.h"

static const char *
tpath(const char *name)
{
	static char buf[4][512];
	static int k;
	char *p = buf[k++ % 4];

	snprintf(p, sizeof buf[0], "%s/%s", test_tmpdir(), name);
	return p;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static struct db *
open_ok(const char *path)
{
	struct db *d = NULL;
	struct err e;

	err_clear(&e);
	if (db_open(path, &d, &e) != 0)
		test_fail(__FILE__, __LINE__, "db_open %s: %s", path, e.msg);
	return d;
}

/* A tenant "t<k>" and a user "u<k>" in it; returns the user id. */
static uint32_t
make_user(struct db *d, int k, uint32_t *tenant)
{
	char tn[32], un[32];
	uint32_t t, u;
	struct err e;

	snprintf(tn, sizeof tn, "t%d", k);
	snprintf(un, sizeof un, "u%d", k);
	CHECK(db_tenant_put(d, tn, NULL, 1, &t, &e) >= 0);
	CHECK(db_user_put(d, un, t, 4, &u, &e) >= 0);
	if (tenant != NULL)
		*tenant = t;
	return u;
}

static void
job_init(struct db_job *j, uint32_t tenant, uint32_t user, const char *name)
{
	memset(j, 0, sizeof *j);
	j->tenant = tenant;
	j->user = user;
	snprintf(j->name, sizeof j->name, "%s", name);
	j->shape.gpus_per_node = 1;
	j->shape.nodes = 1;
	j->shape.gpu_milli = 1000;
	j->shape.start = -1;
	j->shape.end = -1;
	j->shape.state = JOB_PENDING;
	j->exit_code = -1;
	j->command = (char *)"true";
	j->workdir = (char *)"/tmp";
}

TEST(db_schema_create_reopen)
{
	const char *p = tpath("a.db");
	struct db *d = open_ok(p);
	char *txt = NULL;
	struct err e;
	FILE *f;

	CHECK_EQ_INT(db_schema_version(d), DB_SCHEMA_VERSION);
	CHECK_EQ_INT(db_pool_get(d, &txt, &e), ERR_NOTFOUND);
	CHECK(txt == NULL);
	CHECK_EQ_INT(db_pool_put(d, "site s0\n", &e), 0);
	db_close(d);
	d = open_ok(p);
	CHECK_EQ_INT(db_schema_version(d), DB_SCHEMA_VERSION);
	CHECK_EQ_INT(db_pool_get(d, &txt, &e), 0);
	CHECK_STR(txt, "site s0\n");
	free(txt);
	db_close(d);

	/* An empty file is a new database. */
	f = fopen(tpath("empty.db"), "w");
	CHECK(f != NULL);
	fclose(f);
	d = open_ok(tpath("empty.db"));
	CHECK_EQ_INT(db_schema_version(d), DB_SCHEMA_VERSION);
	db_close(d);
	d = open_ok(tpath("empty.db"));
	CHECK_EQ_INT(db_schema_version(d), DB_SCHEMA_VERSION);
	db_close(d);

	/* The file really is in WAL mode with the current user_version. */
	{
		sqlite3 *h;
		sqlite3_stmt *st;

		CHECK(sqlite3_open(p, &h) == SQLITE_OK);
		CHECK(sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st,
					 NULL) == SQLITE_OK);
		CHECK(sqlite3_step(st) == SQLITE_ROW);
		CHECK_STR((const char *)sqlite3_column_text(st, 0), "wal");
		sqlite3_finalize(st);
		CHECK(sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st,
					 NULL) == SQLITE_OK);
		CHECK(sqlite3_step(st) == SQLITE_ROW);
		CHECK_EQ_INT(sqlite3_column_int(st, 0), DB_SCHEMA_VERSION);
		sqlite3_finalize(st);
		sqlite3_close(h);
	}
}

/* A second process cannot open a database another one has open; it can
 * once that one closes it, or dies. */
TEST(db_one_process)
{
	const char *p = tpath("one.db");
	struct db *d = open_ok(p);
	int status;
	pid_t pid;
	char want[64];

	for (int round = 0; round < 2; round++) {
		fflush(NULL);
		pid = fork();
		CHECK(pid >= 0);
		if (pid == 0) {
			struct db *d2 = NULL;
			struct err e;
			int rc = db_open(p, &d2, &e);

			snprintf(want, sizeof want, "in use by another allot "
				 "(pid %ld)", (long)getppid());
			if (round == 0)
				_exit(rc == ERR_CONFLICT && d2 == NULL &&
				      strstr(e.msg, want) != NULL ? 0 : 1);
			db_close(d2);
			_exit(rc == 0 ? 0 : 2);
		}
		CHECK(waitpid(pid, &status, 0) == pid);
		CHECK(WIFEXITED(status));
		CHECK_EQ_INT(WEXITSTATUS(status), 0);
		if (round == 0)
			db_close(d); /* now the child of round 1 may open it */
	}
}

TEST(db_schema_newer)
{
	const char *p = tpath("new.db");
	struct db *d = open_ok(p);
	sqlite3 *h;
	struct err e;

	db_close(d);
	CHECK(sqlite3_open(p, &h) == SQLITE_OK);
	CHECK(sqlite3_exec(h, "PRAGMA user_version = 7", NULL, NULL, NULL) ==
	      SQLITE_OK);
	sqlite3_close(h);
	d = (struct db *)1;
	err_clear(&e);
	CHECK_EQ_INT(db_open(p, &d, &e), ERR_STATE);
	CHECK(d == NULL);
	{
		char want[80];
		snprintf(want, sizeof want, "database schema 7 is newer than "
			 "this allot (%d)", DB_SCHEMA_VERSION);
		CHECK_CONTAINS(e.msg, want);
	}
}

TEST(db_not_sqlite)
{
	const char *p = tpath("text.db");
	struct db *d = NULL;
	struct err e;
	FILE *f = fopen(p, "w");

	CHECK(f != NULL);
	for (int k = 0; k < 200; k++)
		fputs("this is not a database, just some text\n", f);
	fclose(f);
	err_clear(&e);
	CHECK_EQ_INT(db_open(p, &d, &e), ERR_INVALID);
	CHECK(d == NULL);
	CHECK_CONTAINS(e.msg, "not an SQLite database");
	CHECK_CONTAINS(e.msg, "text.db");

	/* A directory, and a path in a missing directory. */
	CHECK_EQ_INT(db_open(test_tmpdir(), &d, &e), ERR_IO);
	CHECK(d == NULL);
	CHECK_EQ_INT(db_open(tpath("no/such/dir.db"), &d, &e), ERR_IO);
	CHECK_CONTAINS(e.msg, "cannot open");
	CHECK_EQ_INT(db_open("", &d, &e), ERR_INVALID);
}

static int
count_cb(void *ctx, const struct db_job *j)
{
	(void)j;
	++*(int *)ctx;
	return 0;
}

/* Garbage written over pages of a real database: db_open or the reads
 * report an error (ERR_INVALID for corruption) — never a crash, never
 * made-up rows. */
TEST(db_corrupt_file)
{
	struct rng r;

	rng_seed(&r, 5);
	for (int round = 0; round < 8; round++) {
		char name[32];
		const char *p;
		struct db *d;
		struct db_job j;
		struct err e;
		uint32_t t, u;
		int fd, n = 0, rc;
		char junk[4096];

		snprintf(name, sizeof name, "corrupt%d.db", round);
		p = tpath(name);
		d = open_ok(p);
		u = make_user(d, 1, &t);
		for (int k = 0; k < 300; k++) {
			job_init(&j, t, u, "c");
			CHECK_EQ_INT(db_job_submit(d, &j, &e), 0);
		}
		db_close(d); /* checkpoints: everything is in the main file */
		for (size_t k = 0; k < sizeof junk; k++)
			junk[k] = (char)rng_below(&r, 256);
		fd = open(p, O_WRONLY);
		CHECK(fd >= 0);
		{
			/* Round 0: the header; then pages spread over the
			 * file, the later ones the jobs' table and indexes. */
			struct stat sb;
			off_t npages;

			CHECK(fstat(fd, &sb) == 0);
			npages = sb.st_size / 4096;
			CHECK(npages > 16);
			CHECK(pwrite(fd, junk, round == 0 ? 100 : sizeof junk,
				     round == 0 ? 0 : (npages - 1 - (round - 1) *
						       (npages - 2) / 7) * 4096) > 0);
		}
		close(fd);
		d = NULL;
		rc = db_open(p, &d, &e);
		if (rc != 0) {
			CHECK(d == NULL);
			CHECK(rc == ERR_INVALID || rc == ERR_IO);
			printf("round %d: open: %s\n", round, e.msg);
			continue;
		}
		{
			struct db_filter f = {UINT32_MAX, UINT32_MAX, -1, 0, 0};

			rc = db_jobs_list(d, &f, count_cb, &n, &e);
			CHECK(rc == 0 || rc == ERR_INVALID);
			CHECK(n <= 300);
			printf("round %d: open ok, list rc %d, %d rows\n", round, rc, n);
			if (rc == ERR_INVALID)
				CHECK_CONTAINS(e.msg, "malformed");
			/* Writing into it: committed or refused, no crash. */
			job_init(&j, t, u, "after");
			rc = db_job_submit(d, &j, &e);
			CHECK(rc == 0 || rc == ERR_INVALID || rc == ERR_IO);
			printf("  submit: %d %s\n", rc, rc ? e.msg : "");
		}
		db_close(d);
	}
}

TEST(db_job_fields)
{
	struct db *d = open_ok(tpath("j.db"));
	struct db_job j, g;
	uint32_t t, u = make_user(d, 1, &t);
	uint64_t max;
	struct err e;

	job_init(&j, t, u, "train-llama");
	snprintf(j.idem, sizeof j.idem, "key-1");
	j.shape.gpus_per_node = 8;
	j.shape.nodes = 4;
	j.shape.gpu_milli = 1000;
	j.shape.cpu_milli = 64000;
	j.shape.mem_mib = 512000;
	j.shape.model_mask = 0x5;
	j.shape.class = CLASS_FINETUNE;
	j.shape.flags = JOB_PREEMPTIBLE | JOB_CHECKPOINTABLE;
	j.shape.grace_s = 120;
	j.shape.time_limit = 86400;
	j.shape.submit = 1767225600;
	j.prio_boost = 0;
	j.command = (char *)"torchrun --nproc 8 train.py 'quoted; text'";
	j.workdir = (char *)"/home/alice/run";
	snprintf(j.reason, sizeof j.reason, "Priority");
	CHECK_EQ_INT(db_job_submit(d, &j, &e), 0);
	CHECK_EQ_INT(j.id, 1);

	CHECK_EQ_INT(db_job_get(d, 1, &g, &e), 0);
	CHECK_EQ_INT(g.id, 1);
	CHECK_STR(g.idem, "key-1");
	CHECK_EQ_INT(g.tenant, t);
	CHECK_EQ_INT(g.user, u);
	CHECK_STR(g.name, "train-llama");
	CHECK_EQ_INT(g.shape.gpus_per_node, 8);
	CHECK_EQ_INT(g.shape.nodes, 4);
	CHECK_EQ_INT(g.shape.gpu_milli, 1000);
	CHECK_EQ_INT(g.shape.cpu_milli, 64000);
	CHECK_EQ_INT(g.shape.mem_mib, 512000);
	CHECK_EQ_INT(g.shape.model_mask, 5);
	CHECK_EQ_INT(g.shape.class, CLASS_FINETUNE);
	CHECK_EQ_INT(g.shape.flags, JOB_PREEMPTIBLE | JOB_CHECKPOINTABLE);
	CHECK_EQ_INT(g.shape.grace_s, 120);
	CHECK_EQ_INT(g.shape.time_limit, 86400);
	CHECK_EQ_INT(g.shape.submit, 1767225600);
	CHECK_EQ_INT(g.shape.start, -1);
	CHECK_EQ_INT(g.shape.end, -1);
	CHECK_EQ_INT(g.shape.state, JOB_PENDING);
	CHECK_STR(g.command, "torchrun --nproc 8 train.py 'quoted; text'");
	CHECK_STR(g.workdir, "/home/alice/run");
	CHECK(g.alloc == NULL);
	CHECK_EQ_INT(g.exit_code, -1);
	CHECK_STR(g.reason, "Priority");
	CHECK_EQ_INT(g.starting, 0);
	db_job_clear(&g);

	/* Mark starting, then running, then completed. */
	j.starting = 1;
	j.shape.state = JOB_RUNNING;
	j.shape.start = 1767225700;
	j.alloc = (char *)"node0:0-7;node1:0-7;node2:0-7;node3:0-7";
	j.reason[0] = '\0';
	CHECK_EQ_INT(db_job_update(d, &j, &e), 0);
	CHECK_EQ_INT(db_job_get(d, 1, &g, &e), 0);
	CHECK_EQ_INT(g.starting, 1);
	CHECK_EQ_INT(g.shape.state, JOB_RUNNING);
	CHECK_EQ_INT(g.shape.start, 1767225700);
	CHECK_STR(g.alloc, "node0:0-7;node1:0-7;node2:0-7;node3:0-7");
	CHECK_STR(g.reason, "");
	db_job_clear(&g);
	j.starting = 0;
	j.shape.state = JOB_COMPLETED;
	j.shape.end = 1767229300;
	j.exit_code = 3;
	snprintf(j.reason, sizeof j.reason, "NonZeroExitCode");
	CHECK_EQ_INT(db_job_update(d, &j, &e), 0);
	CHECK_EQ_INT(db_job_get(d, 1, &g, &e), 0);
	CHECK_EQ_INT(g.shape.state, JOB_COMPLETED);
	CHECK_EQ_INT(g.shape.end, 1767229300);
	CHECK_EQ_INT(g.exit_code, 3);
	CHECK_STR(g.reason, "NonZeroExitCode");
	CHECK_EQ_INT(g.shape.gpus_per_node, 8); /* shape untouched */
	db_job_clear(&g);

	/* Missing rows and bad references. */
	CHECK_EQ_INT(db_job_get(d, 2, &g, &e), ERR_NOTFOUND);
	CHECK_CONTAINS(e.msg, "job 2");
	j.id = 99;
	CHECK_EQ_INT(db_job_update(d, &j, &e), ERR_NOTFOUND);
	job_init(&j, t, 77, "x");
	CHECK_EQ_INT(db_job_submit(d, &j, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "user 77");
	memset(j.name, 'x', sizeof j.name);
	CHECK_EQ_INT(db_job_submit(d, &j, &e), ERR_LIMIT);
	CHECK_EQ_INT(db_job_max_id(d, &max, &e), 0);
	CHECK_EQ_INT(max, 1);
	db_close(d);
}

struct collect {
	uint64_t ids[256];
	size_t n;
	int stop_at;
};

static int
collect_cb(void *ctx, const struct db_job *j)
{
	struct collect *c = ctx;

	if (c->n < 256)
		c->ids[c->n++] = j->id;
	if (c->stop_at > 0 && (int)c->n == c->stop_at)
		return 42;
	return 0;
}

TEST(db_job_update_many)
{
	struct db *d = open_ok(tpath("m.db"));
	struct db_job v[3], g;
	uint32_t t, u = make_user(d, 1, &t);
	struct err e;

	for (int k = 0; k < 3; k++) {
		job_init(&v[k], t, u, "m");
		CHECK_EQ_INT(db_job_submit(d, &v[k], &e), 0);
		v[k].shape.state = JOB_RUNNING;
		v[k].starting = 1;
		v[k].alloc = (char *)"n0:0";
	}
	CHECK_EQ_INT(db_job_update_many(d, v, 3, &e), 0);
	for (uint64_t id = 1; id <= 3; id++) {
		CHECK_EQ_INT(db_job_get(d, id, &g, &e), 0);
		CHECK_EQ_INT(g.shape.state, JOB_RUNNING);
		CHECK_EQ_INT(g.starting, 1);
		CHECK_STR(g.alloc, "n0:0");
		db_job_clear(&g);
	}
	/* One missing job: none of the three is written. */
	for (int k = 0; k < 3; k++)
		v[k].shape.state = JOB_COMPLETED;
	v[1].id = 42;
	CHECK_EQ_INT(db_job_update_many(d, v, 3, &e), ERR_NOTFOUND);
	CHECK_CONTAINS(e.msg, "job 42");
	CHECK_EQ_INT(db_job_get(d, 1, &g, &e), 0);
	CHECK_EQ_INT(g.shape.state, JOB_RUNNING);
	db_job_clear(&g);
	CHECK_EQ_INT(db_job_update_many(d, v, 0, &e), 0);
	db_close(d);
}

TEST(db_jobs_list_pages)
{
	struct db *d = open_ok(tpath("l.db"));
	uint32_t t1, t2, u1 = make_user(d, 1, &t1), u2 = make_user(d, 2, &t2);
	struct db_filter f;
	struct collect c;
	struct db_job j;
	struct err e;
	uint64_t after;
	int pages;

	/* 30 jobs: ids 1..30; odd ids tenant 1, even tenant 2; ids divisible
	 * by 3 are running. */
	for (int k = 1; k <= 30; k++) {
		job_init(&j, k % 2 ? t1 : t2, k % 2 ? u1 : u2, "j");
		CHECK_EQ_INT(db_job_submit(d, &j, &e), 0);
		CHECK_EQ_INT(j.id, k);
		if (k % 3 == 0) {
			j.shape.state = JOB_RUNNING;
			CHECK_EQ_INT(db_job_update(d, &j, &e), 0);
		}
	}
	/* Everything, pages of 7: 7, 7, 7, 7, 2. */
	f = (struct db_filter){UINT32_MAX, UINT32_MAX, -1, 0, 7};
	after = 0;
	for (pages = 0;; pages++) {
		memset(&c, 0, sizeof c);
		f.after = after;
		CHECK_EQ_INT(db_jobs_list(d, &f, collect_cb, &c, &e), 0);
		if (c.n == 0)
			break;
		CHECK_EQ_INT(c.n, pages < 4 ? 7 : 2);
		for (size_t k = 0; k < c.n; k++)
			CHECK_EQ_INT(c.ids[k], after + 1 + k);
		after = c.ids[c.n - 1];
	}
	CHECK_EQ_INT(pages, 5);
	CHECK_EQ_INT(after, 30);

	/* Tenant 2 (even ids) after 10, limit 4: 12 14 16 18. */
	f = (struct db_filter){t2, UINT32_MAX, -1, 10, 4};
	memset(&c, 0, sizeof c);
	CHECK_EQ_INT(db_jobs_list(d, &f, collect_cb, &c, &e), 0);
	CHECK_EQ_INT(c.n, 4);
	CHECK_EQ_INT(c.ids[0], 12);
	CHECK_EQ_INT(c.ids[3], 18);
	/* User 1, running: 3 9 15 21 27. */
	f = (struct db_filter){UINT32_MAX, u1, JOB_RUNNING, 0, 0};
	memset(&c, 0, sizeof c);
	CHECK_EQ_INT(db_jobs_list(d, &f, collect_cb, &c, &e), 0);
	CHECK_EQ_INT(c.n, 5);
	CHECK_EQ_INT(c.ids[0], 3);
	CHECK_EQ_INT(c.ids[4], 27);
	/* Tenant 1 and user 2: nothing. */
	f = (struct db_filter){t1, u2, -1, 0, 100};
	memset(&c, 0, sizeof c);
	CHECK_EQ_INT(db_jobs_list(d, &f, collect_cb, &c, &e), 0);
	CHECK_EQ_INT(c.n, 0);
	/* All three filters: tenant 2, user 2, running: 6 12 18 24 30. */
	f = (struct db_filter){t2, u2, JOB_RUNNING, 6, 0};
	memset(&c, 0, sizeof c);
	CHECK_EQ_INT(db_jobs_list(d, &f, collect_cb, &c, &e), 0);
	CHECK_EQ_INT(c.n, 4);
	CHECK_EQ_INT(c.ids[0], 12);
	/* A callback that stops: its value comes back. */
	f = (struct db_filter){UINT32_MAX, UINT32_MAX, -1, 0, 0};
	memset(&c, 0, sizeof c);
	c.stop_at = 3;
	CHECK_EQ_INT(db_jobs_list(d, &f, collect_cb, &c, &e), 42);
	CHECK_EQ_INT(c.n, 3);

	/* Active: 30 jobs, finish 5 of them (ids 1..5), 25 remain. */
	for (int k = 1; k <= 5; k++) {
		job_init(&j, 0, 0, "j");
		j.id = (uint64_t)k;
		j.shape.state = (uint8_t)(k == 1 ? JOB_FAILED : k == 2 ?
					  JOB_CANCELLED : JOB_COMPLETED);
		CHECK_EQ_INT(db_job_update(d, &j, &e), 0);
	}
	j.id = 6;
	j.shape.state = JOB_PREEMPTED;
	CHECK_EQ_INT(db_job_update(d, &j, &e), 0);
	memset(&c, 0, sizeof c);
	CHECK_EQ_INT(db_jobs_active(d, collect_cb, &c, &e), 0);
	CHECK_EQ_INT(c.n, 25);
	for (size_t k = 0; k < c.n; k++)
		CHECK_EQ_INT(c.ids[k], 6 + k);
	db_close(d);
}

TEST(db_idempotent)
{
	struct db *d = open_ok(tpath("i.db"));
	uint32_t t1, t2, u1 = make_user(d, 1, &t1), u2 = make_user(d, 2, &t2);
	struct db_job j, g;
	struct collect c;
	struct db_filter f = {UINT32_MAX, UINT32_MAX, -1, 0, 0};
	struct err e;

	job_init(&j, t1, u1, "first");
	snprintf(j.idem, sizeof j.idem, "abc");
	CHECK_EQ_INT(db_job_submit(d, &j, &e), 0);
	CHECK_EQ_INT(j.id, 1);
	job_init(&j, t1, u1, "second try");
	snprintf(j.idem, sizeof j.idem, "abc");
	CHECK_EQ_INT(db_job_submit(d, &j, &e), 1);
	CHECK_EQ_INT(j.id, 1);
	CHECK_EQ_INT(db_job_get(d, 1, &g, &e), 0);
	CHECK_STR(g.name, "first");
	db_job_clear(&g);
	/* The same key for another user is another job. */
	job_init(&j, t2, u2, "other user");
	snprintf(j.idem, sizeof j.idem, "abc");
	CHECK_EQ_INT(db_job_submit(d, &j, &e), 0);
	CHECK_EQ_INT(j.id, 2);
	/* Empty keys never match. */
	for (int k = 0; k < 3; k++) {
		job_init(&j, t1, u1, "no key");
		CHECK_EQ_INT(db_job_submit(d, &j, &e), 0);
		CHECK_EQ_INT(j.id, 3 + k);
	}
	/* After reopening the key still holds. */
	db_close(d);
	d = open_ok(tpath("i.db"));
	job_init(&j, t1, u1, "third try");
	snprintf(j.idem, sizeof j.idem, "abc");
	CHECK_EQ_INT(db_job_submit(d, &j, &e), 1);
	CHECK_EQ_INT(j.id, 1);
	memset(&c, 0, sizeof c);
	CHECK_EQ_INT(db_jobs_list(d, &f, collect_cb, &c, &e), 0);
	CHECK_EQ_INT(c.n, 5);
	db_close(d);
}

/* ---- Concurrency ------------------------------------------------------- */

#define NTHREADS 8
#define PER_THREAD 500

struct worker {
	struct db *d;
	uint32_t tenant, user;
	int k;
	int n;                  /* how many to submit; 0 = until refused */
	int bad_every;          /* every bad_every-th submission names a
				 * missing user */
	uint64_t *ids;          /* acknowledged ids */
	int nids, nbad, nrefused;
	int other_errors;
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct db_job j;
	struct err e;

	for (int i = 0; w->n == 0 || i < w->n; i++) {
		int bad = w->bad_every > 0 && i % w->bad_every == 0;
		int rc;

		job_init(&j, w->tenant, bad ? 999999 : w->user, "w");
		snprintf(j.idem, sizeof j.idem, "w%d-%d", w->k, i);
		rc = db_job_submit(w->d, &j, &e);
		if (rc == 0) {
			w->ids[w->nids++] = j.id;
		} else if (bad && rc == ERR_INVALID) {
			w->nbad++;
		} else if (rc == ERR_STATE) {
			w->nrefused++;
			break;
		} else {
			w->other_errors++;
		}
		if (w->n == 0 && w->nids >= 100000)
			break;
	}
	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

TEST(db_concurrent_submit)
{
	const char *p = tpath("c.db");
	struct db *d = open_ok(p);
	struct worker w[NTHREADS];
	pthread_t th[NTHREADS];
	uint64_t *all = xcalloc(NTHREADS * PER_THREAD, sizeof *all), max;
	size_t n = 0;
	struct collect c;
	struct db_job g;
	struct err e;
	uint32_t t, u = make_user(d, 1, &t);

	for (int k = 0; k < NTHREADS; k++) {
		w[k] = (struct worker){d, t, u, k, PER_THREAD, 0,
				       xcalloc(PER_THREAD, sizeof(uint64_t)),
				       0, 0, 0, 0};
		CHECK(pthread_create(&th[k], NULL, worker_main, &w[k]) == 0);
	}
	for (int k = 0; k < NTHREADS; k++) {
		pthread_join(th[k], NULL);
		CHECK_EQ_INT(w[k].nids, PER_THREAD);
		CHECK_EQ_INT(w[k].other_errors, 0);
		memcpy(all + n, w[k].ids, PER_THREAD * sizeof *all);
		n += PER_THREAD;
		free(w[k].ids);
	}
	qsort(all, n, sizeof *all, cmp_u64);
	for (size_t k = 0; k < n; k++)
		CHECK_EQ_INT(all[k], k + 1);
	db_close(d);

	d = open_ok(p);
	CHECK_EQ_INT(db_job_max_id(d, &max, &e), 0);
	CHECK_EQ_INT(max, NTHREADS * PER_THREAD);
	for (uint64_t id = 1; id <= max; id += 97) {
		CHECK_EQ_INT(db_job_get(d, id, &g, &e), 0);
		CHECK(g.idem[0] == 'w');
		db_job_clear(&g);
	}
	{
		struct db_filter f = {UINT32_MAX, UINT32_MAX, -1, 3990, 0};

		memset(&c, 0, sizeof c);
		CHECK_EQ_INT(db_jobs_list(d, &f, collect_cb, &c, &e), 0);
		CHECK_EQ_INT(c.n, 10);
	}
	db_close(d);
	free(all);
}

struct async_state {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int calls, ok, dup, failed;
};

static void
async_done(void *ctx, int rc, const struct err *e)
{
	struct async_state *a = ctx;

	(void)e;
	pthread_mutex_lock(&a->mu);
	a->calls++;
	if (rc == 0)
		a->ok++;
	else if (rc == 1)
		a->dup++;
	else
		a->failed++;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

/* 1,000 submissions queued at once without blocking: one callback each,
 * after the commit; ids 1..1000; a repeated key comes back as 1; a bad
 * user fails alone. */
TEST(db_submit_async)
{
	const char *p = tpath("as.db");
	struct db *d = open_ok(p);
	struct db_job *v = xcalloc(1002, sizeof *v);
	struct async_state a = {PTHREAD_MUTEX_INITIALIZER,
				PTHREAD_COND_INITIALIZER, 0, 0, 0, 0};
	uint64_t *ids = xcalloc(1000, sizeof *ids), max;
	uint32_t t, u = make_user(d, 1, &t);
	struct err e;

	for (int k = 0; k < 1002; k++) {
		job_init(&v[k], t, k == 1001 ? 4242 : u, "async");
		snprintf(v[k].idem, sizeof v[k].idem, "a%d", k == 1000 ? 7 : k);
		CHECK_EQ_INT(db_job_submit_async(d, &v[k], async_done, &a, &e),
			     0);
	}
	pthread_mutex_lock(&a.mu);
	while (a.calls < 1002)
		pthread_cond_wait(&a.cv, &a.mu);
	pthread_mutex_unlock(&a.mu);
	CHECK_EQ_INT(a.ok, 1000);
	CHECK_EQ_INT(a.dup, 1);
	CHECK_EQ_INT(a.failed, 1);
	CHECK_EQ_INT(v[1000].id, v[7].id);
	for (int k = 0; k < 1000; k++)
		ids[k] = v[k].id;
	qsort(ids, 1000, sizeof *ids, cmp_u64);
	for (int k = 0; k < 1000; k++)
		CHECK_EQ_INT(ids[k], k + 1);
	db_shutdown(d);
	CHECK_EQ_INT(db_job_submit_async(d, &v[0], async_done, &a, &e),
		     ERR_STATE);
	db_close(d);
	d = open_ok(p);
	CHECK_EQ_INT(db_job_max_id(d, &max, &e), 0);
	CHECK_EQ_INT(max, 1000);
	db_close(d);
	free(ids);
	free(v);
}

/* Failing ops share batches with good ones and fail alone. */
TEST(db_batch_isolation)
{
	struct db *d = open_ok(tpath("b.db"));
	struct worker w[4];
	pthread_t th[4];
	uint64_t max;
	struct err e;
	uint32_t t, u = make_user(d, 1, &t);
	int good = 0;

	for (int k = 0; k < 4; k++) {
		w[k] = (struct worker){d, t, u, k, 300, 3,
				       xcalloc(300, sizeof(uint64_t)), 0, 0, 0,
				       0};
		CHECK(pthread_create(&th[k], NULL, worker_main, &w[k]) == 0);
	}
	for (int k = 0; k < 4; k++) {
		pthread_join(th[k], NULL);
		CHECK_EQ_INT(w[k].nbad, 100);
		CHECK_EQ_INT(w[k].nids, 200);
		CHECK_EQ_INT(w[k].other_errors, 0);
		good += w[k].nids;
		free(w[k].ids);
	}
	CHECK_EQ_INT(db_job_max_id(d, &max, &e), 0);
	CHECK_EQ_INT(max, good);
	db_close(d);
}

/* db_shutdown while submitters run: every submission either committed
 * and acknowledged, or refused with ERR_STATE — none lost, none left
 * hanging. */
TEST(db_shutdown_drains)
{
	const char *p = tpath("s.db");
	struct db *d = open_ok(p);
	struct worker w[NTHREADS];
	pthread_t th[NTHREADS];
	struct err e;
	uint32_t t, u = make_user(d, 1, &t);
	uint64_t max;
	long acked = 0;
	struct db_job j;

	for (int k = 0; k < NTHREADS; k++) {
		w[k] = (struct worker){d, t, u, k, 0, 0,
				       xcalloc(100000, sizeof(uint64_t)), 0, 0,
				       0, 0};
		CHECK(pthread_create(&th[k], NULL, worker_main, &w[k]) == 0);
	}
	sleep_ms(100);
	db_shutdown(d);
	db_shutdown(d); /* idempotent */
	for (int k = 0; k < NTHREADS; k++) {
		pthread_join(th[k], NULL);
		CHECK_EQ_INT(w[k].nrefused, 1);
		CHECK_EQ_INT(w[k].other_errors, 0);
		acked += w[k].nids;
		free(w[k].ids);
	}
	CHECK(acked > 0);
	/* Reads still work; writes are refused. */
	CHECK_EQ_INT(db_job_max_id(d, &max, &e), 0);
	CHECK_EQ_INT(max, acked);
	job_init(&j, t, u, "late");
	CHECK_EQ_INT(db_job_submit(d, &j, &e), ERR_STATE);
	CHECK_CONTAINS(e.msg, "closing");
	db_close(d);
	d = open_ok(p);
	CHECK_EQ_INT(db_job_max_id(d, &max, &e), 0);
	CHECK_EQ_INT(max, acked);
	db_close(d);
}

/* ---- WAL size under steady reads -------------------------------------- */

struct wal_reader {
	struct db *d;
	volatile int *stop;
	long pages;
};

static int
last_cb(void *ctx, const struct db_job *j)
{
	*(uint64_t *)ctx = j->id;
	return 0;
}

static void *
wal_reader_main(void *arg)
{
	struct wal_reader *r = arg;
	struct db_filter f = {UINT32_MAX, UINT32_MAX, -1, 0, 20};
	struct err e;

	while (!*r->stop) {
		uint64_t last = f.after;

		if (db_jobs_list(r->d, &f, last_cb, &last, &e) != 0)
			break;
		f.after = last == f.after ? 0 : last;
		r->pages++;
	}
	return NULL;
}

struct big_writer {
	struct db *d;
	uint32_t tenant, user;
	int n, errors;
};

static void *
big_writer_main(void *arg)
{
	struct big_writer *w = arg;
	char *cmd = xmalloc(8193);
	struct db_job j;
	struct err e;

	memset(cmd, 'y', 8192);
	cmd[8192] = '\0';
	for (int k = 0; k < w->n; k++) {
		job_init(&j, w->tenant, w->user, "big");
		j.command = cmd;
		if (db_job_submit(w->d, &j, &e) != 0)
			w->errors++;
	}
	free(cmd);
	return NULL;
}

/* 6,000 jobs of 8 KB (some 80 MB of WAL frames) while two readers page
 * through the table without pause: the WAL file must stay bounded (the
 * writer restarts it past 8,000 pages), not grow with every commit as it
 * does when only passive checkpoints run under overlapping readers. */
TEST(db_wal_bounded)
{
	const char *p = tpath("wal.db");
	char wal[600];
	struct db *d = open_ok(p);
	struct big_writer w[6];
	struct wal_reader r[2];
	pthread_t wt[6], rt[2];
	volatile int stop = 0;
	struct stat sb;
	uint64_t max;
	struct err e;
	uint32_t t, u = make_user(d, 1, &t);

	for (int k = 0; k < 2; k++) {
		r[k] = (struct wal_reader){d, &stop, 0};
		CHECK(pthread_create(&rt[k], NULL, wal_reader_main, &r[k]) == 0);
	}
	for (int k = 0; k < 6; k++) {
		w[k] = (struct big_writer){d, t, u, 1000, 0};
		CHECK(pthread_create(&wt[k], NULL, big_writer_main, &w[k]) == 0);
	}
	for (int k = 0; k < 6; k++) {
		pthread_join(wt[k], NULL);
		CHECK_EQ_INT(w[k].errors, 0);
	}
	stop = 1;
	for (int k = 0; k < 2; k++) {
		pthread_join(rt[k], NULL);
		CHECK(r[k].pages > 0);
	}
	snprintf(wal, sizeof wal, "%s-wal", p);
	CHECK(stat(wal, &sb) == 0);
	printf("WAL %.1f MB after 6,000 jobs of 8 KB; readers %ld + %ld pages\n",
	       (double)sb.st_size / 1e6, r[0].pages, r[1].pages);
	/* 32 MB, plus 4 MB per RESTART that found a reader still busy
	 * (a loaded machine deschedules readers); ~80 MB without it. */
	CHECK(sb.st_size < 64 * 1000 * 1000);
	CHECK_EQ_INT(db_job_max_id(d, &max, &e), 0);
	CHECK_EQ_INT(max, 6000);
	db_close(d);
}

/* ---- Tokens and the other tables -------------------------------------- */

/* Whether the bytes of needle occur in file path (absent file: no). */
static int
file_has(const char *path, const void *needle, size_t n)
{
	char *buf;
	size_t len;
	int found = 0;

	if (file_read_all(path, (size_t)1 << 28, &buf, &len, NULL) < 0)
		return 0;
	for (size_t k = 0; k + n <= len && !found; k++)
		found = memcmp(buf + k, needle, n) == 0;
	free(buf);
	return found;
}

TEST(db_tokens_hashed)
{
	const char *p = tpath("tok.db");
	char wal[600];
	struct db *d = open_ok(p);
	uint8_t secret[32], salt[16], hash[32], s2[16], h2[32], buf[48];
	char hex[65];
	uint64_t id, id2;
	uint32_t t, u = make_user(d, 1, &t), user;
	int revoked;
	struct err e;

	CHECK(sodium_init() >= 0);
	randombytes_buf(secret, sizeof secret);
	randombytes_buf(salt, sizeof salt);
	memcpy(buf, salt, 16);
	memcpy(buf + 16, secret, 32);
	crypto_hash_sha256(hash, buf, sizeof buf);
	sodium_bin2hex(hex, sizeof hex, secret, sizeof secret);

	CHECK_EQ_INT(db_token_put(d, u, salt, hash, 1767225600, &id, &e), 0);
	CHECK_EQ_INT(id, 1);
	CHECK_EQ_INT(db_token_put(d, u, salt, hash, 1767225601, &id2, &e), 0);
	CHECK_EQ_INT(id2, 2);
	CHECK_EQ_INT(db_token_put(d, 4242, salt, hash, 0, &id2, &e),
		     ERR_NOTFOUND);
	CHECK_EQ_INT(db_token_get(d, id, &user, s2, h2, &revoked, &e), 0);
	CHECK_EQ_INT(user, u);
	CHECK(memcmp(s2, salt, 16) == 0);
	CHECK(memcmp(h2, hash, 32) == 0);
	CHECK_EQ_INT(revoked, 0);
	CHECK_EQ_INT(db_token_revoke(d, id, &e), 0);
	CHECK_EQ_INT(db_token_get(d, id, &user, s2, h2, &revoked, &e), 0);
	CHECK_EQ_INT(revoked, 1);
	CHECK_EQ_INT(db_token_revoke(d, 77, &e), ERR_NOTFOUND);
	CHECK_EQ_INT(db_token_get(d, 77, &user, s2, h2, &revoked, &e),
		     ERR_NOTFOUND);

	/* The files hold the hash but never the secret (raw or hex). */
	snprintf(wal, sizeof wal, "%s-wal", p);
	CHECK(file_has(p, hash, 32) || file_has(wal, hash, 32));
	CHECK(!file_has(p, secret, 32) && !file_has(wal, secret, 32));
	CHECK(!file_has(p, hex, 64) && !file_has(wal, hex, 64));
	db_close(d);
	CHECK(file_has(p, hash, 32) || file_has(wal, hash, 32));
	CHECK(!file_has(p, secret, 32) && !file_has(wal, secret, 32));
	CHECK(!file_has(p, hex, 64) && !file_has(wal, hex, 64));
}

struct names {
	char v[8][300];
	uint32_t id[8], parent[8], shares[8];
	int n;
};

static int
tenant_cb(void *ctx, const struct db_tenant *t)
{
	struct names *s = ctx;

	snprintf(s->v[s->n], sizeof s->v[0], "%s", t->name);
	s->id[s->n] = t->id;
	s->parent[s->n] = t->parent;
	s->shares[s->n++] = t->shares;
	return 0;
}

static int
user_cb(void *ctx, const struct db_user *u)
{
	struct names *s = ctx;

	snprintf(s->v[s->n], sizeof s->v[0], "%s", u->name);
	s->id[s->n] = u->id;
	s->parent[s->n] = u->tenant;
	s->shares[s->n++] = (uint32_t)u->role;
	return 0;
}

TEST(db_tenants_users)
{
	struct db *d = open_ok(tpath("tu.db"));
	struct names s;
	uint32_t prog, kaist, snu, id, alice, bob;
	struct err e;

	CHECK_EQ_INT(db_tenant_put(d, "opencall", NULL, 100, &prog, &e), 0);
	CHECK_EQ_INT(db_tenant_put(d, "kaist", "opencall", 10, &kaist, &e), 0);
	CHECK_EQ_INT(db_tenant_put(d, "snu", "opencall", 20, &snu, &e), 0);
	CHECK_EQ_INT(prog, 1);
	CHECK_EQ_INT(kaist, 2);
	CHECK_EQ_INT(snu, 3);
	/* Existing: shares updated, id kept; another parent is a conflict. */
	CHECK_EQ_INT(db_tenant_put(d, "kaist", "opencall", 15, &id, &e), 1);
	CHECK_EQ_INT(id, kaist);
	CHECK_EQ_INT(db_tenant_put(d, "kaist", NULL, 15, &id, &e),
		     ERR_CONFLICT);
	CHECK_EQ_INT(db_tenant_put(d, "x", "nobody", 1, &id, &e),
		     ERR_NOTFOUND);
	CHECK_CONTAINS(e.msg, "nobody");
	CHECK_EQ_INT(db_tenant_put(d, "", NULL, 1, &id, &e), ERR_INVALID);
	memset(&s, 0, sizeof s);
	CHECK_EQ_INT(db_tenants_load(d, tenant_cb, &s, &e), 0);
	CHECK_EQ_INT(s.n, 3);
	CHECK_STR(s.v[1], "kaist");
	CHECK_EQ_INT(s.parent[0], 0);
	CHECK_EQ_INT(s.parent[1], prog);
	CHECK_EQ_INT(s.shares[1], 15);
	CHECK_EQ_INT(s.shares[2], 20);

	CHECK_EQ_INT(db_user_put(d, "alice", kaist, 4, &alice, &e), 0);
	CHECK_EQ_INT(db_user_put(d, "bob", snu, 5, &bob, &e), 0);
	CHECK_EQ_INT(db_user_put(d, "alice", snu, 3, &id, &e), 1);
	CHECK_EQ_INT(id, alice);
	CHECK_EQ_INT(db_user_put(d, "carol", 99, 3, &id, &e), ERR_NOTFOUND);
	memset(&s, 0, sizeof s);
	CHECK_EQ_INT(db_users_load(d, user_cb, &s, &e), 0);
	CHECK_EQ_INT(s.n, 2);
	CHECK_STR(s.v[0], "alice");
	CHECK_EQ_INT(s.parent[0], snu);
	CHECK_EQ_INT(s.shares[0], 3);
	CHECK_STR(s.v[1], "bob");
	db_close(d);
}

static int
grant_cb(void *ctx, const struct grant *g)
{
	struct grant *out = ctx;

	out[g->id] = *g;
	return 0;
}

static int
prog_cb(void *ctx, const struct db_program *p)
{
	struct names *s = ctx;

	snprintf(s->v[s->n], sizeof s->v[0], "%s|%lld|%s", p->name,
		 (long long)p->budget_won,
		 p->spec != NULL ? p->spec : "(null)");
	s->n++;
	return 0;
}

static int
usage_cb(void *ctx, const struct db_usage *u)
{
	struct names *s = ctx;

	snprintf(s->v[s->n], sizeof s->v[0], "%llu:%u:%u:%lld-%lld:%u%s%lld",
		 (unsigned long long)u->job, u->tenant, u->grant,
		 (long long)u->start, (long long)u->end, u->gpu_milli,
		 u->exec_known ? ":x=" : "",
		 u->exec_known ? (long long)u->exec_gpu_s : 0LL);
	if (!u->exec_known)
		s->v[s->n][strlen(s->v[s->n]) - 1] = '\0'; /* the %lld of 0 */
	s->n++;
	return 0;
}

TEST(db_grants_usage_meta)
{
	struct db *d = open_ok(tpath("g.db"));
	struct db_program p = {0, "opencall-2026", 5000000000LL,
			       "{\"rounds\":3}"};
	struct grant g = {0}, got[4];
	struct db_usage u = {0};
	struct names s;
	uint32_t t, pid, gid;
	char *v;
	struct err e;

	make_user(d, 1, &t);
	CHECK_EQ_INT(db_program_put(d, &p, &pid, &e), 0);
	CHECK_EQ_INT(pid, 1);
	p.budget_won = 6000000000LL;
	p.spec = NULL;
	CHECK_EQ_INT(db_program_put(d, &p, &pid, &e), 1);
	memset(&s, 0, sizeof s);
	CHECK_EQ_INT(db_programs_load(d, prog_cb, &s, &e), 0);
	CHECK_EQ_INT(s.n, 1);
	CHECK_STR(s.v[0], "opencall-2026|6000000000|(null)");

	g.tenant = t;
	g.program = pid;
	g.model = 2;
	g.gpus = 128;
	g.start = 1767225600;
	g.end = 1798761600;
	g.borrow_limit = GRANT_NO_LIMIT;
	g.lend_limit = 64;
	g.price_won_hour = 1500;
	CHECK_EQ_INT(db_grant_put(d, &g, &gid, &e), 0);
	CHECK_EQ_INT(gid, 1);
	g.program = 0;
	g.gpus = 8;
	CHECK_EQ_INT(db_grant_put(d, &g, &gid, &e), 0);
	CHECK_EQ_INT(gid, 2);
	g.gpus = 0;
	CHECK_EQ_INT(db_grant_put(d, &g, &gid, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "gpus");
	g.gpus = 8;
	g.tenant = 55;
	CHECK_EQ_INT(db_grant_put(d, &g, &gid, &e), ERR_NOTFOUND);
	memset(got, 0, sizeof got);
	CHECK_EQ_INT(db_grants_load(d, grant_cb, got, &e), 0);
	CHECK_EQ_INT(got[1].tenant, t);
	CHECK_EQ_INT(got[1].program, pid);
	CHECK_EQ_INT(got[1].model, 2);
	CHECK_EQ_INT(got[1].gpus, 128);
	CHECK_EQ_INT(got[1].end, 1798761600);
	CHECK_EQ_INT(got[1].borrow_limit, GRANT_NO_LIMIT);
	CHECK_EQ_INT(got[1].lend_limit, 64);
	CHECK_EQ_INT(got[1].price_won_hour, 1500);
	CHECK_EQ_INT(got[2].program, 0);
	CHECK_EQ_INT(got[2].gpus, 8);

	u.job = 7;
	u.tenant = t;
	u.grant = 1;
	u.model = 2;
	u.start = 100;
	u.end = 200;
	u.gpu_milli = 8000;
	CHECK_EQ_INT(db_usage_add(d, &u, NULL, &e), 0);
	u.start = 300;
	u.end = 400;
	u.exec_known = 1;
	u.exec_gpu_s = 801;
	CHECK_EQ_INT(db_usage_add(d, &u, NULL, &e), 0);
	u.end = 299;
	CHECK_EQ_INT(db_usage_add(d, &u, NULL, &e), ERR_INVALID);
	memset(&s, 0, sizeof s);
	CHECK_EQ_INT(db_usage_load(d, t, 150, 350, usage_cb, &s, &e), 0);
	CHECK_EQ_INT(s.n, 2);
	CHECK_STR(s.v[0], "7:1:1:100-200:8000");
	CHECK_STR(s.v[1], "7:1:1:300-400:8000:x=801");
	memset(&s, 0, sizeof s);
	CHECK_EQ_INT(db_usage_load(d, UINT32_MAX, 200, 300, usage_cb, &s, &e),
		     0);
	CHECK_EQ_INT(s.n, 0); /* [100,200) and [300,400) miss [200,300) */
	memset(&s, 0, sizeof s);
	CHECK_EQ_INT(db_usage_load(d, t + 1, 0, INT64_MAX, usage_cb, &s, &e),
		     0);
	CHECK_EQ_INT(s.n, 0);

	CHECK_EQ_INT(db_meta_get(d, "admin", &v, &e), ERR_NOTFOUND);
	CHECK_EQ_INT(db_meta_put(d, "admin", "1", &e), 0);
	CHECK_EQ_INT(db_meta_put(d, "admin", "2", &e), 0);
	CHECK_EQ_INT(db_meta_get(d, "admin", &v, &e), 0);
	CHECK_STR(v, "2");
	free(v);
	db_close(d);
}

TEST(db_audit_chain)
{
	const char *p = tpath("au.db");
	struct db *d = open_ok(p);
	struct audit_log l, back;
	struct audit_input in[2] = {{"scores.csv", ""}, {"grants.csv", ""}};
	struct err e;
	sqlite3 *h;

	audit_init(&l);
	audit_sha256_hex("a", 1, in[0].sha256);
	audit_sha256_hex("b", 1, in[1].sha256);
	CHECK_EQ_INT(audit_append(&l, 100, AUDIT_AWARD, "v1", in, 2,
				  "{\"tenant\":\"kaist\",\"gpus\":128}", &e), 0);
	CHECK_EQ_INT(audit_append(&l, 200, AUDIT_PREEMPTION, "v1", NULL, 0,
				  "{\"job\":7}", &e), 0);
	CHECK_EQ_INT(audit_append(&l, 300, AUDIT_QUOTA, "v2", in, 1, "{}", &e),
		     0);
	for (size_t k = 0; k < l.n; k++)
		CHECK_EQ_INT(db_audit_append(d, &l.v[k], &e), 0);
	CHECK_EQ_INT(db_audit_append(d, &l.v[1], &e), ERR_CONFLICT);
	db_close(d);

	d = open_ok(p);
	audit_init(&back);
	CHECK_EQ_INT(db_audit_load(d, 0, 0, &back, &e), 0);
	CHECK_EQ_INT(back.n, 3);
	CHECK_EQ_INT(audit_verify(&back, l.v[2].hash, &e), 0);
	CHECK_EQ_INT(back.v[0].ninputs, 2);
	CHECK_STR(back.v[0].inputs[1].name, "grants.csv");
	CHECK_STR(back.v[1].payload, "{\"job\":7}");
	audit_free(&back);
	audit_init(&back);
	CHECK_EQ_INT(db_audit_load(d, 1, 1, &back, &e), 0);
	CHECK_EQ_INT(back.n, 1);
	CHECK_EQ_INT(back.v[0].seq, 2);
	audit_free(&back);
	db_close(d);

	/* An edit behind the store's back is caught by audit_verify. */
	CHECK(sqlite3_open(p, &h) == SQLITE_OK);
	CHECK(sqlite3_exec(h, "UPDATE audit SET payload = '{\"job\":8}' "
			   "WHERE seq = 2", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(h);
	d = open_ok(p);
	audit_init(&back);
	CHECK_EQ_INT(db_audit_load(d, 0, 0, &back, &e), 0);
	CHECK_EQ_INT(audit_verify(&back, NULL, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "seq 2");
	audit_free(&back);
	audit_free(&l);
	db_close(d);
}

/* ---- Crash ------------------------------------------------------------- */

#define CRASH_THREADS 4

struct ack {
	uint64_t id;
	uint32_t round, thread, n;
};

struct crash_child {
	struct db *d;
	int fd, round, k;
	uint32_t tenant, user;
};

static void *
crash_submitter(void *arg)
{
	struct crash_child *c = arg;
	struct db_job j;
	struct err e;

	for (uint32_t n = 0;; n++) {
		struct ack a;

		job_init(&j, c->tenant, c->user, "crash");
		snprintf(j.idem, sizeof j.idem, "r%d-t%d-%u", c->round, c->k, n);
		if (db_job_submit(c->d, &j, &e) != 0)
			_exit(3);
		a = (struct ack){j.id, (uint32_t)c->round, (uint32_t)c->k, n};
		if (write(c->fd, &a, sizeof a) != (ssize_t)sizeof a)
			_exit(4);
	}
	return NULL;
}

static _Noreturn void
crash_child_main(const char *path, int fd, int round)
{
	struct crash_child c[CRASH_THREADS];
	pthread_t th[CRASH_THREADS];
	struct db *d;
	struct err e;
	uint32_t t, u;

	if (db_open(path, &d, &e) != 0 ||
	    db_tenant_put(d, "crash", NULL, 1, &t, &e) < 0 ||
	    db_user_put(d, "crash", t, 4, &u, &e) < 0) {
		fprintf(stderr, "child: %s\n", e.msg);
		_exit(2);
	}
	for (int k = 0; k < CRASH_THREADS; k++) {
		c[k] = (struct crash_child){d, fd, round, k, t, u};
		pthread_create(&th[k], NULL, crash_submitter, &c[k]);
	}
	for (;;)
		pause();
}

/* Reads acks from fd until EOF into *acks. */
static void
read_acks(int fd, struct ack **acks, size_t *n, size_t *cap)
{
	struct ack a;
	ssize_t r;

	while ((r = read(fd, &a, sizeof a)) == (ssize_t)sizeof a) {
		*acks = xgrow(*acks, cap, *n + 1, sizeof **acks);
		(*acks)[(*n)++] = a;
	}
	CHECK(r == 0);
}

static int
cmp_ack(const void *a, const void *b)
{
	return cmp_u64(&((const struct ack *)a)->id,
		       &((const struct ack *)b)->id);
}

/* One round: fork a submitter, kill it with SIGKILL after delay_ms past
 * its first acknowledgement (early: past the fork, so maybe while it
 * creates or migrates the file), then check the store.  Returns the
 * number of acknowledged submissions. */
static size_t
crash_round(const char *path, int round, int delay_ms, int early,
	    uint64_t *total)
{
	int fds[2], status;
	struct ack *acks = NULL, first;
	size_t n = 0, cap = 0;
	struct pollfd pf;
	pid_t pid;
	struct db *d;
	struct db_job g;
	uint64_t max;
	struct err e;
	char idem[65];

	CHECK(pipe(fds) == 0);
	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		crash_child_main(path, fds[1], round);
	}
	close(fds[1]);
	/* Wait (at most 20 s) for the first acknowledgement. */
	pf = (struct pollfd){fds[0], POLLIN, 0};
	if (!early) {
		CHECK(poll(&pf, 1, 20000) == 1);
		CHECK(read(fds[0], &first, sizeof first) ==
		      (ssize_t)sizeof first);
		acks = xgrow(acks, &cap, 1, sizeof *acks);
		acks[n++] = first;
	}
	sleep_ms(delay_ms);
	CHECK(kill(pid, SIGKILL) == 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	read_acks(fds[0], &acks, &n, &cap);
	close(fds[0]);

	d = open_ok(path);
	if (n > 0)
		qsort(acks, n, sizeof *acks, cmp_ack);
	for (size_t k = 0; k < n; k++) {
		if (k > 0)
			CHECK(acks[k].id != acks[k - 1].id); /* none twice */
		if (db_job_get(d, acks[k].id, &g, &e) != 0)
			test_fail(__FILE__, __LINE__,
				  "round %d: acknowledged job %" PRIu64
				  " lost: %s", round, acks[k].id, e.msg);
		snprintf(idem, sizeof idem, "r%d-t%u-%u", round,
			 acks[k].thread, acks[k].n);
		CHECK_STR(g.idem, idem);
		db_job_clear(&g);
	}
	/* No gaps: ids 1..max all present, and more than acknowledged only
	 * by what was committed but not yet written to the pipe. */
	CHECK_EQ_INT(db_job_max_id(d, &max, &e), 0);
	CHECK(max >= *total + n);
	CHECK(max <= *total + n + CRASH_THREADS); /* one in flight each */
	for (uint64_t id = *total + 1; id <= max; id++) {
		CHECK_EQ_INT(db_job_get(d, id, &g, &e), 0);
		db_job_clear(&g);
	}
	*total = max;
	db_close(d);
	free(acks);
	return n;
}

TEST(db_crash_kill9)
{
	const char *path = tpath("crash.db");
	struct rng r;
	uint64_t total = 0;
	size_t acked = 0;

	rng_seed(&r, 20261129);
	for (int round = 0; round < 20; round++)
		acked += crash_round(path, round,
				     (int)rng_below(&r, 40), 0, &total);
	CHECK(acked >= 20);
	printf("20 rounds: %zu acknowledged, %" PRIu64 " stored\n", acked,
	       total);
}

/* Killed 0..11 ms after the fork, on a new file: often while db_open
 * creates and migrates it.  Reopening must find a whole schema (version
 * 1) or none, never half of one. */
TEST(db_crash_kill9_open)
{
	for (int round = 0; round < 12; round++) {
		char name[32];
		uint64_t total = 0;

		snprintf(name, sizeof name, "early%d.db", round);
		crash_round(tpath(name), round, round, 1, &total);
	}
}

/* ---- I/O faults ------------------------------------------------------- */

/* A child whose file size limit stops the WAL from growing: submissions
 * start failing with an I/O error.  Every submission acknowledged must be
 * stored, every one that failed must not be, and the process must live
 * on and close cleanly. */
TEST(db_io_fault)
{
	const char *path = tpath("full.db");
	struct db *d = open_ok(path);
	uint32_t t, u = make_user(d, 1, &t);
	int fds[2], status;
	pid_t pid;
	struct db_job g;
	struct err e;
	uint64_t max;
	int32_t res[2000];
	ssize_t got;
	size_t nres, nok = 0, nfail = 0;
	char idem[65];

	db_close(d);
	CHECK(pipe(fds) == 0);
	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = {256 * 1024, 256 * 1024};
		char *cmd = xmalloc(8193);
		struct db_job j;

		memset(cmd, 'x', 8192);
		cmd[8192] = '\0';
		signal(SIGXFSZ, SIG_IGN);
		if (db_open(path, &d, &e) != 0)
			_exit(2);
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(3);
		for (int k = 0; k < 2000; k++) {
			int32_t r;

			job_init(&j, t, u, "big");
			j.command = cmd;
			snprintf(j.idem, sizeof j.idem, "f%d", k);
			r = db_job_submit(d, &j, &e);
			if (r == 0 && j.id != (uint64_t)k + 1)
				r = 1000; /* ids must stay dense */
			if (r < 0 && r != ERR_IO && r != ERR_LIMIT)
				r = 2000 - r;
			if (write(fds[1], &r, sizeof r) != (ssize_t)sizeof r)
				_exit(4);
		}
		db_close(d);
		free(cmd);
		_exit(0);
	}
	close(fds[1]);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	nres = 0;
	while (nres < 2000 && (got = read(fds[0], (char *)res + nres * 4,
					  sizeof res - nres * 4)) > 0)
		nres += (size_t)got / 4;
	close(fds[0]);
	CHECK_EQ_INT(nres, 2000);
	for (size_t k = 0; k < nres; k++) {
		if (res[k] == 0) {
			CHECK_EQ_INT(nfail, 0); /* no success after a failure */
			nok++;
		} else {
			if (res[k] != ERR_IO && res[k] != ERR_LIMIT)
				test_fail(__FILE__, __LINE__, "submission %zu: "
					  "%d", k, res[k]);
			nfail++;
		}
	}
	CHECK(nok > 5);
	CHECK(nfail > 5);
	d = open_ok(path);
	CHECK_EQ_INT(db_job_max_id(d, &max, &e), 0);
	CHECK_EQ_INT(max, nok);
	for (uint64_t id = 1; id <= max; id++) {
		CHECK_EQ_INT(db_job_get(d, id, &g, &e), 0);
		snprintf(idem, sizeof idem, "f%d", (int)id - 1);
		CHECK_STR(g.idem, idem);
		CHECK_EQ_INT(strlen(g.command), 8192);
		db_job_clear(&g);
	}
	printf("%zu stored before the limit, %zu refused\n", nok, nfail);
	db_close(d);
}

/* A version-1 file (no executor accounting column) is migrated to the
 * current version on open; its old usage rows read as "no accounting". */
TEST(db_migrate_1_to_2)
{
	const char *p = tpath("v1.db");
	struct db *d = open_ok(p);
	struct db_usage u = {0};
	struct names s;
	struct err e;
	uint32_t t;
	sqlite3 *h;

	CHECK_EQ_INT(db_tenant_put(d, "t", NULL, 1, &t, &e), 0);
	db_close(d);
	CHECK(sqlite3_open(p, &h) == SQLITE_OK);
	CHECK(sqlite3_exec(h, "ALTER TABLE usage DROP COLUMN exec_gpu_s;"
			   "INSERT INTO usage (job, tenant, grant_id, model,"
			   " start, \"end\", gpu_milli) VALUES (3, 1, 0, 0, 10,"
			   " 20, 1000); PRAGMA user_version = 1", NULL, NULL,
			   NULL) == SQLITE_OK);
	sqlite3_close(h);
	d = open_ok(p);
	CHECK_EQ_INT(db_schema_version(d), 2);
	u.job = 4;
	u.tenant = t;
	u.start = 30;
	u.end = 40;
	u.gpu_milli = 2000;
	u.exec_known = 1;
	u.exec_gpu_s = 20;
	CHECK_EQ_INT(db_usage_add(d, &u, NULL, &e), 0);
	memset(&s, 0, sizeof s);
	CHECK_EQ_INT(db_usage_load(d, UINT32_MAX, 0, 100, usage_cb, &s, &e), 0);
	CHECK_EQ_INT(s.n, 2);
	CHECK_STR(s.v[0], "3:1:0:10-20:1000");
	CHECK_STR(s.v[1], "4:1:0:30-40:2000:x=20");
	db_close(d);
}
