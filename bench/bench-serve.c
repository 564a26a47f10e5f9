/*
 * bench-serve.c — durable job submissions per second through the HTTP
 * API on loopback, and their latency, while other connections read the
 * queue (DESIGN.md §6: >= 20,000 submissions/s, p99 <= 20 ms).
 *
 *	bench-serve [--allot PATH] [--seconds S] [--conns 1,8,32,128]
 *	            [--queriers N] [--query-rate R] [--repeat N]
 *	            [--client raw[:THREADS]|curl]
 *	            [--serve-args "ARGS"] [--url URL --token T]
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
 * For each connection count: that many keep-alive connections POST
 * /v1/jobs in a loop for S seconds, one request in flight on each, every
 * body with its own idempotency key.  --client raw (the default; THREADS
 * epoll threads, default 1) drives them with plain sockets; --client curl
 * with one thread and libcurl handle per connection (the CLI's client,
 * which costs the shared machine about as much CPU as the daemon).  A 201
 * means the row was committed (the server acknowledges only after the
 * group commit).  Jobs are submitted held ("hold": true) so that the
 * benchmark measures the submission path, not a machine full of child
 * processes.  Meanwhile --queriers threads GET /v1/queue back to back,
 * or (raw client) starting at most --query-rate reads per second each:
 * a raw reader that does not parse the answer asks far more often than
 * the libcurl one, which parses ~250 KB of JSON per read.
 * Prints a Markdown table for docs/BENCHMARKS.md, with the CPU the
 * daemon and this client used per wall second (100% = one core), since
 * both share the machine, and the daemon's CPU time per acknowledged
 * submission (user + system, µs, from /proc/PID/stat; the queue readers'
 * share included), the figure that does not depend on the client.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <strings.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

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

/* ---- The lean client ---------------------------------------------------
 *
 * --client raw (the default): each of a few threads drives its share of
 * the connections with plain non-blocking sockets and epoll, one request
 * in flight per connection (HTTP/1.1 keep-alive, no pipelining), the
 * request text formatted in place and the answer read only as far as its
 * status line and Content-Length.  It costs the machine a fraction of
 * what libcurl and jansson per request cost, so more of the 2 cores are
 * left to the daemon, as with a client on another machine. */

#define RAW_OUT 1024
#define RAW_IN 4096

struct rconn {
	int fd;
	char out[RAW_OUT];
	size_t olen, off;
	char in[RAW_IN];
	size_t ilen;
	double t0;
	long n;
	int id;
	int busy;   /* a request is in flight */
};

struct rworker {
	pthread_t t;
	const struct sockaddr_storage *addr;
	socklen_t addrlen;
	const char *host, *token;
	int first, count, run;
	double qgap;   /* queue readers: seconds between reads' starts, 0 = back to back */
	const volatile int *stop;
	struct lat lat;
	long errors;
	char first_error[256];
};

static void
raw_error(struct rworker *w, const char *what, const char *detail)
{
	if (w->errors++ == 0)
		snprintf(w->first_error, sizeof w->first_error, "%s%s%s", what,
			 detail[0] != '\0' ? ": " : "", detail);
}

/* Formats the next submission of c into c->out. */
static void
raw_request(struct rworker *w, struct rconn *c)
{
	char body[512];
	int bl = snprintf(body, sizeof body, "{\"name\":\"bench\",\"command\":"
			  "\"true\",\"workdir\":\"/tmp\",\"gpus\":1,\"hold\":true,"
			  "\"preemptible\":true,\"idempotency_key\":"
			  "\"bench-%d-%d-%ld\"}", w->run, c->id, c->n++);
	int ol = snprintf(c->out, sizeof c->out, "POST /v1/jobs HTTP/1.1\r\n"
			  "Host: %s\r\nAuthorization: Bearer %s\r\n"
			  "Content-Type: application/json\r\n"
			  "Content-Length: %d\r\n\r\n%s", w->host, w->token, bl,
			  body);

	if (ol <= 0 || (size_t)ol >= sizeof c->out) {
		fprintf(stderr, "bench-serve: request too long\n");
		exit(1);
	}
	c->olen = (size_t)ol;
	c->off = 0;
	c->ilen = 0;
	c->busy = 1;
	c->t0 = now_s();
}

/* Writes what is left of c's request; 0, or -1 on a broken connection. */
static int
raw_flush(int ep, struct rconn *c)
{
	while (c->off < c->olen) {
		ssize_t k = send(c->fd, c->out + c->off, c->olen - c->off,
				 MSG_NOSIGNAL);
		if (k > 0)
			c->off += (size_t)k;
		else if (k < 0 && errno == EINTR)
			continue;
		else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct epoll_event ev = {EPOLLIN | EPOLLOUT, {.ptr = c}};
			epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
			return 0;
		} else
			return -1;
	}
	return 0;
}

/* 1 when c->in holds a whole response (status into *status), 0 when more
 * is needed, -1 when it cannot be parsed. */
static int
raw_parse(struct rconn *c, int *status)
{
	char *end, *p;
	size_t hl;
	long cl = -1;

	c->in[c->ilen] = '\0';
	if ((end = strstr(c->in, "\r\n\r\n")) == NULL)
		return c->ilen + 1 >= sizeof c->in ? -1 : 0;
	hl = (size_t)(end - c->in) + 4;
	if (strncmp(c->in, "HTTP/1.", 7) != 0 || c->ilen < 12)
		return -1;
	*status = atoi(c->in + 9);
	for (p = strstr(c->in, "\r\n"); p != NULL && p < end;
	     p = strstr(p + 2, "\r\n"))
		if (strncasecmp(p + 2, "content-length:", 15) == 0)
			cl = atol(p + 17);
	if (cl < 0 || hl + (size_t)cl >= sizeof c->in)
		return -1;
	return c->ilen >= hl + (size_t)cl ? 1 : 0;
}

static void *
raw_work(void *arg)
{
	struct rworker *w = arg;
	struct rconn *cs = xcalloc((size_t)w->count, sizeof *cs);
	struct epoll_event evs[64];
	int ep = epoll_create1(0), live = 0, one = 1;

	for (int k = 0; k < w->count; k++) {
		struct rconn *c = &cs[k];
		struct epoll_event ev = {EPOLLIN, {.ptr = c}};

		c->id = w->first + k;
		c->fd = socket(w->addr->ss_family, SOCK_STREAM, 0);
		if (c->fd < 0 || connect(c->fd, (const struct sockaddr *)w->addr,
					 w->addrlen) != 0) {
			raw_error(w, "connect", strerror(errno));
			if (c->fd >= 0)
				close(c->fd);
			c->fd = -1;
			continue;
		}
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
		epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
		raw_request(w, c);
		if (raw_flush(ep, c) != 0) {
			raw_error(w, "send", strerror(errno));
			close(c->fd);
			c->fd = -1;
			continue;
		}
		live++;
	}
	/* After stop, the requests in flight are still answered and counted
	 * (as the libcurl client does), for at most 10 s. */
	for (double until = 0; live > 0; ) {
		int n;

		if (*w->stop && until == 0)
			until = now_s() + 10;
		if (until > 0 && now_s() > until) {
			raw_error(w, "no answer 10 s after the end of the run", "");
			for (int k = 0; k < w->count; k++) {
				struct sockaddr_storage me;
				socklen_t ml = sizeof me;
				struct rconn *c = &cs[k];

				if (c->fd < 0 || !c->busy)
					continue;
				getsockname(c->fd, (struct sockaddr *)&me, &ml);
				fprintf(stderr, "bench-serve: connection %d (local port %d): "
					"request %ld, %zu of %zu bytes sent, %zu received, "
					"%.1f s ago\n", c->id,
					me.ss_family == AF_INET ?
					ntohs(((struct sockaddr_in *)&me)->sin_port) : 0,
					c->n, c->off, c->olen, c->ilen, now_s() - c->t0);
			}
			if (getenv("BENCH_SERVE_HOLD") != NULL)
				sleep_ms(60000);
			break;
		}
		n = epoll_wait(ep, evs, 64, 100);
		for (int i = 0; i < n; i++) {
			struct rconn *c = evs[i].data.ptr;
			int st = 0, rc = 0;
			ssize_t k;

			if (c->fd < 0)
				continue;
			if (evs[i].events & EPOLLOUT) {
				struct epoll_event ev = {EPOLLIN, {.ptr = c}};
				epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
				if (raw_flush(ep, c) != 0)
					rc = -1;
			}
			if (rc == 0 && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
				k = recv(c->fd, c->in + c->ilen, sizeof c->in - 1 - c->ilen, 0);
				if (k > 0) {
					c->ilen += (size_t)k;
					rc = raw_parse(c, &st);
				} else if (k < 0 && (errno == EAGAIN || errno == EINTR))
					rc = 0;
				else
					rc = -1;
			}
			if (rc < 0) {
				raw_error(w, "connection closed or bad response", "");
				close(c->fd);
				c->fd = -1;
				live--;
				continue;
			}
			if (rc == 0)
				continue;
			c->busy = 0;
			if (st == 201)
				lat_add(&w->lat, (now_s() - c->t0) * 1e3);
			else {
				char m[32];
				snprintf(m, sizeof m, "HTTP %d, not 201", st);
				raw_error(w, m, "");
			}
			if (*w->stop) {
				close(c->fd);
				c->fd = -1;
				live--;
				continue;
			}
			raw_request(w, c);
			if (raw_flush(ep, c) != 0) {
				raw_error(w, "send", strerror(errno));
				close(c->fd);
				c->fd = -1;
				live--;
			}
		}
	}
	for (int k = 0; k < w->count; k++)
		if (cs[k].fd >= 0)
			close(cs[k].fd);
	close(ep);
	free(cs);
	return NULL;
}

/* A queue reader with --client raw: one blocking socket, GET /v1/queue
 * back to back, the body read and dropped (not parsed: a remote client's
 * parsing would not run on this machine). */
static void *
raw_query_work(void *arg)
{
	struct rworker *w = arg;
	char req[1024], head[8192], *scratch = xmalloc(65536);
	int fd = socket(w->addr->ss_family, SOCK_STREAM, 0), one = 1;
	int rl = snprintf(req, sizeof req, "GET /v1/queue HTTP/1.1\r\nHost: %s\r\n"
			  "Authorization: Bearer %s\r\n\r\n", w->host, w->token);

	if (fd < 0 || connect(fd, (const struct sockaddr *)w->addr, w->addrlen) != 0) {
		raw_error(w, "connect", strerror(errno));
		goto out;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	while (!*w->stop) {
		double t0 = now_s();
		size_t hl = 0, got, body;
		char *end = NULL, *p;
		long cl = -1;
		int st;

		if (send(fd, req, (size_t)rl, MSG_NOSIGNAL) != rl) {
			raw_error(w, "send", strerror(errno));
			break;
		}
		while (end == NULL) {
			ssize_t k = recv(fd, head + hl, sizeof head - 1 - hl, 0);
			if (k <= 0)
				break;
			hl += (size_t)k;
			head[hl] = '\0';
			end = strstr(head, "\r\n\r\n");
			if (end == NULL && hl + 1 >= sizeof head)
				break;
		}
		if (end == NULL || strncmp(head, "HTTP/1.", 7) != 0) {
			raw_error(w, "queue: connection closed or bad response", "");
			break;
		}
		st = atoi(head + 9);
		for (p = strstr(head, "\r\n"); p != NULL && p < end; p = strstr(p + 2, "\r\n"))
			if (strncasecmp(p + 2, "content-length:", 15) == 0)
				cl = atol(p + 17);
		if (cl < 0) {
			raw_error(w, "queue: no Content-Length", "");
			break;
		}
		got = hl - (size_t)(end + 4 - head);
		for (body = (size_t)cl; got < body; ) {
			ssize_t k = recv(fd, scratch, 65536 < body - got ? 65536 : body - got, 0);
			if (k <= 0)
				break;
			got += (size_t)k;
		}
		if (got != (size_t)cl) {
			raw_error(w, "queue: short body", "");
			break;
		}
		if (st == 200)
			lat_add(&w->lat, (now_s() - t0) * 1e3);
		else {
			char m[32];
			snprintf(m, sizeof m, "queue: HTTP %d", st);
			raw_error(w, m, "");
		}
		while (w->qgap > 0 && !*w->stop && now_s() < t0 + w->qgap)
			sleep_ms(1);
	}
out:
	if (fd >= 0)
		close(fd);
	free(scratch);
	return NULL;
}

/* The address of url "http://host:port" into ss; host into host. */
static int
raw_addr(const char *url, struct sockaddr_storage *ss, socklen_t *sl,
	 char *host, size_t hostcap)
{
	struct addrinfo hints, *res = NULL;
	char buf[256], *port;
	const char *h = strncmp(url, "http://", 7) == 0 ? url + 7 : url;

	snprintf(buf, sizeof buf, "%s", h);
	buf[strcspn(buf, "/")] = '\0';
	snprintf(host, hostcap, "%s", buf);
	if ((port = strrchr(buf, ':')) == NULL)
		return -1;
	*port++ = '\0';
	if (buf[0] == '[') {  /* [::1] */
		memmove(buf, buf + 1, strlen(buf));
		buf[strcspn(buf, "]")] = '\0';
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(buf, port, &hints, &res) != 0)
		return -1;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sl = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
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

/* CPU seconds (user + system) process pid has used, from /proc, and the
 * two parts in *user and *sys; -1 if unknown. */
static double
cpu_split(pid_t pid, double *user, double *sys)
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
	*user = (double)ut / (double)sysconf(_SC_CLK_TCK);
	*sys = (double)st / (double)sysconf(_SC_CLK_TCK);
	return *user + *sys;
}

static double
cpu_of(pid_t pid)
{
	double u, s;

	return cpu_split(pid, &u, &s);
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
	double qrate;  /* reads per second per queue reader (raw only); 0 = no pause */
	int raw;   /* submitters: 0 = libcurl threads, else this many epoll
		    * threads with plain sockets */
};

struct result {
	size_t n, qn;
	double per_s, p50, p99, max, q50, q99;
	long errors;
	char srv[32], cli[32];
	double us_user, us_sys; /* the daemon's CPU per submission, µs; -1 */
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
	struct rworker *rw = NULL, *rq = NULL;
	struct lat all = {0}, q = {0};
	double t0, t1, srv0, srv1, cli0, cli1, su0 = 0, su1 = 0, ss0 = 0, ss1 = 0;
	int total = b->conns + b->queriers, nraw = 0;
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	char host[256];
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
	if (b->raw > 0) {
		if (raw_addr(url, &ss, &sl, host, sizeof host) != 0) {
			fprintf(stderr, "bench-serve: cannot resolve %s\n", url);
			return -1;
		}
		nraw = b->raw < b->conns ? b->raw : b->conns;
		rw = xcalloc((size_t)nraw, sizeof *rw);
		rq = xcalloc((size_t)b->queriers + 1, sizeof *rq);
	}
	w = xcalloc((size_t)total, sizeof *w);
	srv0 = pid > 0 ? cpu_split(pid, &su0, &ss0) : -1;
	cli0 = cpu_of(getpid());
	t0 = now_s();
	for (int k = 0; k < nraw; k++) {
		rw[k].addr = &ss;
		rw[k].addrlen = sl;
		rw[k].host = host;
		rw[k].token = token;
		rw[k].first = b->conns * k / nraw;
		rw[k].count = b->conns * (k + 1) / nraw - rw[k].first;
		rw[k].run = b->run;
		rw[k].stop = &stop;
		if (pthread_create(&rw[k].t, NULL, raw_work, &rw[k]) != 0) {
			fprintf(stderr, "bench-serve: pthread_create failed\n");
			exit(1);
		}
	}
	for (int k = 0; nraw > 0 && k < b->queriers; k++) {
		rq[k].addr = &ss;
		rq[k].addrlen = sl;
		rq[k].host = host;
		rq[k].token = token;
		rq[k].run = b->run;
		rq[k].stop = &stop;
		rq[k].qgap = b->qrate > 0 ? 1 / b->qrate : 0;
		if (pthread_create(&rq[k].t, NULL, raw_query_work, &rq[k]) != 0) {
			fprintf(stderr, "bench-serve: pthread_create failed\n");
			exit(1);
		}
	}
	for (int k = 0; k < total; k++) {
		if (nraw > 0)
			break; /* the raw threads submit and read */
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
		if (nraw == 0)
			pthread_join(w[k].t, NULL);
	for (int k = 0; k < nraw; k++)
		pthread_join(rw[k].t, NULL);
	for (int k = 0; nraw > 0 && k < b->queriers; k++)
		pthread_join(rq[k].t, NULL);
	t1 = now_s();
	srv1 = pid > 0 ? cpu_split(pid, &su1, &ss1) : -1;
	cli1 = cpu_of(getpid());
	for (int k = 0; k < nraw; k++) {
		for (size_t i = 0; i < rw[k].lat.n; i++)
			lat_add(&all, rw[k].lat.v[i]);
		r->errors += rw[k].errors;
		if (rw[k].errors && first == NULL)
			first = rw[k].first_error;
	}
	for (int k = 0; nraw > 0 && k < b->queriers; k++) {
		for (size_t i = 0; i < rq[k].lat.n; i++)
			lat_add(&q, rq[k].lat.v[i]);
		r->errors += rq[k].errors;
		if (rq[k].errors && first == NULL)
			first = rq[k].first_error;
	}
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
	r->us_user = r->us_sys = -1;
	if (srv0 >= 0 && srv1 >= 0 && all.n > 0) {
		r->us_user = 1e6 * (su1 - su0) / (double)all.n;
		r->us_sys = 1e6 * (ss1 - ss0) / (double)all.n;
	}
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
	for (int k = 0; k < nraw; k++)
		free(rw[k].lat.v);
	for (int k = 0; nraw > 0 && k < b->queriers; k++)
		free(rq[k].lat.v);
	free(rw);
	free(rq);
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
		"[--queriers N] [--query-rate R] [--repeat N] [--client raw[:THREADS]|curl] "
		"[--serve-args \"ARGS\"] [--url URL --token T]\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	const char *allot = getenv("ALLOT"), *url = NULL, *token = NULL;
	const char *conns = "1,8,32,128", *serve_args = NULL;
	double seconds = 2;
	int queriers = 1, repeat = 3, run = 0, raw = 1;
	double qrate = 0;
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
		else if (strcmp(argv[i], "--query-rate") == 0 && i + 1 < argc)
			qrate = atof(argv[++i]);
		else if (strcmp(argv[i], "--client") == 0 && i + 1 < argc) {
			const char *v = argv[++i];
			if (strcmp(v, "curl") == 0)
				raw = 0;
			else if (strncmp(v, "raw", 3) == 0 && (v[3] == '\0' || v[3] == ':'))
				raw = v[3] == ':' ? atoi(v + 4) : 1;
			else
				usage();
			if (raw < 0 || raw > 64)
				usage();
		} else
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
	       "/v1/queue meanwhile; latency per request, client side; submitting "
	       "client: ", repeat, seconds,
	       url != NULL ? "" : " (each with a fresh allot serve and database)",
	       queriers);
	if (raw > 0 && qrate > 0)
		printf("plain sockets, %d epoll thread(s); queue reads at most %.0f/s "
		       "per reader\n\n", raw, qrate);
	else if (raw > 0)
		printf("plain sockets, %d epoll thread(s)\n\n", raw);
	else
		printf("libcurl, one thread per connection\n\n");
	printf("| connections | submitted | per s | p50 ms | p99 ms | max ms | errors "
	       "| queue reads | read p50 ms | read p99 ms | server CPU | server µs/subm "
	       "user+sys | client CPU |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (const char *p = conns; *p; ) {
		int n = atoi(p);
		struct result res[REPEAT_MAX], *m;

		if (n < 1 || n > 1024)
			usage();
		for (int k = 0; k < repeat; k++) {
			struct bench b = {allot, serve_args, dir, url, token, n, queriers,
					  seconds, run++, qrate, raw};
			if (one_run(&b, &res[k]) != 0)
				return 1;
		}
		/* the median run by throughput, so one disturbed run does not
		 * make the row */
		qsort(res, (size_t)repeat, sizeof res[0], cmp_result);
		m = &res[repeat / 2];
		printf("| %d | %zu | %.0f | %.2f | %.2f | %.2f | %ld | %zu | %.2f | %.2f | %s "
		       "| ", n, m->n, m->per_s, m->p50, m->p99, m->max, m->errors, m->qn,
		       m->q50, m->q99, m->srv);
		if (m->us_user >= 0)
			printf("%.1f = %.1f + %.1f", m->us_user + m->us_sys, m->us_user,
			       m->us_sys);
		else
			printf("-");
		printf(" | %s |\n", m->cli);
		if (repeat > 1) {
			printf("|  | (runs:");
			for (int k = 0; k < repeat; k++) {
				printf(" %.0f/s p99 %.1f", res[k].per_s, res[k].p99);
				if (res[k].us_user >= 0)
					printf(" %.0fµs", res[k].us_user + res[k].us_sys);
				printf(k + 1 < repeat ? ";" : "");
			}
			printf(") | | | | | | | | | | | |\n");
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
