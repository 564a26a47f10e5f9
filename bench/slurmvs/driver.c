/*
 * driver.c — the client side of bench/slurm-vs.sh (issue 6): one job
 * stream (a) submitted to Slurm directly and (b) through `allot serve`
 * into the same kind of Slurm cluster, and the report that sets the two
 * side by side.  Not built by make: the script compiles it against the
 * allot build's liballot.a (for util/alloc) with -lslurm -lcurl -ljansson.
 *
 *	driver gen N SEED JOBS
 *	    writes the stream: N lines "IDX NODES GPUS_PER_NODE", shapes
 *	    drawn with a seeded splitmix64: 1 GPU 40 %, 2 GPUs 25 %, 4 GPUs
 *	    15 %, 8 GPUs 12 %, a 2-node gang of 8 GPUs each 8 %.
 *	driver slurm JOBS RUN K SLEEP JOBCOMP
 *	    (SLURM_CONF names the cluster) K forked submitters send the jobs
 *	    (job i by submitter i mod K, in order) with
 *	    slurm_submit_batch_job: name sv-IDX, -N NODES, gres:gpu:G per
 *	    node, stdout RUN/out/slurm-%j.out (sbatch's default), then waits
 *	    until JOBCOMP holds a record for every sv- job, sampling Slurm's
 *	    view every 200 ms into RUN/samples ("T_NS RUNNING_GPUS
 *	    COMPLETING_GPUS PENDING_JOBS", one slurm_load_jobs each).
 *	driver allot JOBS RUN K SLEEP URL TOKEN NODES
 *	    waits until GET /v1/nodes shows NODES nodes "up", then K forked
 *	    submitters POST the jobs (libcurl, one keep-alive connection
 *	    each; name sv-IDX, "gpus" or "nodes"+"gpus_per_node", workdir
 *	    RUN/out), then polls GET /metrics every 100 ms (a line per poll
 *	    to RUN/samples) until no job is pending or running, keeps the
 *	    last answer in RUN/metrics, and writes RUN/allot-jobs ("ID
 *	    SUBMIT START END STATE RUNS", allot's own record, whole seconds).
 *	driver report JOBS RUN_A JOBCOMP_A RUN_B JOBCOMP_B
 *	    prints the two runs side by side (see report()).  It reads each
 *	    RUN/samples ((b): "T_NS ALLOCATED_GPUS RUNNING PENDING" in allot's
 *	    view), RUN_B/metrics and, if the script wrote it,
 *	    RUN_B/claims ("RUN_ID CLAIM_S FINAL_S [SLURM_JOB_ID]": the birth
 *	    times of the Slurm executor's STATE/ID folder, made just before
 *	    slurm_submit_batch_job, and of its STATE/ID/exit file, written
 *	    when it saw the job final).  For both it reads slurmctld.log
 *	    beside each jobcomp log (see log_read()).
 *
 * Every job runs the same command:
 *	echo S IDX $(date +%s%N) >> RUN/marks; [sleep SLEEP;]
 *	echo E IDX $(date +%s%N) >> RUN/marks
 * so both runs are timed on one clock (CLOCK_REALTIME) from the client's
 * submit call to the moment the command really began.  Submitters write
 * RUN/submit.K ("IDX T0_NS T1_NS EXTERNAL_ID": before and after the call,
 * Slurm's or allot's job id); the waiter writes RUN/done (ns).
 *
 * Exit 0 when done, 1 on any failure with a message.  No global mutable
 * state; memory is freed before exit except on the failure paths, which
 * exit at once.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>

#include "util/alloc.h"

#define WAIT_S 1800 /* the longest a run may take to drain */

struct job {
	int idx, nodes, gpn;
};

struct jobs {
	struct job *v;
	size_t n, cap;
};

static void
die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("driver: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static uint64_t
splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int
gen(const char *ns, const char *seeds, const char *path)
{
	long n = strtol(ns, NULL, 10);
	uint64_t s = strtoull(seeds, NULL, 10);
	FILE *f;

	if (n < 1 || n > 1000000)
		die("gen: N must be 1..1000000");
	if ((f = fopen(path, "w")) == NULL)
		die("%s: %s", path, strerror(errno));
	for (long i = 0; i < n; i++) {
		unsigned r = (unsigned)(splitmix(&s) % 100);
		int nodes = 1, gpn;
		if (r < 40)
			gpn = 1;
		else if (r < 65)
			gpn = 2;
		else if (r < 80)
			gpn = 4;
		else if (r < 92)
			gpn = 8;
		else {
			nodes = 2;
			gpn = 8;
		}
		fprintf(f, "%ld %d %d\n", i, nodes, gpn);
	}
	if (fclose(f) != 0)
		die("%s: %s", path, strerror(errno));
	return 0;
}

static void
jobs_read(const char *path, struct jobs *js)
{
	FILE *f = fopen(path, "r");
	struct job j;

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	memset(js, 0, sizeof *js);
	while (fscanf(f, "%d %d %d", &j.idx, &j.nodes, &j.gpn) == 3) {
		if (j.idx != (int)js->n)
			die("%s: job %zu: index %d out of order", path, js->n,
			    j.idx);
		js->v = xgrow(js->v, &js->cap, js->n + 1, sizeof *js->v);
		js->v[js->n++] = j;
	}
	fclose(f);
	if (js->n == 0)
		die("%s: no jobs", path);
}

/* The command every job runs (see the header). */
static void
command(char *buf, size_t n, const char *run, int idx, const char *sleep_s)
{
	if (strchr(run, '"') || strchr(run, '\\') || strchr(run, '\''))
		die("%s: no quotes or backslashes in the run folder", run);
	if (strcmp(sleep_s, "0") == 0)
		snprintf(buf, n, "echo S %d $(date +%%s%%N) >> %s/marks; "
			 "echo E %d $(date +%%s%%N) >> %s/marks", idx, run, idx,
			 run);
	else
		snprintf(buf, n, "echo S %d $(date +%%s%%N) >> %s/marks; sleep %s; "
			 "echo E %d $(date +%%s%%N) >> %s/marks", idx, run,
			 sleep_s, idx, run);
}

/* Forks k submitters; each calls one(ctx, job, out) for its share and
 * writes RUN/submit.K.  Dies if any fails. */
static void
fan_out(const struct jobs *js, const char *run, int k,
	int (*one)(void *, const struct job *, FILE *), void *ctx,
	void (*setup)(void *), void (*teardown)(void *))
{
	pid_t pid[64];
	int bad = 0;

	if (k < 1 || k > 64)
		die("K must be 1..64");
	fflush(NULL);
	for (int c = 0; c < k; c++) {
		if ((pid[c] = fork()) < 0)
			die("fork: %s", strerror(errno));
		if (pid[c] == 0) {
			char path[4200];
			FILE *f;
			snprintf(path, sizeof path, "%s/submit.%d", run, c);
			if ((f = fopen(path, "w")) == NULL)
				die("%s: %s", path, strerror(errno));
			if (setup)
				setup(ctx);
			for (size_t i = (size_t)c; i < js->n; i += (size_t)k)
				if (one(ctx, &js->v[i], f) != 0)
					_exit(1);
			if (teardown)
				teardown(ctx);
			if (fclose(f) != 0)
				_exit(1);
			_exit(0);
		}
	}
	for (int c = 0; c < k; c++) {
		int st;
		while (waitpid(pid[c], &st, 0) < 0 && errno == EINTR)
			;
		bad |= !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	}
	if (bad)
		die("a submitter failed");
}

static void
write_done(const char *run)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof path, "%s/done", run);
	if ((f = fopen(path, "w")) == NULL)
		die("%s: %s", path, strerror(errno));
	fprintf(f, "%" PRId64 "\n", now_ns());
	fclose(f);
}

/* ---- (a) Slurm directly ---- */

struct sctx {
	const char *run, *sleep_s;
};

static int
slurm_one(void *vc, const struct job *j, FILE *out)
{
	const struct sctx *c = vc;
	job_desc_msg_t d;
	submit_response_msg_t *resp = NULL;
	char name[32], cmd[8400], script[8500], tres[32], so[4200];
	char *env[] = {"PATH=/usr/local/bin:/usr/bin:/bin", NULL};
	int64_t t0, t1;

	command(cmd, sizeof cmd, c->run, j->idx, c->sleep_s);
	snprintf(script, sizeof script, "#!/bin/sh\n%s\n", cmd);
	snprintf(name, sizeof name, "sv-%d", j->idx);
	snprintf(tres, sizeof tres, "gres:gpu:%d", j->gpn);
	snprintf(so, sizeof so, "%s/out/slurm-%%j.out", c->run);
	slurm_init_job_desc_msg(&d);
	d.name = name;
	d.script = script;
	d.environment = env;
	d.env_size = 1;
	d.work_dir = (char *)c->run;
	d.std_out = so;
	d.user_id = (uint32_t)getuid();
	d.group_id = (uint32_t)getgid();
	d.min_nodes = (uint32_t)j->nodes;
	d.max_nodes = (uint32_t)j->nodes;
	d.tres_per_node = tres;
	t0 = now_ns();
	if (slurm_submit_batch_job(&d, &resp) != SLURM_SUCCESS) {
		fprintf(stderr, "driver: job %d: %s\n", j->idx,
			slurm_strerror(slurm_get_errno()));
		return -1;
	}
	t1 = now_ns();
	fprintf(out, "%d %" PRId64 " %" PRId64 " %" PRIu32 "\n", j->idx, t0, t1,
		resp->job_id);
	slurm_free_submit_response_response_msg(resp);
	return 0;
}

static void
slurm_setup(void *vc)
{
	(void)vc;
	slurm_init(NULL);
}

static void
slurm_teardown(void *vc)
{
	(void)vc;
	slurm_fini();
}

/* Adds to *n the records in the jobcomp log whose name starts with
 * prefix, reading from *off on (only whole lines; *off moves past them). */
static void
comp_count(const char *path, const char *prefix, long *off, size_t *n)
{
	FILE *f = fopen(path, "r");
	char line[8192], key[64];

	if (f == NULL)
		return;
	snprintf(key, sizeof key, " Name=%s", prefix);
	if (fseek(f, *off, SEEK_SET) == 0)
		while (fgets(line, sizeof line, f) != NULL &&
		       strchr(line, '\n') != NULL) {
			*n += strstr(line, key) != NULL;
			*off = ftell(f);
		}
	fclose(f);
}

/* One line "T_NS RUNNING_GPUS COMPLETING_GPUS PENDING_JOBS" from
 * slurm_load_jobs (Slurm's view of the sv- jobs; one RPC, as the Slurm
 * executor makes every 100 ms in run (b)). */
static void
slurm_sample(const struct jobs *js, FILE *out)
{
	job_info_msg_t *m = NULL;
	long run = 0, compl = 0, pend = 0;

	if (slurm_load_jobs(0, &m, SHOW_ALL) != SLURM_SUCCESS)
		return;
	for (uint32_t i = 0; i < m->record_count; i++) {
		const slurm_job_info_t *j = &m->job_array[i];
		long idx, g;
		if (j->name == NULL || strncmp(j->name, "sv-", 3) != 0)
			continue;
		idx = strtol(j->name + 3, NULL, 10);
		if (idx < 0 || (size_t)idx >= js->n)
			continue;
		g = js->v[idx].nodes * js->v[idx].gpn;
		if (j->job_state & JOB_COMPLETING)
			compl += g;
		else if ((j->job_state & JOB_STATE_BASE) == JOB_RUNNING)
			run += g;
		else if ((j->job_state & JOB_STATE_BASE) == JOB_PENDING)
			pend++;
	}
	fprintf(out, "%" PRId64 " %ld %ld %ld\n", now_ns(), run, compl, pend);
	slurm_free_job_info_msg(m);
}

static int
run_slurm(int argc, char **argv)
{
	struct jobs js;
	struct sctx c;
	int64_t end, next = 0;
	long off = 0;
	size_t done = 0;
	char path[4200];
	FILE *f;

	if (argc != 7)
		die("usage: driver slurm JOBS RUN K SLEEP JOBCOMP");
	jobs_read(argv[2], &js);
	c.run = argv[3];
	c.sleep_s = argv[5];
	fan_out(&js, c.run, atoi(argv[4]), slurm_one, &c, slurm_setup,
		slurm_teardown);
	snprintf(path, sizeof path, "%s/samples", c.run);
	if ((f = fopen(path, "w")) == NULL)
		die("%s: %s", path, strerror(errno));
	slurm_init(NULL);
	end = now_ns() + (int64_t)WAIT_S * 1000000000;
	for (;;) {
		comp_count(argv[6], "sv-", &off, &done);
		if (done >= js.n)
			break;
		if (now_ns() > end)
			die("%s: %zu of %zu jobs recorded after %d s", argv[6],
			    done, js.n, WAIT_S);
		if (now_ns() >= next) {
			slurm_sample(&js, f);
			next = now_ns() + 200000000;
		}
		nap_ms(100);
	}
	write_done(c.run);
	fclose(f);
	slurm_fini();
	free(js.v);
	return 0;
}

/* ---- (b) through allot ---- */

struct buf {
	char *p;
	size_t n, cap;
};

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct buf *b = ud;
	size_t k = size * nmemb;

	b->p = xgrow(b->p, &b->cap, b->n + k + 1, 1);
	memcpy(b->p + b->n, ptr, k);
	b->n += k;
	b->p[b->n] = '\0';
	return k;
}

struct actx {
	const char *run, *sleep_s, *url, *token;
	CURL *curl;
	struct curl_slist *hdr;
};

/* One request on c's connection; the answer's body (caller frees; NULL
 * if none) and the HTTP status. */
static char *
req_text(struct actx *c, const char *method, const char *path,
	 const char *body, long *status)
{
	struct buf b = {NULL, 0, 0};
	char url[1024];

	snprintf(url, sizeof url, "%s%s", c->url, path);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->hdr);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, 60L);
	if (body != NULL) {
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	} else {
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, NULL);
		curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
	}
	*status = 0;
	if (curl_easy_perform(c->curl) == CURLE_OK)
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
	return b.p;
}

/* req_text, the answer parsed (NULL if not JSON). */
static json_t *
req(struct actx *c, const char *method, const char *path, const char *body,
    long *status)
{
	char *t = req_text(c, method, path, body, status);
	json_t *v = t != NULL ? json_loads(t, 0, NULL) : NULL;

	free(t);
	return v;
}

/* The sum of the values of metric lines in text that start with prefix
 * and contain has (NULL: any). */
static double
metric(const char *text, const char *prefix, const char *has)
{
	size_t k = strlen(prefix);
	double sum = 0;

	for (const char *p = text; p != NULL && *p; ) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[512];
		snprintf(line, sizeof line, "%.*s", (int)(len < 511 ? len : 511), p);
		if (strncmp(line, prefix, k) == 0 &&
		    (has == NULL || strstr(line, has) != NULL)) {
			const char *sp = strrchr(line, ' ');
			if (sp != NULL)
				sum += strtod(sp + 1, NULL);
		}
		p = nl ? nl + 1 : NULL;
	}
	return sum;
}

/* GET /metrics: one line "T_NS ALLOCATED_GPUS RUNNING PENDING" to out;
 * returns running + pending (allot's view). */
static double
sample(struct actx *c, FILE *out, char **last)
{
	long status;
	char *t = req_text(c, "GET", "/metrics", NULL, &status);
	double alloc, run, pend;

	if (status != 200 || t == NULL)
		die("GET /metrics: HTTP %ld", status);
	alloc = metric(t, "allot_gpus{", "state=\"allocated\"");
	run = metric(t, "allot_jobs_running ", NULL);
	pend = metric(t, "allot_queue_depth{", NULL);
	fprintf(out, "%" PRId64 " %.0f %.0f %.0f\n", now_ns(), alloc, run, pend);
	free(*last);
	*last = t;
	return run + pend;
}

static void
allot_setup(void *vc)
{
	struct actx *c = vc;
	char auth[600];

	if ((c->curl = curl_easy_init()) == NULL)
		die("curl_easy_init failed");
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->token);
	c->hdr = curl_slist_append(NULL, auth);
	c->hdr = curl_slist_append(c->hdr, "Content-Type: application/json");
}

static void
allot_teardown(void *vc)
{
	struct actx *c = vc;

	curl_slist_free_all(c->hdr);
	curl_easy_cleanup(c->curl);
	c->hdr = NULL;
	c->curl = NULL;
}

static int
allot_one(void *vc, const struct job *j, FILE *out)
{
	struct actx *c = vc;
	char cmd[8400], body[9000], shape[64];
	int64_t t0, t1;
	long st;
	json_t *v;

	command(cmd, sizeof cmd, c->run, j->idx, c->sleep_s);
	if (j->nodes > 1)
		snprintf(shape, sizeof shape, "\"nodes\":%d,\"gpus_per_node\":%d",
			 j->nodes, j->gpn);
	else
		snprintf(shape, sizeof shape, "\"gpus\":%d", j->gpn);
	snprintf(body, sizeof body, "{\"name\":\"sv-%d\",\"command\":\"%s\","
		 "%s,\"workdir\":\"%s/out\"}", j->idx, cmd, shape, c->run);
	t0 = now_ns();
	v = req(c, "POST", "/v1/jobs", body, &st);
	t1 = now_ns();
	if (st != 201 || v == NULL || !json_is_integer(json_object_get(v, "id"))) {
		fprintf(stderr, "driver: job %d: HTTP %ld\n", j->idx, st);
		json_decref(v);
		return -1;
	}
	fprintf(out, "%d %" PRId64 " %" PRId64 " %" JSON_INTEGER_FORMAT "\n",
		j->idx, t0, t1, json_integer_value(json_object_get(v, "id")));
	json_decref(v);
	return 0;
}

/* Number of jobs in state st (0 or 1: limit=1 is enough to tell). */
static size_t
any_in(struct actx *c, const char *st)
{
	char path[64];
	long status;
	json_t *v;
	size_t n;

	snprintf(path, sizeof path, "/v1/jobs?state=%s&limit=1", st);
	v = req(c, "GET", path, NULL, &status);
	if (status != 200 || v == NULL)
		die("GET %s: HTTP %ld", path, status);
	n = json_array_size(json_object_get(v, "jobs"));
	json_decref(v);
	return n;
}

static int
nodes_up(struct actx *c)
{
	long status;
	json_t *v = req(c, "GET", "/v1/nodes", NULL, &status), *a;
	int up = 0;

	if (status != 200 || v == NULL)
		die("GET /v1/nodes: HTTP %ld", status);
	a = json_object_get(v, "nodes");
	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *s = json_string_value(json_object_get(
			json_array_get(a, i), "state"));
		up += s != NULL && strcmp(s, "up") == 0;
	}
	json_decref(v);
	return up;
}

static json_int_t
jint(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

/* RUN/allot-jobs from GET /v1/jobs, every page. */
static void
allot_dump(struct actx *c)
{
	char path[128], out[4200], cursor[64] = "";
	FILE *f;

	snprintf(out, sizeof out, "%s/allot-jobs", c->run);
	if ((f = fopen(out, "w")) == NULL)
		die("%s: %s", out, strerror(errno));
	for (;;) {
		long status;
		json_t *v, *a, *nc;
		snprintf(path, sizeof path, "/v1/jobs?limit=1000%s%s",
			 *cursor ? "&cursor=" : "", cursor);
		v = req(c, "GET", path, NULL, &status);
		if (status != 200 || v == NULL)
			die("GET %s: HTTP %ld", path, status);
		a = json_object_get(v, "jobs");
		for (size_t i = 0; i < json_array_size(a); i++) {
			json_t *o = json_array_get(a, i);
			const char *st = json_string_value(json_object_get(o, "state"));
			fprintf(f, "%" JSON_INTEGER_FORMAT " %" JSON_INTEGER_FORMAT
				" %" JSON_INTEGER_FORMAT " %" JSON_INTEGER_FORMAT
				" %s %" JSON_INTEGER_FORMAT "\n", jint(o, "id"),
				jint(o, "submit"), jint(o, "start"), jint(o, "end"),
				st ? st : "?", jint(o, "runs"));
		}
		nc = json_object_get(v, "next_cursor");
		if (!json_is_string(nc)) {
			json_decref(v);
			break;
		}
		snprintf(cursor, sizeof cursor, "%s", json_string_value(nc));
		json_decref(v);
	}
	fclose(f);
}

static int
run_allot(int argc, char **argv)
{
	struct jobs js;
	struct actx c;
	int64_t end;
	int want;
	char path[4200], *last = NULL;
	FILE *f;

	if (argc != 9)
		die("usage: driver allot JOBS RUN K SLEEP URL TOKEN NODES");
	jobs_read(argv[2], &js);
	memset(&c, 0, sizeof c);
	c.run = argv[3];
	c.sleep_s = argv[5];
	c.url = argv[6];
	c.token = argv[7];
	want = atoi(argv[8]);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	allot_setup(&c);
	end = now_ns() + (int64_t)60 * 1000000000;
	while (nodes_up(&c) < want) {
		if (now_ns() > end)
			die("only %d of %d nodes up after 60 s", nodes_up(&c), want);
		nap_ms(100);
	}
	allot_teardown(&c);
	fan_out(&js, c.run, atoi(argv[4]), allot_one, &c, allot_setup,
		allot_teardown);
	allot_setup(&c);
	snprintf(path, sizeof path, "%s/samples", c.run);
	if ((f = fopen(path, "w")) == NULL)
		die("%s: %s", path, strerror(errno));
	end = now_ns() + (int64_t)WAIT_S * 1000000000;
	while (sample(&c, f, &last) > 0 ||
	       any_in(&c, "pending") + any_in(&c, "running") > 0) {
		if (now_ns() > end)
			die("jobs still pending or running after %d s", WAIT_S);
		nap_ms(100);
	}
	write_done(c.run);
	fclose(f);
	snprintf(path, sizeof path, "%s/metrics", c.run);
	if ((f = fopen(path, "w")) == NULL || fputs(last, f) < 0)
		die("%s: %s", path, strerror(errno));
	fclose(f);
	free(last);
	allot_dump(&c);
	allot_teardown(&c);
	curl_global_cleanup();
	free(js.v);
	return 0;
}

/* ---- the report ---- */

struct rec {
	int64_t t0, t1;     /* client: before and after the submit call (ns) */
	int64_t ext;        /* Slurm's or allot's job id, -1 if none */
	int64_t s, e;       /* marks: the command began, ended (ns), 0 if not */
	int64_t csub, cstart, cend; /* jobcomp (s), -1 if none */
	char cstate[24];
	int64_t asub, astart, aend; /* allot's record (s), -1 if none */
	int gpus;           /* GPUs in all */
	double claim, seen; /* (b) the Slurm executor claimed the id, saw
			     * it final (s; file birth times), 0 if not */
	int64_t sjid;       /* Slurm's job id, 0 if unknown */
	double lsub, lalloc, lcomp; /* slurmctld's log (s, ms resolution):
			     * submission, allocation, batch script done;
			     * 0 if not found */
	int bf;             /* started by Slurm's backfill scheduler */
};

struct side {
	struct rec *r;
	size_t n;
	int64_t done;
	int nfiles;
	double alloc_mean;  /* allocated GPUs, mean of the samples: allot's
			     * view in (b), Slurm's RUNNING jobs in (a) */
	double compl_mean;  /* (a) GPUs of COMPLETING jobs, mean */
	double passes, pass_s; /* allot's pass count and seconds in passes */
};

static int64_t
read_i64(const char *path)
{
	FILE *f = fopen(path, "r");
	int64_t v = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%" SCNd64, &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* "2026-11-29T11:04:30" (slurmctld's local time) -> epoch s; -1 if not. */
static int64_t
comp_time(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	if (sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

/* The value of " KEY=" in line (copied, up to the next blank). */
static int
field(const char *line, const char *key, char *out, size_t n)
{
	char k[64];
	const char *p;
	size_t len;

	snprintf(k, sizeof k, " %s=", key);
	if ((p = strstr(line, k)) == NULL) {
		if (strncmp(line, k + 1, strlen(k + 1)) != 0)
			return -1;
		p = line - 1;
	}
	p += strlen(k);
	len = strcspn(p, " \n");
	snprintf(out, n, "%.*s", (int)(len < n ? len : n - 1), p);
	return 0;
}

/* allot's allocated GPUs averaged over the samples taken between the
 * first start mark and the last end mark; its pass count and time. */
static void
samples_read(struct side *sd, const char *run)
{
	char path[4200], line[512];
	int64_t lo = INT64_MAX, hi = 0, t;
	double alloc, compl, sum = 0, csum = 0;
	size_t k = 0;
	FILE *f;

	for (size_t i = 0; i < sd->n; i++) {
		if (sd->r[i].s > 0 && sd->r[i].s < lo)
			lo = sd->r[i].s;
		if (sd->r[i].e > hi)
			hi = sd->r[i].e;
	}
	snprintf(path, sizeof path, "%s/samples", run);
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL)
			if (sscanf(line, "%" SCNd64 " %lf %lf", &t, &alloc,
				   &compl) == 3 && t >= lo && t <= hi) {
				sum += alloc;
				csum += compl;
				k++;
			}
		fclose(f);
	}
	if (k > 0) {
		sd->alloc_mean = sum / (double)k;
		sd->compl_mean = csum / (double)k;
	}
	snprintf(path, sizeof path, "%s/metrics", run);
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL) {
			double v;
			if (sscanf(line, "allot_pass_seconds_sum %lf", &v) == 1)
				sd->pass_s = v;
			else if (sscanf(line, "allot_pass_seconds_count %lf", &v) == 1)
				sd->passes = v;
		}
		fclose(f);
	}
}

/* "[2026-11-29T11:53:25.256] ..." -> epoch s with ms; -1 if not. */
static double
log_time(const char *line)
{
	struct tm tm;
	int ms;

	memset(&tm, 0, sizeof tm);
	if (sscanf(line, "[%d-%d-%dT%d:%d:%d.%d]", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	return (double)mktime(&tm) + ms / 1000.0;
}

/* slurmctld.log beside the jobcomp log (cluster.sh's, level info):
 * per Slurm job id the submission ("_slurm_rpc_submit_batch_job:"), the
 * allocation ("sched: Allocate", or "Started" by sched/backfill) and the
 * end of the batch script ("_job_complete: JobId=N done"). */
static void
log_read(struct side *sd, const char *comp)
{
	char path[4200], line[1024];
	const char *slash = strrchr(comp, '/');
	size_t *at, max = 0;
	FILE *f;

	for (size_t i = 0; i < sd->n; i++)
		if (sd->r[i].sjid > 0 && (size_t)sd->r[i].sjid > max)
			max = (size_t)sd->r[i].sjid;
	if (max == 0 || max > 100000000)
		return;
	snprintf(path, sizeof path, "%.*sslurmctld.log",
		 slash ? (int)(slash - comp + 1) : 0, comp);
	if ((f = fopen(path, "r")) == NULL)
		return;
	at = xcalloc(max + 1, sizeof *at);
	for (size_t i = 0; i < sd->n; i++)
		if (sd->r[i].sjid > 0)
			at[sd->r[i].sjid] = i + 1;
	while (fgets(line, sizeof line, f) != NULL) {
		const char *m = strchr(line, ']'), *id;
		struct rec *r;
		double t;
		long j;
		if (m == NULL || (id = strstr(m, "JobId=")) == NULL ||
		    (t = log_time(line)) < 0)
			continue;
		j = strtol(id + 6, NULL, 10);
		if (j <= 0 || (size_t)j > max || at[j] == 0)
			continue;
		r = &sd->r[at[j] - 1];
		m += 2;
		if (strncmp(m, "_slurm_rpc_submit_batch_job:", 28) == 0)
			r->lsub = t;
		else if (r->lalloc == 0 && strncmp(m, "sched: Allocate ", 16) == 0)
			r->lalloc = t;
		else if (r->lalloc == 0 && strstr(m, "backfill") != NULL &&
			 strstr(m, "Started JobId=") != NULL) {
			r->lalloc = t;
			r->bf = 1;
		} else if (strncmp(m, "_job_complete:", 14) == 0 &&
			   strstr(m, " done") != NULL)
			r->lcomp = t;
	}
	fclose(f);
	free(at);
}

static void
side_read(struct side *sd, const struct jobs *js, const char *run,
	  const char *comp, int through_allot)
{
	size_t n = js->n;
	char path[4200], line[8192], v[256];
	FILE *f;
	int idx;
	char kind;
	int64_t t;

	sd->r = xcalloc(n, sizeof *sd->r);
	sd->n = n;
	for (size_t i = 0; i < n; i++) {
		struct rec *r = &sd->r[i];
		r->ext = r->csub = r->cstart = r->cend = -1;
		r->asub = r->astart = r->aend = -1;
		r->gpus = js->v[i].nodes * js->v[i].gpn;
	}
	sd->alloc_mean = sd->compl_mean = sd->passes = sd->pass_s = NAN;
	for (int k = 0;; k++) {
		int64_t t0, t1, ext;
		snprintf(path, sizeof path, "%s/submit.%d", run, k);
		if ((f = fopen(path, "r")) == NULL)
			break;
		sd->nfiles++;
		while (fscanf(f, "%d %" SCNd64 " %" SCNd64 " %" SCNd64, &idx, &t0,
			      &t1, &ext) == 4)
			if (idx >= 0 && (size_t)idx < n) {
				sd->r[idx].t0 = t0;
				sd->r[idx].t1 = t1;
				sd->r[idx].ext = ext;
			}
		fclose(f);
	}
	snprintf(path, sizeof path, "%s/marks", run);
	if ((f = fopen(path, "r")) != NULL) {
		while (fscanf(f, " %c %d %" SCNd64, &kind, &idx, &t) == 3)
			if (idx >= 0 && (size_t)idx < n) {
				if (kind == 'S' && sd->r[idx].s == 0)
					sd->r[idx].s = t;
				else if (kind == 'E')
					sd->r[idx].e = t;
			}
		fclose(f);
	}
	snprintf(path, sizeof path, "%s/done", run);
	sd->done = read_i64(path);
	/* jobcomp: sv-IDX directly, allot-ID through allot */
	if ((f = fopen(comp, "r")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL) {
			struct rec *r = NULL;
			if (field(line, "Name", v, sizeof v) != 0)
				continue;
			if (!through_allot && strncmp(v, "sv-", 3) == 0) {
				idx = atoi(v + 3);
				if (idx >= 0 && (size_t)idx < n)
					r = &sd->r[idx];
			} else if (through_allot && strncmp(v, "allot-", 6) == 0) {
				int64_t id = strtoll(v + 6, NULL, 10);
				for (size_t i = 0; i < n && r == NULL; i++)
					if (sd->r[i].ext == id)
						r = &sd->r[i];
			}
			if (r == NULL)
				continue;
			if (field(line, "SubmitTime", v, sizeof v) == 0)
				r->csub = comp_time(v);
			if (field(line, "StartTime", v, sizeof v) == 0)
				r->cstart = comp_time(v);
			if (field(line, "EndTime", v, sizeof v) == 0)
				r->cend = comp_time(v);
			if (field(line, "JobState", v, sizeof v) == 0)
				snprintf(r->cstate, sizeof r->cstate, "%.23s", v);
		}
		fclose(f);
	}
	samples_read(sd, run);
	if (!through_allot) {
		for (size_t i = 0; i < n; i++)
			sd->r[i].sjid = sd->r[i].ext > 0 ? sd->r[i].ext : 0;
		log_read(sd, comp);
		return;
	}
	snprintf(path, sizeof path, "%s/claims", run);
	if ((f = fopen(path, "r")) != NULL) {
		int64_t id, sj;
		double cl, se;
		int got;
		while (fgets(line, sizeof line, f) != NULL)
			if ((got = sscanf(line, "%" SCNd64 " %lf %lf %" SCNd64, &id,
					  &cl, &se, &sj)) >= 3)
				for (size_t i = 0; i < n; i++)
					if (sd->r[i].ext == id) {
						sd->r[i].claim = cl;
						sd->r[i].seen = se;
						sd->r[i].sjid = got == 4 ? sj : 0;
						break;
					}
		fclose(f);
	}
	log_read(sd, comp);
	snprintf(path, sizeof path, "%s/allot-jobs", run);
	if ((f = fopen(path, "r")) != NULL) {
		int64_t id, su, st, en, runs;
		char state[32];
		while (fscanf(f, "%" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64
			      " %31s %" SCNd64, &id, &su, &st, &en, state,
			      &runs) == 6)
			for (size_t i = 0; i < n; i++)
				if (sd->r[i].ext == id) {
					sd->r[i].asub = su;
					sd->r[i].astart = st;
					sd->r[i].aend = en;
					if (strcmp(state, "completed") != 0 || runs != 1)
						fprintf(stderr, "driver: allot job %" PRId64
							" is %s after %" PRId64 " runs\n",
							id, state, runs);
					break;
				}
		fclose(f);
	}
}

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[0..n). */
static double
pct(const double *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return NAN;
	k = (size_t)ceil(p * (double)n);
	return v[k == 0 ? 0 : k - 1];
}

struct stats {
	size_t n;
	double p50, p90, p99, max, mean;
};

static struct stats
stats_of(double *v, size_t n)
{
	struct stats s = {n, NAN, NAN, NAN, NAN, NAN};
	double sum = 0;

	if (n == 0)
		return s;
	qsort(v, n, sizeof *v, cmp_dbl);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	s.p50 = pct(v, n, 0.50);
	s.p90 = pct(v, n, 0.90);
	s.p99 = pct(v, n, 0.99);
	s.max = v[n - 1];
	s.mean = sum / (double)n;
	return s;
}

/* Everything the report prints for one side. */
struct figures {
	size_t n, submitted, started, completed;
	double subm_rate;          /* jobs / (last reply - first call), /s */
	double start_rate;         /* (started-1) / (last - first start mark) */
	double start_rate_slurm;   /* the same from jobcomp StartTime */
	struct stats lat;          /* submit call -> command began, s */
	struct stats lat_slurm;    /* jobcomp SubmitTime -> StartTime, s */
	struct stats lat_allot;    /* allot submit -> allot start, s */
	struct stats launch;       /* (b) claim -> start mark, s */
	struct stats shape[5];     /* lat by shape: 1, 2, 4, 8 GPUs, 2x8 */
	struct stats l_sched;      /* Slurm's log: submission -> allocation */
	struct stats l_launch;     /* allocation -> start mark */
	struct stats l_exit;       /* end mark -> slurmctld's "done" */
	struct stats l_seen;       /* (b) slurmctld's "done" -> sx saw it */
	size_t nbf;                /* started by Slurm's backfill */
	struct stats reap;         /* (b) end mark -> seen final, s */
	double makespan;           /* first submit call -> last end mark, s */
	double drained;            /* first submit call -> all final seen, s */
	double busy;               /* mean GPUs running commands, first start
				    * mark to last end mark */
};

static struct figures
figures_of(const struct side *sd)
{
	struct figures f;
	double *v = xcalloc(sd->n + 1, sizeof *v);
	int64_t first = INT64_MAX, last_reply = 0, s_lo = INT64_MAX, s_hi = 0;
	int64_t e_hi = 0, c_lo = INT64_MAX, c_hi = 0;
	size_t k;

	memset(&f, 0, sizeof f);
	f.n = sd->n;
	for (size_t i = 0; i < sd->n; i++) {
		const struct rec *r = &sd->r[i];
		if (r->ext < 0)
			continue;
		f.submitted++;
		first = r->t0 < first ? r->t0 : first;
		last_reply = r->t1 > last_reply ? r->t1 : last_reply;
		if (r->s > 0) {
			f.started++;
			s_lo = r->s < s_lo ? r->s : s_lo;
			s_hi = r->s > s_hi ? r->s : s_hi;
		}
		if (r->e > e_hi)
			e_hi = r->e;
		if (r->cstart >= 0) {
			c_lo = r->cstart < c_lo ? r->cstart : c_lo;
			c_hi = r->cstart > c_hi ? r->cstart : c_hi;
		}
		f.completed += strcmp(r->cstate, "COMPLETED") == 0;
	}
	f.subm_rate = last_reply > first ? (double)f.submitted /
		((double)(last_reply - first) / 1e9) : NAN;
	f.start_rate = f.started > 1 && s_hi > s_lo ? (double)(f.started - 1) /
		((double)(s_hi - s_lo) / 1e9) : NAN;
	f.start_rate_slurm = c_hi > c_lo ? (double)(f.completed - 1) /
		(double)(c_hi - c_lo) : NAN;
	k = 0;
	for (size_t i = 0; i < sd->n; i++)
		if (sd->r[i].ext >= 0 && sd->r[i].s > 0)
			v[k++] = (double)(sd->r[i].s - sd->r[i].t0) / 1e9;
	f.lat = stats_of(v, k);
	for (int sh = 0; sh < 5; sh++) {
		static const int g[5] = {1, 2, 4, 8, 16};
		k = 0;
		for (size_t i = 0; i < sd->n; i++)
			if (sd->r[i].ext >= 0 && sd->r[i].s > 0 &&
			    sd->r[i].gpus == g[sh])
				v[k++] = (double)(sd->r[i].s - sd->r[i].t0) / 1e9;
		f.shape[sh] = stats_of(v, k);
	}
	k = 0;
	for (size_t i = 0; i < sd->n; i++)
		if (sd->r[i].csub >= 0 && sd->r[i].cstart >= 0)
			v[k++] = (double)(sd->r[i].cstart - sd->r[i].csub);
	f.lat_slurm = stats_of(v, k);
	k = 0;
	for (size_t i = 0; i < sd->n; i++)
		if (sd->r[i].asub >= 0 && sd->r[i].astart >= 0)
			v[k++] = (double)(sd->r[i].astart - sd->r[i].asub);
	f.lat_allot = stats_of(v, k);
	k = 0;
	for (size_t i = 0; i < sd->n; i++)
		if (sd->r[i].claim > 0 && sd->r[i].s > 0)
			v[k++] = (double)sd->r[i].s / 1e9 - sd->r[i].claim;
	f.launch = stats_of(v, k);
	k = 0;
	for (size_t i = 0; i < sd->n; i++)
		if (sd->r[i].seen > 0 && sd->r[i].e > 0)
			v[k++] = sd->r[i].seen - (double)sd->r[i].e / 1e9;
	f.reap = stats_of(v, k);
	k = 0;
	for (size_t i = 0; i < sd->n; i++)
		if (sd->r[i].lsub > 0 && sd->r[i].lalloc > 0)
			v[k++] = sd->r[i].lalloc - sd->r[i].lsub;
	f.l_sched = stats_of(v, k);
	k = 0;
	for (size_t i = 0; i < sd->n; i++)
		if (sd->r[i].lalloc > 0 && sd->r[i].s > 0)
			v[k++] = (double)sd->r[i].s / 1e9 - sd->r[i].lalloc;
	f.l_launch = stats_of(v, k);
	k = 0;
	for (size_t i = 0; i < sd->n; i++)
		if (sd->r[i].lcomp > 0 && sd->r[i].e > 0)
			v[k++] = sd->r[i].lcomp - (double)sd->r[i].e / 1e9;
	f.l_exit = stats_of(v, k);
	k = 0;
	for (size_t i = 0; i < sd->n; i++)
		if (sd->r[i].lcomp > 0 && sd->r[i].seen > 0)
			v[k++] = sd->r[i].seen - sd->r[i].lcomp;
	f.l_seen = stats_of(v, k);
	for (size_t i = 0; i < sd->n; i++)
		f.nbf += sd->r[i].bf;
	f.makespan = e_hi > first ? (double)(e_hi - first) / 1e9 : NAN;
	f.drained = sd->done > first ? (double)(sd->done - first) / 1e9 : NAN;
	{
		double gs = 0;
		for (size_t i = 0; i < sd->n; i++)
			if (sd->r[i].s > 0 && sd->r[i].e > sd->r[i].s)
				gs += sd->r[i].gpus * (double)(sd->r[i].e -
							       sd->r[i].s) / 1e9;
		f.busy = e_hi > s_lo && f.started > 0 ?
			gs / ((double)(e_hi - s_lo) / 1e9) : NAN;
	}
	free(v);
	return f;
}

static void
row(const char *what, double a, double b, int dec)
{
	char x[32], y[32], r[32];

	if (isnan(a))
		snprintf(x, sizeof x, "-");
	else
		snprintf(x, sizeof x, "%.*f", dec, a);
	if (isnan(b))
		snprintf(y, sizeof y, "-");
	else
		snprintf(y, sizeof y, "%.*f", dec, b);
	if (isnan(a) || isnan(b) || a == 0)
		snprintf(r, sizeof r, "-");
	else
		snprintf(r, sizeof r, "%.2f", b / a);
	printf("%-46s %12s %12s %8s\n", what, x, y, r);
}

static void
stat_rows(const char *what, const struct stats *a, const struct stats *b,
	  int dec)
{
	char k[96];

	snprintf(k, sizeof k, "%s p50", what);
	row(k, a->p50, b->p50, dec);
	snprintf(k, sizeof k, "%s p90", what);
	row(k, a->p90, b->p90, dec);
	snprintf(k, sizeof k, "%s p99", what);
	row(k, a->p99, b->p99, dec);
	snprintf(k, sizeof k, "%s max", what);
	row(k, a->max, b->max, dec);
}

/* A line per job (at most 10) that has no start mark or did not end
 * COMPLETED in Slurm's record. */
static void
notes(const char *side, const struct side *sd)
{
	size_t k = 0;

	for (size_t i = 0; i < sd->n; i++) {
		const struct rec *r = &sd->r[i];
		if (r->s > 0 && strcmp(r->cstate, "COMPLETED") == 0)
			continue;
		if (k++ < 10)
			printf("note: %s job %zu (id %" PRId64 "): %s, Slurm's "
			       "record: %s\n", side, i, r->ext,
			       r->s > 0 ? "began" : "never began",
			       r->cstate[0] ? r->cstate : "none");
	}
	if (k > 10)
		printf("note: %s %zu more\n", side, k - 10);
}

/*
 * Prints, for (a) Slurm alone and (b) through allot, and b/a:
 *  - jobs submitted, started (a start mark), completed (jobcomp);
 *  - submissions/s (the client's first call to its last reply);
 *  - jobs started/s: (started - 1) over first-to-last start mark, and the
 *    same from Slurm's StartTime (whole seconds);
 *  - submit-to-start latency p50/p90/p99/max: the client's submit call to
 *    the command's start mark (one clock, both sides); Slurm's SubmitTime
 *    -> StartTime (for (b) that is only the part after allot submitted to
 *    Slurm); allot's own submit -> start (b only; whole seconds);
 *  - makespan: first submit call to the last end mark, and to the moment
 *    the driver saw every job final (jobcomp for (a), the API for (b)).
 * Then one machine-readable line per side: "figures SIDE key=value ...".
 */
static int
report(int argc, char **argv)
{
	struct jobs js;
	struct side a, b;
	struct figures fa, fb;
	struct stats none = {0, NAN, NAN, NAN, NAN, NAN};

	if (argc != 7)
		die("usage: driver report JOBS RUN_A JOBCOMP_A RUN_B JOBCOMP_B");
	jobs_read(argv[2], &js);
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	side_read(&a, &js, argv[3], argv[4], 0);
	side_read(&b, &js, argv[5], argv[6], 1);
	fa = figures_of(&a);
	fb = figures_of(&b);
	printf("%-46s %12s %12s %8s\n", "", "(a) Slurm", "(b) allot", "b/a");
	row("jobs in the stream", (double)fa.n, (double)fb.n, 0);
	row("submitted", (double)fa.submitted, (double)fb.submitted, 0);
	row("started (start mark)", (double)fa.started, (double)fb.started, 0);
	row("COMPLETED in Slurm's jobcomp", (double)fa.completed,
	    (double)fb.completed, 0);
	row("submissions/s", fa.subm_rate, fb.subm_rate, 0);
	row("jobs started/s (start marks)", fa.start_rate, fb.start_rate, 1);
	row("jobs started/s (Slurm StartTime, 1 s res.)", fa.start_rate_slurm,
	    fb.start_rate_slurm, 1);
	stat_rows("submit->start s (client->mark)", &fa.lat, &fb.lat, 3);
	row("submit->start s (client->mark) mean", fa.lat.mean, fb.lat.mean,
	    3);
	for (int sh = 0; sh < 5; sh++) {
		static const char *const name[5] = {"1 GPU", "2 GPUs", "4 GPUs",
						    "8 GPUs", "2x8 gang"};
		char k[96];
		snprintf(k, sizeof k, "  p50 of %s jobs (%zu)", name[sh],
			 fa.shape[sh].n);
		row(k, fa.shape[sh].p50, fb.shape[sh].p50, 3);
		snprintf(k, sizeof k, "  p90 of %s jobs", name[sh]);
		row(k, fa.shape[sh].p90, fb.shape[sh].p90, 3);
	}
	stat_rows("Slurm SubmitTime->StartTime s", &fa.lat_slurm, &fb.lat_slurm,
		  0);
	stat_rows("allot submit->start s (b only)", &none, &fb.lat_allot, 0);
	row("makespan s (first submit->last end mark)", fa.makespan, fb.makespan,
	    2);
	row("makespan s (first submit->all final seen)", fa.drained, fb.drained,
	    2);
	row("(b) sx submits -> command began s p50", NAN, fb.launch.p50, 3);
	row("(b) sx submits -> command began s mean", NAN, fb.launch.mean,
	    3);
	row("(b) command ended -> sx sees it final s p50", NAN,
	    fb.reap.p50, 3);
	row("(b) command ended -> sx sees it final s mean", NAN,
	    fb.reap.mean, 3);
	row("Slurm log: submitted -> allocated s p50", fa.l_sched.p50,
	    fb.l_sched.p50, 3);
	row("Slurm log: submitted -> allocated s mean", fa.l_sched.mean,
	    fb.l_sched.mean, 3);
	row("Slurm log: allocated -> command began s p50", fa.l_launch.p50,
	    fb.l_launch.p50, 3);
	row("Slurm log: allocated -> command began s mean", fa.l_launch.mean,
	    fb.l_launch.mean, 3);
	row("Slurm log: command ended -> job done s mean", fa.l_exit.mean,
	    fb.l_exit.mean, 3);
	row("(b) Slurm's job done -> sx sees it final s mean", NAN,
	    fb.l_seen.mean, 3);
	row("jobs started by Slurm's backfill", (double)fa.nbf,
	    (double)fb.nbf, 0);
	row("mean GPUs running commands", fa.busy, fb.busy, 1);
	row("mean GPUs of RUNNING jobs in Slurm (a)", a.alloc_mean, NAN, 1);
	row("mean GPUs of COMPLETING jobs in Slurm (a)", a.compl_mean, NAN, 1);
	row("mean GPUs allocated in allot's view (b)", NAN, b.alloc_mean, 1);
	row("allot scheduling passes", NAN, b.passes, 0);
	row("allot mean pass ms", NAN, b.passes > 0 ? 1000 * b.pass_s /
	    b.passes : NAN, 2);
	for (int s = 0; s < 2; s++) {
		const struct figures *f = s ? &fb : &fa;
		printf("figures %s n=%zu submitted=%zu started=%zu completed=%zu "
		       "subm_per_s=%.0f starts_per_s=%.1f lat_p50=%.3f lat_p90=%.3f "
		       "lat_p99=%.3f slurm_lat_p50=%.0f slurm_lat_p99=%.0f "
		       "makespan=%.2f drained=%.2f busy_gpus=%.1f\n",
		       s ? "allot" : "slurm", f->n, f->submitted, f->started,
		       f->completed, f->subm_rate, f->start_rate, f->lat.p50,
		       f->lat.p90, f->lat.p99, f->lat_slurm.p50, f->lat_slurm.p99,
		       f->makespan, f->drained, f->busy);
	}
	notes("(a)", &a);
	notes("(b)", &b);
	free(a.r);
	free(b.r);
	free(js.v);
	return fa.started == fa.n && fb.started == fb.n &&
		fa.completed == fa.n && fb.completed == fb.n ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "gen") == 0)
		return gen(argv[2], argv[3], argv[4]);
	if (argc >= 2 && strcmp(argv[1], "slurm") == 0)
		return run_slurm(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "allot") == 0)
		return run_allot(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "report") == 0)
		return report(argc, argv);
	fprintf(stderr, "usage: driver gen N SEED JOBS\n"
		"       driver slurm JOBS RUN K SLEEP JOBCOMP\n"
		"       driver allot JOBS RUN K SLEEP URL TOKEN NODES\n"
		"       driver report JOBS RUN_A JOBCOMP_A RUN_B JOBCOMP_B\n");
	return 2;
}
