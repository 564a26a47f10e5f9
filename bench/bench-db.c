/*
 * bench-db.c — durable job submissions through the store's group commit
 * (src/store/db.h): submissions/s and per-submission latency (p50, p99,
 * max) with 1, 8 and 64 concurrent submitter threads, each on a fresh
 * database in WAL mode with synchronous=FULL (every acknowledged
 * submission is fsync'ed).  A second 64-thread run adds one reader thread
 * paging through GET-/v1/jobs-style lists (100 rows, cursor) meanwhile.
 * A last row ("async") has one thread keep 256 submissions in flight
 * with db_job_submit_async, as a server that suspends requests would.
 * "wal MB" is the WAL file's size at the end of the row (it must stay
 * bounded: see the checkpoints in src/store/db.c).
 * Then the kill -9 test at more rounds than make check runs: a child
 * submitting from 8 threads is killed at a random moment; every
 * acknowledged id must be in the reopened database, none twice.
 *
 *	build/bench/bench-db [SECONDS] [CRASH_ROUNDS]   (default 3 s, 100)
 *
 * Files go to a fresh directory under $TMPDIR (default /tmp); its file
 * system is printed, since fsync cost is what bounds a single commit.
 */
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/db.h"
#include "util/alloc.h"
#include "util/rng.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void
die_err(const char *what, const struct err *e)
{
	fprintf(stderr, "bench-db: %s: %s\n", what, e->msg);
	exit(1);
}

static void
job_init(struct db_job *j, uint32_t tenant, uint32_t user, int k, uint32_t n)
{
	memset(j, 0, sizeof *j);
	j->tenant = tenant;
	j->user = user;
	snprintf(j->name, sizeof j->name, "bench-%d-%u", k, n);
	snprintf(j->idem, sizeof j->idem, "b%d-%u", k, n);
	j->shape.gpus_per_node = 8;
	j->shape.nodes = 1;
	j->shape.gpu_milli = 1000;
	j->shape.cpu_milli = 32000;
	j->shape.mem_mib = 256000;
	j->shape.time_limit = 3600;
	j->shape.submit = 1767225600;
	j->shape.start = -1;
	j->shape.end = -1;
	j->exit_code = -1;
	j->command = (char *)"python train.py --config configs/llama-8b.yaml";
	j->workdir = (char *)"/home/bench/work";
}

struct sub {
	struct db *d;
	uint32_t tenant, user;
	int k;
	volatile int *stop;
	double *lat;             /* seconds per acknowledged submission */
	size_t n, cap;
	int errors;
};

static void *
sub_main(void *arg)
{
	struct sub *s = arg;
	struct db_job j;
	struct err e;

	for (uint32_t n = 0; !*s->stop; n++) {
		double t0 = now_s();

		job_init(&j, s->tenant, s->user, s->k, n);
		if (db_job_submit(s->d, &j, &e) != 0) {
			s->errors++;
			continue;
		}
		s->lat = xgrow(s->lat, &s->cap, s->n + 1, sizeof *s->lat);
		s->lat[s->n++] = now_s() - t0;
	}
	return NULL;
}

struct reader {
	struct db *d;
	volatile int *stop;
	long pages, rows;
};

static int
count_cb(void *ctx, const struct db_job *j)
{
	uint64_t *last = ctx;

	*last = j->id;
	return 0;
}

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	struct db_filter f = {UINT32_MAX, UINT32_MAX, -1, 0, 100};
	struct err e;

	while (!*r->stop) {
		uint64_t last = f.after;

		if (db_jobs_list(r->d, &f, count_cb, &last, &e) != 0)
			die_err("list", &e);
		r->pages++;
		r->rows += (long)(last - f.after);
		f.after = last == f.after ? 0 : last; /* wrap at the end */
	}
	return NULL;
}

/* The size of path's WAL file in MB (0 if none). */
static double
wal_mb(const char *path)
{
	char w[700];
	struct stat sb;

	snprintf(w, sizeof w, "%s-wal", path);
	return stat(w, &sb) == 0 ? (double)sb.st_size / 1e6 : 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
run(const char *dir, int nthreads, double seconds, int with_reader)
{
	char path[600];
	struct db *d;
	struct err e;
	uint32_t t, u;
	struct sub *s = xcalloc((size_t)nthreads, sizeof *s);
	pthread_t *th = xcalloc((size_t)nthreads, sizeof *th), rth;
	struct reader rd = {0};
	volatile int stop = 0;
	double t0, el, *all, wal;
	size_t n = 0;
	int errors = 0;
	struct db_stats st;

	snprintf(path, sizeof path, "%s/bench-%d-%d.db", dir, nthreads,
		 with_reader);
	if (db_open(path, &d, &e) != 0)
		die_err(path, &e);
	if (db_tenant_put(d, "bench", NULL, 1, &t, &e) < 0 ||
	    db_user_put(d, "bench", t, 4, &u, &e) < 0)
		die_err("setup", &e);
	rd = (struct reader){d, &stop, 0, 0};
	t0 = now_s();
	for (int k = 0; k < nthreads; k++) {
		s[k] = (struct sub){d, t, u, k, &stop, NULL, 0, 0, 0};
		pthread_create(&th[k], NULL, sub_main, &s[k]);
	}
	if (with_reader)
		pthread_create(&rth, NULL, reader_main, &rd);
	sleep_ms((int)(seconds * 1000));
	stop = 1;
	for (int k = 0; k < nthreads; k++) {
		pthread_join(th[k], NULL);
		n += s[k].n;
		errors += s[k].errors;
	}
	el = now_s() - t0;
	if (with_reader)
		pthread_join(rth, NULL);
	db_stats(d, &st);
	wal = wal_mb(path);
	all = xcalloc(n + 1, sizeof *all);
	n = 0;
	for (int k = 0; k < nthreads; k++) {
		memcpy(all + n, s[k].lat, s[k].n * sizeof *all);
		n += s[k].n;
		free(s[k].lat);
	}
	qsort(all, n, sizeof *all, cmp_double);
	printf("%8d %9s %10.0f %9.2f %9.2f %9.2f %9.1f %7" PRIu64 " %7.1f%s",
	       nthreads, with_reader ? "+reader" : "", (double)n / el,
	       n ? all[n / 2] * 1e3 : 0, n ? all[n * 99 / 100] * 1e3 : 0,
	       n ? all[n - 1] * 1e3 : 0,
	       st.commits ? (double)st.ops / (double)st.commits : 0,
	       st.max_batch, wal, errors ? "  ERRORS" : "");
	if (with_reader)
		printf("  (reader: %.0f pages/s of 100)",
		       (double)rd.pages / el);
	printf("\n");
	fflush(stdout);
	db_close(d);
	free(all);
	free(s);
	free(th);
}

/* ---- Asynchronous submissions ------------------------------------------ */

/* One thread keeps `window` submissions in flight with
 * db_job_submit_async, as a server suspending its requests would. */
struct slot {
	struct async *a;
	struct db_job j;
	double t0;
	struct slot *next;
};

struct async {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot *free;
	int inflight;
	double *lat;
	size_t n, cap;
	int errors;
};

static void
async_done(void *ctx, int rc, const struct err *e)
{
	struct slot *s = ctx;
	struct async *a = s->a;
	double t = now_s();

	(void)e;
	pthread_mutex_lock(&a->mu);
	if (rc < 0) {
		a->errors++;
	} else {
		a->lat = xgrow(a->lat, &a->cap, a->n + 1, sizeof *a->lat);
		a->lat[a->n++] = t - s->t0;
	}
	s->next = a->free;
	a->free = s;
	a->inflight--;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

static void
run_async(const char *dir, int window, double seconds)
{
	char path[600];
	struct db *d;
	struct err e;
	uint32_t t, u, n = 0;
	struct async a = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
			  NULL, 0, NULL, 0, 0, 0};
	struct slot *slots = xcalloc((size_t)window, sizeof *slots);
	double t0, end, el;
	struct db_stats st;

	snprintf(path, sizeof path, "%s/bench-async-%d.db", dir, window);
	if (db_open(path, &d, &e) != 0)
		die_err(path, &e);
	if (db_tenant_put(d, "bench", NULL, 1, &t, &e) < 0 ||
	    db_user_put(d, "bench", t, 4, &u, &e) < 0)
		die_err("setup", &e);
	for (int k = 0; k < window; k++) {
		slots[k].a = &a;
		slots[k].next = a.free;
		a.free = &slots[k];
	}
	t0 = now_s();
	end = t0 + seconds;
	pthread_mutex_lock(&a.mu);
	while (now_s() < end) {
		struct slot *s;

		while (a.free == NULL)
			pthread_cond_wait(&a.cv, &a.mu);
		s = a.free;
		a.free = s->next;
		a.inflight++;
		pthread_mutex_unlock(&a.mu);
		job_init(&s->j, t, u, 0, n++);
		s->t0 = now_s();
		if (db_job_submit_async(d, &s->j, async_done, s, &e) != 0)
			die_err("submit", &e);
		pthread_mutex_lock(&a.mu);
	}
	while (a.inflight > 0)
		pthread_cond_wait(&a.cv, &a.mu);
	pthread_mutex_unlock(&a.mu);
	el = now_s() - t0;
	db_stats(d, &st);
	qsort(a.lat, a.n, sizeof *a.lat, cmp_double);
	printf("%8d %9s %10.0f %9.2f %9.2f %9.2f %9.1f %7" PRIu64 " %7.1f%s\n",
	       window, "async", (double)a.n / el,
	       a.n ? a.lat[a.n / 2] * 1e3 : 0,
	       a.n ? a.lat[a.n * 99 / 100] * 1e3 : 0,
	       a.n ? a.lat[a.n - 1] * 1e3 : 0,
	       st.commits ? (double)st.ops / (double)st.commits : 0,
	       st.max_batch, wal_mb(path), a.errors ? "  ERRORS" : "");
	fflush(stdout);
	db_close(d);
	free(a.lat);
	free(slots);
}

/* ---- kill -9 rounds ---------------------------------------------------- */

#define CRASH_THREADS 8

struct ack {
	uint64_t id;
	uint32_t thread, n;
};

struct child {
	struct db *d;
	int fd, k, round;
	uint32_t tenant, user;
};

static void *
child_sub(void *arg)
{
	struct child *c = arg;
	struct db_job j;
	struct err e;

	for (uint32_t n = 0;; n++) {
		struct ack a;

		job_init(&j, c->tenant, c->user, c->k, n);
		snprintf(j.idem, sizeof j.idem, "r%d-%d-%u", c->round, c->k, n);
		if (db_job_submit(c->d, &j, &e) != 0)
			_exit(3);
		a = (struct ack){j.id, (uint32_t)c->k, n};
		if (write(c->fd, &a, sizeof a) != (ssize_t)sizeof a)
			_exit(4);
	}
	return NULL;
}

static _Noreturn void
child_main(const char *path, int fd, int round)
{
	struct child c[CRASH_THREADS];
	pthread_t th[CRASH_THREADS];
	struct db *d;
	struct err e;
	uint32_t t, u;

	if (db_open(path, &d, &e) != 0 ||
	    db_tenant_put(d, "crash", NULL, 1, &t, &e) < 0 ||
	    db_user_put(d, "crash", t, 4, &u, &e) < 0)
		_exit(2);
	for (int k = 0; k < CRASH_THREADS; k++) {
		c[k] = (struct child){d, fd, k, round, t, u};
		pthread_create(&th[k], NULL, child_sub, &c[k]);
	}
	for (;;)
		pause();
}

/* One round; returns acknowledged count, or -1 (with a message) if an
 * acknowledged submission is missing or a row is wrong. */
static long
crash_round(const char *path, int round, int delay_ms, uint64_t *total)
{
	int fds[2];
	struct ack a, *acks = NULL;
	size_t n = 0, cap = 0;
	struct pollfd pf;
	pid_t pid;
	struct db *d;
	struct db_job g;
	struct err e;
	uint64_t max;
	char idem[65];
	long bad = 0;

	if (pipe(fds) != 0)
		return -1;
	fflush(NULL);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		close(fds[0]);
		child_main(path, fds[1], round);
	}
	close(fds[1]);
	pf = (struct pollfd){fds[0], POLLIN, 0};
	if (poll(&pf, 1, 20000) != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fprintf(stderr, "round %d: no acknowledgement in 20 s\n", round);
		return -1;
	}
	sleep_ms(delay_ms);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	while (read(fds[0], &a, sizeof a) == (ssize_t)sizeof a) {
		acks = xgrow(acks, &cap, n + 1, sizeof *acks);
		acks[n++] = a;
	}
	close(fds[0]);
	if (db_open(path, &d, &e) != 0)
		die_err(path, &e);
	for (size_t k = 0; k < n; k++) {
		if (db_job_get(d, acks[k].id, &g, &e) != 0) {
			fprintf(stderr, "round %d: acknowledged job %" PRIu64
				" lost\n", round, acks[k].id);
			bad++;
			continue;
		}
		snprintf(idem, sizeof idem, "r%d-%u-%u", round, acks[k].thread,
			 acks[k].n);
		if (strcmp(g.idem, idem) != 0) {
			fprintf(stderr, "round %d: job %" PRIu64 " is %s, "
				"acknowledged as %s\n", round, acks[k].id,
				g.idem, idem);
			bad++;
		}
		db_job_clear(&g);
	}
	if (db_job_max_id(d, &max, &e) != 0)
		die_err("max", &e);
	if (max < *total + n || max > *total + n + CRASH_THREADS) {
		fprintf(stderr, "round %d: %" PRIu64 " rows for %zu "
			"acknowledged\n", round, max - *total, n);
		bad++;
	}
	*total = max;
	db_close(d);
	free(acks);
	return bad ? -1 : (long)n;
}

int
main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 3.0;
	int rounds = argc > 2 ? atoi(argv[2]) : 100;
	const char *tmp = getenv("TMPDIR");
	char dir[512], path[600], cmd[700];
	static const int threads[] = {1, 8, 64};
	struct rng r;
	uint64_t total = 0;
	long acked = 0, failed = 0;
	double t0;

	if (seconds <= 0 || seconds > 600 || rounds < 0) {
		fprintf(stderr, "usage: bench-db [SECONDS] [CRASH_ROUNDS]\n");
		return 2;
	}
	snprintf(dir, sizeof dir, "%s/bench-db.XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		return 1;
	}
	printf("durable submissions (WAL, synchronous=FULL, group commit), "
	       "%.1f s per row, files in %s\n", seconds, dir);
	snprintf(cmd, sizeof cmd, "df -T '%s' | awk 'NR == 2 { print "
		 "\"  file system: \" $2 \" on \" $1 }'", dir);
	fflush(stdout);
	if (system(cmd) != 0)
		printf("  file system: unknown\n");
	printf("%8s %9s %10s %9s %9s %9s %9s %7s %7s\n", "threads", "",
	       "subm/s", "p50 ms", "p99 ms", "max ms", "ops/txn", "max",
	       "wal MB");
	for (size_t k = 0; k < sizeof threads / sizeof threads[0]; k++)
		run(dir, threads[k], seconds, 0);
	run(dir, 64, seconds, 1);
	run_async(dir, 256, seconds);

	if (rounds > 0) {
		snprintf(path, sizeof path, "%s/crash.db", dir);
		rng_seed(&r, 424242);
		t0 = now_s();
		for (int k = 0; k < rounds; k++) {
			long got = crash_round(path, k,
					       (int)rng_below(&r, 200), &total);
			if (got < 0)
				failed++;
			else
				acked += got;
		}
		printf("kill -9: %d rounds, %ld acknowledged submissions, "
		       "%" PRIu64 " rows, %ld rounds failed (%.1f s)\n",
		       rounds, acked, total, failed, now_s() - t0);
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench-db: could not remove %s\n", dir);
	return failed ? 1 : 0;
}
