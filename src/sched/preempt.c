/*
 * preempt.c — victim choice on a shadow pool and a copy of the quota
 * state (see preempt.h).  The fit test is the same topology-aware choice
 * the scheduler uses for whole-GPU gangs (sched/topo.h), so a victim set
 * that "fits" really lets the job start where the scheduler will put it.
 */
#include "sched/preempt.h"

#include <stdlib.h>
#include <string.h>

#include "sched/topo.h"
#include "util/alloc.h"

struct ord {
	uint32_t idx;
	int64_t borrowed;
};

static int
cmp_victim(const void *a, const void *b, const struct preempt_cand *run)
{
	const struct ord *x = a, *y = b;
	const struct preempt_cand *p = &run[x->idx], *q = &run[y->idx];
	int cx = (p->job->flags & JOB_CHECKPOINTABLE) != 0;
	int cy = (q->job->flags & JOB_CHECKPOINTABLE) != 0;

	if (x->borrowed != y->borrowed)
		return x->borrowed > y->borrowed ? -1 : 1;
	if (cx != cy)
		return cx ? -1 : 1;
	if (p->prio != q->prio)
		return p->prio < q->prio ? -1 : 1;
	if (p->job->start != q->job->start)
		return p->job->start > q->job->start ? -1 : 1;
	return p->job->id > q->job->id ? -1 : (p->job->id < q->job->id);
}

/* qsort has no context argument in C11: a small insertion-merge sort. */
static void
sort_victims(struct ord *v, size_t n, const struct preempt_cand *run)
{
	struct ord *tmp;

	if (n < 2)
		return;
	tmp = xmalloc(n * sizeof *tmp);
	for (size_t width = 1; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				tmp[k++] = cmp_victim(&v[j], &v[i], run) < 0 ? v[j++]
									      : v[i++];
			while (i < mid)
				tmp[k++] = v[i++];
			while (j < hi)
				tmp[k++] = v[j++];
		}
		memcpy(v, tmp, n * sizeof *v);
	}
	free(tmp);
}

static int64_t
gpu_milli_of(const struct preempt_cand *c)
{
	return (int64_t)job_gpu_milli(c->job);
}

/* Gives c's resources back to the shadow (sign > 0) or takes them again
 * (sign < 0), keeping topo and quota in step. */
static void
move(struct pool *sp, struct topo *t, struct quota *q,
     const struct preempt_cand *c, int sign)
{
	const struct alloc *a = c->alloc;

	for (uint16_t i = 0; i < a->nslots; i++) {
		uint32_t n = a->slots[i].node;
		if (sign > 0)
			pool_release(sp, n, c->job->cpu_milli, c->job->mem_mib,
				     a->slots[i].gpu_mask, a->milli);
		else
			ALLOT_ASSERT(pool_alloc(sp, n, c->job->cpu_milli,
						c->job->mem_mib, a->slots[i].gpu_mask,
						a->milli) == 0);
		topo_node_changed(t, n);
	}
	quota_charge(q, c->job->tenant, c->model, -sign * gpu_milli_of(c));
}

static int
fits(const struct preempt_input *in, const struct topo *t, const struct quota *q,
     uint32_t *scratch)
{
	int64_t need = (int64_t)job_gpu_milli(in->job);

	return (in->charged ||
		quota_check(q, in->job->tenant, in->model, need) == QUOTA_OK) &&
	       topo_choose(t, in->job, scratch) == 0;
}

long
preempt_choose(const struct preempt_input *in, uint32_t *victims,
	       uint32_t *plan)
{
	struct pool sp = *in->pool;
	struct quota q = *in->quota;
	struct ord *ord = xmalloc((in->nrunning + 1) * sizeof *ord);
	uint32_t *scratch = xmalloc(((size_t)in->job->nodes + 1) * sizeof *scratch);
	size_t ncand = 0;
	long nv = 0;
	int ok;
	struct topo *t;
	size_t ncell = q.ntenants * (size_t)q.nmodels;

	/* Private copies of the state the choice mutates. */
	sp.nodes = xmalloc((in->pool->nnodes + 1) * sizeof *sp.nodes);
	memcpy(sp.nodes, in->pool->nodes, in->pool->nnodes * sizeof *sp.nodes);
	q.cell = xmalloc((ncell + 1) * sizeof *q.cell);
	memcpy(q.cell, in->quota->cell, ncell * sizeof *q.cell);
	q.shared_used = xmalloc(((size_t)q.nmodels + 1) * sizeof *q.shared_used);
	memcpy(q.shared_used, in->quota->shared_used,
	       (size_t)q.nmodels * sizeof *q.shared_used);
	t = topo_new(&sp);

	for (size_t i = 0; i < in->nrunning; i++) {
		const struct preempt_cand *c = &in->running[i];
		if (c->model != in->model || c->job->tenant == in->job->tenant)
			continue;
		int64_t b = quota_borrowed(&q, c->job->tenant, c->model);
		if (b > 0)
			ord[ncand++] = (struct ord){(uint32_t)i, b};
	}
	sort_victims(ord, ncand, in->running);

	ok = fits(in, t, &q, scratch);
	for (size_t i = 0; i < ncand && !ok; i++) {
		const struct preempt_cand *c = &in->running[ord[i].idx];
		if (quota_borrowed(&q, c->job->tenant, c->model) <= 0)
			continue; /* its tenant no longer borrows */
		move(&sp, t, &q, c, +1);
		victims[nv++] = ord[i].idx;
		ok = fits(in, t, &q, scratch);
	}
	if (ok) {
		/* Reprieve, last taken first. */
		for (long i = nv - 1; i >= 0; i--) {
			const struct preempt_cand *c = &in->running[victims[i]];
			move(&sp, t, &q, c, -1);
			if (fits(in, t, &q, scratch)) {
				memmove(&victims[i], &victims[i + 1],
					(size_t)(nv - i - 1) * sizeof *victims);
				nv--;
			} else {
				move(&sp, t, &q, c, +1);
			}
		}
	}
	if (ok && plan != NULL)
		ALLOT_ASSERT(topo_choose(t, in->job, plan) == 0);
	topo_free(t);
	free(sp.nodes);
	free(q.cell);
	free(q.shared_used);
	free(ord);
	free(scratch);
	return ok ? nv : -1;
}
