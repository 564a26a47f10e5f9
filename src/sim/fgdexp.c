/*
 * fgdexp.c — the FGD paper's allocation experiment (see fgdexp.h).
 *
 * One run: reset the pool, build the task order for the seed (shuffle,
 * then inflate), place task after task with a fresh placer, and fold
 * each (arrived, allocated) record into per-percent buckets on the fly.
 * The experiment owns its pool and tasks; a run owns its placer and
 * order array and frees them before returning.
 *
 * Randomness: one stream seeded with the seed drives the shuffle and the
 * inflation; the placer gets its own stream derived from the seed, so a
 * policy's random choices do not change the task order.  The paper's
 * simulator draws everything from Go's global generator, so runs match
 * it in distribution, not seed by seed.
 */
#include "sim/fgdexp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/trace.h"
#include "util/alloc.h"
#include "util/rng.h"

int
fgdexp_load(struct fgdexp *x, const char *nodes_csv, const char *tasks_csv,
	    struct err *e)
{
	int rc;

	memset(x, 0, sizeof *x);
	pool_init(&x->pool);
	workload_init(&x->tasks);
	if ((rc = trace_read_openb_nodes(nodes_csv, NULL, &x->pool, e)) != 0 ||
	    (rc = trace_read(tasks_csv, TRACE_OPENB, NULL, &x->pool, &x->tasks,
			     e)) != 0) {
		fgdexp_free(x);
		return rc;
	}
	for (size_t i = 0; i < x->pool.nnodes; i++) {
		struct node *n = &x->pool.nodes[i];

		if (n->ngpu == 0)
			n->state = NODE_ABSENT;
		else
			x->gpus += n->ngpu;
	}
	return 0;
}

void
fgdexp_free(struct fgdexp *x)
{
	if (x == NULL)
		return;
	pool_free(&x->pool);
	workload_free(&x->tasks);
	memset(x, 0, sizeof *x);
}

static void
reset_pool(struct pool *p)
{
	for (size_t i = 0; i < p->nnodes; i++) {
		struct node *n = &p->nodes[i];

		n->cpu_free = n->cpu_milli;
		n->mem_free = n->mem_mib;
		for (int g = 0; g < n->ngpu; g++)
			n->gpu_free[g] = MILLI;
	}
}

/* The task order for one seed: the shuffled list, inflated (or thinned)
 * to target milli-GPU.  Returns the order (caller frees), its length in
 * *len. */
static uint32_t *
task_order(const struct workload *w, struct rng *r, double target, size_t *len)
{
	size_t n = w->njobs, cap = n + 1, k = n;
	uint32_t *ord = xmalloc(cap * sizeof *ord);
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++) {
		ord[i] = (uint32_t)i;
		total += job_gpu_milli(&w->jobs[i]);
	}
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)rng_below(r, i);
		uint32_t t = ord[i - 1];

		ord[i - 1] = ord[j];
		ord[j] = t;
	}
	if ((double)total < target) {
		/* Draw until the drawn task's per-GPU milli would overshoot
		 * (the simulator tests the per-GPU figure, then adds all). */
		for (;;) {
			uint32_t i = (uint32_t)rng_below(r, n);
			const struct job *j = &w->jobs[i];

			if ((double)(total + (j->gpus_per_node ? j->gpu_milli : 0)) >
			    target)
				break;
			total += job_gpu_milli(j);
			ord = xgrow(ord, &cap, k + 1, sizeof *ord);
			ord[k++] = i;
		}
	} else {
		while ((double)total > target && k > 0) {
			size_t i = (size_t)rng_below(r, k);

			total -= job_gpu_milli(&w->jobs[ord[i]]);
			memmove(&ord[i], &ord[i + 1], (k - i - 1) * sizeof *ord);
			k--;
		}
	}
	*len = k;
	return ord;
}

/* Python's round(x, 2), up to ties of the binary value. */
static double
round2(double x)
{
	return nearbyint(x * 100) / 100;
}

int
fgdexp_run(struct fgdexp *x, enum place_policy p, uint64_t seed,
	   double inflate, struct fgdexp_run *out, struct err *e)
{
	double bsum[FGDEXP_MAX_PCT + 2];
	size_t cnt[FGDEXP_MAX_PCT + 2];
	double gpus = (double)x->gpus;
	struct placer *pl;
	struct rng r;
	uint32_t *ord;
	size_t len;

	if (x->gpus == 0)
		return err_set(e, ERR_INVALID, "no GPU nodes in the node list");
	if (x->tasks.njobs == 0)
		return err_set(e, ERR_INVALID, "no tasks in the task list");
	if (!(inflate > 0 && inflate <= FGDEXP_MAX_PCT / 100.0))
		return err_set(e, ERR_INVALID, "inflate: must be in (0, %d], got %g",
			       FGDEXP_MAX_PCT / 100, inflate);
	memset(out, 0, sizeof *out);
	out->seed = seed;
	reset_pool(&x->pool);
	rng_seed(&r, seed);
	ord = task_order(&x->tasks, &r, inflate * gpus * MILLI, &len);
	pl = placer_new(&x->pool, p, seed ^ 0x5851f42d4c957f2dULL);
	placer_set_ties(pl, x->ties);
	placer_set_workload(pl, x->tasks.jobs, x->tasks.njobs);
	memset(bsum, 0, sizeof bsum);
	memset(cnt, 0, sizeof cnt);
	cnt[0] = 1; /* the record before the first task: 0 arrived, 0 used */
	for (size_t i = 0; i < len; i++) {
		const struct job *j = &x->tasks.jobs[ord[i]];
		struct alloc a = {0};
		double pct;

		out->arrived_milli += job_gpu_milli(j);
		if (placer_place(pl, j, &a) == 0) {
			out->alloc_milli += job_gpu_milli(j);
			alloc_free(&a);
		} else {
			out->failed++;
		}
		pct = nearbyint((double)out->arrived_milli / gpus / 10);
		if (pct <= FGDEXP_MAX_PCT) {
			size_t b = (size_t)pct;

			bsum[b] += round2((double)out->alloc_milli / gpus / 10);
			cnt[b]++;
		}
	}
	out->tasks = len;
	for (size_t a = 0; a <= FGDEXP_MAX_PCT; a++) {
		double s = bsum[a];
		size_t c = cnt[a];

		if (c == 0) {
			/* No record rounds to a: the records within a +- 1. */
			if (a > 0) {
				s += bsum[a - 1];
				c += cnt[a - 1];
			}
			s += bsum[a + 1];
			c += cnt[a + 1];
		}
		out->alloc_pct[a] = c > 0 ? round2(s / (double)c) : NAN;
	}
	out->unalloc_pct_at_100 = 100 - out->alloc_pct[100];
	out->alloc_pct_at_130 = out->alloc_pct[130];
	placer_free(pl);
	free(ord);
	reset_pool(&x->pool);
	return 0;
}

static int
parse_u64(const char *s, const char *end, uint64_t *v)
{
	uint64_t x = 0;

	if (s == end)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9' || x > (UINT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return 0;
}

int
fgdexp_parse_seeds(const char *s, uint64_t **seeds, size_t *n, struct err *e)
{
	uint64_t *v = NULL;
	size_t nv = 0, cap = 0;
	const char *p = s;

	*seeds = NULL;
	*n = 0;
	for (;;) {
		const char *end = strchr(p, ',');
		const char *dash;
		uint64_t lo, hi;

		if (end == NULL)
			end = p + strlen(p);
		dash = memchr(p, '-', (size_t)(end - p));
		if (dash != NULL ? parse_u64(p, dash, &lo) || parse_u64(dash + 1, end, &hi)
				 : parse_u64(p, end, &lo) || (hi = lo, 0)) {
			free(v);
			return err_at(e, ERR_INVALID, NULL, 0, "seeds",
				      "expected N, N-M or a comma list of them, got \"%.*s\"",
				      (int)(end - p), p);
		}
		if (hi < lo || hi - lo >= FGDEXP_MAX_SEEDS ||
		    nv + (hi - lo + 1) > FGDEXP_MAX_SEEDS) {
			free(v);
			return err_at(e, hi < lo ? ERR_INVALID : ERR_LIMIT, NULL, 0,
				      "seeds", "\"%.*s\": %s", (int)(end - p), p,
				      hi < lo ? "range runs backwards"
					      : "more than 10000 seeds");
		}
		for (uint64_t k = lo;; k++) {
			v = xgrow(v, &cap, nv + 1, sizeof *v);
			v[nv++] = k;
			if (k == hi)
				break;
		}
		if (*end == '\0')
			break;
		p = end + 1;
	}
	*seeds = v;
	*n = nv;
	return 0;
}

void
fgdexp_mean_sd(const double *v, size_t n, double *mean, double *sd)
{
	double s = 0, q = 0;
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i])) {
			s += v[i];
			k++;
		}
	if (k == 0) {
		*mean = *sd = NAN;
		return;
	}
	*mean = s / (double)k;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]))
			q += (v[i] - *mean) * (v[i] - *mean);
	*sd = k > 1 ? sqrt(q / (double)(k - 1)) : 0;
}
