/*
 * synth.c — the synthetic workload generator (the model is in synth.h).
 *
 * The pool is summarised once into capacity classes (site, model, GPUs,
 * CPU, memory of UP nodes, with counts, sorted by site), so "does this
 * shape fit the empty pool within one site" costs one pass over a few
 * classes, not over the nodes.  Two random streams: a pilot stream that
 * estimates the mean GPU count of the shape mix (for the arrival rate),
 * and the main stream that draws arrivals and jobs in order.  Both are
 * seeded from the options only.  The generator owns its scratch arrays;
 * the workload owns the jobs and tenant names it receives.
 */
#include "sim/synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/rng.h"

#define PILOT 20000
#define MIN_DUR 60.0
#define MAX_DUR (7 * 86400.0)
#define MAX_LIMIT (14 * 86400)
#define LIMIT_STEP 900
#define GRACE_S 600
#define MAX_GANG_CAP 512u

static const char *const shape_names[SYNTH_NSHAPES] = {
	"cpu", "share", "gpu1", "gpu2", "gpu4", "node", "gang",
};

/* Shape mix (sums to 1). */
static const double shape_p[SYNTH_NSHAPES] = {
	0.08, 0.17, 0.30, 0.08, 0.08, 0.17, 0.12,
};

/* Class given shape: rows are shapes, columns enum job_class
 * (training, finetune, inference, eval, simulation). */
static const double class_p[SYNTH_NSHAPES][CLASS_NCLASSES] = {
	[SYNTH_CPU] = {0, 0, 0, 0.40, 0.60},
	[SYNTH_SHARE] = {0, 0, 0.70, 0.30, 0},
	[SYNTH_GPU1] = {0, 0.25, 0.35, 0.25, 0.15},
	[SYNTH_GPU2] = {0, 0.50, 0.20, 0.10, 0.20},
	[SYNTH_GPU4] = {0, 0.50, 0.20, 0.10, 0.20},
	[SYNTH_NODE] = {0.35, 0.45, 0, 0.10, 0.10},
	[SYNTH_GANG] = {0.90, 0, 0, 0, 0.10},
};

/* Log-normal durations by class: median seconds and sigma. */
static const struct {
	double median, sigma;
} dur_p[CLASS_NCLASSES] = {
	[CLASS_TRAINING] = {8 * 3600.0, 1.0},
	[CLASS_FINETUNE] = {2 * 3600.0, 1.0},
	[CLASS_INFERENCE] = {3600.0, 1.5},
	[CLASS_EVAL] = {1200.0, 1.0},
	[CLASS_SIMULATION] = {3600.0, 1.2},
};

static const uint16_t share_milli[] = {100, 200, 250, 300, 400, 500, 600, 750};

struct cap {
	uint32_t site;
	uint32_t cpu, mem;
	uint8_t model, ngpu;
	uint32_t count;
};

struct gen {
	const struct synth_opts *o;
	struct cap *caps;
	size_t ncaps;
	int nmodels;
	uint64_t model_gpus[POOL_MAX_MODELS];
	uint64_t gpus;                 /* on UP nodes */
	uint8_t model_max[POOL_MAX_MODELS];
	uint32_t model_cpg[POOL_MAX_MODELS], model_mpg[POOL_MAX_MODELS];
	uint32_t all_cpg, all_mpg;     /* smallest CPU/memory per GPU */
	uint32_t min_cpu, min_mem;     /* smallest node */
	int kmax;                      /* gangs of 16 << 0..kmax GPUs */
	double edur[CLASS_NCLASSES];   /* mean clamped duration */
};

const char *
synth_shape_name(enum synth_shape s)
{
	return (unsigned)s < SYNTH_NSHAPES ? shape_names[s] : "?";
}

void
synth_defaults(struct synth_opts *o)
{
	memset(o, 0, sizeof *o);
	o->seed = 1;
	o->tenants = 50;
	o->duration_s = 7 * 86400;
	o->load = 0.8;
	o->zipf = 1.1;
	o->max_gang_gpus = 512;
}

/* ---- options ------------------------------------------------------------ */

static int
num(const char *key, const char *v, size_t n, double lo, double hi,
    double *out, struct err *e)
{
	char tmp[40], *end;
	double x;

	if (n == 0 || n >= sizeof tmp)
		goto bad;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789.eE+-", tmp[i]))
			goto bad;
	x = strtod(tmp, &end);
	if (*end != '\0' || !(x >= lo && x <= hi))
		goto bad;
	*out = x;
	return 0;
bad:
	return err_at(e, ERR_INVALID, "synth", 0, key,
		      "expected a number %g..%g, got \"%.*s\"", lo, hi,
		      (int)(n < 40 ? n : 40), v);
}

static int
whole(const char *key, const char *v, size_t n, double lo, double hi,
      double *out, struct err *e)
{
	int rc = num(key, v, n, lo, hi, out, e);

	if (rc == 0 && *out != floor(*out))
		return err_at(e, ERR_INVALID, "synth", 0, key,
			      "expected a whole number, got \"%.*s\"",
			      (int)(n < 40 ? n : 40), v);
	return rc;
}

int
synth_parse(const char *spec, struct synth_opts *o, struct err *e)
{
	struct synth_opts t = *o;
	size_t n = strlen(spec), i = 0;
	double x;
	int rc;

	if (n > 4096)
		return err_at(e, ERR_LIMIT, "synth", 0, NULL, "spec longer than "
			      "4096 bytes");
	while (n > 0 && i <= n) {
		size_t j = i, eq;
		while (j < n && spec[j] != ',')
			j++;
		eq = i;
		while (eq < j && spec[eq] != '=')
			eq++;
		const char *k = spec + i, *v = spec + eq + 1;
		size_t kn = eq - i, vn = eq < j ? j - eq - 1 : 0;
		if (eq == j)
			return err_at(e, ERR_INVALID, "synth", 0, NULL,
				      "expected key=value, got \"%.*s\"",
				      (int)(j - i < 40 ? j - i : 40), k);
#define KEY(lit) (kn == sizeof(lit) - 1 && memcmp(k, lit, kn) == 0)
		if (KEY("seed")) {
			if ((rc = whole("seed", v, vn, 0, 9007199254740992.0, &x,
					e)) != 0)
				return rc;
			t.seed = (uint64_t)x;
		} else if (KEY("tenants")) {
			if ((rc = whole("tenants", v, vn, 1, 100000, &x, e)) != 0)
				return rc;
			t.tenants = (uint32_t)x;
		} else if (KEY("days") || KEY("hours") || KEY("seconds")) {
			double unit = KEY("days") ? 86400 : KEY("hours") ? 3600 : 1;
			if ((rc = num(KEY("days") ? "days" : KEY("hours") ? "hours"
				      : "seconds", v, vn, 0, 3.2e9 / unit, &x,
				      e)) != 0)
				return rc;
			t.duration_s = (int64_t)floor(x * unit + 0.5);
		} else if (KEY("load")) {
			if ((rc = num("load", v, vn, 0, 100, &t.load, e)) != 0)
				return rc;
		} else if (KEY("zipf")) {
			if ((rc = num("zipf", v, vn, 0, 10, &t.zipf, e)) != 0)
				return rc;
		} else if (KEY("gang")) {
			if ((rc = whole("gang", v, vn, 16, MAX_GANG_CAP, &x, e)) != 0)
				return rc;
			t.max_gang_gpus = (uint32_t)x;
		} else if (KEY("max-jobs")) {
			if ((rc = whole("max-jobs", v, vn, 1, 1e9, &x, e)) != 0)
				return rc;
			t.max_jobs = (size_t)x;
		} else
			return err_at(e, ERR_INVALID, "synth", 0, NULL,
				      "unknown key \"%.*s\" (keys: seed, tenants, "
				      "days, hours, seconds, load, zipf, gang, "
				      "max-jobs)", (int)(kn < 40 ? kn : 40), k);
#undef KEY
		i = j + 1;
	}
	*o = t;
	return 0;
}

/* ---- the pool's capacity ------------------------------------------------ */

static int
cmp_cap(const void *a, const void *b)
{
	const struct cap *x = a, *y = b;

	if (x->site != y->site)
		return x->site < y->site ? -1 : 1;
	if (x->model != y->model)
		return x->model < y->model ? -1 : 1;
	if (x->ngpu != y->ngpu)
		return x->ngpu < y->ngpu ? -1 : 1;
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	if (x->mem != y->mem)
		return x->mem < y->mem ? -1 : 1;
	return 0;
}

static int
summarise(struct gen *g, const struct pool *p, struct err *e)
{
	size_t n = 0;

	g->caps = xmalloc((p->nnodes + 1) * sizeof *g->caps);
	g->nmodels = (int)p->model_names.n;
	g->all_cpg = g->all_mpg = g->min_cpu = g->min_mem = UINT32_MAX;
	for (int m = 0; m < POOL_MAX_MODELS; m++)
		g->model_cpg[m] = g->model_mpg[m] = UINT32_MAX;
	for (size_t i = 0; i < p->nnodes; i++) {
		const struct node *x = &p->nodes[i];
		if (x->state != NODE_UP)
			continue;
		g->caps[n++] = (struct cap){pool_node_site(p, (uint32_t)i),
					    x->cpu_milli, x->mem_mib,
					    x->ngpu ? x->model : 0, x->ngpu, 1};
		if (x->cpu_milli < g->min_cpu)
			g->min_cpu = x->cpu_milli;
		if (x->mem_mib < g->min_mem)
			g->min_mem = x->mem_mib;
		if (x->ngpu == 0)
			continue;
		uint32_t cpg = x->cpu_milli / x->ngpu, mpg = x->mem_mib / x->ngpu;
		g->gpus += x->ngpu;
		g->model_gpus[x->model] += x->ngpu;
		if (x->ngpu > g->model_max[x->model])
			g->model_max[x->model] = x->ngpu;
		if (cpg < g->model_cpg[x->model])
			g->model_cpg[x->model] = cpg;
		if (mpg < g->model_mpg[x->model])
			g->model_mpg[x->model] = mpg;
		if (cpg < g->all_cpg)
			g->all_cpg = cpg;
		if (mpg < g->all_mpg)
			g->all_mpg = mpg;
	}
	if (g->gpus == 0)
		return err_set(e, ERR_INVALID, "synth: the pool has no GPU on a "
			       "node that is up");
	qsort(g->caps, n, sizeof *g->caps, cmp_cap);
	g->ncaps = 0;
	for (size_t i = 0; i < n; i++) {
		if (g->ncaps > 0 && cmp_cap(&g->caps[g->ncaps - 1], &g->caps[i]) == 0)
			g->caps[g->ncaps - 1].count++;
		else
			g->caps[g->ncaps++] = g->caps[i];
	}
	return 0;
}

/* Whether j fits the empty pool on nodes of one site. */
static int
fits(const struct gen *g, const struct job *j)
{
	uint64_t count = 0;

	for (size_t i = 0; i < g->ncaps; i++) {
		const struct cap *c = &g->caps[i];
		if (i > 0 && c->site != g->caps[i - 1].site)
			count = 0;
		if (c->cpu < j->cpu_milli || c->mem < j->mem_mib)
			continue;
		if (j->gpus_per_node > 0 &&
		    (c->ngpu < j->gpus_per_node || !job_allows_model(j, c->model)))
			continue;
		count += c->count;
		if (count >= j->nodes)
			return 1;
	}
	return 0;
}

/* ---- drawing ------------------------------------------------------------ */

static int
pick(struct rng *r, const double *p, int n)
{
	double u = rng_double(r), c = 0;

	for (int i = 0; i < n - 1; i++) {
		c += p[i];
		if (u < c)
			return i;
	}
	return n - 1;
}

/* A model drawn in proportion to its GPUs on up nodes: 0..nmodels-1,
 * never a model without such GPUs (summarise saw at least one). */
static int
pick_model(const struct gen *g, struct rng *r)
{
	uint64_t x = rng_below(r, g->gpus);
	int m;

	ALLOT_ASSERT(g->nmodels > 0 && g->nmodels <= POOL_MAX_MODELS);
	for (m = 0; m < g->nmodels - 1; m++) {
		if (x < g->model_gpus[m])
			break;
		x -= g->model_gpus[m];
	}
	return m;
}

static double
normal(struct rng *r)
{
	double u1 = 1.0 - rng_double(r), u2 = rng_double(r);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

static double
phi(double x)
{
	return 0.5 * erfc(-x / sqrt(2.0));
}

/* E[min(max(X, a), b)] for X log-normal with median m and sigma s. */
static double
clamped_mean(double m, double s, double a, double b)
{
	double mu = log(m), la = log(a), lb = log(b);

	return a * phi((la - mu) / s) + b * (1 - phi((lb - mu) / s)) +
	       exp(mu + s * s / 2) * (phi((lb - mu - s * s) / s) -
				      phi((la - mu - s * s) / s));
}

/* CPU and memory per node: a fraction of the smallest per-GPU share of the
 * nodes the job may use (of the smallest node for CPU-only jobs).  The
 * fractions are rounded up to quarters and the amounts down to whole
 * cores and GiB, as people ask for them: a workload of a few dozen
 * distinct shapes, not thousands (FGD measures fragmentation against the
 * distribution of shapes, and its cost grows with their number). */
static void
resources(const struct gen *g, struct job *j, int m, double fc, double fm)
{
	double cpu, mem;

	fc = ceil(fc * 4) / 4;
	fm = ceil(fm * 4) / 4;

	if (j->gpus_per_node == 0) {
		cpu = fc * (g->min_cpu < 32000 ? g->min_cpu : 32000);
		mem = fm * (g->min_mem < 131072 ? g->min_mem : 131072);
	} else {
		double k = j->gpu_milli < MILLI ? j->gpu_milli / 1000.0
						 : j->gpus_per_node;
		cpu = fc * k * (m >= 0 ? g->model_cpg[m] : g->all_cpg);
		mem = fm * k * (m >= 0 ? g->model_mpg[m] : g->all_mpg);
	}
	j->cpu_milli = (uint32_t)(floor(cpu / 1000) * 1000);
	j->mem_mib = (uint32_t)(floor(mem / 1024) * 1024);
}

static enum synth_shape
shape_of(const struct job *j)
{
	if (j->gpus_per_node == 0)
		return SYNTH_CPU;
	if (j->gpu_milli < MILLI)
		return SYNTH_SHARE;
	if (j->nodes > 1)
		return SYNTH_GANG;
	if (j->gpus_per_node >= 5)
		return SYNTH_NODE;
	if (j->gpus_per_node >= 3)
		return SYNTH_GPU4;
	return j->gpus_per_node == 2 ? SYNTH_GPU2 : SYNTH_GPU1;
}

/* Draws one job's shape, class, resources, duration, limit and flags.
 * Returns 1 if the first shape had to be shrunk to fit. */
static int
draw(const struct gen *g, struct rng *r, struct job *j)
{
	enum synth_shape sh = (enum synth_shape)pick(r, shape_p, SYNTH_NSHAPES);
	int cls = pick(r, class_p[sh], CLASS_NCLASSES), m = -1, shrunk = 0;
	double fc, fm, z, lim;

	memset(j, 0, sizeof *j);
	j->nodes = 1;
	j->gpu_milli = MILLI;
	j->start = j->end = -1;
	j->class = (uint8_t)cls;
	switch (sh) {
	case SYNTH_CPU:
		break;
	case SYNTH_GANG: {
		double w[8];
		int k;
		for (k = 0; k <= g->kmax; k++)
			w[k] = ldexp(1.0, -k) / (2.0 - ldexp(1.0, -g->kmax));
		k = pick(r, w, g->kmax + 1);
		m = pick_model(g, r);
		j->gpus_per_node = g->model_max[m];
		j->nodes = (uint16_t)(((16u << k) + j->gpus_per_node - 1) /
				      j->gpus_per_node);
		break;
	}
	default:
		j->gpus_per_node = sh == SYNTH_NODE ? POOL_MAX_GPUS_PER_NODE :
				   sh == SYNTH_GPU4 ? 4 : sh == SYNTH_GPU2 ? 2 : 1;
		if (sh == SYNTH_SHARE)
			j->gpu_milli = share_milli[rng_below(r, sizeof share_milli /
								 sizeof share_milli[0])];
		if (rng_double(r) < 0.5)
			m = pick_model(g, r);
		break;
	}
	if (m >= 0)
		j->model_mask = 1u << m;
	fc = 0.25 + 0.75 * rng_double(r);
	fm = 0.25 + 0.75 * rng_double(r);
	resources(g, j, m, fc, fm);
	while (!fits(g, j)) {
		shrunk = 1;
		if (j->nodes > 1)
			j->nodes = (uint16_t)(j->nodes / 2);
		else if (j->gpus_per_node > 1)
			j->gpus_per_node = (uint16_t)(j->gpus_per_node / 2);
		else if (j->model_mask != 0) {
			j->model_mask = 0;
			m = -1;
		} else if (j->gpus_per_node == 1) {
			j->gpus_per_node = 0;
			j->gpu_milli = MILLI;
		} else {
			ALLOT_ASSERT(j->cpu_milli > 0 || j->mem_mib > 0);
			j->cpu_milli = j->mem_mib = 0;
			continue;
		}
		resources(g, j, m, fc, fm);
	}
	z = normal(r);
	{
		double d = dur_p[cls].median * exp(dur_p[cls].sigma * z);
		d = d < MIN_DUR ? MIN_DUR : d > MAX_DUR ? MAX_DUR : d;
		j->duration = (int64_t)floor(d + 0.5);
	}
	lim = (double)j->duration * (1.2 + 1.8 * rng_double(r));
	lim = ceil(lim / LIMIT_STEP) * LIMIT_STEP;
	j->time_limit = lim > MAX_LIMIT ? MAX_LIMIT : (int64_t)lim;
	if (j->time_limit < j->duration)
		j->time_limit = j->duration;
	{
		double u = rng_double(r);
		if ((cls == CLASS_TRAINING || cls == CLASS_FINETUNE) && u < 0.6) {
			j->flags = JOB_CHECKPOINTABLE | JOB_PREEMPTIBLE;
			j->grace_s = GRACE_S;
		} else if ((cls == CLASS_EVAL || cls == CLASS_SIMULATION) && u < 0.5)
			j->flags = JOB_PREEMPTIBLE;
	}
	return shrunk;
}

/* ---- the generator ------------------------------------------------------ */

int
synth_generate(const struct pool *p, const struct synth_opts *o,
	       struct workload *w, struct synth_stats *st, struct err *e)
{
	struct gen g;
	struct synth_stats s;
	struct rng r;
	double *cum = NULL, total = 0, sum = 0, t = 0, gpu_s = 0, expect;
	uint32_t *tid = NULL;
	size_t max = o->max_jobs ? o->max_jobs : SYNTH_DEFAULT_MAX_JOBS;
	size_t first = w->njobs;
	char name[32];
	int rc = 0;

	memset(&g, 0, sizeof g);
	memset(&s, 0, sizeof s);
	g.o = o;
	if (o->tenants < 1 || o->tenants > 100000 || o->duration_s < 0 ||
	    !(o->load >= 0 && o->load <= 100) || !(o->zipf >= 0 && o->zipf <= 10) ||
	    o->max_gang_gpus < 16 || o->max_gang_gpus > MAX_GANG_CAP)
		return err_set(e, ERR_INVALID, "synth: options out of range "
			       "(tenants 1..100000, duration >= 0, load 0..100, "
			       "zipf 0..10, gang 16..%u)", MAX_GANG_CAP);
	if ((rc = summarise(&g, p, e)) != 0)
		goto out;
	while (g.kmax < 5 && (16u << (g.kmax + 1)) <= o->max_gang_gpus)
		g.kmax++;
	for (int c = 0; c < CLASS_NCLASSES; c++)
		g.edur[c] = clamped_mean(dur_p[c].median, dur_p[c].sigma, MIN_DUR,
					 MAX_DUR);

	/* Pilot: the mean GPU count of the mix, weighted by class duration. */
	rng_seed(&r, o->seed ^ 0x5851f42d4c957f2dULL);
	for (int i = 0; i < PILOT; i++) {
		struct job j;
		draw(&g, &r, &j);
		sum += (double)job_gpu_milli(&j) / MILLI * g.edur[j.class];
	}
	s.mean_gpu_s = sum / PILOT;
	s.rate = s.mean_gpu_s > 0 ? o->load * (double)g.gpus / s.mean_gpu_s : 0;
	expect = s.rate * (double)o->duration_s;
	if (expect > (double)max) {
		rc = err_set(e, ERR_LIMIT, "synth: about %.0f jobs expected, more "
			     "than the limit of %zu", expect, max);
		goto out;
	}

	/* Tenants by rank, and the Zipf law over them. */
	cum = xmalloc(o->tenants * sizeof *cum);
	tid = xmalloc(o->tenants * sizeof *tid);
	for (uint32_t k = 0; k < o->tenants; k++) {
		total += pow((double)(k + 1), -o->zipf);
		cum[k] = total;
		snprintf(name, sizeof name, "tenant-%03u", (unsigned)k);
		tid[k] = strtab_intern(&w->tenants, name, strlen(name));
	}

	rng_seed(&r, o->seed);
	for (;;) {
		struct job j;
		double x;
		uint32_t lo = 0, hi = o->tenants - 1;
		if (s.rate <= 0)
			break;
		t += -log(1.0 - rng_double(&r)) / s.rate;
		if (t >= (double)o->duration_s)
			break;
		if (w->njobs - first >= max) {
			rc = err_set(e, ERR_LIMIT, "synth: more than %zu jobs", max);
			w->njobs = first;
			goto out;
		}
		x = rng_double(&r) * total;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (x < cum[mid])
				hi = mid;
			else
				lo = mid + 1;
		}
		s.shrunk += (size_t)draw(&g, &r, &j);
		j.tenant = tid[lo];
		j.submit = (int64_t)floor(t);
		workload_add(w, &j);
		s.by_shape[shape_of(&j)]++;
		s.by_class[j.class]++;
		gpu_s += (double)job_gpu_milli(&j) / MILLI * (double)j.duration;
	}
	s.njobs = w->njobs - first;
	s.offered_load = o->duration_s > 0 ?
			 gpu_s / ((double)g.gpus * (double)o->duration_s) : 0;
	if (st != NULL)
		*st = s;
out:
	free(g.caps);
	free(cum);
	free(tid);
	return rc;
}
