/*
 * test-scenario.c — data-driven tests of the national scheduling pass:
 * every tests/scenarios/NAME.scn file is a small world (pool, tenants, grants,
 * running and pending jobs), one or more passes, and what each pass must
 * decide.  The format is docs/SCENARIO-FORMAT.md.
 *
 * The runner executes a file top to bottom.  Directives before a pass
 * build the world; `pass at T` runs sched_pass with SCHED_PRIORITY and
 * explain=1 on it, checks the pass's invariants (policy_check_pass, from
 * test-policy.c) and applies the decisions the way the simulator does:
 * START makes a job run, PREEMPT marks a running job leaving (it keeps
 * its GPUs until a `leave` line), a first RECLAIMING marks the job
 * reclaiming with its quota charged.  `expect` lines check the last pass.
 * Between passes `finish`, `leave`, `release`, new jobs, grants and usage
 * change the world, so one file can show that a reclaim does not loop.
 *
 * The quota is rebuilt before every pass from the grants active then and
 * the jobs: running ones (leaving included) and reclaiming ones are
 * charged, as the simulator's persistent quota would be.  Fair-share
 * factors come from the `usage` lines through fairshare_fairtree.
 *
 * Errors in a file stop it and name file:line; failed expectations are
 * collected (file:line: what was expected, what the pass decided) and the
 * test fails at the end naming every one.
 *
 * Ownership: a struct scn owns its pool, placer, tenants, grants, jobs and
 * their allocations, and frees them in scn_free.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/grant.h"
#include "model/job.h"
#include "model/pool.h"
#include "model/poolfile.h"
#include "model/tenant.h"
#include "sched/fairshare.h"
#include "sched/place.h"
#include "sched/prio.h"
#include "sched/quota.h"
#include "sched/sched.h"
#include "sched/topo.h"
#include "test.h"
#include "util/alloc.h"
#include "util/csv.h"
#include "util/err.h"

/* Defined in test-policy.c: the invariants of one pass. */
int policy_check_pass(const struct sched_input *in, struct placer *pl,
		      const struct sched_result *r, char *msg, size_t cap);

#define SCN_DIR "tests/scenarios"
#define SCN_NAME 32          /* bytes in a job name, + NUL */
#define SCN_MAX_JOBS 10000
#define SCN_MAX_WORDS 48
#define SCN_MAX_BYTES (1u << 20)

enum { SJ_PENDING = 0, SJ_RUNNING, SJ_DONE };

/* What the runner keeps per job besides struct job. */
struct sjob {
	char name[SCN_NAME];
	uint8_t state;         /* SJ_* */
	int model;             /* running: model charged, -1 none */
	uint32_t preempt_for;  /* running: SCHED_NO_JOB or the job it leaves for */
	int64_t end;           /* running: expected end */
	struct alloc alloc;    /* running: where */
	long pos;              /* last pass: index of its START/PENDING, or -1 */
	long ppos;             /* last pass: index of its PREEMPT, or -1 */
};

/* Failed expectations, one per line of text. */
struct fails {
	char *s;
	size_t n, cap;
	int count;
};

struct scn {
	const char *file;
	struct csv_lines *lines;
	struct err *e;
	struct fails *f;
	struct pool pool;
	int have_pool;
	struct placer *pl;
	int policy;
	uint64_t seed;
	struct tenant_tree tt;
	struct grants gs;
	double *usage;            /* per tree node */
	size_t cap_usage;
	struct prio_weights w;
	uint32_t depth;
	int64_t horizon;
	int reclaim;
	struct job *jobs;
	struct sjob *sj;
	size_t njobs, cap_jobs, cap_sj;
	int64_t now;
	int passed;               /* a pass ran: expects may follow */
	struct sched_result res;
	struct quota q;           /* the last pass's quota, after the pass */
	int have_q;
};

static void
fails_add(struct fails *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
fails_add(struct fails *f, const char *fmt, ...)
{
	va_list ap;
	char line[768];
	size_t n;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	n = strlen(line);
	f->s = xgrow(f->s, &f->cap, f->n + n + 2, 1);
	memcpy(f->s + f->n, line, n);
	f->n += n;
	f->s[f->n++] = '\n';
	f->s[f->n] = '\0';
	f->count++;
}

/* ---- words -------------------------------------------------------------- */

struct words {
	struct csv_field v[SCN_MAX_WORDS];
	int n;
};

static int
err_line(struct scn *s, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
err_line(struct scn *s, const char *field, const char *fmt, ...)
{
	va_list ap;
	char msg[400];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_at(s->e, ERR_INVALID, s->file, s->lines->line, field, "%s", msg);
}

/* Copies a word into buf as a C string (truncated to cap - 1). */
static const char *
wstr(struct csv_field f, char *buf, size_t cap)
{
	size_t n = f.n < cap - 1 ? f.n : cap - 1;

	memcpy(buf, f.s, n);
	buf[n] = '\0';
	return buf;
}

static int
get_int(struct scn *s, const char *field, struct csv_field f, int64_t lo,
	int64_t hi, int64_t *out)
{
	return csv_get_int(s->lines, field, f, lo, hi, out, s->e);
}

/* Word i must exist; names the field that is missing. */
static int
need(struct scn *s, const struct words *w, int i, const char *field)
{
	if (i < w->n)
		return 0;
	return err_line(s, field, "missing value");
}

static long
find_job(const struct scn *s, struct csv_field f)
{
	for (size_t i = 0; i < s->njobs; i++)
		if (strlen(s->sj[i].name) == f.n && memcmp(s->sj[i].name, f.s, f.n) == 0)
			return (long)i;
	return -1;
}

static int
job_ref(struct scn *s, struct csv_field f, const char *field, uint32_t *id)
{
	char b[64];
	long i = find_job(s, f);

	if (i < 0)
		return err_line(s, field, "no job named %s",
				csv_show(b, sizeof b, f));
	*id = (uint32_t)i;
	return 0;
}

/* A tenant by name: its job tenant id (tree index - 1). */
static int
tenant_ref(struct scn *s, struct csv_field f, uint32_t *t)
{
	char b[SCN_NAME + 8];
	long i = tenant_find(&s->tt, wstr(f, b, sizeof b));

	if (i <= 0)
		return err_line(s, "tenant", "no tenant named \"%s\"", b);
	*t = (uint32_t)i - 1;
	return 0;
}

static int
model_ref(struct scn *s, struct csv_field f, int *m)
{
	char b[64];

	if (!s->have_pool)
		return err_line(s, "model", "no pool yet");
	*m = pool_model_find(&s->pool, wstr(f, b, sizeof b));
	if (*m < 0)
		return err_line(s, "model", "no GPU model \"%s\" in the pool", b);
	return 0;
}

static long
node_ref(const struct scn *s, struct csv_field f)
{
	for (size_t n = 0; n < s->pool.nnodes; n++) {
		const char *nm = pool_node_name(&s->pool, (uint32_t)n);
		if (strlen(nm) == f.n && memcmp(nm, f.s, f.n) == 0)
			return (long)n;
	}
	return -1;
}

/* Splits a comma-separated list word into fields. */
static int
split_list(struct csv_field f, struct csv_field *out, int max)
{
	return csv_split(f.s, f.n, ',', out, max, NULL);
}

/* ---- the world ------------------------------------------------------- */

static void
ensure_placer(struct scn *s)
{
	if (s->pl == NULL)
		s->pl = placer_new(&s->pool, (enum place_policy)s->policy, s->seed);
}

static void
scn_init(struct scn *s, const char *file, struct err *e, struct fails *f)
{
	memset(s, 0, sizeof *s);
	s->file = file;
	s->e = e;
	s->f = f;
	s->policy = PLACE_BESTFIT;
	s->seed = 42;
	s->reclaim = 1;
	pool_init(&s->pool);
	tenant_tree_init(&s->tt);
	grants_init(&s->gs);
	prio_defaults(&s->w);
	sched_result_init(&s->res);
}

static void
scn_free(struct scn *s)
{
	for (size_t i = 0; i < s->njobs; i++)
		alloc_free(&s->sj[i].alloc);
	sched_result_free(&s->res);
	if (s->have_q)
		quota_free(&s->q);
	placer_free(s->pl);
	pool_free(&s->pool);
	tenant_tree_free(&s->tt);
	grants_free(&s->gs);
	free(s->usage);
	free(s->jobs);
	free(s->sj);
}

/* ---- directives ------------------------------------------------------ */

/* pool gen:SPEC | pool file PATH | pool inline ... end */
static int
d_pool(struct scn *s, const struct words *w)
{
	char path[512];
	int rc;

	if (s->have_pool)
		return err_line(s, "pool", "the pool is already defined");
	if (need(s, w, 1, "pool") != 0)
		return s->e->code;
	if (csv_eq(w->v[1], "inline")) {
		/* The pool file's lines follow up to `end`; they are parsed at
		 * their own line numbers (blank lines stand for the ones
		 * before, and this line becomes the version line). */
		long first = s->lines->line;
		const char *ln;
		size_t n, cap = 0, len = 0;
		char *pb = NULL;
		int found = 0;
		pb = xgrow(pb, &cap, (size_t)first + 16, 1);
		for (long i = 1; i < first; i++)
			pb[len++] = '\n';
		memcpy(pb + len, "allot-pool 1\n", 13);
		len += 13;
		while ((rc = csv_lines_next(s->lines, &ln, &n, s->e)) == 1) {
			struct csv_field fw[2];
			pb = xgrow(pb, &cap, len + n + 2, 1);
			memcpy(pb + len, ln, n);
			len += n;
			pb[len++] = '\n';
			if (csv_split_ws(ln, n, fw, 2) >= 1 && csv_eq(fw[0], "end")) {
				found = 1;
				break;
			}
		}
		if (rc < 0) {
			free(pb);
			return rc;
		}
		if (!found) {
			free(pb);
			return err_at(s->e, ERR_INVALID, s->file, first, "pool",
				      "inline pool without an \"end\" line");
		}
		rc = poolfile_parse(s->file, pb, len, &s->pool, s->e);
		free(pb);
	} else if (csv_eq(w->v[1], "file")) {
		const char *slash = strrchr(s->file, '/');
		int dl = slash ? (int)(slash - s->file + 1) : 0;
		char b[400];
		if (need(s, w, 2, "path") != 0)
			return s->e->code;
		snprintf(path, sizeof path, "%.*s%s", dl, s->file,
			 wstr(w->v[2], b, sizeof b));
		rc = poolfile_read(path, &s->pool, s->e);
	} else if (w->v[1].n > 4 && memcmp(w->v[1].s, "gen:", 4) == 0) {
		rc = pool_load(wstr(w->v[1], path, sizeof path), &s->pool, s->e);
	} else {
		return err_line(s, "pool", "expected gen:SPEC, file PATH or inline");
	}
	if (rc != 0) {
		if (!csv_eq(w->v[1], "inline"))
			err_prefix(s->e, s->file);
		return rc;
	}
	if (s->pool.nnodes == 0)
		return err_line(s, "pool", "the pool has no nodes");
	s->have_pool = 1;
	return 0;
}

/* tenant NAME [shares N] [parent P] */
static int
d_tenant(struct scn *s, const struct words *w)
{
	char b[SCN_NAME + 8], pb[SCN_NAME + 8];
	int64_t shares = 1;
	long parent = TENANT_ROOT, id;

	if (need(s, w, 1, "name") != 0 ||
	    csv_get_name(s->lines, "name", w->v[1], SCN_NAME - 1, s->e) != 0)
		return s->e->code;
	for (int i = 2; i < w->n; i += 2) {
		if (need(s, w, i + 1, wstr(w->v[i], pb, sizeof pb)) != 0)
			return s->e->code;
		if (csv_eq(w->v[i], "shares")) {
			if (get_int(s, "shares", w->v[i + 1], 0, 1000000, &shares) != 0)
				return s->e->code;
		} else if (csv_eq(w->v[i], "parent")) {
			parent = tenant_find(&s->tt, wstr(w->v[i + 1], pb, sizeof pb));
			if (parent < 0)
				return err_line(s, "parent", "no tenant named \"%s\"", pb);
		} else {
			return err_line(s, wstr(w->v[i], pb, sizeof pb),
					"unknown key for tenant (known: shares, parent)");
		}
	}
	id = tenant_add(&s->tt, wstr(w->v[1], b, sizeof b), (uint32_t)parent,
			(uint32_t)shares, s->e);
	if (id < 0) {
		err_prefix(s->e, "tenant");
		return err_line(s, "name", "%s", s->e->msg);
	}
	s->usage = xgrow(s->usage, &s->cap_usage, s->tt.n, sizeof *s->usage);
	s->usage[id] = 0;
	return 0;
}

/* grant TENANT MODEL GPUS [from T] [to T] [borrow N|none] [lend N|all] */
static int
d_grant(struct scn *s, const struct words *w)
{
	struct grant g;
	char b[64];
	int64_t v;

	memset(&g, 0, sizeof g);
	g.start = 0;
	g.end = INT64_MAX;
	g.borrow_limit = GRANT_NO_LIMIT;
	g.lend_limit = GRANT_NO_LIMIT;
	if (need(s, w, 3, "gpus") != 0 || tenant_ref(s, w->v[1], &g.tenant) != 0 ||
	    model_ref(s, w->v[2], &g.model) != 0 ||
	    get_int(s, "gpus", w->v[3], 1, 100000000, &g.gpus) != 0)
		return s->e->code;
	for (int i = 4; i < w->n; i += 2) {
		if (need(s, w, i + 1, wstr(w->v[i], b, sizeof b)) != 0)
			return s->e->code;
		if (csv_eq(w->v[i], "from")) {
			if (get_int(s, "from", w->v[i + 1], 0, INT64_MAX / 4, &g.start))
				return s->e->code;
		} else if (csv_eq(w->v[i], "to")) {
			if (get_int(s, "to", w->v[i + 1], 0, INT64_MAX / 4, &g.end))
				return s->e->code;
		} else if (csv_eq(w->v[i], "borrow")) {
			if (csv_eq(w->v[i + 1], "none"))
				g.borrow_limit = 0;
			else if (get_int(s, "borrow", w->v[i + 1], 0, 100000000, &v))
				return s->e->code;
			else
				g.borrow_limit = v;
		} else if (csv_eq(w->v[i], "lend")) {
			if (csv_eq(w->v[i + 1], "all"))
				g.lend_limit = GRANT_NO_LIMIT;
			else if (get_int(s, "lend", w->v[i + 1], 0, 100000000, &v))
				return s->e->code;
			else
				g.lend_limit = v;
		} else {
			return err_line(s, b, "unknown key for grant (known: from, to, "
					"borrow, lend)");
		}
	}
	if (grants_add(&s->gs, &g, (int)s->pool.model_names.n, s->e) < 0) {
		char m[sizeof s->e->msg];
		snprintf(m, sizeof m, "%s", s->e->msg);
		return err_line(s, "grant", "%s", m);
	}
	return 0;
}

/* option NAME VALUE... */
static int
d_option(struct scn *s, const struct words *w)
{
	char b[64];
	int64_t v;
	double d;

	if (need(s, w, 2, "value") != 0)
		return s->e->code;
	if (csv_eq(w->v[1], "backfill")) {
		if (get_int(s, "backfill", w->v[2], 0, 1000, &v) != 0)
			return s->e->code;
		s->depth = (uint32_t)v;
	} else if (csv_eq(w->v[1], "horizon")) {
		if (get_int(s, "horizon", w->v[2], 0, INT64_MAX / 4, &s->horizon))
			return s->e->code;
	} else if (csv_eq(w->v[1], "reclaim")) {
		if (csv_eq(w->v[2], "on"))
			s->reclaim = 1;
		else if (csv_eq(w->v[2], "off"))
			s->reclaim = 0;
		else
			return err_line(s, "reclaim", "expected on or off");
	} else if (csv_eq(w->v[1], "max-age")) {
		if (get_int(s, "max-age", w->v[2], 0, INT64_MAX / 4, &s->w.max_age_s))
			return s->e->code;
	} else if (csv_eq(w->v[1], "weight")) {
		double *p;
		if (need(s, w, 3, "weight") != 0)
			return s->e->code;
		if (csv_eq(w->v[2], "fairshare"))
			p = &s->w.fairshare;
		else if (csv_eq(w->v[2], "age"))
			p = &s->w.age;
		else if (csv_eq(w->v[2], "size"))
			p = &s->w.size;
		else if (csv_eq(w->v[2], "class"))
			p = &s->w.class_w;
		else
			return err_line(s, "weight", "expected fairshare, age, size or "
					"class");
		if (csv_get_double(s->lines, "weight", w->v[3], 0, 1e12, &d, s->e))
			return s->e->code;
		*p = d;
	} else if (csv_eq(w->v[1], "placer")) {
		int p = place_policy_parse(wstr(w->v[2], b, sizeof b));
		if (p < 0)
			return err_line(s, "placer", "unknown placement policy \"%s\"", b);
		if (s->pl != NULL)
			return err_line(s, "placer", "set it before any job");
		s->policy = p;
	} else {
		return err_line(s, wstr(w->v[1], b, sizeof b),
				"unknown option (known: backfill, horizon, reclaim, "
				"max-age, weight, placer)");
	}
	return 0;
}

/* usage TENANT GPU_SECONDS */
static int
d_usage(struct scn *s, const struct words *w)
{
	char b[SCN_NAME + 8];
	long t;
	double v;

	if (need(s, w, 2, "gpu_seconds") != 0)
		return s->e->code;
	t = tenant_find(&s->tt, wstr(w->v[1], b, sizeof b));
	if (t < 0)
		return err_line(s, "tenant", "no tenant named \"%s\"", b);
	if (csv_get_double(s->lines, "gpu_seconds", w->v[2], 0, 1e18, &v, s->e))
		return s->e->code;
	s->usage[t] = v;
	return 0;
}

/* The shape word: "8x2", "8", "0.5" (a share), "0" (CPU only). */
static int
parse_shape(struct scn *s, struct csv_field f, struct job *j)
{
	const char *x = memchr(f.s, 'x', f.n);
	int64_t g, k = 1;
	double d;

	if (x != NULL) {
		struct csv_field a = {f.s, (size_t)(x - f.s)};
		struct csv_field b = {x + 1, f.n - (size_t)(x - f.s) - 1};
		if (get_int(s, "gpus", a, 1, POOL_MAX_GPUS_PER_NODE, &g) != 0 ||
		    get_int(s, "gpus", b, 1, 65535, &k) != 0)
			return s->e->code;
	} else if (memchr(f.s, '.', f.n) != NULL) {
		if (csv_get_double(s->lines, "gpus", f, 0.001, 0.999, &d, s->e))
			return s->e->code;
		j->gpus_per_node = 1;
		j->nodes = 1;
		j->gpu_milli = (uint16_t)(d * MILLI + 0.5);
		return 0;
	} else if (get_int(s, "gpus", f, 0, POOL_MAX_GPUS_PER_NODE, &g) != 0) {
		return s->e->code;
	}
	j->gpus_per_node = (uint16_t)g;
	j->nodes = (uint16_t)k;
	j->gpu_milli = MILLI;
	if (g == 0 && j->cpu_milli == 0)
		j->cpu_milli = 1000;
	return 0;
}

/* Adds a job named w->v[1] from the keys of a `running` or `job` line. */
static int
d_job(struct scn *s, const struct words *w, int running)
{
	struct job j;
	struct sjob sj;
	char b[64];
	int64_t v, start = 0, submit = -1;
	uint32_t nodes[64];
	int nnodes = -1, have_tenant = 0, have_shape = 0, reclaim_model = -1;
	uint32_t pfor = SCHED_NO_JOB;
	int64_t until = -1;

	if (!s->have_pool)
		return err_line(s, "pool", "no pool yet");
	if (s->njobs >= SCN_MAX_JOBS)
		return err_line(s, "job", "more than %d jobs", SCN_MAX_JOBS);
	if (need(s, w, 1, "name") != 0 ||
	    csv_get_name(s->lines, "name", w->v[1], SCN_NAME - 1, s->e) != 0)
		return s->e->code;
	if (find_job(s, w->v[1]) >= 0)
		return err_line(s, "name", "a job named %s exists",
				csv_show(b, sizeof b, w->v[1]));
	memset(&j, 0, sizeof j);
	memset(&sj, 0, sizeof sj);
	wstr(w->v[1], sj.name, sizeof sj.name);
	j.id = (uint32_t)s->njobs;
	j.start = j.end = -1;
	j.nodes = 1;
	for (int i = 2; i < w->n; i++) {
		struct csv_field k = w->v[i];
		wstr(k, b, sizeof b);
		/* Flags first: they take no value. */
		if (csv_eq(k, "held")) {
			j.flags |= JOB_HELD;
			continue;
		}
		if (csv_eq(k, "checkpointable")) {
			j.flags |= JOB_CHECKPOINTABLE | JOB_PREEMPTIBLE;
			continue;
		}
		if (csv_eq(k, "cross-site")) {
			j.flags |= JOB_CROSS_SITE;
			continue;
		}
		if (need(s, w, i + 1, b) != 0)
			return s->e->code;
		struct csv_field val = w->v[++i];
		if (csv_eq(k, "tenant")) {
			if (tenant_ref(s, val, &j.tenant) != 0)
				return s->e->code;
			have_tenant = 1;
		} else if (csv_eq(k, "gpus")) {
			if (parse_shape(s, val, &j) != 0)
				return s->e->code;
			have_shape = 1;
		} else if (csv_eq(k, "submit")) {
			if (get_int(s, "submit", val, 0, INT64_MAX / 4, &submit))
				return s->e->code;
		} else if (csv_eq(k, "start") && running) {
			if (get_int(s, "start", val, 0, INT64_MAX / 4, &start))
				return s->e->code;
		} else if (csv_eq(k, "limit")) {
			if (get_int(s, "limit", val, 0, INT64_MAX / 4, &j.time_limit))
				return s->e->code;
		} else if (csv_eq(k, "grace")) {
			if (get_int(s, "grace", val, 0, UINT32_MAX, &v) != 0)
				return s->e->code;
			j.grace_s = (uint32_t)v;
		} else if (csv_eq(k, "cpu")) {
			if (get_int(s, "cpu", val, 0, UINT32_MAX, &v) != 0)
				return s->e->code;
			j.cpu_milli = (uint32_t)v;
		} else if (csv_eq(k, "mem")) {
			if (get_int(s, "mem", val, 0, UINT32_MAX, &v) != 0)
				return s->e->code;
			j.mem_mib = (uint32_t)v;
		} else if (csv_eq(k, "class")) {
			int c = job_class_parse(wstr(val, b, sizeof b));
			if (c < 0)
				return err_line(s, "class", "unknown class \"%s\"", b);
			j.class = (uint8_t)c;
		} else if (csv_eq(k, "models")) {
			struct csv_field m[POOL_MAX_MODELS];
			int nm = split_list(val, m, POOL_MAX_MODELS), id;
			if (nm < 1)
				return err_line(s, "models", "expected NAME[,NAME...]");
			for (int x = 0; x < nm; x++) {
				if (model_ref(s, m[x], &id) != 0)
					return s->e->code;
				j.model_mask |= 1u << id;
			}
		} else if (csv_eq(k, "nodes") && running) {
			struct csv_field nf[64];
			nnodes = split_list(val, nf, 64);
			if (nnodes < 1)
				return err_line(s, "nodes", "expected NODE[,NODE...]");
			for (int x = 0; x < nnodes; x++) {
				long n = node_ref(s, nf[x]);
				if (n < 0)
					return err_line(s, "nodes", "no node named %s",
							csv_show(b, sizeof b, nf[x]));
				nodes[x] = (uint32_t)n;
			}
		} else if (csv_eq(k, "preempt-for") && running) {
			if (job_ref(s, val, "preempt-for", &pfor) != 0)
				return s->e->code;
		} else if (csv_eq(k, "until") && running) {
			if (get_int(s, "until", val, 0, INT64_MAX / 4, &until))
				return s->e->code;
		} else if (csv_eq(k, "reclaiming") && !running) {
			if (model_ref(s, val, &reclaim_model) != 0)
				return s->e->code;
		} else {
			return err_line(s, b, running
				? "unknown key for running (known: tenant, gpus, "
				  "submit, start, limit, grace, cpu, mem, class, "
				  "models, nodes, preempt-for, until, checkpointable, "
				  "cross-site, held)"
				: "unknown key for job (known: tenant, gpus, submit, "
				  "limit, grace, cpu, mem, class, models, reclaiming, "
				  "checkpointable, cross-site, held)");
		}
	}
	if (!have_tenant)
		return err_line(s, "tenant", "missing");
	if (!have_shape)
		return err_line(s, "gpus", "missing");
	if (job_validate(&j, s->e) != 0) {
		char m[sizeof s->e->msg];
		snprintf(m, sizeof m, "%s", s->e->msg);
		return err_line(s, "gpus", "%s", m);
	}
	j.submit = submit >= 0 ? submit : (running ? start : s->now);
	sj.model = -1;
	sj.preempt_for = SCHED_NO_JOB;
	sj.end = INT64_MAX;
	sj.pos = sj.ppos = -1;
	ensure_placer(s);
	if (running) {
		int rc;
		j.state = JOB_RUNNING;
		j.start = start;
		if (nnodes >= 0 && (j.gpus_per_node == 0 || j.gpu_milli != MILLI ||
				    nnodes != j.nodes))
			return err_line(s, "nodes", "give one node per gang member of "
					"a whole-GPU job");
		if (j.gpus_per_node > 0 && j.gpu_milli == MILLI) {
			if (nnodes < 0 &&
			    topo_choose(placer_topo(s->pl), &j, nodes) != 0)
				return err_line(s, "gpus", "running job %s does not fit "
						"the free GPUs", sj.name);
			rc = placer_place_on(s->pl, &j, nodes, &sj.alloc);
		} else {
			rc = placer_place(s->pl, &j, &sj.alloc);
		}
		if (rc != 0)
			return err_line(s, "nodes", "running job %s does not fit there",
					sj.name);
		sj.state = SJ_RUNNING;
		sj.model = j.gpus_per_node > 0
				   ? s->pool.nodes[sj.alloc.slots[0].node].model
				   : -1;
		sj.end = j.time_limit > 0 ? start + j.time_limit : INT64_MAX;
		if (pfor != SCHED_NO_JOB) {
			sj.preempt_for = pfor;
			sj.end = until >= 0 ? until : s->now;
		}
	} else {
		j.state = JOB_PENDING;
		sj.state = SJ_PENDING;
		if (reclaim_model >= 0) {
			if (j.gpus_per_node == 0)
				return err_line(s, "reclaiming", "a CPU-only job "
						"reclaims nothing");
			j.flags |= JOB_RECLAIMING;
			j.qmodel = (uint8_t)reclaim_model;
		}
	}
	s->jobs = xgrow(s->jobs, &s->cap_jobs, s->njobs + 1, sizeof *s->jobs);
	s->sj = xgrow(s->sj, &s->cap_sj, s->njobs + 1, sizeof *s->sj);
	s->jobs[s->njobs] = j;
	s->sj[s->njobs] = sj;
	s->njobs++;
	return 0;
}

/* finish J at T | leave J at T: a running job ends, or a leaving one
 * goes back to the queue. */
static int
d_stop(struct scn *s, const struct words *w, int leave)
{
	uint32_t id;
	int64_t t;
	struct sjob *sj;

	if (need(s, w, 3, "at") != 0 || job_ref(s, w->v[1], "job", &id) != 0)
		return s->e->code;
	if (!csv_eq(w->v[2], "at"))
		return err_line(s, "at", "expected \"at T\"");
	if (get_int(s, "at", w->v[3], s->now, INT64_MAX / 4, &t) != 0)
		return s->e->code;
	sj = &s->sj[id];
	if (sj->state != SJ_RUNNING)
		return err_line(s, "job", "%s is not running", sj->name);
	if (leave && sj->preempt_for == SCHED_NO_JOB)
		return err_line(s, "job", "%s was not preempted", sj->name);
	s->now = t;
	placer_release(s->pl, &s->jobs[id], &sj->alloc);
	alloc_free(&sj->alloc);
	sj->model = -1;
	sj->end = INT64_MAX;
	if (leave) {
		sj->state = SJ_PENDING;
		sj->preempt_for = SCHED_NO_JOB;
		s->jobs[id].state = JOB_PENDING;
	} else {
		sj->state = SJ_DONE;
		s->jobs[id].state = JOB_COMPLETED;
		s->jobs[id].end = t;
	}
	return 0;
}

/* release J | hold J */
static int
d_hold(struct scn *s, const struct words *w, int hold)
{
	uint32_t id;

	if (need(s, w, 1, "job") != 0 || job_ref(s, w->v[1], "job", &id) != 0)
		return s->e->code;
	if (s->sj[id].state != SJ_PENDING)
		return err_line(s, "job", "%s is not pending", s->sj[id].name);
	if (hold)
		s->jobs[id].flags |= JOB_HELD;
	else
		s->jobs[id].flags &= ~(uint32_t)JOB_HELD;
	return 0;
}

/* pass at T */
static int
d_pass(struct scn *s, const struct words *w)
{
	struct sched_opts so = {.order = SCHED_PRIORITY, .explain = 1};
	struct sched_policy P;
	struct sched_input in;
	uint32_t *queue;
	struct sched_running *run;
	double *fs;
	size_t nq = 0, nr = 0, nt = s->tt.n > 1 ? s->tt.n - 1 : 1;
	int nm = (int)s->pool.model_names.n, rc;
	int64_t t;
	char msg[512];

	if (!s->have_pool)
		return err_line(s, "pool", "no pool yet");
	if (need(s, w, 2, "at") != 0 || !csv_eq(w->v[1], "at"))
		return err_line(s, "at", "expected \"pass at T\"");
	if (get_int(s, "at", w->v[2], s->now, INT64_MAX / 4, &t) != 0)
		return s->e->code;
	s->now = t;
	ensure_placer(s);
	if (s->have_q)
		quota_free(&s->q);
	quota_init(&s->q, nt, nm > 0 ? nm : 1);
	s->have_q = 1;
	for (size_t n = 0; n < s->pool.nnodes; n++)
		if (s->pool.nodes[n].state != NODE_ABSENT && s->pool.nodes[n].ngpu > 0)
			s->q.capacity[s->pool.nodes[n].model] +=
				(int64_t)s->pool.nodes[n].ngpu * MILLI;
	quota_from_grants(&s->q, &s->gs, t);
	queue = xmalloc((s->njobs + 1) * sizeof *queue);
	run = xmalloc((s->njobs + 1) * sizeof *run);
	for (size_t i = 0; i < s->njobs; i++) {
		const struct job *j = &s->jobs[i];
		struct sjob *sj = &s->sj[i];
		sj->pos = sj->ppos = -1;
		if (sj->state == SJ_PENDING) {
			queue[nq++] = (uint32_t)i;
			if (j->flags & JOB_RECLAIMING)
				quota_charge(&s->q, j->tenant, j->qmodel,
					     (int64_t)job_gpu_milli(j));
		} else if (sj->state == SJ_RUNNING) {
			run[nr++] = (struct sched_running){(uint32_t)i, sj->model,
							   sj->preempt_for, sj->end,
							   &sj->alloc};
			if (j->gpus_per_node > 0)
				quota_charge(&s->q, j->tenant, sj->model,
					     (int64_t)job_gpu_milli(j));
		}
	}
	fs = xcalloc(s->tt.n + 1, sizeof *fs);
	{
		double *u = xcalloc(s->tt.n + 1, sizeof *u);
		if (s->usage != NULL)
			memcpy(u, s->usage, s->tt.n * sizeof *u);
		fairshare_fairtree(&s->tt, u, fs);
		free(u);
	}
	memset(&P, 0, sizeof P);
	/* As in the simulator: no grants, no quotas. */
	P.quota = s->gs.n > 0 ? &s->q : NULL;
	P.fs_factor = fs + 1;
	P.weights = s->w;
	P.running = run;
	P.nrunning = nr;
	P.backfill_depth = s->depth;
	P.backfill_horizon = s->horizon;
	P.reclaim = (uint8_t)s->reclaim;
	P.pool_gpus = s->pool.total_gpus;
	memset(&in, 0, sizeof in);
	in.now = t;
	in.jobs = s->jobs;
	in.queue = queue;
	in.nqueue = nq;
	in.free_milli = SCHED_UNKNOWN;
	in.cpu_only = SCHED_UNKNOWN;
	in.policy = &P;
	rc = sched_pass(&so, &in, s->pl, &s->res);
	if (rc != 0) {
		rc = err_line(s, "pass", "sched_pass failed (%d)", rc);
	} else if (policy_check_pass(&in, s->pl, &s->res, msg, sizeof msg) != 0) {
		fails_add(s->f, "%s:%ld: pass at %lld breaks an invariant: %s",
			  s->file, s->lines->line, (long long)t, msg);
	}
	free(queue);
	free(run);
	free(fs);
	if (rc != 0)
		return rc;
	/* Apply, as the simulator does. */
	for (size_t i = 0; i < s->res.n; i++) {
		struct sched_decision *d = &s->res.v[i];
		struct job *j = &s->jobs[d->job];
		struct sjob *sj = &s->sj[d->job];
		if (d->kind == SCHED_PREEMPT) {
			sj->ppos = (long)i;
			sj->preempt_for = d->blocker;
			sj->end = t + ((j->flags & JOB_CHECKPOINTABLE) ? j->grace_s : 0);
			continue;
		}
		sj->pos = (long)i;
		if (d->kind == SCHED_START) {
			sj->alloc = d->alloc;
			memset(&d->alloc, 0, sizeof d->alloc);
			sj->state = SJ_RUNNING;
			sj->model = d->model;
			sj->end = j->time_limit > 0 ? t + j->time_limit : INT64_MAX;
			j->state = JOB_RUNNING;
			j->start = t;
			j->flags &= ~(uint32_t)JOB_RECLAIMING;
		} else if (d->reason == SCHED_REASON_RECLAIMING &&
			   !(j->flags & JOB_RECLAIMING) && d->model >= 0) {
			j->flags |= JOB_RECLAIMING;
			j->qmodel = (uint8_t)d->model;
		}
	}
	s->passed = 1;
	return 0;
}

/* ---- expectations ----------------------------------------------------- */

/* "start on n1,n2 (model 0)" or "pending resources" for messages. */
static void
describe(const struct scn *s, uint32_t id, char *out, size_t cap)
{
	const struct sjob *sj = &s->sj[id];
	const struct sched_decision *d;
	size_t k;

	if (sj->pos < 0) {
		snprintf(out, cap, "no decision");
		return;
	}
	d = &s->res.v[sj->pos];
	if (d->kind == SCHED_PENDING) {
		k = (size_t)snprintf(out, cap, "pending %s",
				     sched_reason_name((enum sched_reason)d->reason));
		if (d->reason == SCHED_REASON_RESERVED && k < cap)
			snprintf(out + k, cap - k, " at %lld", (long long)d->at);
		return;
	}
	k = (size_t)snprintf(out, cap, "start on ");
	for (uint16_t i = 0; i < sj->alloc.nslots && k < cap; i++)
		k += (size_t)snprintf(out + k, cap - k, "%s%s", i ? "," : "",
				      pool_node_name(&s->pool, sj->alloc.slots[i].node));
}

static const char *
state_name(const struct sjob *sj)
{
	if (sj->state == SJ_RUNNING)
		return sj->preempt_for != SCHED_NO_JOB ? "leaving" : "running";
	return sj->state == SJ_PENDING ? "pending" : "done";
}

/* expect J start [nodes A,B] [model M] [domains N] [racks N]
 * expect J pending REASON [at T] [model M]
 * expect J preempt [for K] | expect J kept
 * expect J before K | expect J state S
 * expect starts N | expect preempts N | expect usage T MODEL GPUS */
static int
d_expect(struct scn *s, const struct words *w)
{
	char b[64], got[512], what[256];
	long ln = s->lines->line;
	uint32_t id, k;
	int64_t v;

	if (!s->passed)
		return err_line(s, "expect", "no pass yet");
	if (need(s, w, 2, "expect") != 0)
		return s->e->code;
	{
		size_t o = 0;
		for (int i = 1; i < w->n && o < sizeof what; i++)
			o += (size_t)snprintf(what + o, sizeof what - o, "%s%.*s",
					      i > 1 ? " " : "", (int)w->v[i].n,
					      w->v[i].s);
	}
	if (csv_eq(w->v[1], "starts") || csv_eq(w->v[1], "preempts")) {
		size_t n = csv_eq(w->v[1], "starts") ? s->res.nstart : s->res.npreempt;
		if (get_int(s, "count", w->v[2], 0, 1000000, &v) != 0)
			return s->e->code;
		if ((int64_t)n != v)
			fails_add(s->f, "%s:%ld: expect %s: got %zu", s->file, ln,
				  what, n);
		return 0;
	}
	if (csv_eq(w->v[1], "usage")) {
		uint32_t t;
		int m;
		double g;
		const struct quota_cell *c;
		if (need(s, w, 4, "gpus") != 0 || tenant_ref(s, w->v[2], &t) != 0 ||
		    model_ref(s, w->v[3], &m) != 0 ||
		    csv_get_double(s->lines, "gpus", w->v[4], 0, 1e9, &g, s->e))
			return s->e->code;
		if (s->gs.n == 0)
			return err_line(s, "usage", "no grants, so no quotas");
		c = &s->q.cell[(size_t)t * (size_t)s->q.nmodels + (size_t)m];
		if (c->usage != (int64_t)(g * MILLI + 0.5))
			fails_add(s->f, "%s:%ld: expect %s: got %.3f GPUs", s->file,
				  ln, what, (double)c->usage / MILLI);
		return 0;
	}
	if (job_ref(s, w->v[1], "job", &id) != 0)
		return s->e->code;
	const struct sjob *sj = &s->sj[id];
	const struct sched_decision *d = sj->pos >= 0 ? &s->res.v[sj->pos] : NULL;
	describe(s, id, got, sizeof got);
	if (csv_eq(w->v[2], "start")) {
		if (d == NULL || d->kind != SCHED_START) {
			fails_add(s->f, "%s:%ld: expect %s: got %s", s->file, ln, what,
				  got);
			return 0;
		}
		for (int i = 3; i < w->n; i += 2) {
			if (need(s, w, i + 1, wstr(w->v[i], b, sizeof b)) != 0)
				return s->e->code;
			if (csv_eq(w->v[i], "nodes")) {
				struct csv_field nf[64];
				int nn = split_list(w->v[i + 1], nf, 64), ok;
				ok = nn == sj->alloc.nslots;
				for (int x = 0; x < nn && ok; x++) {
					long n = node_ref(s, nf[x]);
					int found = 0;
					if (n < 0)
						return err_line(s, "nodes", "no node named %s",
								csv_show(b, sizeof b, nf[x]));
					for (uint16_t y = 0; y < sj->alloc.nslots; y++)
						found |= sj->alloc.slots[y].node == (uint32_t)n;
					ok = found;
				}
				if (!ok)
					fails_add(s->f, "%s:%ld: expect %s: got %s", s->file,
						  ln, what, got);
			} else if (csv_eq(w->v[i], "model")) {
				int m;
				if (model_ref(s, w->v[i + 1], &m) != 0)
					return s->e->code;
				if (d->model != m)
					fails_add(s->f, "%s:%ld: expect %s: got model %s",
						  s->file, ln, what,
						  d->model >= 0 ? strtab_get(&s->pool.model_names,
									     (uint32_t)d->model)
								: "none");
			} else if (csv_eq(w->v[i], "domains") || csv_eq(w->v[i], "racks")) {
				uint32_t nodes[64];
				size_t nd, nr, have;
				for (uint16_t y = 0; y < sj->alloc.nslots && y < 64; y++)
					nodes[y] = sj->alloc.slots[y].node;
				topo_spread(&s->pool, nodes, sj->alloc.nslots, &nd, &nr);
				have = csv_eq(w->v[i], "domains") ? nd : nr;
				if (get_int(s, "count", w->v[i + 1], 0, 100000, &v) != 0)
					return s->e->code;
				if ((int64_t)have != v)
					fails_add(s->f, "%s:%ld: expect %s: got %zu (%s)",
						  s->file, ln, what, have, got);
			} else {
				return err_line(s, b, "unknown key for expect start "
						"(known: nodes, model, domains, racks)");
			}
		}
	} else if (csv_eq(w->v[2], "pending")) {
		int r = -1;
		if (need(s, w, 3, "reason") != 0)
			return s->e->code;
		for (int x = 1; x < SCHED_NREASONS; x++)
			if (csv_eq(w->v[3], sched_reason_name((enum sched_reason)x)))
				r = x;
		if (r < 0)
			return err_line(s, "reason", "unknown reason %s",
					csv_show(b, sizeof b, w->v[3]));
		if (d == NULL || d->kind != SCHED_PENDING || d->reason != r) {
			fails_add(s->f, "%s:%ld: expect %s: got %s", s->file, ln, what,
				  got);
			return 0;
		}
		for (int i = 4; i < w->n; i += 2) {
			if (need(s, w, i + 1, wstr(w->v[i], b, sizeof b)) != 0)
				return s->e->code;
			if (csv_eq(w->v[i], "at")) {
				if (get_int(s, "at", w->v[i + 1], 0, INT64_MAX, &v) != 0)
					return s->e->code;
				if (d->at != v)
					fails_add(s->f, "%s:%ld: expect %s: got at %lld",
						  s->file, ln, what, (long long)d->at);
			} else if (csv_eq(w->v[i], "model")) {
				int m;
				if (model_ref(s, w->v[i + 1], &m) != 0)
					return s->e->code;
				if (d->model != m)
					fails_add(s->f, "%s:%ld: expect %s: got model %d",
						  s->file, ln, what, d->model);
			} else {
				return err_line(s, b, "unknown key for expect pending "
						"(known: at, model)");
			}
		}
	} else if (csv_eq(w->v[2], "preempt")) {
		const struct sched_decision *p =
			sj->ppos >= 0 ? &s->res.v[sj->ppos] : NULL;
		if (w->n > 3 && (need(s, w, 4, "for") != 0 || !csv_eq(w->v[3], "for")))
			return err_line(s, "for", "expected \"preempt for JOB\"");
		if (w->n > 3 && job_ref(s, w->v[4], "for", &k) != 0)
			return s->e->code;
		if (p == NULL)
			fails_add(s->f, "%s:%ld: expect %s: not preempted (%s)",
				  s->file, ln, what, state_name(sj));
		else if (w->n > 3 && p->blocker != k)
			fails_add(s->f, "%s:%ld: expect %s: preempted for %s", s->file,
				  ln, what, s->sj[p->blocker].name);
	} else if (csv_eq(w->v[2], "kept")) {
		if (sj->ppos >= 0)
			fails_add(s->f, "%s:%ld: expect %s: preempted for %s", s->file,
				  ln, what, s->sj[s->res.v[sj->ppos].blocker].name);
	} else if (csv_eq(w->v[2], "before")) {
		if (need(s, w, 3, "job") != 0 || job_ref(s, w->v[3], "job", &k) != 0)
			return s->e->code;
		if (sj->pos < 0 || s->sj[k].pos < 0 || sj->pos > s->sj[k].pos)
			fails_add(s->f, "%s:%ld: expect %s: decided at %ld and %ld",
				  s->file, ln, what, sj->pos, s->sj[k].pos);
	} else if (csv_eq(w->v[2], "state")) {
		if (!csv_eq(w->v[3], state_name(sj)))
			fails_add(s->f, "%s:%ld: expect %s: got %s", s->file, ln, what,
				  state_name(sj));
	} else {
		return err_line(s, "expect", "unknown expectation %s (known: start, "
				"pending, preempt, kept, before, state, starts, "
				"preempts, usage)", csv_show(b, sizeof b, w->v[2]));
	}
	return 0;
}

/* ---- the runner ------------------------------------------------------- */

/* Runs the scenario in buf[0..len) named `file`.  Returns 0 (failed
 * expectations go to f) or an error naming file:line in e. */
static int
scn_run(const char *file, const char *buf, size_t len, struct fails *f,
	struct err *e)
{
	struct scn s;
	struct csv_lines lines;
	const char *ln;
	size_t n;
	int rc = 0, r;

	scn_init(&s, file, e, f);
	csv_lines_init(&lines, file, buf, len);
	s.lines = &lines;
	while ((r = csv_lines_next(&lines, &ln, &n, e)) == 1) {
		struct words w;
		const char *hash = memchr(ln, '#', n);
		char b[64];
		if (hash != NULL)
			n = (size_t)(hash - ln);
		w.n = csv_split_ws(ln, n, w.v, SCN_MAX_WORDS);
		if (w.n < 0) {
			rc = err_line(&s, "line", "more than %d words", SCN_MAX_WORDS);
			break;
		}
		if (w.n == 0)
			continue;
		if (!s.have_pool && !csv_eq(w.v[0], "pool") &&
		    !csv_eq(w.v[0], "tenant") && !csv_eq(w.v[0], "option") &&
		    !csv_eq(w.v[0], "usage")) {
			rc = err_line(&s, wstr(w.v[0], b, sizeof b),
				      "define the pool first");
			break;
		}
		if (csv_eq(w.v[0], "pool"))
			rc = d_pool(&s, &w);
		else if (csv_eq(w.v[0], "tenant"))
			rc = d_tenant(&s, &w);
		else if (csv_eq(w.v[0], "grant"))
			rc = d_grant(&s, &w);
		else if (csv_eq(w.v[0], "option"))
			rc = d_option(&s, &w);
		else if (csv_eq(w.v[0], "usage"))
			rc = d_usage(&s, &w);
		else if (csv_eq(w.v[0], "running"))
			rc = d_job(&s, &w, 1);
		else if (csv_eq(w.v[0], "job"))
			rc = d_job(&s, &w, 0);
		else if (csv_eq(w.v[0], "finish"))
			rc = d_stop(&s, &w, 0);
		else if (csv_eq(w.v[0], "leave"))
			rc = d_stop(&s, &w, 1);
		else if (csv_eq(w.v[0], "release"))
			rc = d_hold(&s, &w, 0);
		else if (csv_eq(w.v[0], "hold"))
			rc = d_hold(&s, &w, 1);
		else if (csv_eq(w.v[0], "pass"))
			rc = d_pass(&s, &w);
		else if (csv_eq(w.v[0], "expect"))
			rc = d_expect(&s, &w);
		else
			rc = err_line(&s, wstr(w.v[0], b, sizeof b), "unknown directive "
				      "(known: pool, tenant, grant, option, usage, "
				      "running, job, finish, leave, release, hold, "
				      "pass, expect)");
		if (rc != 0)
			break;
	}
	if (r < 0)
		rc = r;
	if (rc == 0 && !s.passed)
		rc = err_at(e, ERR_INVALID, file, lines.line, "pass",
			    "the scenario never runs a pass");
	scn_free(&s);
	return rc;
}

static int
run_file(const char *path, struct fails *f, struct err *e)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	size_t n;
	int rc;

	if (fp == NULL)
		return err_set(e, ERR_NOTFOUND, "%s: cannot open", path);
	buf = xmalloc(SCN_MAX_BYTES + 1);
	n = fread(buf, 1, SCN_MAX_BYTES + 1, fp);
	fclose(fp);
	if (n > SCN_MAX_BYTES) {
		free(buf);
		return err_set(e, ERR_LIMIT, "%s: larger than %u bytes", path,
			       SCN_MAX_BYTES);
	}
	rc = scn_run(path, buf, n, f, e);
	free(buf);
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every tests/scenarios/NAME.scn file (or only $SCENARIO when set). */
TEST(scenario_files)
{
	DIR *dir;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct fails f = {NULL, 0, 0, 0};
	int bad = 0;
	const char *only = getenv("SCENARIO");

	dir = opendir(SCN_DIR);
	CHECK(dir != NULL);
	while ((de = readdir(dir)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".scn") != 0)
			continue;
		if (only != NULL && strstr(de->d_name, only) == NULL)
			continue;
		names = xgrow(names, &cap, n + 1, sizeof *names);
		names[n] = xmalloc(l + sizeof SCN_DIR + 2);
		snprintf(names[n], l + sizeof SCN_DIR + 2, "%s/%s", SCN_DIR, de->d_name);
		n++;
	}
	closedir(dir);
	qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		struct err e;
		int before = f.count;
		err_clear(&e);
		if (run_file(names[i], &f, &e) != 0) {
			printf("%s\n", e.msg);
			bad++;
		}
		printf("      %-50s %s\n", names[i],
		       f.count > before ? "FAILED" : "ok");
		free(names[i]);
	}
	free(names);
	if (f.count > 0)
		printf("%s", f.s);
	free(f.s);
	if (bad > 0 || f.count > 0)
		test_fail(__FILE__, __LINE__, "%d scenario file(s) with errors, %d "
			  "failed expectation(s)", bad, f.count);
	if (only == NULL)
		CHECK(n >= 20);
}

/* Runs scenario text; returns the error code, with e and f filled. */
static int
run_text(const char *text, struct fails *f, struct err *e)
{
	f->n = 0;
	f->count = 0;
	if (f->s != NULL)
		f->s[0] = '\0';
	err_clear(e);
	return scn_run("t.scn", text, strlen(text), f, e);
}

#define POOL2 "pool inline\n" \
	"model B200\n" \
	"provider p\n" \
	"site s0 provider=p\n" \
	"cluster c0 site=s0\n" \
	"nodes n[0-1] cluster=c0 model=B200 gpus=8 cpu=1000 mem=1000\n" \
	"end\n" \
	"tenant A\n"

/* The runner's own errors name file:line and the field, and a failed
 * expectation names its line and what the pass decided instead. */
TEST(scenario_errors)
{
	struct fails f = {NULL, 0, 0, 0};
	struct err e;

	/* Lines 1-8 are POOL2. */
	CHECK_EQ_INT(run_text(POOL2 "frobnicate now\n", &f, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "t.scn:9: frobnicate: unknown directive");
	CHECK_EQ_INT(run_text(POOL2 "job J tenant A gpus 8 submit x\n", &f, &e),
		     ERR_INVALID);
	CHECK_CONTAINS(e.msg, "t.scn:9: submit: ");
	CHECK_EQ_INT(run_text(POOL2 "job J tenant Z gpus 8\n", &f, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "t.scn:9: tenant: no tenant named \"Z\"");
	CHECK_EQ_INT(run_text(POOL2 "job J tenant A gpus 9x1\n", &f, &e),
		     ERR_INVALID);
	CHECK_CONTAINS(e.msg, "t.scn:9: gpus: ");
	CHECK_EQ_INT(run_text(POOL2 "job J tenant A gpus 8 colour red\n", &f, &e),
		     ERR_INVALID);
	CHECK_CONTAINS(e.msg, "t.scn:9: colour: unknown key for job");
	CHECK_EQ_INT(run_text(POOL2 "running R tenant A gpus 8x3\n", &f, &e),
		     ERR_INVALID);
	CHECK_CONTAINS(e.msg, "t.scn:9: gpus: running job R does not fit");
	CHECK_EQ_INT(run_text(POOL2 "job J tenant A gpus 8\nexpect J start\n", &f,
			      &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "t.scn:10: expect: no pass yet");
	CHECK_EQ_INT(run_text(POOL2 "job J tenant A gpus 8\n", &f, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "never runs a pass");
	CHECK_EQ_INT(run_text(POOL2 "pass at 5\npass at 4\n", &f, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "t.scn:10: at: ");
	/* An error inside an inline pool names its line in the scenario. */
	CHECK_EQ_INT(run_text("# a pool\npool inline\nmodel B200\nprovider p\n"
			      "site s0 provider=nobody\nend\n", &f, &e),
		     ERR_INVALID);
	CHECK_CONTAINS(e.msg, "t.scn:5: provider: ");
	CHECK_EQ_INT(run_text("pool inline\nmodel B200\n", &f, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "t.scn:1: pool: inline pool without an \"end\"");

	/* Failed expectations are collected, each with its line. */
	CHECK_EQ_INT(run_text(POOL2
			      "job J tenant A gpus 8x2 submit 0\n"   /* 9 */
			      "job K tenant A gpus 8 submit 1\n"     /* 10 */
			      "pass at 10\n"                         /* 11 */
			      "expect J start nodes n0,n1\n"         /* 12: holds */
			      "expect K start\n"                     /* 13 */
			      "expect K pending reserved\n"          /* 14 */
			      "expect J pending resources\n"         /* 15 */
			      "expect starts 2\n"                    /* 16 */
			      "expect K before J\n"                  /* 17 */
			      "expect J state pending\n",            /* 18 */
			      &f, &e), 0);
	CHECK_EQ_INT(f.count, 6);
	CHECK_CONTAINS(f.s, "t.scn:13: expect K start: got pending resources\n");
	CHECK_CONTAINS(f.s, "t.scn:14: expect K pending reserved: got pending "
		       "resources\n");
	CHECK_CONTAINS(f.s, "t.scn:15: expect J pending resources: got start on "
		       "n0,n1\n");
	CHECK_CONTAINS(f.s, "t.scn:16: expect starts 2: got 1\n");
	CHECK_CONTAINS(f.s, "t.scn:17: expect K before J: ");
	CHECK_CONTAINS(f.s, "t.scn:18: expect J state pending: got running\n");
	CHECK(strstr(f.s, "t.scn:12:") == NULL);
	free(f.s);
}
