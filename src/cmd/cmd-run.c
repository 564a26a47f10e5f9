/*
 * cmd-run.c — `allot run SCENARIO`: a whole scenario, end to end, with the
 * national scheduling policy.  `make run` calls `allot run korea-2026`.
 *
 *	allot run [SCENARIO] [--scale X] [--seed N] [--days D] [--tenants N]
 *	          [--load L] [--workload SPEC] [--policy NAME] [--backfill K]
 *	          [--pass-interval S]
 *	          [--json] [--out DIR]
 *
 * Until the full program exists (competition rounds, open calls: a later
 * issue), korea-2026 means: the built-in Korean national pool
 * (sim/korea.h) at --scale, a synthetic workload the program generates
 * itself (sim/synth.h: Poisson arrivals, Zipf tenants, mixed shapes from a
 * quarter GPU to 512-GPU gangs), replayed by the simulator with order
 * SCHED_PRIORITY (Fair Tree fair share, multifactor priority, backfill
 * reservations; no grants yet, so no quotas and no reclaim) and, for
 * shares of a GPU, the FGD placement policy.  Nothing is read from disk.
 *
 * Output: a readable summary on stdout, or with --json one JSON object.
 * The wall-clock fields are `gen_s`, `sim_s`, `wall_s` and `events_per_s`
 * (--json) and the "time" line (text); everything else is a function of
 * the options.  --out DIR writes pool.pool (the pool that ran),
 * metrics.json (the JSON object without the wall-clock fields),
 * utilisation.csv, jobs.csv and per_tenant.csv: the same options give the
 * same bytes.  Everything this command allocates is freed before it
 * returns.
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

#include "cmd/cmd.h"
#include "model/job.h"
#include "model/pool.h"
#include "sched/place.h"
#include "sched/sched.h"
#include "sim/korea.h"
#include "sim/metrics.h"
#include "sim/sim.h"
#include "sim/synth.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/jsonw.h"

#define EXIT_USAGE 64
#define DAY 86400
#define RUN_BACKFILL 8   /* reservations per pass, as sim_opts_init */
#define RUN_PASS_INTERVAL 0 /* seconds between passes; 0 = every change */

struct args {
	const char *scenario, *out, *spec, *policy;
	double scale;
	struct synth_opts so;
	uint32_t backfill;
	int64_t pass_interval;
	int pol, json;
};

struct run {
	struct args a;
	struct pool pool;
	struct workload w;
	struct synth_stats ss;
	struct sim *sim;
	double gen_s, sim_s, wall_s;
	/* GPU allocation while jobs arrive: over [0, duration) and per day
	 * (ndays = ceil(duration / 1 day)), in % of the pool's GPUs. */
	double window_pct;
	double *day_pct;
	size_t ndays;
};

#define usage_error(...) cmd_usage_error(&cmd_run_entry, __VA_ARGS__)

/* Which of names[0..n-1] argv[*i] is, as "--opt VALUE" or "--opt=VALUE":
 * its index, with *v the value ("" when missing) and *i on the value's
 * word; -1 if none, *v untouched.  The match is reported apart from the
 * value so that no argv word is ever compared with NULL. */
static int
option(int argc, char **argv, int *i, const char *const *names, int n,
       const char **v)
{
	for (int k = 0; k < n; k++) {
		size_t len = strlen(names[k]);
		if (strncmp(argv[*i], names[k], len) != 0)
			continue;
		if (argv[*i][len] == '=') {
			*v = argv[*i] + len + 1;
			return k;
		}
		if (argv[*i][len] != '\0')
			continue;
		*v = *i + 1 < argc ? argv[++*i] : "";
		return k;
	}
	return -1;
}

/* Applies "key=value" to the workload options through synth_parse, so
 * range checks and messages are the generator's own. */
static int
synth_set(struct synth_opts *o, const char *key, const char *v)
{
	char spec[256];
	struct err e;

	err_clear(&e);
	if ((size_t)snprintf(spec, sizeof spec, "%s=%s", key, v) >= sizeof spec)
		return usage_error("--%s: value too long", key);
	if (synth_parse(spec, o, &e) != 0)
		return usage_error("--%s: %s", key, e.msg);
	return 0;
}

static int
parse_args(int argc, char **argv, struct args *a)
{
	static const char *const names[] = {"--scale", "--seed", "--days",
					    "--tenants", "--load", "--workload",
					    "--policy", "--out", "--backfill",
					    "--pass-interval"};
	static const char *const keys[] = {NULL, "seed", "days", "tenants",
					   "load"};
	const int nnames = (int)(sizeof names / sizeof names[0]);
	const int workload = 5; /* names[5] */
	struct err e;
	int rc;

	memset(a, 0, sizeof *a);
	a->scale = 1.0;
	korea_workload_defaults(&a->so);
	a->pol = PLACE_FGD;
	a->backfill = RUN_BACKFILL;
	a->pass_interval = RUN_PASS_INTERVAL;
	/* The spec first, so that explicit flags win over it; the other
	 * options' values are stepped over as the second loop does. */
	for (int i = 1; i < argc; i++) {
		const char *v = "";
		if (option(argc, argv, &i, names, nnames, &v) == workload &&
		    *v != '\0') {
			err_clear(&e);
			if (synth_parse(v, &a->so, &e) != 0)
				return usage_error("--workload: %s", e.msg);
			a->spec = v;
		}
	}
	for (int i = 1; i < argc; i++) {
		const char *v = "";
		int k;
		if (strcmp(argv[i], "--json") == 0) {
			a->json = 1;
			continue;
		}
		if (argv[i][0] != '-') {
			if (a->scenario != NULL)
				return usage_error("one scenario only (got \"%s\" "
						   "and \"%s\")", a->scenario,
						   argv[i]);
			a->scenario = argv[i];
			continue;
		}
		if ((k = option(argc, argv, &i, names, nnames, &v)) < 0)
			return usage_error("unknown option %s", argv[i]);
		if (*v == '\0')
			return usage_error("%s needs a value", names[k]);
		switch (k) {
		case 0: {
			char *end;
			errno = 0;
			a->scale = strtod(v, &end);
			if (errno != 0 || *end != '\0' || !(a->scale > 0) ||
			    a->scale > KOREA_MAX_SCALE)
				return usage_error("--scale: expected a number in "
						   "(0, %g], got \"%s\"",
						   KOREA_MAX_SCALE, v);
			break;
		}
		case 1: case 2: case 3: case 4:
			if ((rc = synth_set(&a->so, keys[k], v)) != 0)
				return rc;
			break;
		case 5:
			break; /* applied above */
		case 6:
			a->policy = v;
			if ((a->pol = place_policy_parse(v)) < 0)
				return usage_error("--policy: unknown policy "
						   "\"%s\" (Random, DotProd, "
						   "GpuClustering, GpuPacking, "
						   "BestFit, FGD)", v);
			break;
		case 7:
			a->out = v;
			break;
		case 8: {
			long long b = cmd_parse_count(v);
			if (b < 0 || b > 1000)
				return usage_error("--backfill: expected "
						   "reservations per pass 0..1000, "
						   "got \"%s\"", v);
			a->backfill = (uint32_t)b;
			break;
		}
		default: {
			long long b = cmd_parse_count(v);
			if (b < 0 || b > 86400)
				return usage_error("--pass-interval: expected "
						   "seconds 0..86400, got \"%s\"", v);
			a->pass_interval = b;
		}
		}
	}
	if (a->scenario == NULL)
		a->scenario = KOREA_SCENARIO;
	err_clear(&e);
	if (korea_scenario_check(a->scenario, &e) != 0)
		return usage_error("%s", e.msg);
	return 0;
}

/*
 * GPU allocation while jobs arrive, from the jobs' own start and end
 * times (each job's last run; exact integer milli-GPU-seconds): the whole
 * window [0, duration) and each day of it.  The simulator's alloc_pct
 * also counts the drain after the last arrival, when the pool empties.
 */
static void
window_alloc(struct run *r)
{
	int64_t d = r->a.so.duration_s;
	uint64_t cap = r->pool.total_gpus * MILLI, tot = 0;
	uint64_t *acc;
	size_t nd = d > 0 ? (size_t)((d + DAY - 1) / DAY) : 0;

	r->ndays = nd;
	r->day_pct = xcalloc(nd + 1, sizeof *r->day_pct);
	acc = xcalloc(nd + 1, sizeof *acc);
	for (size_t i = 0; i < r->w.njobs; i++) {
		const struct job *j = &r->w.jobs[i];
		uint64_t milli = job_gpu_milli(j);
		int64_t a, b;
		if (milli == 0 || j->start < 0 || j->end < 0)
			continue;
		a = j->start;
		b = j->end < d ? j->end : d;
		for (int64_t k = a / DAY; a < b; k++) {
			int64_t e = (k + 1) * DAY < b ? (k + 1) * DAY : b;
			acc[k] += milli * (uint64_t)(e - a);
			a = e;
		}
	}
	for (size_t k = 0; k < nd; k++) {
		int64_t len = (int64_t)(k + 1) * DAY < d ? DAY : d - (int64_t)k * DAY;
		tot += acc[k];
		r->day_pct[k] = cap > 0 ? 100.0 * (double)acc[k] /
					      ((double)cap * (double)len) : 0.0;
	}
	r->window_pct = cap > 0 && d > 0 ? 100.0 * (double)tot /
						((double)cap * (double)d) : 0.0;
	free(acc);
}

/* GPUs per (site, model) and nodes per site, from the pool itself. */
struct census {
	uint64_t *gpus;   /* nsites x POOL_MAX_MODELS */
	uint64_t *nodes;  /* nsites */
	uint64_t model_gpus[POOL_MAX_MODELS];
	int nmodels;
};

static void
census_take(const struct pool *p, struct census *c)
{
	memset(c, 0, sizeof *c);
	c->gpus = xcalloc(p->nsites * POOL_MAX_MODELS + 1, sizeof *c->gpus);
	c->nodes = xcalloc(p->nsites + 1, sizeof *c->nodes);
	c->nmodels = (int)p->model_names.n;
	for (size_t i = 0; i < p->nnodes; i++) {
		const struct node *n = &p->nodes[i];
		uint32_t s = pool_node_site(p, (uint32_t)i);
		if (n->state == NODE_ABSENT)
			continue;
		c->nodes[s]++;
		if (n->ngpu > 0) {
			c->gpus[s * POOL_MAX_MODELS + n->model] += n->ngpu;
			c->model_gpus[n->model] += n->ngpu;
		}
	}
}

static void
census_free(struct census *c)
{
	free(c->gpus);
	free(c->nodes);
}

static const char *
model_name(const struct pool *p, int m)
{
	return strtab_get(&p->model_names, (uint32_t)m);
}

static const char *
site_name(const struct pool *p, size_t s)
{
	return strtab_get(&p->names, p->sites[s].name);
}

static const char *
provider_name(const struct pool *p, size_t s)
{
	return strtab_get(&p->names, p->sites[s].provider);
}

/* "pool": totals, GPUs by model, and by site. */
static void
describe_pool(const struct pool *p, struct jsonw *jw)
{
	struct census c;

	census_take(p, &c);
	jsonw_key(jw, "pool");
	jsonw_obj(jw);
	jsonw_key(jw, "nodes");
	jsonw_uint(jw, p->nnodes);
	jsonw_key(jw, "gpus");
	jsonw_uint(jw, p->total_gpus);
	jsonw_key(jw, "clusters");
	jsonw_uint(jw, p->nclusters);
	jsonw_key(jw, "sites");
	jsonw_uint(jw, p->nsites);
	jsonw_key(jw, "by_model");
	jsonw_obj(jw);
	for (int m = 0; m < c.nmodels; m++) {
		jsonw_key(jw, model_name(p, m));
		jsonw_uint(jw, c.model_gpus[m]);
	}
	jsonw_end(jw);
	jsonw_key(jw, "by_site");
	jsonw_arr(jw);
	for (size_t s = 0; s < p->nsites; s++) {
		jsonw_obj(jw);
		jsonw_key(jw, "site");
		jsonw_str(jw, site_name(p, s));
		jsonw_key(jw, "provider");
		jsonw_str(jw, provider_name(p, s));
		jsonw_key(jw, "nodes");
		jsonw_uint(jw, c.nodes[s]);
		jsonw_key(jw, "gpus");
		jsonw_obj(jw);
		for (int m = 0; m < c.nmodels; m++)
			if (c.gpus[s * POOL_MAX_MODELS + m] > 0) {
				jsonw_key(jw, model_name(p, m));
				jsonw_uint(jw, c.gpus[s * POOL_MAX_MODELS + m]);
			}
		jsonw_end(jw);
		jsonw_end(jw);
	}
	jsonw_end(jw);
	jsonw_end(jw);
	census_free(&c);
}

/* "workload": the generator's options and what it drew. */
static void
describe_workload(const struct run *r, struct jsonw *jw)
{
	jsonw_key(jw, "workload");
	jsonw_obj(jw);
	jsonw_key(jw, "days");
	jsonw_fixed(jw, (double)r->a.so.duration_s / DAY, 4);
	jsonw_key(jw, "duration_s");
	jsonw_int(jw, r->a.so.duration_s);
	jsonw_key(jw, "tenants");
	jsonw_uint(jw, r->a.so.tenants);
	jsonw_key(jw, "load");
	jsonw_fixed(jw, r->a.so.load, 4);
	jsonw_key(jw, "zipf");
	jsonw_fixed(jw, r->a.so.zipf, 4);
	jsonw_key(jw, "max_gang_gpus");
	jsonw_uint(jw, r->a.so.max_gang_gpus);
	jsonw_key(jw, "jobs");
	jsonw_uint(jw, r->ss.njobs);
	jsonw_key(jw, "offered_load");
	jsonw_fixed(jw, r->ss.offered_load, 4);
	jsonw_key(jw, "shrunk");
	jsonw_uint(jw, r->ss.shrunk);
	jsonw_key(jw, "by_shape");
	jsonw_obj(jw);
	for (int k = 0; k < SYNTH_NSHAPES; k++) {
		jsonw_key(jw, synth_shape_name((enum synth_shape)k));
		jsonw_uint(jw, r->ss.by_shape[k]);
	}
	jsonw_end(jw);
	jsonw_key(jw, "by_class");
	jsonw_obj(jw);
	for (int k = 0; k < CLASS_NCLASSES; k++) {
		jsonw_key(jw, job_class_name((enum job_class)k));
		jsonw_uint(jw, r->ss.by_class[k]);
	}
	jsonw_end(jw);
	jsonw_end(jw);
}

/* The run's description and figures: everything but wall-clock time. */
static void
describe(struct run *r, struct jsonw *jw)
{
	const struct sim_stats *st = sim_stats(r->sim);
	jsonw_key(jw, "scenario");
	jsonw_str(jw, r->a.scenario);
	jsonw_key(jw, "scale");
	jsonw_fixed(jw, r->a.scale, 4);
	jsonw_key(jw, "seed");
	jsonw_uint(jw, r->a.so.seed);
	jsonw_key(jw, "order");
	jsonw_str(jw, sched_order_name(SCHED_PRIORITY));
	jsonw_key(jw, "backfill");
	jsonw_uint(jw, r->a.backfill);
	jsonw_key(jw, "pass_interval");
	jsonw_int(jw, r->a.pass_interval);
	jsonw_key(jw, "policy");
	jsonw_str(jw, place_policy_name((enum place_policy)r->a.pol));

	describe_pool(&r->pool, jw);
	describe_workload(r, jw);
	metrics_write_json(sim_metrics(r->sim), &r->w, jw);
	jsonw_key(jw, "arrivals_alloc_pct");
	jsonw_fixed(jw, r->window_pct, 4);
	jsonw_key(jw, "daily_alloc_pct");
	jsonw_arr(jw);
	for (size_t k = 0; k < r->ndays; k++)
		jsonw_fixed(jw, r->day_pct[k], 2);
	jsonw_end(jw);
	jsonw_key(jw, "events");
	jsonw_uint(jw, st->events);
	jsonw_key(jw, "starts");
	jsonw_uint(jw, st->starts);
	jsonw_key(jw, "passes");
	jsonw_uint(jw, st->passes);
	jsonw_key(jw, "preempted");
	jsonw_uint(jw, st->preempted);
	jsonw_key(jw, "reservations");
	jsonw_uint(jw, st->reserved);
	jsonw_key(jw, "max_queue");
	jsonw_uint(jw, st->max_queue);
	jsonw_key(jw, "max_running");
	jsonw_uint(jw, st->max_running);
	jsonw_key(jw, "stuck");
	jsonw_uint(jw, st->stuck);
	jsonw_key(jw, "pending_decisions");
	jsonw_obj(jw);
	for (int k = SCHED_REASON_NONE + 1; k < SCHED_NREASONS; k++) {
		if (k == SCHED_REASON_RECLAIM)
			continue; /* a PREEMPT reason, never a pending one */
		jsonw_key(jw, sched_reason_name((enum sched_reason)k));
		jsonw_uint(jw, st->reasons[k]);
	}
	jsonw_end(jw);
}

static void
print_json(struct run *r)
{
	const struct sim_stats *st = sim_stats(r->sim);
	struct jsonw jw;

	jsonw_init(&jw, stdout);
	jsonw_obj(&jw);
	describe(r, &jw);
	jsonw_key(&jw, "gen_s");
	jsonw_fixed(&jw, r->gen_s, 6);
	jsonw_key(&jw, "sim_s");
	jsonw_fixed(&jw, r->sim_s, 6);
	jsonw_key(&jw, "wall_s");
	jsonw_fixed(&jw, r->wall_s, 6);
	jsonw_key(&jw, "events_per_s");
	jsonw_fixed(&jw, r->sim_s > 0 ? (double)st->events / r->sim_s : 0.0, 0);
	jsonw_end(&jw);
	jsonw_nl(&jw);
}

static void
dist_row(const char *label, const struct metrics_dist *d)
{
	printf("  %-10s %12.0f %10" PRId64 " %10" PRId64 " %10" PRId64
	       " %10" PRId64 "\n", label, d->mean, d->p50, d->p90, d->p99,
	       d->max);
}

static void
print_pool(const struct pool *p)
{
	struct census c;
	uint64_t tot = 0;

	census_take(p, &c);
	printf("pool         %" PRIu64 " GPUs on %zu nodes: %zu clusters, %zu "
	       "sites\n", p->total_gpus, p->nnodes, p->nclusters, p->nsites);
	printf("  %-12s %-9s %7s", "site", "provider", "nodes");
	for (int m = 0; m < c.nmodels; m++)
		printf(" %7s", model_name(p, m));
	printf("\n");
	for (size_t s = 0; s < p->nsites; s++) {
		printf("  %-12.12s %-9.9s %7" PRIu64, site_name(p, s),
		       provider_name(p, s), c.nodes[s]);
		for (int m = 0; m < c.nmodels; m++) {
			uint64_t g = c.gpus[s * POOL_MAX_MODELS + m];
			if (g > 0)
				printf(" %7" PRIu64, g);
			else
				printf(" %7s", "-");
		}
		printf("\n");
		tot += c.nodes[s];
	}
	printf("  %-12s %-9s %7" PRIu64, "total", "", tot);
	for (int m = 0; m < c.nmodels; m++)
		printf(" %7" PRIu64, c.model_gpus[m]);
	printf("\n");
	census_free(&c);
}

static void
print_text(struct run *r)
{
	const struct metrics *m = sim_metrics(r->sim);
	const struct sim_stats *st = sim_stats(r->sim);
	const struct synth_opts *so = &r->a.so;
	uint64_t pend = 0;
	int first = 1;

	printf("allot run %s: scale %g, seed %" PRIu64 ", %g days, %u tenants, "
	       "offered load %.2f\n", r->a.scenario, r->a.scale, so->seed,
	       (double)so->duration_s / 86400.0, so->tenants, so->load);
	print_pool(&r->pool);
	printf("scheduler    %s order (Fair Tree fair share, multifactor "
	       "priority, backfill %u reservations/pass), %s placement for "
	       "GPU shares, no grants\n", sched_order_name(SCHED_PRIORITY),
	       r->a.backfill, place_policy_name((enum place_policy)r->a.pol));
	printf("workload     %zu jobs:", r->ss.njobs);
	for (int k = 0; k < CLASS_NCLASSES; k++)
		printf(" %s %zu%s", job_class_name((enum job_class)k),
		       r->ss.by_class[k], k + 1 < CLASS_NCLASSES ? "," : "");
	printf("; offered load %.2f realised\n", r->ss.offered_load);
	printf("jobs         submitted %zu, completed %zu, rejected %zu, "
	       "unfinished %zu; %" PRIu64 " preemptions\n", m->jobs,
	       m->completed, m->rejected, m->unfinished, st->preempted);
	printf("utilisation  %.2f %% of GPU capacity allocated while jobs arrive "
	       "(days 0-%g); %.2f %% over the whole run to day %.1f (with the "
	       "drain)\n", r->window_pct, (double)so->duration_s / DAY,
	       m->alloc_pct, (double)m->t_end / DAY);
	printf("  by day     ");
	if (r->ndays == 0)
		printf(" -");
	for (size_t k = 0; k < r->ndays && k < 31; k++)
		printf(" %.0f", r->day_pct[k]);
	printf("%s %%; fragmentation %.2f %% of free GPU\n",
	       r->ndays > 31 ? " ..." : "", m->frag_pct);
	printf("  %-10s %12s %10s %10s %10s %10s\n", "seconds", "mean", "p50",
	       "p90", "p99", "max");
	dist_row("wait", &m->wait);
	dist_row("jct", &m->jct);
	if (m->jain_tenants > 0)
		printf("fairness     Jain %.4f over %zu tenants\n", m->jain,
		       m->jain_tenants);
	else
		printf("fairness     - (no tenant completed GPU work)\n");
	for (int k = 1; k < SCHED_NREASONS; k++)
		pend += st->reasons[k];
	printf("pending      %" PRIu64 " job-pass decisions over %" PRIu64
	       " passes", pend, st->passes);
	for (int k = 1; k < SCHED_NREASONS; k++) {
		if (st->reasons[k] == 0)
			continue;
		printf("%s %s %" PRIu64, first ? ":" : ",",
		       sched_reason_name((enum sched_reason)k), st->reasons[k]);
		first = 0;
	}
	printf("\n");
	printf("time         generate %.3f s, simulate %.3f s (%" PRIu64
	       " events, %.2f M events/s), total %.3f s\n", r->gen_s,
	       r->sim_s, st->events,
	       r->sim_s > 0 ? (double)st->events / r->sim_s / 1e6 : 0.0,
	       r->wall_s);
}

static FILE *
open_out(const char *dir, const char *name, char *path, size_t cap)
{
	FILE *f;

	if ((size_t)snprintf(path, cap, "%s/%s", dir, name) >= cap) {
		fprintf(stderr, "allot run: %s/%s: path too long\n", dir, name);
		return NULL;
	}
	if ((f = fopen(path, "w")) == NULL)
		fprintf(stderr, "allot run: %s: %s\n", path, strerror(errno));
	return f;
}

static int
write_file(struct run *r, const char *name, int which)
{
	char path[4096];
	FILE *f;
	int rc = 0;

	if ((f = open_out(r->a.out, name, path, sizeof path)) == NULL)
		return err_exit_status(ERR_IO);
	switch (which) {
	case 0: {
		char *text;
		size_t len;
		struct err e;
		err_clear(&e);
		if ((rc = korea_pool_text(r->a.scale, &text, &len, &e)) == 0) {
			if (fwrite(text, 1, len, f) != len)
				rc = ERR_IO;
			free(text);
		}
		break;
	}
	case 1: {
		struct jsonw jw;
		jsonw_init(&jw, f);
		jsonw_obj(&jw);
		describe(r, &jw);
		jsonw_end(&jw);
		jsonw_nl(&jw);
		break;
	}
	case 2:
		rc = metrics_write_util_csv(sim_metrics(r->sim), f);
		break;
	case 3:
		rc = metrics_write_jobs_csv(&r->w, f);
		break;
	default:
		rc = metrics_write_tenants_csv(sim_metrics(r->sim), &r->w, f);
	}
	if (ferror(f))
		rc = ERR_IO;
	if (fclose(f) != 0 || rc != 0) {
		fprintf(stderr, "allot run: %s: write failed\n", path);
		return err_exit_status(ERR_IO);
	}
	return 0;
}

/* mkdir -p: creates dir and any missing parents. */
static int
make_dirs(const char *dir)
{
	char path[4096];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST)
			return -1;
		path[i] = i < n ? '/' : '\0';
	}
	return 0;
}

static int
write_out(struct run *r)
{
	static const char *const files[] = {"pool.pool", "metrics.json",
					    "utilisation.csv", "jobs.csv",
					    "per_tenant.csv"};
	int rc;

	for (int i = 0; i < 5; i++)
		if ((rc = write_file(r, files[i], i)) != 0)
			return rc;
	return 0;
}

static int
exec_run(int argc, char **argv)
{
	struct run r;
	struct sim_opts o;
	struct err e;
	double t0, t1;
	int rc;

	{
		int synthetic = 0;
		for (int i = 1; i < argc; i++)
			synthetic |= strcmp(argv[i], KOREA_SYNTHETIC) == 0;
		if (!synthetic)
			return cmd_run_program(argc, argv);
	}
	memset(&r, 0, sizeof r);
	if ((rc = parse_args(argc, argv, &r.a)) != 0)
		return rc;
	/* The output folder first, so that a bad one fails before the run. */
	if (r.a.out != NULL && make_dirs(r.a.out) != 0) {
		fprintf(stderr, "allot run: %s: %s\n", r.a.out, strerror(errno));
		return err_exit_status(ERR_IO);
	}
	pool_init(&r.pool);
	workload_init(&r.w);
	err_clear(&e);
	t0 = cmd_now_s();
	if ((rc = korea_pool(r.a.scale, &r.pool, &e)) != 0 ||
	    (rc = synth_generate(&r.pool, &r.a.so, &r.w, &r.ss, &e)) != 0) {
		fprintf(stderr, "allot run: %s\n", e.msg);
		rc = err_exit_status(rc);
		goto out;
	}
	t1 = cmd_now_s();
	r.gen_s = t1 - t0;
	sim_opts_init(&o);
	o.order = SCHED_PRIORITY;
	o.policy = r.a.pol;
	o.seed = r.a.so.seed;
	o.backfill_depth = r.a.backfill;
	o.pass_interval = r.a.pass_interval;
	r.sim = sim_new(&r.pool, &r.w, &o);
	rc = sim_run(r.sim, &e);
	r.sim_s = cmd_now_s() - t1;
	if (rc != 0) {
		fprintf(stderr, "allot run: %s\n", e.msg);
		rc = err_exit_status(rc);
		goto out;
	}
	(void)sim_metrics(r.sim);
	window_alloc(&r);
	r.wall_s = cmd_now_s() - t0;
	if (r.a.json)
		print_json(&r);
	else
		print_text(&r);
	if (r.a.out != NULL)
		rc = write_out(&r);
	if (fflush(stdout) != 0 && rc == 0) {
		fprintf(stderr, "allot run: stdout: %s\n", strerror(errno));
		rc = err_exit_status(ERR_IO);
	}
out:
	free(r.day_pct);
	sim_free(r.sim);
	workload_free(&r.w);
	pool_free(&r.pool);
	return rc;
}

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.usage = "[korea-2026 | FILE] [--scale X] [--seed N] [--pass-interval S] "
		 "[--reps N] [--json] [--out DIR] [--print-scenario]\n"
		 "       allot run korea-synthetic [--scale X] [--seed N] [--days D] "
		 "[--tenants N] [--load L] [--workload SPEC] [--policy NAME] "
		 "[--backfill K] [--pass-interval S] [--json] [--out DIR]",
	.summary = "replay a national programme end to end (default korea-2026)",
	.help =
	    "  korea-2026        (the default) the Korean programme, Aug 2025 - Jul\n"
	    "                    2027: the national pool as it grows, the model\n"
	    "                    competition with its rounds, the open calls, idle\n"
	    "                    reclaim, the ministries' share (docs/PROGRAMS.md)\n"
	    "  FILE              a program scenario file (docs/PROGRAMS.md)\n"
	    "  --scale X         multiply the built-in pool's servers by X\n"
	    "                    (0 < X <= 100; default 1, the real size)\n"
	    "  --seed N          the run's seed (default: the scenario's)\n"
	    "  --pass-interval S seconds between scheduling passes (default: the\n"
	    "                    scenario's; korea-2026 says 300)\n"
	    "  --reps N          bootstrap replicates of the model-scored rounds\n"
	    "  --json            one JSON object on stdout (no wall-clock fields)\n"
	    "  --out DIR         write the run's files (docs/REPORT.md), its audit\n"
	    "                    log audit.jsonl and report.html into DIR\n"
	    "  --print-scenario  print the built-in korea-2026 scenario file\n"
	    "\n"
	    "  korea-synthetic   the national pool (22,176 GPUs at scale 1) under a\n"
	    "                    synthetic workload, national policy (fair share,\n"
	    "                    backfill); its options:\n"
	    "  --days D          arrivals over D days (default 2)\n"
	    "  --tenants N       tenants (default 60, Zipf-distributed demand)\n"
	    "  --load L          offered GPU load / capacity (default 0.9)\n"
	    "  --workload SPEC   more generator keys, e.g. zipf=0,gang=64\n"
	    "                    (docs/POOL-FORMAT.md; the flags above win)\n"
	    "  --policy NAME     placement of GPU shares (default FGD)\n"
	    "  --backfill K      reservations per pass (default 8; 0 = none)\n"
	    "  --pass-interval S at most one scheduling pass per S simulated\n"
	    "                    seconds (default 0: a pass at every change)\n"
	    "  --json            one JSON object on stdout; wall-clock fields:\n"
	    "                    gen_s, sim_s, wall_s, events_per_s\n"
	    "  --out DIR         write pool.pool, metrics.json, utilisation.csv,\n"
	    "                    jobs.csv, per_tenant.csv (no wall-clock figures)\n",
	.exec = exec_run,
};
