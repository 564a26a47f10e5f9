/*
 * cmd-sim.c — `allot sim`: replay a trace on a pool with the real
 * scheduling pass and report what happened.
 *
 *	allot sim --trace FILE --format openb|philly|swf [--pool FILE]
 *	          [--nodes OPENB_NODES.csv] [--policy NAME] [--seed N]
 *	          [--order fifo|first-fit|priority] [--first-fit]
 *	          [--grants FILE] [--backfill K] [--half-life DAYS]
 *	          [--pass-interval S]
 *	          [--no-reclaim] [--time-limit-factor F] [--events FILE]
 *	          [--checkpoint-every S] [--explain JOB[@T]] [--skip-bad]
 *	          [--sample SECONDS] [--json] [--out DIR]
 *
 * The option names of DESIGN.md §7 are an interface scripts rely on.
 * Output: a summary table on stdout, or with --json one JSON object (the
 * metrics plus `events`, `wall_s`, `events_per_s`, the pending reasons
 * and, with --explain, the job's story).  --out DIR writes metrics.json,
 * utilisation.csv, jobs.csv and per_tenant.csv, which hold no wall-clock
 * figures: the same inputs and seed give the same bytes.  A progress bar
 * goes to stderr, and only when stderr is a terminal.
 *
 * --explain keeps the watched job's notes (sim.h) compressed: a run of
 * passes that left it pending for the same reason (and behind the same
 * job) is one row with its first and last pass and their priority
 * breakdowns.  With @T it also keeps the last note at or before T.
 *
 * Ownership: struct run owns the pool, workload, grants, events, the
 * simulator and the explanation rows; everything is freed before
 * exec_sim returns.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "model/grant.h"
#include "model/job.h"
#include "model/pool.h"
#include "model/poolfile.h"
#include "sched/fairshare.h"
#include "sched/place.h"
#include "sched/sched.h"
#include "sim/grantfile.h"
#include "sim/metrics.h"
#include "sim/nodeevents.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "util/alloc.h"
#include "util/file.h"
#include "util/csv.h"
#include "util/err.h"
#include "util/jsonw.h"

#define EXIT_USAGE 64
#define MAX_INPUT ((size_t)256 << 20) /* grants and events files */

struct args {
	const char *trace, *format, *pool, *nodes, *policy, *out;
	const char *grants, *events, *explain;
	uint64_t seed;
	int64_t sample_s;
	int skip_bad, json;
	int fmt, pol, order;
	int order_given, backfill_given, half_life_given, reclaim_given;
	uint32_t backfill;
	double half_life_days;
	int64_t pass_interval;
	int no_reclaim;
	double tl_factor;     /* 0: none */
	int64_t checkpoint_s;
	int checkpoint_given;
	uint32_t explain_job;
	int64_t explain_t;    /* INT64_MAX: no @T */
};

/* One row of the watched job's story. */
struct xrow {
	struct sim_note n;     /* the first note of the row */
	int64_t last_t;        /* its last pass (PENDING rows) */
	uint64_t passes;
	struct prio_parts last_prio;
	int64_t last_at;
};

struct run {
	struct args a;
	struct pool pool;
	struct workload w;
	struct grants gs;
	struct nodeevents ev;
	struct sim *sim;
	double wall_s;
	int progress_shown;
	struct xrow *rows;
	size_t nrows, cap_rows;
	struct sim_note at;    /* the last note at or before explain_t */
	int have_at;
};

#define usage_error(...) cmd_usage_error(&cmd_sim_entry, __VA_ARGS__)

/* A decimal number in [lo, hi], or -1. */
static int
parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	if (*s == '\0')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !(v >= lo && v <= hi))
		return -1;
	*out = v;
	return 0;
}

/* "JOB" or "JOB@T" (T as in grant files: seconds or a UTC time). */
static int
parse_explain(const char *v, struct args *a)
{
	const char *at = strchr(v, '@');
	char id[32];
	long long j;

	a->explain_t = INT64_MAX;
	if (at == NULL) {
		j = cmd_parse_count(v);
	} else {
		size_t n = (size_t)(at - v);
		struct csv_lines r = {"--explain", NULL, NULL, 0};
		struct csv_field f = {at + 1, strlen(at + 1)};
		struct err e;
		if (n == 0 || n >= sizeof id)
			return -1;
		memcpy(id, v, n);
		id[n] = '\0';
		j = cmd_parse_count(id);
		if (grantfile_time(&r, "time", f, &a->explain_t, &e) != 0)
			return -1;
	}
	if (j < 0 || j >= UINT32_MAX)
		return -1;
	a->explain_job = (uint32_t)j;
	return 0;
}

static int
parse_args(int argc, char **argv, struct args *a)
{
	static const char *const names[] = {
		"--trace", "--format", "--pool", "--nodes", "--policy", "--out",
		"--seed", "--sample", "--order", "--grants", "--backfill",
		"--half-life", "--time-limit-factor", "--events",
		"--checkpoint-every", "--pass-interval", "--explain"};
	enum { O_TRACE, O_FORMAT, O_POOL, O_NODES, O_POLICY, O_OUT, O_SEED,
	       O_SAMPLE, O_ORDER, O_GRANTS, O_BACKFILL, O_HALF, O_TLF,
	       O_EVENTS, O_CKPT, O_PASSIV, O_EXPLAIN, O_N };
	int first_fit = 0;

	memset(a, 0, sizeof *a);
	a->seed = 42;
	a->pol = PLACE_BESTFIT;
	a->order = SCHED_FIFO;
	a->backfill = 8;
	a->half_life_days = FAIRSHARE_HALF_LIFE_DEFAULT / 86400.0;
	a->checkpoint_s = 3600;
	a->explain_job = SIM_NO_JOB;
	a->explain_t = INT64_MAX;
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		long long x;
		int k;
		if (strcmp(argv[i], "--skip-bad") == 0) {
			a->skip_bad = 1;
			continue;
		}
		if (strcmp(argv[i], "--first-fit") == 0) {
			first_fit = 1;
			continue;
		}
		if (strcmp(argv[i], "--json") == 0) {
			a->json = 1;
			continue;
		}
		if (strcmp(argv[i], "--no-reclaim") == 0) {
			a->no_reclaim = a->reclaim_given = 1;
			continue;
		}
		for (k = 0; k < O_N; k++)
			if ((v = cmd_opt_value(argc, argv, &i, names[k])) != NULL)
				break;
		if (v == NULL)
			return usage_error("unknown option %s", argv[i]);
		if (*v == '\0')
			return usage_error("%s needs a value", names[k]);
		switch (k) {
		case O_TRACE: a->trace = v; break;
		case O_FORMAT: a->format = v; break;
		case O_POOL: a->pool = v; break;
		case O_NODES: a->nodes = v; break;
		case O_POLICY: a->policy = v; break;
		case O_OUT: a->out = v; break;
		case O_GRANTS: a->grants = v; break;
		case O_EVENTS: a->events = v; break;
		case O_SEED:
			if ((x = cmd_parse_count(v)) < 0)
				return usage_error("--seed: expected a "
						   "non-negative integer, got "
						   "\"%s\"", v);
			a->seed = (uint64_t)x;
			break;
		case O_SAMPLE:
			if ((x = cmd_parse_count(v)) < 0 || x > INT32_MAX)
				return usage_error("--sample: expected seconds "
						   "0..2147483647, got \"%s\"",
						   v);
			a->sample_s = (int64_t)x;
			break;
		case O_ORDER:
			if ((a->order = sched_order_parse(v)) < 0)
				return usage_error("--order: unknown order \"%s\" "
						   "(fifo, first-fit, priority)",
						   v);
			a->order_given = 1;
			break;
		case O_BACKFILL:
			if ((x = cmd_parse_count(v)) < 0 || x > 100000)
				return usage_error("--backfill: expected "
						   "reservations per pass "
						   "0..100000, got \"%s\"", v);
			a->backfill = (uint32_t)x;
			a->backfill_given = 1;
			break;
		case O_HALF:
			if (parse_double(v, 0, 36500, &a->half_life_days) != 0)
				return usage_error("--half-life: expected days "
						   "0..36500 (0: no decay), got "
						   "\"%s\"", v);
			a->half_life_given = 1;
			break;
		case O_TLF:
			if (parse_double(v, 0.01, 1000, &a->tl_factor) != 0)
				return usage_error("--time-limit-factor: expected "
						   "a number 0.01..1000, got "
						   "\"%s\"", v);
			break;
		case O_CKPT:
			if ((x = cmd_parse_count(v)) < 0 || x > INT32_MAX)
				return usage_error("--checkpoint-every: expected "
						   "seconds 0..2147483647, got "
						   "\"%s\"", v);
			a->checkpoint_s = (int64_t)x;
			a->checkpoint_given = 1;
			break;
		case O_PASSIV:
			if ((x = cmd_parse_count(v)) < 0 || x > 86400)
				return usage_error("--pass-interval: expected "
						   "seconds 0..86400, got \"%s\"", v);
			a->pass_interval = (int64_t)x;
			break;
		default:
			if (parse_explain(v, a) != 0)
				return usage_error("--explain: expected JOB or "
						   "JOB@TIME (a job id as in "
						   "jobs.csv; seconds or "
						   "YYYY-MM-DD[ HH:MM:SS]), got "
						   "\"%s\"", v);
			a->explain = v;
		}
	}
	if (first_fit) {
		if (a->order_given && a->order != SCHED_FIRST_FIT)
			return usage_error("--first-fit contradicts --order %s",
					   sched_order_name((enum sched_order)
							    a->order));
		a->order = SCHED_FIRST_FIT;
	}
	if (a->trace == NULL)
		return usage_error("%s", "--trace FILE is required");
	if (a->format == NULL)
		return usage_error("%s", "--format openb|philly|swf is required");
	if ((a->fmt = trace_format_parse(a->format)) < 0)
		return usage_error("--format: unknown format \"%s\" (openb, "
				   "philly, swf)", a->format);
	if (a->policy != NULL && (a->pol = place_policy_parse(a->policy)) < 0)
		return usage_error("--policy: unknown policy \"%s\" (Random, "
				   "DotProd, GpuClustering, GpuPacking, BestFit, "
				   "FGD)", a->policy);
	if (a->pool != NULL && a->nodes != NULL)
		return usage_error("%s", "give --pool or --nodes, not both");
	if (a->fmt == TRACE_OPENB && a->pool == NULL && a->nodes == NULL)
		return usage_error("%s", "--format openb needs --nodes "
					 "OPENB_NODES.csv (or --pool FILE)");
	if (a->order != SCHED_PRIORITY) {
		const char *o = a->grants ? "--grants" :
				a->backfill_given ? "--backfill" :
				a->half_life_given ? "--half-life" :
				a->reclaim_given ? "--no-reclaim" :
				a->pass_interval > 0 ? "--pass-interval" :
				a->tl_factor > 0 ? "--time-limit-factor" : NULL;
		if (o != NULL)
			return usage_error("%s needs --order priority (FIFO and "
					   "first-fit have no quotas, fair share, "
					   "reservations or time limits)", o);
	}
	if (a->checkpoint_given && a->events == NULL)
		return usage_error("%s", "--checkpoint-every needs --events (only "
					 "failures lose work to checkpoints)");
	return 0;
}

static void
progress(void *ctx, size_t done, size_t total)
{
	struct run *r = ctx;
	int width = 40, fill = total > 0 ? (int)((double)done / (double)total *
						 width) : width;

	fprintf(stderr, "\rsim [%.*s%*s] %3d%%", fill,
		"########################################", width - fill, "",
		total > 0 ? (int)(100.0 * (double)done / (double)total) : 100);
	fflush(stderr);
	r->progress_shown = 1;
}

/* Reads a whole input file (at most MAX_INPUT bytes). */
static int
slurp(const char *path, char **buf, size_t *len, struct err *e)
{
	return file_read_all(path, MAX_INPUT, buf, len, e);
}

/* Reads --grants and --events (after the pool and the trace: grants name
 * the pool's models and intern tenants into the workload). */
static int
load_extras(struct run *r, struct err *e)
{
	char *buf;
	size_t len;
	int rc;

	if (r->a.grants != NULL) {
		if ((rc = slurp(r->a.grants, &buf, &len, e)) != 0)
			return rc;
		rc = grantfile_parse(r->a.grants, buf, len, &r->pool,
				     &r->w.tenants, &r->gs, e);
		free(buf);
		if (rc != 0)
			return rc;
	}
	if (r->a.events != NULL) {
		if ((rc = slurp(r->a.events, &buf, &len, e)) != 0)
			return rc;
		rc = nodeevents_parse(r->a.events, buf, len, &r->pool, &r->ev, e);
		free(buf);
		if (rc != 0)
			return rc;
	}
	if (r->a.explain_job != SIM_NO_JOB && r->a.explain_job >= r->w.njobs)
		return err_set(e, ERR_USAGE, "--explain: no job %u (the trace "
			       "has %zu jobs, ids 0..%zu as in jobs.csv)",
			       r->a.explain_job, r->w.njobs,
			       r->w.njobs > 0 ? r->w.njobs - 1 : 0);
	return 0;
}

static int
load(struct run *r)
{
	struct trace_opts to = {.skip_bad = r->a.skip_bad};
	struct err e;
	size_t node_skipped = 0;
	int rc;

	err_clear(&e);
	to.skipped = &node_skipped;
	if (r->a.pool != NULL)
		rc = pool_load(r->a.pool, &r->pool, &e);
	else if (r->a.nodes != NULL)
		rc = trace_read_openb_nodes(r->a.nodes, &to, &r->pool, &e);
	else
		rc = sim_default_pool(&r->pool, (enum trace_format)r->a.fmt, &e);
	if (rc != 0) {
		fprintf(stderr, "%s\n", e.msg);
		return err_exit_status(rc);
	}
	if (node_skipped > 0)
		fprintf(stderr, "allot sim: skipped %zu bad node lines (first: "
				"%s)\n", node_skipped, e.msg);
	err_clear(&e);
	to.skipped = NULL;
	rc = trace_read(r->a.trace, (enum trace_format)r->a.fmt, &to, &r->pool,
			&r->w, &e);
	if (rc != 0) {
		fprintf(stderr, "%s\n", e.msg);
		return err_exit_status(rc);
	}
	if (r->w.skipped > 0)
		fprintf(stderr, "allot sim: skipped %zu bad lines (first: %s)\n",
			r->w.skipped, e.msg);
	err_clear(&e);
	if ((rc = load_extras(r, &e)) != 0) {
		fprintf(stderr, "%s%s\n", rc == ERR_USAGE ? "allot sim: " : "",
			e.msg);
		return err_exit_status(rc);
	}
	/* Traces without time limits (Philly): limit = ceil(duration x F). */
	if (r->a.tl_factor > 0)
		for (size_t i = 0; i < r->w.njobs; i++) {
			struct job *j = &r->w.jobs[i];
			double l = ceil((double)j->duration * r->a.tl_factor);
			if (j->time_limit == 0)
				j->time_limit = l < 1 ? 1 : l > 1e15 ? (int64_t)1e15
							       : (int64_t)l;
		}
	return 0;
}

/* ---- --explain ------------------------------------------------------- */

static void
watch(void *ctx, const struct sim_note *n)
{
	struct run *r = ctx;
	struct xrow *x = r->nrows > 0 ? &r->rows[r->nrows - 1] : NULL;

	if (n->t <= r->a.explain_t) {
		r->at = *n;
		r->have_at = 1;
	}
	if (x != NULL && n->kind == SIM_NOTE_PENDING &&
	    x->n.kind == SIM_NOTE_PENDING && x->n.reason == n->reason &&
	    x->n.other == n->other) {
		x->last_t = n->t;
		x->passes++;
		x->last_prio = n->prio;
		x->last_at = n->at;
		return;
	}
	if (r->rows == NULL || r->nrows == r->cap_rows)
		r->rows = xgrow(r->rows, &r->cap_rows, r->nrows + 1,
				sizeof *r->rows);
	x = &r->rows[r->nrows++];
	x->n = *n;
	x->last_t = n->t;
	x->passes = 1;
	x->last_prio = n->prio;
	x->last_at = n->at;
}

static void
prio_json(struct jsonw *jw, const char *key, const struct prio_parts *p)
{
	jsonw_key(jw, key);
	jsonw_obj(jw);
	jsonw_key(jw, "total");
	jsonw_fixed(jw, p->total, 3);
	jsonw_key(jw, "fairshare");
	jsonw_fixed(jw, p->fairshare, 3);
	jsonw_key(jw, "age");
	jsonw_fixed(jw, p->age, 3);
	jsonw_key(jw, "size");
	jsonw_fixed(jw, p->size, 3);
	jsonw_key(jw, "class");
	jsonw_fixed(jw, p->class_p, 3);
	jsonw_end(jw);
}

/* The keys of one note (or row) as a JSON object's members. */
static void
note_json(struct jsonw *jw, const struct sim_note *n)
{
	jsonw_key(jw, "t");
	jsonw_int(jw, n->t);
	jsonw_key(jw, "event");
	jsonw_str(jw, sim_note_kind_name((enum sim_note_kind)n->kind));
	switch (n->kind) {
	case SIM_NOTE_PENDING:
		jsonw_key(jw, "reason");
		jsonw_str(jw, sched_reason_name((enum sched_reason)n->reason));
		if (n->other != SCHED_NO_JOB) {
			jsonw_key(jw, "behind");
			jsonw_uint(jw, n->other);
		}
		if (n->reason == SCHED_REASON_RESERVED) {
			jsonw_key(jw, "reserved_from");
			jsonw_int(jw, n->at);
		}
		break;
	case SIM_NOTE_START:
		jsonw_key(jw, "until");
		jsonw_int(jw, n->at);
		break;
	case SIM_NOTE_PREEMPT:
		jsonw_key(jw, "for");
		jsonw_uint(jw, n->other);
		jsonw_key(jw, "stops");
		jsonw_int(jw, n->at);
		break;
	case SIM_NOTE_REQUEUE:
		jsonw_key(jw, "node");
		jsonw_uint(jw, n->other);
		/* FALLTHROUGH */
	case SIM_NOTE_STOPPED:
		jsonw_key(jw, "work_left_s");
		jsonw_int(jw, n->remain);
		break;
	case SIM_NOTE_FINISH:
		jsonw_key(jw, "state");
		jsonw_str(jw, job_state_name((enum job_state)n->state));
		break;
	default:
		break;
	}
	if (n->has_prio)
		prio_json(jw, "priority", &n->prio);
}

static void
explain_json(const struct run *r, struct jsonw *jw)
{
	const struct job *j = &r->w.jobs[r->a.explain_job];

	jsonw_key(jw, "explain");
	jsonw_obj(jw);
	jsonw_key(jw, "job");
	jsonw_uint(jw, r->a.explain_job);
	jsonw_key(jw, "tenant");
	jsonw_str(jw, j->tenant < r->w.tenants.n
			  ? strtab_get(&r->w.tenants, j->tenant) : "");
	jsonw_key(jw, "gpus");
	jsonw_fixed(jw, (double)job_gpu_milli(j) / MILLI, 3);
	jsonw_key(jw, "submit");
	jsonw_int(jw, j->submit);
	jsonw_key(jw, "history");
	jsonw_arr(jw);
	for (size_t i = 0; i < r->nrows; i++) {
		const struct xrow *x = &r->rows[i];
		if (x->n.t > r->a.explain_t)
			break;
		jsonw_obj(jw);
		note_json(jw, &x->n);
		if (x->n.kind == SIM_NOTE_PENDING) {
			int64_t last = x->last_t;
			jsonw_key(jw, "passes");
			jsonw_uint(jw, x->passes);
			jsonw_key(jw, "last_pass");
			jsonw_int(jw, last);
			if (x->passes > 1 && x->n.has_prio &&
			    last <= r->a.explain_t)
				prio_json(jw, "last_priority", &x->last_prio);
		}
		jsonw_end(jw);
	}
	jsonw_end(jw);
	if (r->a.explain_t != INT64_MAX) {
		jsonw_key(jw, "at");
		jsonw_int(jw, r->a.explain_t);
		jsonw_key(jw, "state_at");
		if (r->have_at) {
			jsonw_obj(jw);
			note_json(jw, &r->at);
			jsonw_end(jw);
		} else {
			jsonw_null(jw);
		}
	}
	jsonw_end(jw);
}

static void
prio_text(const struct prio_parts *p)
{
	printf("priority %.1f = fairshare %.1f + age %.1f + size %.1f + class "
	       "%.1f", p->total, p->fairshare, p->age, p->size, p->class_p);
}

/* One note as words (no newline). */
static void
note_text(const struct sim_note *n)
{
	switch (n->kind) {
	case SIM_NOTE_PENDING:
		printf("pending: %s", sched_reason_text((enum sched_reason)n->reason));
		printf(" [%s]", sched_reason_name((enum sched_reason)n->reason));
		if (n->other != SCHED_NO_JOB)
			printf(", behind job %u", n->other);
		if (n->reason == SCHED_REASON_RESERVED)
			printf(", reserved from t=%" PRId64, n->at);
		break;
	case SIM_NOTE_START:
		printf("started, to end by t=%" PRId64, n->at);
		break;
	case SIM_NOTE_PREEMPT:
		printf("told to leave for job %u, stops at t=%" PRId64, n->other,
		       n->at);
		break;
	case SIM_NOTE_STOPPED:
		printf("preempted and requeued, %" PRId64 " s of work left",
		       n->remain);
		break;
	case SIM_NOTE_REQUEUE:
		printf("node %u failed: requeued, %" PRId64 " s of work left",
		       n->other, n->remain);
		break;
	case SIM_NOTE_FINISH:
		printf("ended: %s", job_state_name((enum job_state)n->state));
		break;
	case SIM_NOTE_REJECT:
		printf("rejected: %s",
		       sched_reason_text(SCHED_REASON_NEVER_FITS));
		break;
	default:
		printf("submitted");
	}
}

static void
explain_text(const struct run *r)
{
	const struct job *j = &r->w.jobs[r->a.explain_job];

	printf("\njob %u: tenant %s, %u x %u GPUs (%.3f each), submitted t=%"
	       PRId64 "\n", r->a.explain_job,
	       j->tenant < r->w.tenants.n ? strtab_get(&r->w.tenants, j->tenant)
					  : "?",
	       (unsigned)j->nodes, (unsigned)j->gpus_per_node,
	       (double)j->gpu_milli / MILLI, j->submit);
	for (size_t i = 0; i < r->nrows; i++) {
		const struct xrow *x = &r->rows[i];
		if (x->n.t > r->a.explain_t)
			break;
		printf("  t=%-12" PRId64 " +%-9" PRId64 " ", x->n.t,
		       x->n.t - j->submit);
		note_text(&x->n);
		if (x->n.kind == SIM_NOTE_PENDING && x->passes > 1)
			printf(" (%" PRIu64 " passes to t=%" PRId64 ")",
			       x->passes, x->last_t);
		printf("\n");
		if (x->n.has_prio && x->n.kind != SIM_NOTE_SUBMIT) {
			int two = x->n.kind == SIM_NOTE_PENDING && x->passes > 1 &&
				  x->last_t <= r->a.explain_t;
			printf("  %27s%s", "", two ? "first pass: " : "");
			prio_text(&x->n.prio);
			printf("\n");
			if (two) {
				printf("  %27slast pass:  ", "");
				prio_text(&x->last_prio);
				printf("\n");
			}
		}
	}
	if (r->a.explain_t != INT64_MAX) {
		printf("  at t=%" PRId64 ": ", r->a.explain_t);
		if (!r->have_at) {
			printf("not submitted yet\n");
			return;
		}
		note_text(&r->at);
		printf(" (as of t=%" PRId64 ")\n", r->at.t);
		if (r->at.has_prio) {
			printf("  ");
			prio_text(&r->at.prio);
			printf("\n");
		}
	}
}

/* ---- output ---------------------------------------------------------- */

static void
reasons_json(struct jsonw *jw, const char *key, const uint64_t *v, double div)
{
	jsonw_key(jw, key);
	jsonw_obj(jw);
	for (int k = SCHED_REASON_RESOURCES; k < SCHED_NREASONS; k++) {
		if (k == SCHED_REASON_RECLAIM)
			continue; /* a PREEMPT reason, never a pending one */
		jsonw_key(jw, sched_reason_name((enum sched_reason)k));
		if (div == 1)
			jsonw_uint(jw, v[k]);
		else
			jsonw_fixed(jw, (double)v[k] / div, 3);
	}
	jsonw_end(jw);
}

/* The run's description and figures: everything but wall-clock time. */
static void
describe(const struct run *r, struct sim *sim, struct jsonw *jw)
{
	const struct sim_stats *st = sim_stats(sim);
	int prio = r->a.order == SCHED_PRIORITY;

	jsonw_key(jw, "trace");
	jsonw_str(jw, r->a.trace);
	jsonw_key(jw, "format");
	jsonw_str(jw, trace_format_name((enum trace_format)r->a.fmt));
	jsonw_key(jw, "policy");
	jsonw_str(jw, place_policy_name((enum place_policy)r->a.pol));
	jsonw_key(jw, "order");
	jsonw_str(jw, sched_order_name((enum sched_order)r->a.order));
	jsonw_key(jw, "seed");
	jsonw_uint(jw, r->a.seed);
	jsonw_key(jw, "sample_s");
	jsonw_int(jw, r->a.sample_s);
	if (prio) {
		jsonw_key(jw, "grants");
		if (r->a.grants != NULL)
			jsonw_str(jw, r->a.grants);
		else
			jsonw_null(jw);
		jsonw_key(jw, "backfill");
		jsonw_uint(jw, r->a.backfill);
		jsonw_key(jw, "half_life_days");
		jsonw_fixed(jw, r->a.half_life_days, 3);
		jsonw_key(jw, "reclaim");
		jsonw_bool(jw, !r->a.no_reclaim);
		jsonw_key(jw, "pass_interval");
		jsonw_int(jw, r->a.pass_interval);
		jsonw_key(jw, "time_limit_factor");
		if (r->a.tl_factor > 0)
			jsonw_fixed(jw, r->a.tl_factor, 3);
		else
			jsonw_null(jw);
	}
	if (r->a.events != NULL) {
		jsonw_key(jw, "events_file");
		jsonw_str(jw, r->a.events);
		jsonw_key(jw, "checkpoint_s");
		jsonw_int(jw, r->a.checkpoint_s);
	}
	jsonw_key(jw, "nodes");
	jsonw_uint(jw, r->pool.nnodes);
	jsonw_key(jw, "gpus");
	jsonw_uint(jw, r->pool.total_gpus);
	jsonw_key(jw, "skipped");
	jsonw_uint(jw, r->w.skipped);
	metrics_write_json(sim_metrics(sim), &r->w, jw);
	jsonw_key(jw, "events");
	jsonw_uint(jw, st->events);
	jsonw_key(jw, "starts");
	jsonw_uint(jw, st->starts);
	jsonw_key(jw, "passes");
	jsonw_uint(jw, st->passes);
	jsonw_key(jw, "placer_calls");
	jsonw_uint(jw, st->placed);
	jsonw_key(jw, "max_queue");
	jsonw_uint(jw, st->max_queue);
	jsonw_key(jw, "max_running");
	jsonw_uint(jw, st->max_running);
	jsonw_key(jw, "stuck");
	jsonw_uint(jw, st->stuck);
	jsonw_key(jw, "preempted");
	jsonw_uint(jw, st->preempted);
	jsonw_key(jw, "reserved");
	jsonw_uint(jw, st->reserved);
	jsonw_key(jw, "node_events");
	jsonw_uint(jw, st->node_events);
	jsonw_key(jw, "requeued");
	jsonw_uint(jw, st->requeued);
	jsonw_key(jw, "lost_gpu_h");
	jsonw_fixed(jw, (double)st->lost_gpu_s / 3600.0, 3);
	jsonw_key(jw, "preempt_lost_gpu_h");
	jsonw_fixed(jw, (double)st->preempt_lost_gpu_s / 3600.0, 3);
	reasons_json(jw, "reasons", st->reasons, 1);
	reasons_json(jw, "pending_job_h", st->reason_s, 3600.0);
}

static int
write_file(const char *dir, const char *name, const struct run *r,
	   struct sim *sim, int which)
{
	char path[4096];
	FILE *f;
	int rc = 0;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >=
	    sizeof path) {
		fprintf(stderr, "allot sim: %s/%s: path too long\n", dir, name);
		return err_exit_status(ERR_LIMIT);
	}
	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "allot sim: %s: %s\n", path, strerror(errno));
		return err_exit_status(ERR_IO);
	}
	switch (which) {
	case 0: {
		struct jsonw jw;
		jsonw_init(&jw, f);
		jsonw_obj(&jw);
		describe(r, sim, &jw);
		jsonw_end(&jw);
		jsonw_nl(&jw);
		break;
	}
	case 1:
		rc = metrics_write_util_csv(sim_metrics(sim), f);
		break;
	case 2:
		rc = metrics_write_jobs_csv(&r->w, f);
		break;
	default:
		rc = metrics_write_tenants_csv(sim_metrics(sim), &r->w, f);
	}
	if (ferror(f))
		rc = ERR_IO;
	if (fclose(f) != 0 || rc != 0) {
		fprintf(stderr, "allot sim: %s: write failed\n", path);
		return err_exit_status(ERR_IO);
	}
	return 0;
}

static int
write_out(const struct run *r, struct sim *sim)
{
	static const char *const files[] = {"metrics.json", "utilisation.csv",
					    "jobs.csv", "per_tenant.csv"};
	const char *dir = r->a.out;
	int rc;

	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "allot sim: %s: %s\n", dir, strerror(errno));
		return err_exit_status(ERR_IO);
	}
	for (int i = 0; i < 4; i++)
		if ((rc = write_file(dir, files[i], r, sim, i)) != 0)
			return rc;
	return 0;
}

static void
dist_row(const char *label, const struct metrics_dist *d)
{
	printf("  %-12s %14.1f %12" PRId64 " %12" PRId64 " %12" PRId64
	       " %12" PRId64 "\n", label, d->mean, d->p50, d->p90, d->p99,
	       d->max);
}

static void
summary(const struct run *r, struct sim *sim)
{
	const struct metrics *m = sim_metrics(sim);
	const struct sim_stats *st = sim_stats(sim);
	uint64_t all = 0;

	printf("allot sim: %s (%s), %zu jobs on %zu nodes / %" PRIu64
	       " GPUs, %s, %s, seed %" PRIu64 "\n", r->a.trace,
	       trace_format_name((enum trace_format)r->a.fmt), m->jobs,
	       r->pool.nnodes, r->pool.total_gpus,
	       place_policy_name((enum place_policy)r->a.pol),
	       sched_order_name((enum sched_order)r->a.order), r->a.seed);
	if (r->a.order == SCHED_PRIORITY) {
		printf("  policy       %zu grants, backfill %u, half-life %g "
		       "days, reclaim %s, time limits ", r->gs.n, r->a.backfill,
		       r->a.half_life_days, r->a.no_reclaim ? "off" : "on");
		if (r->a.tl_factor > 0)
			printf("ceil(duration x %g)\n", r->a.tl_factor);
		else
			printf("as in the trace\n");
	}
	printf("  jobs         completed %zu, rejected %zu, unfinished %zu",
	       m->completed, m->rejected, m->unfinished);
	if (r->w.skipped > 0)
		printf(", bad lines skipped %zu", r->w.skipped);
	printf("\n  allocation   %.2f %% of GPU capacity, fragmentation %.2f %% "
	       "of free GPU (shape %ux%u milli)\n", m->alloc_pct, m->frag_pct,
	       m->shape_gpn, m->shape_milli);
	if (r->a.events != NULL)
		printf("  capacity     %" PRIu64 " events, %.1f %% of capacity down, "
		       "%" PRIu64 " jobs requeued, %.1f GPU-h of work lost\n",
		       st->node_events, m->down_pct, st->requeued,
		       (double)st->lost_gpu_s / 3600.0);
	if (st->preempted > 0 || st->reserved > 0)
		printf("  policy use   %" PRIu64 " preemptions (%.1f GPU-h of work "
		       "lost), %" PRIu64 " reservations made\n", st->preempted,
		       (double)st->preempt_lost_gpu_s / 3600.0, st->reserved);
	printf("  makespan     %" PRId64 " s\n", m->makespan);
	printf("  %-12s %14s %12s %12s %12s %12s\n", "seconds", "mean", "p50",
	       "p90", "p99", "max");
	dist_row("wait", &m->wait);
	dist_row("jct", &m->jct);
	if (m->jain_tenants > 0)
		printf("  fairness     Jain %.4f over %zu tenants\n", m->jain,
		       m->jain_tenants);
	else
		printf("  fairness     - (no tenant completed GPU work)\n");
	for (int k = 0; k < SCHED_NREASONS; k++)
		all += st->reason_s[k];
	if (all > 0) {
		printf("  %-12s %14s %12s %12s\n", "pending", "job-passes",
		       "job-hours", "share");
		for (int k = SCHED_REASON_RESOURCES; k < SCHED_NREASONS; k++)
			if (st->reasons[k] > 0 || st->reason_s[k] > 0)
				printf("  %-12s %14" PRIu64 " %12.1f %11.1f%%\n",
				       sched_reason_name((enum sched_reason)k),
				       st->reasons[k],
				       (double)st->reason_s[k] / 3600.0,
				       100.0 * (double)st->reason_s[k] /
					   (double)all);
	}
	if (m->ntenants <= 24) {
		printf("  %-12s %8s %10s %10s %10s %10s %8s\n", "tenant", "jobs",
		       "wait p50", "wait p99", "jct p50", "jct p99", "service");
		for (size_t t = 0; t < m->ntenants; t++) {
			const struct metrics_tenant *mt = &m->tenant[t];
			printf("  %-12.12s %8zu %10" PRId64 " %10" PRId64 " %10"
			       PRId64 " %10" PRId64 " %8.4f\n",
			       t < r->w.tenants.n ?
				   strtab_get(&r->w.tenants, (uint32_t)t) : "?",
			       mt->jobs, mt->wait.p50, mt->wait.p99,
			       mt->jct.p50, mt->jct.p99, mt->service);
		}
	} else {
		printf("  tenants      %zu (per-tenant figures: --out DIR, "
		       "per_tenant.csv)\n", m->ntenants);
	}
	printf("  run          %" PRIu64 " events, %" PRIu64 " passes, %.3f s, "
	       "%.2f M events/s\n", st->events, st->passes, r->wall_s,
	       r->wall_s > 0 ? (double)st->events / r->wall_s / 1e6 : 0.0);
}

static int
exec_sim(int argc, char **argv)
{
	struct run r;
	struct sim_opts o;
	struct err e;
	double t0;
	int rc;

	memset(&r, 0, sizeof r);
	if ((rc = parse_args(argc, argv, &r.a)) != 0)
		return rc;
	pool_init(&r.pool);
	workload_init(&r.w);
	grants_init(&r.gs);
	nodeevents_init(&r.ev);
	if ((rc = load(&r)) != 0)
		goto out;
	sim_opts_init(&o);
	o.policy = r.a.pol;
	o.seed = r.a.seed;
	o.order = r.a.order;
	o.sample_s = r.a.sample_s;
	o.grants = r.a.grants != NULL ? &r.gs : NULL;
	o.backfill_depth = r.a.backfill;
	o.half_life_s = r.a.half_life_days * 86400.0;
	o.pass_interval = r.a.pass_interval;
	o.reclaim = !r.a.no_reclaim;
	o.events = r.a.events != NULL ? &r.ev : NULL;
	o.checkpoint_s = r.a.checkpoint_s;
	if (r.a.explain_job != SIM_NO_JOB) {
		o.watch_job = r.a.explain_job;
		o.watch = watch;
		o.watch_ctx = &r;
	}
	if (isatty(STDERR_FILENO)) {
		o.progress = progress;
		o.progress_ctx = &r;
	}
	r.sim = sim_new(&r.pool, &r.w, &o);
	err_clear(&e);
	t0 = cmd_now_s();
	rc = sim_run(r.sim, &e);
	r.wall_s = cmd_now_s() - t0;
	if (r.progress_shown)
		fprintf(stderr, "\r%60s\r", "");
	if (rc != 0) {
		fprintf(stderr, "allot sim: %s\n", e.msg);
		rc = err_exit_status(rc);
		goto out;
	}
	if (sim_stats(r.sim)->stuck > 0)
		fprintf(stderr, "allot sim: warning: %zu jobs never started: %s\n",
			sim_stats(r.sim)->stuck,
			r.a.events != NULL
			    ? "the capacity they needed was not there again "
			      "before the run ended (or the placer refused them)"
			    : "the placer refused them on an idle pool although "
			      "they fit it");
	if (r.a.json) {
		struct jsonw jw;
		const struct sim_stats *st = sim_stats(r.sim);
		jsonw_init(&jw, stdout);
		jsonw_obj(&jw);
		describe(&r, r.sim, &jw);
		if (r.a.explain != NULL)
			explain_json(&r, &jw);
		jsonw_key(&jw, "wall_s");
		jsonw_fixed(&jw, r.wall_s, 6);
		jsonw_key(&jw, "events_per_s");
		jsonw_fixed(&jw, r.wall_s > 0 ? (double)st->events / r.wall_s
					      : 0.0, 0);
		jsonw_end(&jw);
		jsonw_nl(&jw);
	} else {
		summary(&r, r.sim);
		if (r.a.explain != NULL)
			explain_text(&r);
	}
	if (r.a.out != NULL)
		rc = write_out(&r, r.sim);
	if (fflush(stdout) != 0 && rc == 0) {
		fprintf(stderr, "allot sim: stdout: %s\n", strerror(errno));
		rc = err_exit_status(ERR_IO);
	}
out:
	sim_free(r.sim);
	free(r.rows);
	nodeevents_free(&r.ev);
	grants_free(&r.gs);
	workload_free(&r.w);
	pool_free(&r.pool);
	return rc;
}

const struct cmd_entry cmd_sim_entry = {
	.name = "sim",
	.usage = "--trace FILE --format openb|philly|swf [--pool FILE] "
		 "[--nodes OPENB_NODES.csv] [--policy NAME] [--seed N] "
		 "[--order fifo|first-fit|priority] [--first-fit] "
		 "[--grants FILE] [--backfill K] [--half-life DAYS] "
		 "[--no-reclaim] [--time-limit-factor F] [--events FILE] "
		 "[--checkpoint-every S] [--pass-interval S] "
		 "[--explain JOB[@T]] [--skip-bad] "
		 "[--sample SECONDS] [--json] [--out DIR]",
	.summary = "replay a trace on a pool with the real scheduler",
	.help =
	    "  --trace FILE        the job trace\n"
	    "  --format F          openb (pod list), philly or swf\n"
	    "  --pool FILE         a pool description file, or gen:SPEC for a\n"
	    "                      generated one (docs/POOL-FORMAT.md)\n"
	    "  --nodes FILE        an openb node list as the pool\n"
	    "                      (default pool: philly 312 x 8 GPUs, swf 32 x 8)\n"
	    "  --policy NAME       placement: Random, DotProd, GpuClustering,\n"
	    "                      GpuPacking, BestFit (default), FGD\n"
	    "  --seed N            the placer's random seed (default 42)\n"
	    "  --order O           fifo (default: strict, head-of-line blocking),\n"
	    "                      first-fit (jobs overtake a blocked head), or\n"
	    "                      priority (the national policy: fair share,\n"
	    "                      quotas, reclaim, topology, backfill;\n"
	    "                      docs/SCHEDULING.md)\n"
	    "  --first-fit         the same as --order first-fit\n"
	    "  priority order only:\n"
	    "  --grants FILE       quotas: CSV tenant,model,gpus,start,end\n"
	    "                      [,borrow_limit,lend_limit,price_won_hour];\n"
	    "                      fair-share shares follow the granted GPU-time\n"
	    "                      (default: no quotas, equal shares)\n"
	    "  --backfill K        reservations for the first K blocked jobs per\n"
	    "                      pass (default 8; 0 = no backfill)\n"
	    "  --half-life DAYS    fair-share usage decay (default 7; 0 = none)\n"
	    "  --no-reclaim        never preempt borrowers for a guarantee\n"
	    "  --time-limit-factor F  jobs without a time limit (Philly) get\n"
	    "                      ceil(duration x F) (default: none, so\n"
	    "                      reservations cannot plan around them)\n"
	    "  capacity over time (every order):\n"
	    "  --events FILE       CSV time,node,action: join, leave, drain,\n"
	    "                      fail (jobs requeued), repair; node ranges\n"
	    "                      like n[0000-0127]\n"
	    "  --checkpoint-every S  checkpointable jobs lose the work since\n"
	    "                      their last checkpoint when a node fails\n"
	    "                      (default 3600; 0 = nothing lost)\n"
	    "  --pass-interval S   priority order: at most one pass per S\n"
	    "                      simulated seconds, like Slurm's\n"
	    "                      sched_interval (default 0: every change)\n"
	    "  --explain JOB[@T]   after the run, the job's story: every pending\n"
	    "                      reason with the passes it held for, the\n"
	    "                      priority breakdown (priority order), starts,\n"
	    "                      preemptions, requeues, its end; with @T\n"
	    "                      (seconds or YYYY-MM-DD[ HH:MM:SS] UTC) only\n"
	    "                      up to T and its state then.  JOB is the id of\n"
	    "                      jobs.csv (the trace's line order from 0)\n"
	    "  --skip-bad          skip malformed trace lines instead of failing\n"
	    "  --sample SECONDS    utilisation series as means over windows\n"
	    "                      (default 0: one point per change)\n"
	    "  --json              one JSON object on stdout\n"
	    "  --out DIR           write metrics.json, utilisation.csv, jobs.csv,\n"
	    "                      per_tenant.csv (no wall-clock figures)\n",
	.exec = exec_sim,
};
