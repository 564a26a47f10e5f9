/*
 * bench-serve.c — durable job submissions per second through the HTTP
 * API on loopback, and their latency, while other connections read the
 * queue (DESIGN.md §6: >= 20,000 submissions/s, p99 <= 20 ms).
 *
 *	bench-serve [--allot PATH] [--seconds S] [--conns 1,8,32,128]
 *	            [--queriers N] [--repeat N] [--serve-args "ARGS"]
 *	            [--url URL --token T]
 *
 * Without --url it starts `allot serve` itself on 127.0.0.1 (port 0)
 * with a fresh database in a temporary directory, reads the port from
 * its "listening on" line and the admin token from --admin-token-file,
 * and stops it (SIGTERM) at the end; --serve-args adds options to its
 * command line (e.g. "--threads 128").  The allot binary is --allot, else
 * $ALLOT, else ../allot next to this program (build/bench/bench-serve →
 * build/allot).
 *
 * Each row is the median (by throughput) of --repeat runs (default 3 of
 * 2 s each), with every run's figure beside it: the machine these run on
 * is shared and one disturbed run should not make the row.
 *
 * For each connection count: that many threads, each with its own
 * keep-alive connection (one libcurl easy handle), POST /v1/jobs in a
 * loop for S seconds, every body with its own idempotency key; a 201
 * means the row was committed (the server acknowledges only after the
 * group commit).  Jobs are submitted held ("hold": true) so that the
 * benchmark measures the submission path, not a machine full of child
 * processes.  Meanwhile --queriers threads GET /v1/queue back to back.
 * Prints a Markdown table for docs/BENCHMARKS.md, with the CPU the
 * daemon and this client used per wall second (100% = one core), since
 * both share the machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/client.h"
#include "util/alloc.h"

#define REPEAT_MAX 15

struct lat {
	double *v;
	size_t n, cap;
};

struct worker {
	pthread_t t;
	const struct client_conf *conf;
	int id, query;
	const volatile int *stop;
	struct lat lat;
	long errors;
	char first_error[256];
	int run;
};

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
lat_add(struct lat *l, double ms)
{
	l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof *l->v);
	l->v[l->n++] = ms;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
pct(const struct lat *l, double p)
{
	size_t k;

	if (l->n == 0)
		return 0;
	k = (size_t)(p * (double)(l->n - 1) + 0.5);
	return l->v[k];
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct client *c = client_new(w->conf);
	json_t *body = json_pack("{sssssssisbsb}", "name", "bench", "command", "true",
				 "workdir", "/tmp", "gpus", 1, "hold", 1,
				 "preemptible", 1);
	long n = 0;

	while (!*w->stop) {
		struct client_resp r;
		struct err e = {0};
		char key[64];
		double t0 = now_s();
		int rc;

		if (w->query)
			rc = client_call(c, "GET", "/v1/queue", NULL, 0, &r, &e);
		else {
			snprintf(key, sizeof key, "bench-%d-%d-%ld", w->run, w->id, n++);
			json_object_set_new(body, "idempotency_key", json_string(key));
			rc = client_call(c, "POST", "/v1/jobs", body, 0, &r, &e);
			if (rc == 0 && r.status != 201) {
				rc = ERR_CONFLICT;
				snprintf(e.msg, sizeof e.msg, "HTTP %ld, not 201", r.status);
			}
		}
		if (rc == 0)
			lat_add(&w->lat, (now_s() - t0) * 1e3);
		else if (w->errors++ == 0)
			snprintf(w->first_error, sizeof w->first_error, "%.200s", e.msg);
		client_resp_clear(&r);
	}
	json_decref(body);
	client_free(c);
	return NULL;
}

/* Starts allot serve in dir; fills url and token; returns its pid. */
static pid_t
start_daemon(const char *allot, const char *extra, const char *dir, char *url,
	     size_t urlcap,
	     char *token, size_t tokcap)
{
	char db[PATH_MAX], state[PATH_MAX], tok[PATH_MAX], line[512];
	int p[2];
	pid_t pid;
	FILE *f;
	double t0 = now_s();

	snprintf(db, sizeof db, "%.3900s/allot.db", dir);
	snprintf(state, sizeof state, "%.3900s/state", dir);
	snprintf(tok, sizeof tok, "%.3900s/admin.token", dir);
	if (pipe(p) != 0) {
		perror("bench-serve: pipe");
		exit(1);
	}
	if ((pid = fork()) == 0) {
		char log[PATH_MAX];
		int fd;

		snprintf(log, sizeof log, "%.3900s/serve.log", dir);
		if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600)) >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		{
			char *args[64], *copy = xstrdup(extra != NULL ? extra : ""), *save;
			int n = 0;

			args[n++] = (char *)allot;
			args[n++] = (char *)"serve";
			args[n++] = (char *)"--listen";
			args[n++] = (char *)"127.0.0.1:0";
			args[n++] = (char *)"--db";
			args[n++] = db;
			args[n++] = (char *)"--state-dir";
			args[n++] = state;
			args[n++] = (char *)"--admin-token-file";
			args[n++] = tok;
			for (char *w = strtok_r(copy, " ", &save); w != NULL && n < 63;
			     w = strtok_r(NULL, " ", &save))
				args[n++] = w;
			args[n] = NULL;
			execv(allot, args);
		}
		fprintf(stderr, "bench-serve: exec %s: %s\n", allot, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	url[0] = '\0';
	while (fgets(line, sizeof line, f) != NULL) {
		char *at = strstr(line, "listening on ");
		if (at != NULL) {
			at += strlen("listening on ");
			at[strcspn(at, " \r\n")] = '\0';
			snprintf(url, urlcap, "http://%s", at);
			break;
		}
	}
	/* Keep reading (and dropping) its stdout so it never blocks. */
	if (fork() == 0) {
		char buf[4096];
		while (fread(buf, 1, sizeof buf, f) > 0)
			;
		_exit(0);
	}
	fclose(f);
	if (url[0] == '\0') {
		fprintf(stderr, "bench-serve: %s serve printed no \"listening on\" line\n",
			allot);
		kill(pid, SIGKILL);
		exit(1);
	}
	while (now_s() - t0 < 10) {
		FILE *t = fopen(tok, "r");
		if (t != NULL) {
			if (fgets(token, (int)tokcap, t) != NULL) {
				token[strcspn(token, " \r\n")] = '\0';
				fclose(t);
				if (token[0] != '\0')
					return pid;
			} else
				fclose(t);
		}
		sleep_ms(20);
	}
	fprintf(stderr, "bench-serve: no admin token in %s\n", tok);
	kill(pid, SIGKILL);
	exit(1);
}

static void
stop_daemon(pid_t pid)
{
	double t0 = now_s();
	int st;

	kill(pid, SIGTERM);
	while (now_s() - t0 < 10) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return;
		sleep_ms(20);
	}
	fprintf(stderr, "bench-serve: daemon ignored SIGTERM for 10 s; killed\n");
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

/* CPU seconds (user + system) process pid has used, from /proc; -1 if
 * unknown. */
static double
cpu_of(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* fields after the command name in parentheses: state is field 3,
	 * utime 14, stime 15 */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		   &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void
rm_rf(const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		execlp("rm", "rm", "-rf", path, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* One measured run: the settings of a row. */
struct bench {
	const char *allot, *serve_args, *dir, *url, *token;
	int conns, queriers;
	double seconds;
	int run;   /* numbers the daemon's directory and the idempotency keys */
};

struct result {
	size_t n, qn;
	double per_s, p50, p99, max, q50, q99;
	long errors;
	char srv[32], cli[32];
};

static int
cmp_result(const void *a, const void *b)
{
	double x = ((const struct result *)a)->per_s, y = ((const struct result *)b)->per_s;

	return (x > y) - (x < y);
}

/* Starts a fresh daemon (unless b->url is given), runs the submitters and
 * readers for b->seconds, stops it; fills r.  Returns 0 or -1. */
static int
one_run(const struct bench *b, struct result *r)
{
	char urlbuf[256], tokbuf[CLIENT_TOKEN_MAX];
	const char *url = b->url, *token = b->token, *first = NULL;
	struct client_conf conf;
	struct client_env env = {0};
	struct err e = {0};
	volatile int stop = 0;
	struct worker *w;
	struct lat all = {0}, q = {0};
	double t0, t1, srv0, srv1, cli0, cli1;
	int total = b->conns + b->queriers;
	pid_t pid = -1;

	memset(r, 0, sizeof *r);
	snprintf(r->srv, sizeof r->srv, "-");
	snprintf(r->cli, sizeof r->cli, "-");
	if (b->dir[0] != '\0') {
		char sub[PATH_MAX];

		snprintf(sub, sizeof sub, "%.3900s/%d", b->dir, b->run);
		if (mkdir(sub, 0700) != 0) {
			perror("bench-serve: mkdir");
			return -1;
		}
		pid = start_daemon(b->allot, b->serve_args, sub, urlbuf, sizeof urlbuf,
				   tokbuf, sizeof tokbuf);
		url = urlbuf;
		token = tokbuf;
	}
	if (client_conf_resolve(&conf, url, token, "10", &env, &e) != 0) {
		fprintf(stderr, "bench-serve: %s\n", e.msg);
		return -1;
	}
	w = xcalloc((size_t)total, sizeof *w);
	srv0 = pid > 0 ? cpu_of(pid) : -1;
	cli0 = cpu_of(getpid());
	t0 = now_s();
	for (int k = 0; k < total; k++) {
		w[k].conf = &conf;
		w[k].id = k;
		w[k].run = b->run;
		w[k].query = k >= b->conns;
		w[k].stop = &stop;
		if (pthread_create(&w[k].t, NULL, work, &w[k]) != 0) {
			fprintf(stderr, "bench-serve: pthread_create failed\n");
			exit(1);
		}
	}
	while (now_s() - t0 < b->seconds)
		sleep_ms(10);
	stop = 1;
	for (int k = 0; k < total; k++)
		pthread_join(w[k].t, NULL);
	t1 = now_s();
	srv1 = pid > 0 ? cpu_of(pid) : -1;
	cli1 = cpu_of(getpid());
	for (int k = 0; k < total; k++) {
		struct lat *dst = w[k].query ? &q : &all;
		for (size_t i = 0; i < w[k].lat.n; i++)
			lat_add(dst, w[k].lat.v[i]);
		r->errors += w[k].errors;
		if (w[k].errors && first == NULL)
			first = w[k].first_error;
	}
	if (all.n > 1)
		qsort(all.v, all.n, sizeof *all.v, cmp_double);
	if (q.n > 1)
		qsort(q.v, q.n, sizeof *q.v, cmp_double);
	if (srv0 >= 0 && srv1 >= 0)
		snprintf(r->srv, sizeof r->srv, "%.0f%%", 100 * (srv1 - srv0) / (t1 - t0));
	if (cli0 >= 0 && cli1 >= 0)
		snprintf(r->cli, sizeof r->cli, "%.0f%%", 100 * (cli1 - cli0) / (t1 - t0));
	r->n = all.n;
	r->per_s = (double)all.n / (t1 - t0);
	r->p50 = pct(&all, 0.5);
	r->p99 = pct(&all, 0.99);
	r->max = pct(&all, 1.0);
	r->qn = q.n;
	r->q50 = pct(&q, 0.5);
	r->q99 = pct(&q, 0.99);
	if (first != NULL)
		fprintf(stderr, "bench-serve: first error: %s\n", first);
	for (int k = 0; k < total; k++)
		free(w[k].lat.v);
	free(w);
	free(all.v);
	free(q.v);
	if (pid > 0)
		stop_daemon(pid);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench-serve [--allot PATH] [--seconds S] [--conns 1,8,32,128] "
		"[--queriers N] [--repeat N] [--serve-args \"ARGS\"] [--url URL --token T]\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	const char *allot = getenv("ALLOT"), *url = NULL, *token = NULL;
	const char *conns = "1,8,32,128", *serve_args = NULL;
	double seconds = 2;
	int queriers = 1, repeat = 3, run = 0;
	char self[PATH_MAX], dir[PATH_MAX] = "";

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--allot") == 0 && i + 1 < argc)
			allot = argv[++i];
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--conns") == 0 && i + 1 < argc)
			conns = argv[++i];
		else if (strcmp(argv[i], "--queriers") == 0 && i + 1 < argc)
			queriers = atoi(argv[++i]);
		else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
			repeat = atoi(argv[++i]);
		else if (strcmp(argv[i], "--serve-args") == 0 && i + 1 < argc)
			serve_args = argv[++i];
		else if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
			url = argv[++i];
		else if (strcmp(argv[i], "--token") == 0 && i + 1 < argc)
			token = argv[++i];
		else
			usage();
	}
	if (!(seconds > 0) || seconds > 3600 || queriers < 0 || queriers > 64 ||
	    repeat < 1 || repeat > REPEAT_MAX || (url == NULL) != (token == NULL))
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (url == NULL) {
		const char *tmpdir = getenv("TMPDIR");

		if (allot == NULL) {
			ssize_t n = readlink("/proc/self/exe", self, sizeof self - 16);
			char *slash;

			if (n <= 0) {
				fprintf(stderr, "bench-serve: give --allot PATH\n");
				return 1;
			}
			self[n] = '\0';
			if ((slash = strrchr(self, '/')) != NULL)
				*slash = '\0';
			if ((slash = strrchr(self, '/')) != NULL)
				memcpy(slash, "/allot", sizeof "/allot");  /* room: readlink left 16 */
			allot = self;
		}
		if (access(allot, X_OK) != 0) {
			fprintf(stderr, "bench-serve: no allot binary at %s (give --allot)\n",
				allot);
			return 1;
		}
		snprintf(dir, sizeof dir, "%s/bench-serve.XXXXXX",
			 tmpdir != NULL ? tmpdir : "/tmp");
		if (mkdtemp(dir) == NULL) {
			perror("bench-serve: mkdtemp");
			return 1;
		}
	}
	printf("durable submissions through POST /v1/jobs on loopback; each row is the "
	       "median of %d run(s) of %.1f s%s,\nwith %d thread(s) reading GET "
	       "/v1/queue meanwhile; latency per request, client side\n\n", repeat,
	       seconds, url != NULL ? "" : " (each with a fresh allot serve and database)",
	       queriers);
	printf("| connections | submitted | per s | p50 ms | p99 ms | max ms | errors "
	       "| queue reads | read p50 ms | read p99 ms | server CPU | client CPU |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (const char *p = conns; *p; ) {
		int n = atoi(p);
		struct result res[REPEAT_MAX], *m;

		if (n < 1 || n > 1024)
			usage();
		for (int k = 0; k < repeat; k++) {
			struct bench b = {allot, serve_args, dir, url, token, n, queriers,
					  seconds, run++};
			if (one_run(&b, &res[k]) != 0)
				return 1;
		}
		/* the median run by throughput, so one disturbed run does not
		 * make the row */
		qsort(res, (size_t)repeat, sizeof res[0], cmp_result);
		m = &res[repeat / 2];
		printf("| %d | %zu | %.0f | %.2f | %.2f | %.2f | %ld | %zu | %.2f | %.2f | %s | %s |\n",
		       n, m->n, m->per_s, m->p50, m->p99, m->max, m->errors, m->qn,
		       m->q50, m->q99, m->srv, m->cli);
		if (repeat > 1) {
			printf("|  | (runs:");
			for (int k = 0; k < repeat; k++)
				printf(" %.0f/s p99 %.1f", res[k].per_s, res[k].p99);
			printf(") | | | | | | | | | | |\n");
		}
		fflush(stdout);
		p += strcspn(p, ",");
		if (*p == ',')
			p++;
	}
	if (dir[0] != '\0')
		rm_rf(dir);
	return 0;
}
