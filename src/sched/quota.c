/*
 * quota.c — cohort quota bookkeeping (see quota.h for the model).
 *
 * Invariant: shared_used[m] == sum over t of max(0, usage - private(t, m)),
 * kept incrementally by quota_charge and recomputed by quota_set.
 */
#include "sched/quota.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

void
quota_init(struct quota *q, size_t ntenants, int nmodels)
{
	memset(q, 0, sizeof *q);
	q->ntenants = ntenants;
	q->nmodels = nmodels;
	q->cell = xcalloc(ntenants * (size_t)nmodels, sizeof *q->cell);
	q->capacity = xcalloc((size_t)nmodels, sizeof *q->capacity);
	q->shared_used = xcalloc((size_t)nmodels, sizeof *q->shared_used);
	q->granted = xcalloc((size_t)nmodels, sizeof *q->granted);
	q->lendable = xcalloc((size_t)nmodels, sizeof *q->lendable);
	for (size_t i = 0; i < ntenants * (size_t)nmodels; i++)
		q->cell[i].borrow_limit = q->cell[i].lend_limit = -1;
}

void
quota_free(struct quota *q)
{
	if (q == NULL)
		return;
	free(q->cell);
	free(q->capacity);
	free(q->shared_used);
	free(q->granted);
	free(q->lendable);
	memset(q, 0, sizeof *q);
}

static struct quota_cell *
cell(const struct quota *q, uint32_t t, int m)
{
	ALLOT_ASSERT(t < q->ntenants && m >= 0 && m < q->nmodels);
	return &q->cell[(size_t)t * (size_t)q->nmodels + (size_t)m];
}

static int64_t
lendable(const struct quota_cell *c)
{
	if (c->lend_limit < 0 || c->lend_limit > c->nominal)
		return c->nominal;
	return c->lend_limit;
}

static int64_t
private_part(const struct quota_cell *c)
{
	return c->nominal - lendable(c);
}

static int64_t
in_shared(const struct quota_cell *c, int64_t usage)
{
	int64_t over = usage - private_part(c);

	return over > 0 ? over : 0;
}

static void
recompute_shared(struct quota *q, int m)
{
	int64_t s = 0, granted = 0, lend = 0;

	for (size_t t = 0; t < q->ntenants; t++) {
		const struct quota_cell *c = cell(q, (uint32_t)t, m);
		s += in_shared(c, c->usage);
		granted += c->nominal;
		lend += lendable(c);
	}
	q->shared_used[m] = s;
	q->granted[m] = granted;
	q->lendable[m] = lend;
}

void
quota_set(struct quota *q, uint32_t t, int m, int64_t nominal,
	  int64_t borrow_limit, int64_t lend_limit)
{
	struct quota_cell *c = cell(q, t, m);

	c->nominal = nominal;
	c->borrow_limit = borrow_limit;
	c->lend_limit = lend_limit;
	recompute_shared(q, m);
}

void
quota_set_capacity(struct quota *q, int m, int64_t capacity)
{
	ALLOT_ASSERT(m >= 0 && m < q->nmodels);
	q->capacity[m] = capacity;
}

int64_t
quota_shared_cap(const struct quota *q, int m)
{
	/* Capacity granted to nobody is shared; over-granting (nominal above
	 * capacity) shrinks what can be lent. */
	return q->lendable[m] + (q->capacity[m] - q->granted[m]);
}

enum quota_verdict
quota_check(const struct quota *q, uint32_t t, int m, int64_t r)
{
	const struct quota_cell *c = cell(q, t, m);
	int64_t after = c->usage + r;
	int64_t shared_after;

	if (c->borrow_limit >= 0 && after > c->nominal + c->borrow_limit)
		return QUOTA_OVER_LIMIT;
	shared_after = q->shared_used[m] - in_shared(c, c->usage) +
		       in_shared(c, after);
	if (shared_after <= quota_shared_cap(q, m))
		return QUOTA_OK;
	return after <= c->nominal ? QUOTA_RECLAIM : QUOTA_COHORT_FULL;
}

void
quota_charge(struct quota *q, uint32_t t, int m, int64_t r)
{
	struct quota_cell *c = cell(q, t, m);

	q->shared_used[m] -= in_shared(c, c->usage);
	c->usage += r;
	ALLOT_ASSERT(c->usage >= 0);
	q->shared_used[m] += in_shared(c, c->usage);
}


const char *
quota_verdict_name(enum quota_verdict v)
{
	static const char *const names[] = {"ok", "reclaim", "over_limit",
					    "cohort_full"};

	return (unsigned)v < 4 ? names[v] : "?";
}

static int64_t
sum_limit(int first, int64_t acc, int64_t gpus)
{
	if (gpus < 0)
		return -1;
	if (first)
		return gpus * MILLI;
	return acc < 0 ? -1 : acc + gpus * MILLI;
}

void
quota_from_grants(struct quota *q, const struct grants *gs, int64_t t)
{
	size_t ncell = q->ntenants * (size_t)q->nmodels;
	unsigned char *seen = xcalloc(ncell + 1, 1);

	/* Without a grant a tenant has no guarantee and may only borrow. */
	for (size_t i = 0; i < ncell; i++)
		q->cell[i] = (struct quota_cell){0, -1, -1, q->cell[i].usage};
	for (size_t i = 0; i < gs->n; i++) {
		const struct grant *g = &gs->v[i];
		if (!grant_active(g, t) || g->tenant >= q->ntenants ||
		    g->model >= q->nmodels)
			continue;
		size_t k = (size_t)g->tenant * (size_t)q->nmodels + (size_t)g->model;
		struct quota_cell *c = &q->cell[k];
		c->nominal += g->gpus * MILLI;
		c->borrow_limit = sum_limit(!seen[k], c->borrow_limit, g->borrow_limit);
		c->lend_limit = sum_limit(!seen[k], c->lend_limit, g->lend_limit);
		seen[k] = 1;
	}
	free(seen);
	for (int m = 0; m < q->nmodels; m++)
		recompute_shared(q, m);
}
