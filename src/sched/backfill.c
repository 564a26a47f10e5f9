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

struct saved {
	uint32_t node;
	struct node before;
};

/* The undo log of one planning call. */
struct undo {
	struct saved *v;
	size_t n, cap;
};

static void
save_node(struct undo *u, const struct pool *p, uint32_t node)
{
	u->v = xgrow(u->v, &u->cap, u->n + 1, sizeof *u->v);
	u->v[u->n].node = node;
	u->v[u->n].before = p->nodes[node];
	u->n++;
}

/* Restores every node saved after mark, newest first. */
static void
undo_to(struct undo *u, size_t mark, struct pool *p, struct topo *t)
{
	while (u->n > mark) {
		u->n--;
		p->nodes[u->v[u->n].node] = u->v[u->n].before;
		topo_node_changed(t, u->v[u->n].node);
	}
}

static void
release(struct pool *sp, struct topo *t, const struct bf_running *r,
	struct undo *u)
{
	const struct alloc *a = r->alloc;

	for (uint16_t i = 0; i < a->nslots; i++) {
		struct node *n = &sp->nodes[a->slots[i].node];
		save_node(u, sp, a->slots[i].node);
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

/* Takes `gpus` whole GPUs (and the job's CPU and memory) from node n,
 * logging it first. */
static void
hold(struct pool *sp, struct topo *t, uint32_t node, int gpus,
     const struct job *j, struct undo *u)
{
	struct node *n = &sp->nodes[node];

	save_node(u, sp, node);
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
backfill_plan_one(struct pool *pool, struct topo *t,
		  const struct bf_running *r, size_t nrun,
		  const struct bf_resv *prev, const struct job *const *prev_jobs,
		  size_t nprev, const struct job *j, int64_t now,
		  int64_t horizon, struct bf_resv *out)
{
	int64_t limit = j->time_limit > 0 ? j->time_limit : BACKFILL_NEVER;
	size_t nt = 0, ri = 0;
	struct undo u = {NULL, 0, 0};
	int64_t *times;
	uint32_t *nodes;

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
	for (size_t ti = 0; ti < nt; ti++) {
		int64_t at = times[ti];
		if (ti > 0 && at == times[ti - 1])
			continue;
		if (horizon > 0 && at > now + horizon)
			break;
		while (ri < nrun && r[ri].end <= at)
			release(pool, t, &r[ri++], &u);
		if (!topo_may_fit(t, j))
			continue;
		/* Subtract the earlier reservations that overlap. */
		int64_t until = limit == BACKFILL_NEVER ? BACKFILL_NEVER : at + limit;
		size_t mark = u.n;
		for (size_t i = 0; i < nprev; i++) {
			const struct bf_resv *o = &prev[i];
			if (o->start == BACKFILL_NEVER || o->start >= until ||
			    o->end <= at)
				continue;
			for (uint32_t x = 0; x < o->nnodes; x++)
				hold(pool, t, o->nodes[x], o->gpus, prev_jobs[i], &u);
		}
		int ok = topo_choose(t, j, nodes) == 0;
		undo_to(&u, mark, pool, t);
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
	/* The pool and its index as they were. */
	undo_to(&u, 0, pool, t);
	free(u.v);
	free(nodes);
	free(times);
}

void
backfill_plan(struct pool *pool, const struct bf_running *run, size_t nrun,
	      const struct job *const *blocked, size_t k, int64_t now,
	      int64_t horizon, struct bf_resv *out)
{
	struct bf_running *r = xmalloc((nrun + 1) * sizeof *r);
	struct topo *t = topo_new(pool);

	memcpy(r, run, nrun * sizeof *r);
	backfill_sort_running(r, nrun);
	for (size_t b = 0; b < k; b++)
		backfill_plan_one(pool, t, r, nrun, out, blocked, b, blocked[b],
				  now, horizon, &out[b]);
	topo_free(t);
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
