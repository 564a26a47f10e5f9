/*
 * frag.c — typical tasks and node fragmentation (see frag.h).
 *
 * The arithmetic follows the paper's simulator step by step, including
 * its floating-point order: per-node amounts are accumulated into the
 * seven fragment kinds (Q1 lack both, Q2 lack GPU, Q3 satisfied, Q4 lack
 * CPU, XL and XR for CPU-only tasks, no access) in typical-task order and
 * then summed in kind order without Q3, so a score truncated to an integer
 * lands on the same side of a boundary as the simulator's.
 *
 * Ownership: a struct frag_typical owns its array; nothing else allocates.
 */
#include "sched/frag.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

enum { Q1_LACK_BOTH, Q2_LACK_GPU, Q3_SATISFIED, Q4_LACK_CPU, XL_SATISFIED,
       XR_LACK_CPU, NO_ACCESS, NKINDS };

uint32_t
frag_task_cpu(const struct job *j)
{
	return j->cpu_milli != 0 ? j->cpu_milli : FRAG_CPU_DEFAULT;
}

/* Orders shapes by key so equal ones are adjacent. */
static int
cmp_key(const void *a, const void *b)
{
	const struct frag_pod *x = a, *y = b;

	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	if (x->milli != y->milli)
		return x->milli < y->milli ? -1 : 1;
	if (x->ngpu != y->ngpu)
		return x->ngpu < y->ngpu ? -1 : 1;
	if (x->model_mask != y->model_mask)
		return x->model_mask < y->model_mask ? -1 : 1;
	return 0;
}

/* Most frequent first; among equals the larger shape first (the
 * simulator's reversed (count, cpu, milli, gpus, type) order). */
static int
cmp_popular(const void *a, const void *b)
{
	const struct frag_pod *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return -cmp_key(a, b);
}

void
frag_typical_build(struct frag_typical *t, const struct job *jobs, size_t n,
		   int threshold_pct)
{
	struct frag_pod *all;
	size_t nall = 0, kept = 0;
	double total = (double)n, expected, cum = 0;

	t->n = 0;
	t->ntasks = n;
	if (n == 0)
		return;
	all = xcalloc(n, sizeof *all);
	for (size_t i = 0; i < n; i++) {
		const struct job *j = &jobs[i];
		struct frag_pod *p = &all[i];

		p->cpu = frag_task_cpu(j);
		p->ngpu = (uint8_t)j->gpus_per_node;
		p->milli = j->gpus_per_node > 0 ? j->gpu_milli : 0;
		p->model_mask = j->gpus_per_node > 0 ? j->model_mask : 0;
		p->count = 1;
	}
	qsort(all, n, sizeof *all, cmp_key);
	for (size_t i = 0; i < n; i++) {
		if (nall > 0 && cmp_key(&all[nall - 1], &all[i]) == 0)
			all[nall - 1].count++;
		else
			all[nall++] = all[i];
	}
	qsort(all, nall, sizeof *all, cmp_popular);

	/* Take shapes one at a time until they cover the threshold. */
	expected = (double)threshold_pct * total / 100.0;
	while (cum < expected && kept < nall) {
		cum += (double)all[kept].count;
		all[kept].freq = (double)all[kept].count / total;
		kept++;
	}
	if (kept < nall)
		for (size_t i = 0; i < kept; i++)
			all[i].freq /= cum / total;
	t->v = xgrow(t->v, &t->cap, kept, sizeof *t->v);
	memcpy(t->v, all, kept * sizeof *all);
	t->n = kept;
	free(all);
}

void
frag_typical_free(struct frag_typical *t)
{
	if (t == NULL)
		return;
	free(t->v);
	memset(t, 0, sizeof *t);
}

static int
accessible(const struct frag_node *n, uint32_t mask)
{
	if (mask == 0)
		return 1;
	if (n->ngpu == 0)
		return 0;
	return (mask >> n->model) & 1;
}

double
frag_node_amount(const struct frag_node *n, const struct frag_typical *t)
{
	double kind[NKINDS] = {0};
	int64_t left = 0;
	double out = 0;

	for (int g = 0; g < n->ngpu; g++)
		left += n->gpu_free[g];
	for (size_t i = 0; i < t->n; i++) {
		const struct frag_pod *p = &t->v[i];
		int cpu_ok = n->cpu_free >= p->cpu, fit = 0, k;
		int64_t small = 0;

		if (p->milli == 0) {
			k = cpu_ok ? XL_SATISFIED : XR_LACK_CPU;
		} else if (!accessible(n, p->model_mask)) {
			k = NO_ACCESS;
		} else {
			for (int g = 0; g < n->ngpu; g++)
				fit += n->gpu_free[g] >= p->milli;
			if (fit >= p->ngpu)
				k = cpu_ok ? Q3_SATISFIED : Q4_LACK_CPU;
			else
				k = cpu_ok ? Q2_LACK_GPU : Q1_LACK_BOTH;
		}
		if (k == Q3_SATISFIED) {
			/* Only the GPUs too small for one share are lost. */
			for (int g = 0; g < n->ngpu; g++)
				if (n->gpu_free[g] < p->milli)
					small += n->gpu_free[g];
			kind[Q2_LACK_GPU] += p->freq * (double)small;
			kind[Q3_SATISFIED] += p->freq * (double)(left - small);
		} else {
			kind[k] += p->freq * (double)left;
		}
	}
	for (int k = 0; k < NKINDS; k++)
		if (k != Q3_SATISFIED)
			out += kind[k];
	return out;
}

int
frag_score(double before, double after)
{
	double x = (before - after) / 1000;

	return (int)(1.0 / (1.0 + exp(-x)) * 100);
}
