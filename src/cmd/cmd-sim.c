/*
 * cmd-sim.c — `allot sim`: replay a trace on a pool with the real
 * scheduling pass and report what happened.
 *
 *	allot sim --trace FILE --format openb|philly|swf [--pool FILE]
 *	          [--nodes OPENB_NODES.csv] [--policy NAME] [--seed N]
 *	          [--skip-bad] [--first-fit] [--sample SECONDS] [--json]
 *	          [--out DIR]
 *
 * The option names are an interface scripts rely on (DESIGN.md §7).
 * Output: a summary table on stdout, or with --json one JSON object (the
 * metrics plus `events`, `wall_s`, `events_per_s`).  --out DIR writes
 * metrics.json, utilisation.csv, jobs.csv and per_tenant.csv, which hold
 * no wall-clock figures: the same inputs and seed give the same bytes.
 * A progress bar goes to stderr, and only when stderr is a terminal.
 * Everything this command allocates is freed before it returns.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "model/job.h"
#include "model/pool.h"
#include "model/poolfile.h"
#include "sched/place.h"
#include "sched/sched.h"
#include "sim/metrics.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "util/err.h"
#include "util/jsonw.h"

#define EXIT_USAGE 64

struct args {
	const char *trace, *format, *pool, *nodes, *policy, *out;
	uint64_t seed;
	int64_t sample_s;
	int skip_bad, first_fit, json;
	int fmt, pol;
};

struct run {
	struct args a;
	struct pool pool;
	struct workload w;
	struct sim *sim;
	double wall_s;
	int progress_shown;
};

static int usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "allot sim: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: allot sim %s\n", cmd_sim_entry.usage);
	return EXIT_USAGE;
}

static int
parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* Option value: "--opt VALUE" or "--opt=VALUE". */
static const char *
value(int argc, char **argv, int *i, const char *opt)
{
	size_t n = strlen(opt);

	if (strncmp(argv[*i], opt, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc)
		return "";
	return argv[++*i];
}

static int
parse_args(int argc, char **argv, struct args *a)
{
	static const char *const names[] = {"--trace", "--format", "--pool",
					    "--nodes", "--policy", "--out",
					    "--seed", "--sample"};
	memset(a, 0, sizeof *a);
	a->seed = 42;
	a->pol = PLACE_BESTFIT;
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		size_t k;
		if (strcmp(argv[i], "--skip-bad") == 0) {
			a->skip_bad = 1;
			continue;
		}
		if (strcmp(argv[i], "--first-fit") == 0) {
			a->first_fit = 1;
			continue;
		}
		if (strcmp(argv[i], "--json") == 0) {
			a->json = 1;
			continue;
		}
		for (k = 0; k < sizeof names / sizeof names[0]; k++)
			if ((v = value(argc, argv, &i, names[k])) != NULL)
				break;
		if (v == NULL)
			return usage_error("unknown option %s", argv[i]);
		if (*v == '\0')
			return usage_error("%s needs a value", names[k]);
		switch (k) {
		case 0: a->trace = v; break;
		case 1: a->format = v; break;
		case 2: a->pool = v; break;
		case 3: a->nodes = v; break;
		case 4: a->policy = v; break;
		case 5: a->out = v; break;
		case 6:
			if (parse_u64(v, &a->seed) != 0)
				return usage_error("--seed: expected a "
						   "non-negative integer, got "
						   "\"%s\"", v);
			break;
		default: {
			uint64_t s;
			if (parse_u64(v, &s) != 0 || s > INT32_MAX)
				return usage_error("--sample: expected seconds "
						   "0..2147483647, got \"%s\"",
						   v);
			a->sample_s = (int64_t)s;
		}
		}
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

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
	return 0;
}

/* The run's description and figures: everything but wall-clock time. */
static void
describe(const struct run *r, struct sim *sim, struct jsonw *jw)
{
	const struct sim_stats *st = sim_stats(sim);

	jsonw_key(jw, "trace");
	jsonw_str(jw, r->a.trace);
	jsonw_key(jw, "format");
	jsonw_str(jw, trace_format_name((enum trace_format)r->a.fmt));
	jsonw_key(jw, "policy");
	jsonw_str(jw, place_policy_name((enum place_policy)r->a.pol));
	jsonw_key(jw, "order");
	jsonw_str(jw, sched_order_name(r->a.first_fit ? SCHED_FIRST_FIT
						       : SCHED_FIFO));
	jsonw_key(jw, "seed");
	jsonw_uint(jw, r->a.seed);
	jsonw_key(jw, "sample_s");
	jsonw_int(jw, r->a.sample_s);
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

	printf("allot sim: %s (%s), %zu jobs on %zu nodes / %" PRIu64
	       " GPUs, %s, %s, seed %" PRIu64 "\n", r->a.trace,
	       trace_format_name((enum trace_format)r->a.fmt), m->jobs,
	       r->pool.nnodes, r->pool.total_gpus,
	       place_policy_name((enum place_policy)r->a.pol),
	       sched_order_name(r->a.first_fit ? SCHED_FIRST_FIT : SCHED_FIFO),
	       r->a.seed);
	printf("  jobs         completed %zu, rejected %zu, unfinished %zu",
	       m->completed, m->rejected, m->unfinished);
	if (r->w.skipped > 0)
		printf(", bad lines skipped %zu", r->w.skipped);
	printf("\n  allocation   %.2f %% of GPU capacity, fragmentation %.2f %% "
	       "of free GPU (shape %ux%u milli)\n", m->alloc_pct, m->frag_pct,
	       m->shape_gpn, m->shape_milli);
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
	if ((rc = load(&r)) != 0)
		goto out;
	sim_opts_init(&o);
	o.policy = r.a.pol;
	o.seed = r.a.seed;
	o.order = r.a.first_fit ? SCHED_FIRST_FIT : SCHED_FIFO;
	o.sample_s = r.a.sample_s;
	if (isatty(STDERR_FILENO)) {
		o.progress = progress;
		o.progress_ctx = &r;
	}
	r.sim = sim_new(&r.pool, &r.w, &o);
	err_clear(&e);
	t0 = now_s();
	rc = sim_run(r.sim, &e);
	r.wall_s = now_s() - t0;
	if (r.progress_shown)
		fprintf(stderr, "\r%60s\r", "");
	if (rc != 0) {
		fprintf(stderr, "allot sim: %s\n", e.msg);
		rc = err_exit_status(rc);
		goto out;
	}
	if (sim_stats(r.sim)->stuck > 0)
		fprintf(stderr, "allot sim: warning: %zu jobs never started: the "
				"%s placer refused them on an idle pool although "
				"they fit it\n", sim_stats(r.sim)->stuck,
			place_policy_name((enum place_policy)r.a.pol));
	if (r.a.json) {
		struct jsonw jw;
		const struct sim_stats *st = sim_stats(r.sim);
		jsonw_init(&jw, stdout);
		jsonw_obj(&jw);
		describe(&r, r.sim, &jw);
		jsonw_key(&jw, "wall_s");
		jsonw_fixed(&jw, r.wall_s, 6);
		jsonw_key(&jw, "events_per_s");
		jsonw_fixed(&jw, r.wall_s > 0 ? (double)st->events / r.wall_s
					      : 0.0, 0);
		jsonw_end(&jw);
		jsonw_nl(&jw);
	} else {
		summary(&r, r.sim);
	}
	if (r.a.out != NULL)
		rc = write_out(&r, r.sim);
	if (fflush(stdout) != 0 && rc == 0) {
		fprintf(stderr, "allot sim: stdout: %s\n", strerror(errno));
		rc = err_exit_status(ERR_IO);
	}
out:
	sim_free(r.sim);
	workload_free(&r.w);
	pool_free(&r.pool);
	return rc;
}

const struct cmd_entry cmd_sim_entry = {
	.name = "sim",
	.usage = "--trace FILE --format openb|philly|swf [--pool FILE] "
		 "[--nodes OPENB_NODES.csv] [--policy NAME] [--seed N] "
		 "[--skip-bad] [--first-fit] [--sample SECONDS] [--json] "
		 "[--out DIR]",
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
	    "  --skip-bad          skip malformed trace lines instead of failing\n"
	    "  --first-fit         let jobs overtake a blocked head (default:\n"
	    "                      strict FIFO)\n"
	    "  --sample SECONDS    utilisation series as means over windows\n"
	    "                      (default 0: one point per change)\n"
	    "  --json              one JSON object on stdout\n"
	    "  --out DIR           write metrics.json, utilisation.csv, jobs.csv,\n"
	    "                      per_tenant.csv (no wall-clock figures)\n",
	.exec = exec_sim,
};
