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

/* Presorted candidates ord[0..n) are in victim order by the borrowing
 * recorded at sorting; those whose tenant borrows a different amount now
 * are taken out, sorted, and merged back (the rest is still in order). */
static void
reorder(struct ord *ord, size_t n, const struct preempt_cand *run)
{
	size_t nm = 0, nk = 0, i = 0, k = 0, o = 0;
	struct ord *moved, *tmp;

	for (size_t x = 0; x < n; x++)
		nm += ord[x].borrowed != run[ord[x].idx].borrowed;
	if (nm == 0)
		return;
	moved = xmalloc(nm * sizeof *moved);
	tmp = xmalloc(n * sizeof *tmp);
	for (size_t x = 0; x < n; x++) {
		if (ord[x].borrowed != run[ord[x].idx].borrowed)
			moved[k++] = ord[x];
		else
			ord[nk++] = ord[x];
	}
	sort_victims(moved, nm, run);
	k = 0;
	while (i < nk && k < nm)
		tmp[o++] = cmp_victim(&moved[k], &ord[i], run) < 0 ? moved[k++]
								     : ord[i++];
	while (i < nk)
		tmp[o++] = ord[i++];
	while (k < nm)
		tmp[o++] = moved[k++];
	memcpy(ord, tmp, n * sizeof *ord);
	free(moved);
	free(tmp);
}

static int64_t
gpu_milli_of(const struct preempt_cand *c)
{
	return (int64_t)job_gpu_milli(c->job);
}

/* The undo log: node states before each change, and quota charges. */
struct undo {
	struct pool *pool;
	struct topo *topo;
	struct quota *quota;
	struct { uint32_t node; struct node before; } *nodes;
	size_t nn, cap_n;
	struct { uint32_t tenant; int model; int64_t amount; } *charges;
	size_t nc, cap_c;
};

/* Gives c's resources back (sign > 0) or takes them again (sign < 0),
 * keeping the index and the quota in step and logging for undo_all. */
static void
move(struct undo *u, const struct preempt_cand *c, int sign)
{
	const struct alloc *a = c->alloc;
	int64_t amount = -sign * gpu_milli_of(c);

	for (uint16_t i = 0; i < a->nslots; i++) {
		uint32_t n = a->slots[i].node;
		u->nodes = xgrow(u->nodes, &u->cap_n, u->nn + 1, sizeof *u->nodes);
		u->nodes[u->nn].node = n;
		u->nodes[u->nn].before = u->pool->nodes[n];
		u->nn++;
		if (sign > 0)
			pool_release(u->pool, n, c->job->cpu_milli, c->job->mem_mib,
				     a->slots[i].gpu_mask, a->milli);
		else
			ALLOT_ASSERT(pool_alloc(u->pool, n, c->job->cpu_milli,
						c->job->mem_mib, a->slots[i].gpu_mask,
						a->milli) == 0);
		topo_node_changed(u->topo, n);
	}
	u->charges = xgrow(u->charges, &u->cap_c, u->nc + 1, sizeof *u->charges);
	u->charges[u->nc].tenant = c->job->tenant;
	u->charges[u->nc].model = c->model;
	u->charges[u->nc].amount = amount;
	u->nc++;
	quota_charge(u->quota, c->job->tenant, c->model, amount);
}

static void
undo_all(struct undo *u)
{
	while (u->nn > 0) {
		u->nn--;
		u->pool->nodes[u->nodes[u->nn].node] = u->nodes[u->nn].before;
		topo_node_changed(u->topo, u->nodes[u->nn].node);
	}
	while (u->nc > 0) {
		u->nc--;
		quota_charge(u->quota, u->charges[u->nc].tenant,
			     u->charges[u->nc].model, -u->charges[u->nc].amount);
	}
	free(u->nodes);
	free(u->charges);
}

static int
fits(const struct preempt_input *in, const struct topo *t, uint32_t *scratch)
{
	int64_t need = (int64_t)job_gpu_milli(in->job);

	return (in->charged ||
		quota_check(in->quota, in->job->tenant, in->model, need) ==
			QUOTA_OK) &&
	       topo_choose_held(t, in->job, in->hold, scratch) == 0;
}

int
preempt_usable(const struct pool *p, const struct alloc *a)
{
	for (uint16_t i = 0; i < a->nslots; i++) {
		uint8_t st = p->nodes[a->slots[i].node].state;
		if (st != NODE_UP && st != NODE_HELD)
			return 0;
	}
	return 1;
}

long
preempt_choose(const struct preempt_input *in, uint32_t *victims,
	       uint32_t *plan)
{
	struct ord *ord;
	uint32_t *scratch;
	size_t ncand = 0;
	long nv = 0;
	int ok;
	int64_t reclaimable = 0, need = (int64_t)job_gpu_milli(in->job);
	struct undo u = {in->pool, in->topo, in->quota, NULL, 0, 0, NULL, 0, 0};
	int own_topo = in->topo == NULL;

	/* Cheapest refusal first: all that borrowing tenants hold of the
	 * model, plus every free GPU of it, would still be too little. */
	if (own_topo)
		u.topo = topo_new(in->pool);
	{
		int64_t held = 0;
		for (size_t t = 0; t < in->quota->ntenants; t++)
			if (t != in->job->tenant &&
			    quota_borrowed(in->quota, (uint32_t)t, in->model) > 0)
				held += in->quota->cell[t * (size_t)in->quota->nmodels +
							(size_t)in->model].usage;
		if (held + (int64_t)topo_free_gpus(u.topo, in->job) * MILLI < need) {
			if (own_topo)
				topo_free(u.topo);
			return -1;
		}
	}
	ord = xmalloc((in->nrunning + 1) * sizeof *ord);
	for (size_t i = 0; i < in->nrunning; i++) {
		const struct preempt_cand *c = &in->running[i];
		if (c->model != in->model || c->job->tenant == in->job->tenant)
			continue;
		int64_t b = quota_borrowed(in->quota, c->job->tenant, c->model);
		if (b > 0 && (in->presorted || preempt_usable(in->pool, c->alloc))) {
			ord[ncand++] = (struct ord){(uint32_t)i, b};
			reclaimable += gpu_milli_of(c);
		}
	}
	/* Cheap refusal: even all candidates and every free GPU together
	 * would not do. */
	if (ncand == 0 ||
	    reclaimable + (int64_t)topo_free_gpus(u.topo, in->job) * MILLI < need) {
		if (own_topo)
			topo_free(u.topo);
		free(ord);
		return -1;
	}
	scratch = xmalloc(((size_t)in->job->nodes + 1) * sizeof *scratch);
	if (!in->presorted)
		sort_victims(ord, ncand, in->running);
	else
		reorder(ord, ncand, in->running);

	ok = fits(in, u.topo, scratch);
	for (size_t i = 0; i < ncand && !ok; i++) {
		const struct preempt_cand *c = &in->running[ord[i].idx];
		if (quota_borrowed(in->quota, c->job->tenant, c->model) <= 0)
			continue; /* its tenant no longer borrows */
		move(&u, c, +1);
		victims[nv++] = ord[i].idx;
		ok = fits(in, u.topo, scratch);
	}
	if (ok) {
		/* Reprieve, last taken first. */
		for (long i = nv - 1; i >= 0; i--) {
			const struct preempt_cand *c = &in->running[victims[i]];
			move(&u, c, -1);
			if (fits(in, u.topo, scratch)) {
				memmove(&victims[i], &victims[i + 1],
					(size_t)(nv - i - 1) * sizeof *victims);
				nv--;
			} else {
				move(&u, c, +1);
			}
		}
		if (plan != NULL)
			ALLOT_ASSERT(topo_choose_held(u.topo, in->job, in->hold,
						      plan) == 0);
	}
	undo_all(&u);
	if (own_topo)
		topo_free(u.topo);
	free(ord);
	free(scratch);
	return ok ? nv : -1;
}

void
preempt_order(struct preempt_cand *c, size_t n, const struct quota *q)
{
	struct ord *ord = xmalloc((n + 1) * sizeof *ord);
	struct preempt_cand *tmp = xmalloc((n + 1) * sizeof *tmp);

	for (size_t i = 0; i < n; i++)
		ord[i] = (struct ord){(uint32_t)i,
				      c[i].model >= 0 && c[i].model < q->nmodels
					      ? quota_borrowed(q, c[i].job->tenant,
							       c[i].model)
					      : 0};
	sort_victims(ord, n, c);
	for (size_t i = 0; i < n; i++) {
		tmp[i] = c[ord[i].idx];
		tmp[i].borrowed = ord[i].borrowed;
	}
	memcpy(c, tmp, n * sizeof *c);
	free(tmp);
	free(ord);
}
