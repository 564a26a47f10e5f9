/*
 * fairshare.c — decayed usage and the Fair Tree ranking (see fairshare.h).
 *
 * Children are always added after their parent, so a reverse scan of the
 * tenant array aggregates usage bottom-up in one pass.  The walk is
 * iterative with an explicit stack of sorted sibling lists.
 */
#include "sched/fairshare.h"

#include <math.h>
#include <stdlib.h>

#include "util/alloc.h"

void
fairshare_decay(double *usage, size_t n, double dt, double half_life)
{
	double f;

	if (half_life <= 0 || dt <= 0)
		return;
	f = exp2(-dt / half_life);
	for (size_t i = 0; i < n; i++)
		usage[i] *= f;
}

struct sib {
	double lf;
	uint32_t id;
};

static int
cmp_sib(const void *a, const void *b)
{
	const struct sib *x = a, *y = b;

	if (x->lf != y->lf)
		return x->lf > y->lf ? -1 : 1;
	return x->id < y->id ? -1 : (x->id > y->id);
}

/* Fills out[] with parent's children sorted by level fair share; returns
 * how many. */
static size_t
sorted_children(const struct tenant_tree *t, uint32_t parent, const double *agg,
		struct sib *out)
{
	double sum_s = 0, sum_u = 0;
	size_t k = 0;

	for (uint32_t c = t->v[parent].first_child; c != TENANT_NONE;
	     c = t->v[c].next_sibling) {
		sum_s += t->v[c].shares;
		sum_u += agg[c];
	}
	for (uint32_t c = t->v[parent].first_child; c != TENANT_NONE;
	     c = t->v[c].next_sibling) {
		double s = sum_s > 0 ? t->v[c].shares / sum_s : 0;
		double u = sum_u > 0 ? agg[c] / sum_u : 0;
		double lf = s == 0 ? 0 : (u == 0 ? INFINITY : s / u);
		out[k++] = (struct sib){lf, c};
	}
	qsort(out, k, sizeof *out, cmp_sib);
	return k;
}

void
fairshare_fairtree(const struct tenant_tree *t, const double *usage,
		   double *factor)
{
	size_t n = t->n, leaves = 0, top = 0;
	double *agg = xcalloc(n, sizeof *agg);
	struct sib *sibs = xcalloc(n, sizeof *sibs);
	/* Stack of sibling ranges [base, hi) in sibs; lo is the walk's cursor. */
	size_t *lo = xcalloc(n + 1, sizeof *lo), *hi = xcalloc(n + 1, sizeof *hi);
	size_t *base = xcalloc(n + 1, sizeof *base);
	size_t used = 0;
	double rank;

	for (size_t i = n; i-- > 0;) {
		agg[i] += usage[i] > 0 ? usage[i] : 0;
		if (t->v[i].parent != TENANT_NONE)
			agg[t->v[i].parent] += agg[i];
		factor[i] = 0;
	}
	for (size_t i = 0; i < n; i++)
		leaves += i != TENANT_ROOT && tenant_is_leaf(t, (uint32_t)i);
	rank = (double)leaves;
	if (!tenant_is_leaf(t, TENANT_ROOT)) {
		size_t k = sorted_children(t, TENANT_ROOT, agg, sibs);
		lo[0] = base[0] = 0;
		hi[0] = k;
		used = k;
		top = 1;
	}
	while (top > 0) {
		size_t *plo = &lo[top - 1];
		if (*plo == hi[top - 1]) {
			top--;
			continue;
		}
		size_t idx = (*plo)++;
		struct sib s = sibs[idx];
		if (tenant_is_leaf(t, s.id)) {
			/* A leaf tied with the leaf sibling before it shares its
			 * rank (competition ranking: 1, 2, 2, 4). */
			if (idx > base[top - 1] && sibs[idx - 1].lf == s.lf &&
			    tenant_is_leaf(t, sibs[idx - 1].id))
				factor[s.id] = factor[sibs[idx - 1].id];
			else
				factor[s.id] = rank / (double)leaves;
			rank -= 1;
			continue;
		}
		size_t k = sorted_children(t, s.id, agg, sibs + used);
		lo[top] = base[top] = used;
		hi[top] = used + k;
		used += k;
		top++;
	}
	free(agg);
	free(sibs);
	free(lo);
	free(hi);
	free(base);
}
