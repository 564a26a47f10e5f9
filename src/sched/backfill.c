/*
 * backfill.c — planning reservations on a shadow copy of the pool (see
 * backfill.h).
 *
 * For each blocked job in turn, the shadow starts from the pool as it is,
 * and time moves forward over the candidate start times: now, each running
 * job's end, and each earlier reservation's end.  At a candidate time t the
 * shadow holds what is free at t (running jobs that ended by t are
 * released; none later, which is conservative), minus every earlier
 * reservation whose interval meets [t, t + limit).  Those subtractions are
 * undone before moving on, so the shadow only ever accumulates releases.
 * A cheap count check (topo_may_fit) skips most candidate times before any
 * reservation is applied.
 */
#include "sched/backfill.h"

#include <stdlib.h>
#include <string.h>

#include "sched/topo.h"
#include "util/alloc.h"

static int
cmp_end(const void *a, const void *b)
{
	const struct bf_running *x = a, *y = b;

	return x->end < y->end ? -1 : (x->end > y->end);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : (x > y);
}

static void
release(struct pool *sp, struct topo *t, const struct bf_running *r)
{
	const struct alloc *a = r->alloc;

	for (uint16_t i = 0; i < a->nslots; i++) {
		struct node *n = &sp->nodes[a->slots[i].node];
		for (int g = 0; g < n->ngpu; g++)
			if (a->slots[i].gpu_mask >> g & 1) {
				int f = n->gpu_free[g] + a->milli;
				n->gpu_free[g] = (uint16_t)(f > MILLI ? MILLI : f);
			}
		n->cpu_free += r->job->cpu_milli;
		if (n->cpu_free > n->cpu_milli)
			n->cpu_free = n->cpu_milli;
		n->mem_free += r->job->mem_mib;
		if (n->mem_free > n->mem_mib)
			n->mem_free = n->mem_mib;
		topo_node_changed(t, a->slots[i].node);
	}
}

struct saved {
	uint32_t node;
	struct node before;
};

/* Takes `gpus` whole GPUs (and the job's CPU and memory) from node n,
 * saving it first. */
static void
hold(struct pool *sp, struct topo *t, uint32_t node, int gpus,
     const struct job *j, struct saved *save, size_t *nsave)
{
	struct node *n = &sp->nodes[node];

	save[*nsave].node = node;
	save[*nsave].before = *n;
	(*nsave)++;
	for (int g = 0; g < n->ngpu && gpus > 0; g++)
		if (n->gpu_free[g] == MILLI) {
			n->gpu_free[g] = 0;
			gpus--;
		}
	if (gpus > 0) /* still busy at t: nothing whole is left there */
		for (int g = 0; g < n->ngpu; g++)
			if (n->gpu_free[g] == MILLI)
				n->gpu_free[g] = 0;
	n->cpu_free = n->cpu_free > j->cpu_milli ? n->cpu_free - j->cpu_milli : 0;
	n->mem_free = n->mem_free > j->mem_mib ? n->mem_free - j->mem_mib : 0;
	topo_node_changed(t, node);
}

static int
whole_gpu_job(const struct job *j)
{
	return j->gpus_per_node > 0 && j->gpu_milli == MILLI;
}

void
backfill_sort_running(struct bf_running *run, size_t nrun)
{
	qsort(run, nrun, sizeof *run, cmp_end);
}

void
backfill_plan_one(const struct pool *pool, const struct bf_running *r,
		  size_t nrun, const struct bf_resv *prev,
		  const struct job *const *prev_jobs, size_t nprev,
		  const struct job *j, int64_t now, int64_t horizon,
		  struct bf_resv *out)
{
	int64_t limit = j->time_limit > 0 ? j->time_limit : BACKFILL_NEVER;
	size_t nt = 0, ri = 0, nsave_cap = 0;
	struct saved *save = NULL;
	int64_t *times;
	uint32_t *nodes;
	struct pool sp;
	struct topo *t;

	*out = (struct bf_resv){.job = j->id, .start = BACKFILL_NEVER,
				.end = BACKFILL_NEVER};
	if (!whole_gpu_job(j))
		return;
	/* Candidate times, ascending (duplicates skipped below). */
	times = xmalloc((nrun + nprev + 1) * sizeof *times);
	times[nt++] = now;
	for (size_t i = 0; i < nrun; i++)
		if (r[i].end != BACKFILL_NEVER && r[i].end > now)
			times[nt++] = r[i].end;
	for (size_t i = 0; i < nprev; i++)
		if (prev[i].end != BACKFILL_NEVER && prev[i].end > now)
			times[nt++] = prev[i].end;
	qsort(times, nt, sizeof *times, cmp_i64);

	nodes = xmalloc(((size_t)j->nodes + 1) * sizeof *nodes);
	sp = *pool;
	sp.nodes = xmalloc((pool->nnodes + 1) * sizeof *sp.nodes);
	memcpy(sp.nodes, pool->nodes, pool->nnodes * sizeof *sp.nodes);
	t = topo_new(&sp);
	for (size_t ti = 0; ti < nt; ti++) {
		int64_t at = times[ti];
		if (ti > 0 && at == times[ti - 1])
			continue;
		if (horizon > 0 && at > now + horizon)
			break;
		while (ri < nrun && r[ri].end <= at)
			release(&sp, t, &r[ri++]);
		if (!topo_may_fit(t, j))
			continue;
		/* Subtract the earlier reservations that overlap. */
		int64_t until = limit == BACKFILL_NEVER ? BACKFILL_NEVER : at + limit;
		size_t nsave = 0;
		for (size_t i = 0; i < nprev; i++) {
			const struct bf_resv *o = &prev[i];
			if (o->start == BACKFILL_NEVER || o->start >= until ||
			    o->end <= at)
				continue;
			save = xgrow(save, &nsave_cap, nsave + o->nnodes, sizeof *save);
			for (uint32_t x = 0; x < o->nnodes; x++)
				hold(&sp, t, o->nodes[x], o->gpus, prev_jobs[i], save,
				     &nsave);
		}
		int ok = topo_choose(t, j, nodes) == 0;
		while (nsave > 0) {
			nsave--;
			sp.nodes[save[nsave].node] = save[nsave].before;
			topo_node_changed(t, save[nsave].node);
		}
		if (ok) {
			out->start = at;
			out->end = until;
			out->nnodes = j->nodes;
			out->gpus = j->gpus_per_node;
			out->nodes = nodes;
			nodes = NULL;
			break;
		}
	}
	topo_free(t);
	free(sp.nodes);
	free(save);
	free(nodes);
	free(times);
}

void
backfill_plan(const struct pool *pool, const struct bf_running *run,
	      size_t nrun, const struct job *const *blocked, size_t k,
	      int64_t now, int64_t horizon, struct bf_resv *out)
{
	struct bf_running *r = xmalloc((nrun + 1) * sizeof *r);

	memcpy(r, run, nrun * sizeof *r);
	backfill_sort_running(r, nrun);
	for (size_t b = 0; b < k; b++)
		backfill_plan_one(pool, r, nrun, out, blocked, b, blocked[b], now,
				  horizon, &out[b]);
	free(r);
}

void
backfill_resv_free(struct bf_resv *r, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		free(r[i].nodes);
		r[i].nodes = NULL;
		r[i].nnodes = 0;
	}
}

int
backfill_node_ok(const struct bf_resv *resv, size_t k, uint32_t node,
		 int64_t now, int64_t limit)
{
	for (size_t i = 0; i < k; i++) {
		const struct bf_resv *o = &resv[i];
		if (o->start == BACKFILL_NEVER)
			continue;
		for (uint32_t x = 0; x < o->nnodes; x++)
			if (o->nodes[x] == node &&
			    (limit <= 0 || now + limit > o->start))
				return 0;
	}
	return 1;
}

void
backfill_hold_map(const struct bf_resv *resv, size_t k, size_t nnodes,
		  int64_t *earliest)
{
	for (size_t n = 0; n < nnodes; n++)
		earliest[n] = BACKFILL_NEVER;
	for (size_t i = 0; i < k; i++) {
		const struct bf_resv *o = &resv[i];
		if (o->start == BACKFILL_NEVER)
			continue;
		for (uint32_t x = 0; x < o->nnodes; x++)
			if (o->start < earliest[o->nodes[x]])
				earliest[o->nodes[x]] = o->start;
	}
}
