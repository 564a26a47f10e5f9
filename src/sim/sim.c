/*
 * sim.c — the discrete-event simulator's loop, its queues and the
 * simulator's interface.  The priority order's bookkeeping (tenant tree,
 * fair share, quotas, preemption) is in sim_policy.c and capacity over
 * time in sim_events.c; struct sim is shared through sim_int.h.
 *
 * Hot-loop design (the target is >= 5 M events/s): nothing is allocated
 * per event once the arrays are warm.
 *  - Submits are not pushed into the heap: the workload is sorted once
 *    (a stable radix sort of submit times) and read through a cursor, and
 *    the loop merges that cursor with the heap.  This is the same order a
 *    heap of SUBMIT events would give (finishes before submits at one
 *    instant; submits in workload order), with a heap a fraction the size:
 *    it only ever holds the running jobs' finishes.
 *  - The pending queue: strict FIFO keeps an array window q[qhead, qtail)
 *    and its starts come off the front in O(1); first-fit keeps one list
 *    per exact job shape and offers the pass only the jobs that could
 *    start (see "the pending queue" below), so a pass costs what it can
 *    start, not the length of the queue.
 *  - Passes are incremental: when no job finished since the last pass,
 *    the jobs left pending then cannot start now, so the pass only looks
 *    at new arrivals (strict FIFO with a blocked head does nothing at
 *    all); free GPU milli comes from the metrics' running total, never
 *    from a scan of the pool.
 *
 * Invariants at the top of the loop: every job is in exactly one of
 * {not yet submitted (order[next..]), pending (in the queue structure of
 * the order in use; npending counts them), running (state RUNNING, its
 * alloc in alloc[id], one FINISH event in the heap), completed, rejected};
 * the pool's allocated resources are exactly the union of the running
 * jobs' allocs (tests/test-sim.c checks this at every event).
 *
 * Capacity events (sim_opts.events) are a third sorted stream merged like
 * the submits.  They cost nothing when absent: the per-node and per-job
 * arrays they need (original states, leaving flags, "fits the pool at its
 * fullest", finish times and work left) exist only with events.  A failed
 * node's jobs are found among the live FINISH events of the heap (every
 * running job has exactly one); superseded events stay in the heap and are
 * dropped when they reach its top.
 *
 * Ownership: the simulator owns its placer, heap, queue, per-job allocs
 * and metrics; it borrows the pool, the workload, the grants and the
 * events (see sim.h).
 */
#include "sim/sim.h"
#include "sim/sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/tenant.h"
#include "sched/fairshare.h"
#include "sched/quota.h"
#include "sched/topo.h"
#include "util/alloc.h"

static const char *const note_names[SIM_NOTE_NKINDS] = {
	"submit", "reject", "pending", "start", "preempt", "stopped",
	"requeue", "finish",
};

const char *
sim_note_kind_name(enum sim_note_kind k)
{
	return (unsigned)k < SIM_NOTE_NKINDS ? note_names[k] : "?";
}

void
sim_opts_init(struct sim_opts *o)
{
	memset(o, 0, sizeof *o);
	o->policy = PLACE_BESTFIT;
	o->seed = 42;
	o->order = SCHED_FIFO;
	prio_defaults(&o->weights);
	o->half_life_s = FAIRSHARE_HALF_LIFE_DEFAULT;
	o->backfill_depth = 8;
	o->reclaim = 1;
	o->checkpoint_s = 3600;
	o->watch_job = SIM_NO_JOB;
	o->alarm_first = INT64_MAX;
}

static void restore_states(struct sim *s);

struct sim *
sim_new(struct pool *pool, struct workload *w, const struct sim_opts *o)
{
	struct sim *s = xcalloc(1, sizeof *s);

	s->pool = pool;
	s->w = w;
	if (o != NULL)
		s->o = *o;
	else
		sim_opts_init(&s->o);
	s->pl = placer_new(pool, (enum place_policy)s->o.policy, s->o.seed);
	placer_set_workload(s->pl, w->jobs, w->njobs);
	event_heap_init(&s->heap);
	sched_result_init(&s->res);
	metrics_init(&s->m, pool, w, s->o.sample_s);
	return s;
}

void
sim_free(struct sim *s)
{
	if (s == NULL)
		return;
	if (s->alloc != NULL) {
		/* A run cut short by an error: give back what is still held. */
		for (size_t i = 0; i < s->w->njobs; i++)
			if (s->alloc[i].slots != NULL) {
				placer_release(s->pl, &s->w->jobs[i], &s->alloc[i]);
				alloc_free(&s->alloc[i]);
			}
	}
	restore_states(s);
	sched_result_free(&s->res);
	placer_free(s->pl);
	event_heap_free(&s->heap);
	metrics_free(&s->m);
	free(s->order);
	free(s->alloc);
	free(s->q);
	free(s->shapes);
	free(s->slot);
	free(s->active);
	free(s->jshape);
	free(s->jnext);
	free(s->jprev);
	free(s->jseq);
	free(s->cand);
	free(s->cq);
	free(s->pend);
	free(s->ppos);
	free(s->run);
	free(s->rpos);
	free(s->fin);
	free(s->remain);
	free(s->qm);
	if (s->have_quota)
		quota_free(&s->quota);
	if (s->tt.v != NULL)
		tenant_tree_free(&s->tt);
	free(s->usage);
	free(s->fs);
	free(s->tnode);
	free(s->fs_t);
	free(s->tmilli);
	free(s->leaving);
	free(s->node_jobs);
	free(s->fits);
	free(s->victims);
	free(s);
}

const struct sim_stats *
sim_stats(const struct sim *s)
{
	return &s->st;
}

const struct metrics *
sim_metrics(struct sim *s)
{
	if (s->ran && !s->finished) {
		metrics_finish(&s->m, s->w);
		s->finished = 1;
	}
	return &s->m;
}

const struct pool *
sim_pool(const struct sim *s)
{
	return s->pool;
}

const struct workload *
sim_workload(const struct sim *s)
{
	return s->w;
}

const struct alloc *
sim_job_alloc(const struct sim *s, uint32_t id)
{
	if (s->alloc == NULL || id >= s->w->njobs ||
	    s->w->jobs[id].state != JOB_RUNNING)
		return NULL;
	return &s->alloc[id];
}

size_t
sim_pending(const struct sim *s)
{
	return s->npending;
}

void
sim_bytes(const struct sim *s, struct sim_mem *m)
{
	size_t per = sizeof *s->order + sizeof *s->alloc;

	if (s->jshape != NULL)
		per += sizeof *s->jshape + sizeof *s->jnext + sizeof *s->jprev +
		       sizeof *s->jseq;
	m->per_job = s->w->njobs * per;
	m->queue = s->qcap * sizeof *s->q + s->cap_shapes * sizeof *s->shapes +
		   s->nslot * sizeof *s->slot +
		   s->cap_active * sizeof *s->active +
		   s->cap_cand * sizeof *s->cand + s->cap_cq * sizeof *s->cq;
	m->heap = s->heap.cap * sizeof *s->heap.v;
	m->decisions = s->res.cap * sizeof *s->res.v;
	m->metrics = s->m.nnodes * sizeof *s->m.node_frag +
		     s->m.cap_util * sizeof *s->m.util;
	m->placer = placer_bytes(s->pl);
}

/* ---- set-up ---------------------------------------------------------- */

struct keyed {
	uint64_t key;
	uint32_t id;
};

/*
 * order[] = job ids sorted by submit time, ties in id order: an LSD radix
 * sort (11-bit digits) of the offsets from the earliest submit, which is
 * stable, so ids that start in order stay in order among equal times.
 */
static void
sort_by_submit(struct sim *s)
{
	size_t n = s->w->njobs, cnt[2048];
	struct keyed *a = xmalloc((n + 1) * sizeof *a);
	struct keyed *b = xmalloc((n + 1) * sizeof *b);
	int64_t lo = n > 0 ? s->w->jobs[0].submit : 0;
	uint64_t hi = 0;
	int sorted = 1;

	for (size_t i = 0; i < n; i++) {
		if (s->w->jobs[i].submit < lo)
			lo = s->w->jobs[i].submit;
		if (i > 0 && s->w->jobs[i].submit < s->w->jobs[i - 1].submit)
			sorted = 0;
	}
	for (size_t i = 0; i < n; i++) {
		a[i].key = (uint64_t)s->w->jobs[i].submit - (uint64_t)lo;
		a[i].id = (uint32_t)i;
		if (a[i].key > hi)
			hi = a[i].key;
	}
	for (int shift = 0; !sorted && shift < 64 && (hi >> shift) != 0;
	     shift += 11) {
		struct keyed *t;
		size_t sum = 0;
		memset(cnt, 0, sizeof cnt);
		for (size_t i = 0; i < n; i++)
			cnt[a[i].key >> shift & 2047]++;
		for (size_t d = 0; d < 2048; d++) {
			size_t c = cnt[d];
			cnt[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			b[cnt[a[i].key >> shift & 2047]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	s->order = xmalloc((n + 1) * sizeof *s->order);
	for (size_t i = 0; i < n; i++)
		s->order[i] = a[i].id;
	free(a);
	free(b);
}

static int
check_jobs(struct sim *s, struct err *e)
{
	struct workload *w = s->w;

	if (w->njobs >= UINT32_MAX)
		return err_set(e, ERR_INVALID, "%zu jobs: at most %u", w->njobs,
			       UINT32_MAX - 1);
	for (size_t i = 0; i < w->njobs; i++) {
		struct job *j = &w->jobs[i];
		int rc;
		if (j->id != i)
			return err_set(e, ERR_INVALID, "job %zu: id %u is not its "
				       "index", i, j->id);
		if ((rc = job_validate(j, e)) != 0) {
			char where[32];
			snprintf(where, sizeof where, "job %zu", i);
			err_prefix(e, where);
			return rc;
		}
		if (j->duration < 0)
			return err_set(e, ERR_INVALID, "job %zu: duration %lld "
				       "is negative", i, (long long)j->duration);
		j->state = JOB_PENDING;
		j->start = j->end = -1;
	}
	return 0;
}

/* ---- the pending queue ------------------------------------------------ */

/*
 * Strict FIFO keeps the queue as an array window: starts come off the
 * front.  First-fit keeps one list per exact job shape instead, because
 * of this: within a pass capacity only shrinks, so once a job fails every
 * later job of the same shape fails too, and the jobs of a shape that
 * start are a prefix of its list no longer than free_milli / need.  A
 * first-fit pass therefore only needs, per shape, that many jobs from the
 * head of its list, merged back into queue order (by enqueue number); the
 * rest could not start, and a pass over the whole queue would give the
 * same starts.  That keeps a first-fit pass proportional to what can
 * start, not to the queue, even when free capacity is too fragmented for
 * anything waiting.
 */
static struct fkey
fkey_of(const struct job *j)
{
	struct fkey k;

	memset(&k, 0, sizeof k);
	k.gpn = j->gpus_per_node;
	k.nodes = j->nodes;
	k.milli = j->gpus_per_node > 0 ? j->gpu_milli : 0;
	k.cross = (j->flags & JOB_CROSS_SITE) != 0;
	k.cpu = j->cpu_milli;
	k.mem = j->mem_mib;
	k.mask = j->model_mask;
	return k;
}

static uint64_t
fkey_hash(const struct fkey *k)
{
	uint64_t h = (uint64_t)k->gpn | (uint64_t)k->nodes << 16 |
		     (uint64_t)k->milli << 32 | (uint64_t)k->cross << 48;

	h ^= ((uint64_t)k->cpu << 32 | k->mem) * 0x9e3779b97f4a7c15u;
	h ^= (uint64_t)k->mask * 0xc2b2ae3d27d4eb4fu;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9u;
	return h ^ (h >> 32);
}

static int
fkey_eq(const struct fkey *a, const struct fkey *b)
{
	return a->gpn == b->gpn && a->nodes == b->nodes && a->milli == b->milli &&
	       a->cross == b->cross && a->cpu == b->cpu && a->mem == b->mem &&
	       a->mask == b->mask;
}

/* The shape index of j, interned on first sight. */
static uint32_t
shape_of(struct sim *s, const struct job *j)
{
	struct fkey k = fkey_of(j);
	size_t i;

	if (2 * (s->nshapes + 1) > s->nslot) {
		size_t n = s->nslot ? 2 * s->nslot : 64;
		free(s->slot);
		s->slot = xcalloc(n, sizeof *s->slot);
		s->nslot = n;
		for (size_t x = 0; x < s->nshapes; x++) {
			i = fkey_hash(&s->shapes[x].key) & (n - 1);
			while (s->slot[i] != 0)
				i = (i + 1) & (n - 1);
			s->slot[i] = (uint32_t)x + 1;
		}
	}
	i = fkey_hash(&k) & (s->nslot - 1);
	while (s->slot[i] != 0) {
		if (fkey_eq(&s->shapes[s->slot[i] - 1].key, &k))
			return s->slot[i] - 1;
		i = (i + 1) & (s->nslot - 1);
	}
	if (s->nshapes == s->cap_shapes)
		s->shapes = xgrow(s->shapes, &s->cap_shapes, s->nshapes + 1,
				  sizeof *s->shapes);
	s->shapes[s->nshapes] = (struct fshape){k, job_gpu_milli(j), NONE,
						NONE, 0, NONE};
	s->slot[i] = (uint32_t)s->nshapes + 1;
	return (uint32_t)s->nshapes++;
}

void
sim__enqueue(struct sim *s, uint32_t id)
{
	const struct job *j = &s->w->jobs[id];

	if (s->o.order == SCHED_PRIORITY) {
		s->ppos[id] = (uint32_t)s->npend;
		s->pend[s->npend++] = id;
	} else if (s->o.order == SCHED_FIFO) {
		if (s->qtail == s->qcap) {
			if (s->qhead >= s->qcap / 2 && s->qhead > 0) {
				memmove(s->q, s->q + s->qhead,
					(s->qtail - s->qhead) * sizeof *s->q);
				s->qtail -= s->qhead;
				s->qhead = 0;
			} else {
				s->q = xgrow(s->q, &s->qcap, s->qtail + 1,
					     sizeof *s->q);
			}
		}
		s->q[s->qtail++] = id;
	} else {
		uint32_t x = shape_of(s, j);
		struct fshape *f = &s->shapes[x];
		uint32_t after = f->tail;
		s->jshape[id] = x;
		if (s->jseq[id] == NONE)
			s->jseq[id] = s->seq++;
		/* A requeued job keeps its number and goes back to its place;
		 * a new one has the highest number and goes last. */
		while (after != NONE && s->jseq[after] > s->jseq[id])
			after = s->jprev[after];
		s->jprev[id] = after;
		s->jnext[id] = after != NONE ? s->jnext[after] : f->head;
		if (s->jnext[id] != NONE)
			s->jprev[s->jnext[id]] = id;
		else
			f->tail = id;
		if (after != NONE)
			s->jnext[after] = id;
		else
			f->head = id;
		if (f->n++ == 0) {
			if (s->nactive == s->cap_active)
				s->active = xgrow(s->active, &s->cap_active,
						  s->nactive + 1,
						  sizeof *s->active);
			f->active = (uint32_t)s->nactive;
			s->active[s->nactive++] = x;
		}
	}
	if (j->gpus_per_node == 0)
		s->cpu_only++;
	if (++s->npending > s->st.max_queue)
		s->st.max_queue = s->npending;
}

/* First-fit: takes id out of its shape's list. */
static void
unlink_job(struct sim *s, uint32_t id)
{
	struct fshape *f = &s->shapes[s->jshape[id]];
	uint32_t p = s->jprev[id], n = s->jnext[id];

	if (p != NONE)
		s->jnext[p] = n;
	else
		f->head = n;
	if (n != NONE)
		s->jprev[n] = p;
	else
		f->tail = p;
	if (--f->n == 0) {
		uint32_t last = s->active[--s->nactive];
		s->active[f->active] = last;
		s->shapes[last].active = f->active;
		f->active = NONE;
	}
}

static int
cmp_cand(const void *a, const void *b)
{
	uint32_t x = ((const struct cand *)a)->seq;
	uint32_t y = ((const struct cand *)b)->seq;

	return (x > y) - (x < y);
}

/* First-fit: the jobs that could start now (see above), in queue order,
 * into s->cq; returns how many.  Without a finish since the last pass
 * only jobs enqueued since could start. */
static size_t
candidates(struct sim *s, uint64_t free_milli, int freed)
{
	uint32_t from = freed || s->o.full_scan ? 0 : s->pass_seq;

	s->ncand = 0;
	for (size_t a = 0; a < s->nactive; a++) {
		const struct fshape *f = &s->shapes[s->active[a]];
		uint64_t k = f->need > 0 ? free_milli / f->need : f->n;
		uint32_t id = f->head;
		if (k > f->n || s->o.full_scan)
			k = f->n;
		for (; k > 0 && id != NONE; k--, id = s->jnext[id]) {
			if (s->jseq[id] < from)
				continue;
			if (s->ncand == s->cap_cand)
				s->cand = xgrow(s->cand, &s->cap_cand,
						s->ncand + 1, sizeof *s->cand);
			s->cand[s->ncand++] = (struct cand){s->jseq[id], id};
		}
	}
	if (s->ncand > 1)
		qsort(s->cand, s->ncand, sizeof *s->cand, cmp_cand);
	if (s->ncand > s->cap_cq)
		s->cq = xgrow(s->cq, &s->cap_cq, s->ncand, sizeof *s->cq);
	for (size_t i = 0; i < s->ncand; i++)
		s->cq[i] = s->cand[i].id;
	return s->ncand;
}

/* ---- the loop -------------------------------------------------------- */

void
sim__hook(struct sim *s, int64_t t, enum event_kind kind, uint32_t id)
{
	struct event ev;

	if (s->o.hook == NULL)
		return;
	ev.time = t;
	ev.ord = (uint64_t)kind << EVENT_SEQ_BITS;
	ev.job = id;
	s->o.hook(s->o.hook_ctx, s, &ev);
}

void
sim__reject(struct sim *s, struct job *j)
{
	j->state = JOB_CANCELLED;
	s->st.rejected++;
}


static void
finish(struct sim *s, const struct event *ev)
{
	struct job *j = &s->w->jobs[ev->job];
	struct alloc *a = &s->alloc[ev->job];

	ALLOT_ASSERT(event_kind_of(ev) == EV_FINISH);
	if (s->fin != NULL && (j->state != JOB_RUNNING || s->fin[ev->job] != ev->time))
		return; /* stale: the job was preempted since */
	ALLOT_ASSERT(j->state == JOB_RUNNING);
	if (s->run != NULL)
		sim__run_leave(s, ev->job);
	placer_release(s->pl, j, a);
	metrics_job(&s->m, s->pool, j, a, 0);
	sim__released(s, a);
	alloc_free(a);
	/* Cut at its time limit: a timeout. */
	j->state = (s->remain != NULL && s->remain[ev->job] > ev->time - j->start)
			   ? JOB_FAILED
			   : JOB_COMPLETED;
	j->end = ev->time;
	if (s->fin != NULL)
		s->fin[ev->job] = -1;
	s->st.finishes++;
	s->st.events++;
	sim__note(s, ev->time, SIM_NOTE_FINISH, ev->job, NULL);
	sim__hook(s, ev->time, EV_FINISH, ev->job);
}

/* Takes a decided job out of the pending queue's bookkeeping. */
void
sim__dequeued(struct sim *s, uint32_t id)
{
	if (s->o.order == SCHED_PRIORITY) {
		uint32_t last = s->pend[--s->npend];
		s->pend[s->ppos[id]] = last;
		s->ppos[last] = s->ppos[id];
		s->ppos[id] = NONE;
	} else if (s->o.order != SCHED_FIFO)
		unlink_job(s, id);
	if (s->w->jobs[id].gpus_per_node == 0)
		s->cpu_only--;
	s->npending--;
}

/* ---- explanations and reasons ----------------------------------------- */

/* Tells the watcher, if id is the watched job.  d: the decision (PENDING,
 * START, PREEMPT, REJECT) or NULL. */
void
sim__note(struct sim *s, int64_t t, enum sim_note_kind kind, uint32_t id,
     const struct sched_decision *d)
{
	const struct job *j;
	struct sim_note n;

	if (s->o.watch == NULL || id != s->o.watch_job)
		return;
	j = &s->w->jobs[id];
	memset(&n, 0, sizeof n);
	n.t = t;
	n.job = id;
	n.kind = (uint8_t)kind;
	n.state = j->state;
	n.other = SCHED_NO_JOB;
	if (d != NULL) {
		n.reason = d->reason;
		n.other = d->blocker;
		n.at = d->at;
	}
	if (s->remain != NULL)
		n.remain = s->remain[id];
	if (s->o.order == SCHED_PRIORITY && s->fs_t != NULL &&
	    kind != SIM_NOTE_FINISH) {
		prio_compute(&s->o.weights, j, s->fs_t[j->tenant], t,
			     s->pol.pool_gpus, &n.prio);
		n.has_prio = 1;
	}
	s->o.watch(s->o.watch_ctx, &n);
}

/* A pass at t: the previous pass's reasons held until now. */
void
sim__reasons_until(struct sim *s, int64_t t)
{
	/* FIFO and first-fit only ever give RESOURCES and PRIORITY. */
	int hi = s->o.order == SCHED_PRIORITY ? SCHED_NREASONS
					      : SCHED_REASON_PRIORITY + 1;

	if (s->last_any && t > s->last_pass_t)
		for (int r = SCHED_REASON_RESOURCES; r < hi; r++)
			s->st.reason_s[r] += s->last_reasons[r] *
					     (uint64_t)(t - s->last_pass_t);
	s->last_pass_t = t;
}

/* The pass just run left cur[] pending by reason (rejected jobs, counted
 * under NEVER_FITS, wait no longer). */
void
sim__reasons_set(struct sim *s, const uint64_t *cur)
{
	s->last_any = 0;
	for (int r = 0; r < SCHED_NREASONS; r++) {
		s->st.reasons[r] += cur[r];
		s->last_reasons[r] = r == SCHED_REASON_NEVER_FITS ? 0 : cur[r];
		s->last_any |= s->last_reasons[r] != 0;
	}
}

/* ---- capacity over time: node states ----------------------------------- */

/* Counts a's job on its nodes (d = 1 when it starts, -1 when it
 * leaves), for capacity events. */
void
sim__occupy(struct sim *s, const struct alloc *a, int d)
{
	if (s->node_jobs == NULL)
		return;
	for (size_t i = 0; i < a->nslots; i++)
		s->node_jobs[a->slots[i].node] =
		    (uint32_t)((int64_t)s->node_jobs[a->slots[i].node] + d);
}

/* Moves node n to state st and tells everyone who keeps books on it: the
 * placer (and its topology index), the metrics, the pool's GPU total and
 * the quotas' capacity (GPUs of nodes not ABSENT). */
void
sim__set_state(struct sim *s, uint32_t n, enum node_state st)
{
	struct node *nd = &s->pool->nodes[n];
	int old = nd->state;

	if (old == (int)st)
		return;
	nd->state = (uint8_t)st;
	s->ndrain += (st == NODE_DRAIN) - (old == NODE_DRAIN);
	placer_node_changed(s->pl, n);
	metrics_node(&s->m, s->pool, n, old);
	if ((old == NODE_ABSENT) != (st == NODE_ABSENT)) {
		int64_t g = st == NODE_ABSENT ? -(int64_t)nd->ngpu : nd->ngpu;
		s->pool->total_gpus = (uint64_t)((int64_t)s->pool->total_gpus + g);
		if (s->have_quota && nd->ngpu > 0 && nd->model < s->quota.nmodels)
			quota_set_capacity(&s->quota, nd->model,
					   s->quota.capacity[nd->model] + g * MILLI);
	}
}

/* After a's resources went back (every release calls this): a leaving
 * node that is now empty is gone. */
void
sim__released(struct sim *s, const struct alloc *a)
{
	if (s->leaving == NULL)
		return;
	sim__occupy(s, a, -1);
	for (size_t i = 0; i < a->nslots; i++) {
		uint32_t n = a->slots[i].node;
		if (s->leaving[n] && s->node_jobs[n] == 0) {
			s->leaving[n] = 0;
			sim__set_state(s, n, NODE_ABSENT);
		}
	}
}

/* Every node back to its state before the run (the metrics are done with
 * by then and are not told). */
static void
restore_states(struct sim *s)
{
	if (s->orig_state == NULL)
		return;
	for (size_t n = 0; n < s->pool->nnodes; n++) {
		struct node *nd = &s->pool->nodes[n];
		int old = nd->state;
		if (old == s->orig_state[n])
			continue;
		nd->state = s->orig_state[n];
		if ((old == NODE_ABSENT) != (nd->state == NODE_ABSENT))
			s->pool->total_gpus = nd->state == NODE_ABSENT
						  ? s->pool->total_gpus - nd->ngpu
						  : s->pool->total_gpus + nd->ngpu;
		placer_node_changed(s->pl, (uint32_t)n);
	}
	free(s->orig_state);
	s->orig_state = NULL;
}

/* One pass at t; applies its starts.  freed: a finish since the last
 * pass; *left: the queue length the last pass left behind. */
static int
pass(struct sim *s, int64_t t, int freed, size_t *left, struct err *e)
{
	struct sched_opts so = {.order = (uint8_t)s->o.order, .explain = 0};
	struct sched_input in;
	uint64_t nres, nprio = 0;
	uint32_t blocker = SCHED_NO_JOB;
	size_t kept = 0;
	int rc, watch_kept = 0;

	if (s->o.order == SCHED_PRIORITY)
		return sim__prio_pass(s, t, e);
	sim__reasons_until(s, t);
	memset(&in, 0, sizeof in);
	in.now = t;
	in.jobs = s->w->jobs;
	in.free_milli = s->m.capacity_milli - s->m.alloc_milli;
	in.cpu_only = s->cpu_only;
	if (s->o.order == SCHED_FIFO) {
		in.queue = s->q + s->qhead;
		in.nqueue = s->qtail - s->qhead;
		/* With capacity events a job may stay pending after
		 * NEVER_FITS, which the resume hint must not vouch for. */
		in.resume = freed || s->fits != NULL ? 0 : *left;
	} else {
		in.nqueue = candidates(s, in.free_milli, freed);
		in.queue = s->cq;
		in.resume = 0;
		s->pass_seq = s->seq;
	}
	if ((rc = sched_pass(&so, &in, s->pl, &s->res)) != 0)
		return err_set(e, rc, "scheduling pass at t=%lld failed",
			       (long long)t);
	s->st.passes++;
	s->st.scanned += s->res.scanned;
	s->st.placed += s->res.placed;
	for (size_t i = 0; i < s->res.n; i++) {
		struct sched_decision *d = &s->res.v[i];
		struct job *j = &s->w->jobs[d->job];
		if (d->kind == SCHED_START) {
			int64_t run = s->remain != NULL ? s->remain[d->job]
							: j->duration;
			ALLOT_ASSERT(j->state == JOB_PENDING);
			if (run > INT64_MAX - t) {
				/* Undo this start and the ones after it. */
				for (size_t k = i; k < s->res.n; k++)
					if (s->res.v[k].kind == SCHED_START)
						placer_release(s->pl,
						    &s->w->jobs[s->res.v[k].job],
						    &s->res.v[k].alloc);
				return err_set(e, ERR_LIMIT, "job %u: start %lld + "
					       "duration %lld overflows", d->job,
					       (long long)t, (long long)run);
			}
			s->alloc[d->job] = d->alloc;
			memset(&d->alloc, 0, sizeof d->alloc);
			j->state = JOB_RUNNING;
			j->start = t;
			sim__dequeued(s, d->job);
			metrics_job(&s->m, s->pool, j, &s->alloc[d->job], 1);
			sim__occupy(s, &s->alloc[d->job], 1);
			event_push(&s->heap, t + run, EV_FINISH, d->job);
			if (s->fin != NULL)
				s->fin[d->job] = t + run;
			s->st.starts++;
			d->at = t + run;
			sim__note(s, t, SIM_NOTE_START, d->job, d);
		} else if (d->reason == SCHED_REASON_NEVER_FITS) {
			if (s->fits != NULL && s->fits[d->job]) {
				kept++; /* waits for capacity to come back */
				if (d->job == s->o.watch_job)
					watch_kept = 1;
				continue;
			}
			sim__dequeued(s, d->job);
			sim__reject(s, j);
			sim__note(s, t, SIM_NOTE_REJECT, d->job, d);
		} else if (d->reason == SCHED_REASON_RESOURCES) {
			blocker = d->job;
		}
	}
	/* Hooks see the pass as a whole: the pool already holds every start
	 * of it, so each is on the books before any hook looks. */
	if (s->o.hook != NULL)
		for (size_t i = 0; i < s->res.n; i++)
			if (s->res.v[i].kind == SCHED_START)
				sim__hook(s, t, EV_START, s->res.v[i].job);
	if (s->heap.n > s->st.max_running)
		s->st.max_running = s->heap.n;
	if (s->o.order == SCHED_FIFO) {
		/* Compact the decided jobs out of the prefix the pass looked
		 * at, keeping the others in order at its end. */
		size_t end = s->qhead + s->res.end, dst = end;
		for (size_t k = end; k-- > s->qhead;)
			if (s->w->jobs[s->q[k]].state == JOB_PENDING)
				s->q[--dst] = s->q[k];
		s->qhead = dst;
		if (s->qhead == s->qtail)
			s->qhead = s->qtail = 0;
	}
	*left = s->npending;
	/* Every job still pending has its reason, as the pass would have
	 * explained it: strict FIFO's blocked head waits for resources and
	 * the rest behind it; first-fit's all wait for resources. */
	if (s->o.order == SCHED_FIFO) {
		size_t head = blocker != SCHED_NO_JOB;
		nres = head + kept;
		nprio = s->npending - head - kept;
	} else {
		nres = s->npending;
	}
	s->st.reasons[SCHED_REASON_RESOURCES] += nres;
	s->st.reasons[SCHED_REASON_PRIORITY] += nprio;
	s->last_reasons[SCHED_REASON_RESOURCES] = nres;
	s->last_reasons[SCHED_REASON_PRIORITY] = nprio;
	s->last_any = nres + nprio > 0;
	if (s->o.watch != NULL && s->o.watch_job < s->w->njobs) {
		const struct job *wj = &s->w->jobs[s->o.watch_job];
		if (wj->state == JOB_PENDING && wj->submit <= t) {
			struct sched_decision d;
			memset(&d, 0, sizeof d);
			d.reason = SCHED_REASON_RESOURCES;
			d.blocker = SCHED_NO_JOB;
			if (s->o.order == SCHED_FIFO && !watch_kept &&
			    blocker != s->o.watch_job) {
				d.reason = SCHED_REASON_PRIORITY;
				d.blocker = blocker;
			}
			sim__note(s, t, SIM_NOTE_PENDING, s->o.watch_job, &d);
		}
	}
	return 0;
}

/* ---- capacity over time: events -------------------------------------- */

static int
stale(const struct sim *s, const struct event *ev)
{
	const struct job *j = &s->w->jobs[ev->job];

	if (s->fin == NULL)
		return 0;
	if (event_kind_of(ev) == EV_FINISH)
		return j->state != JOB_RUNNING || s->fin[ev->job] != ev->time;
	if (event_kind_of(ev) == EV_PREEMPT && s->run != NULL)
		return j->state != JOB_RUNNING || s->rpos[ev->job] == NONE ||
		       s->run[s->rpos[ev->job]].preempt_for == SCHED_NO_JOB ||
		       s->run[s->rpos[ev->job]].end != ev->time;
	return 0;
}

int
sim_run(struct sim *s, struct err *e)
{
	struct workload *w = s->w;
	const struct nodeevents *nev = s->o.events;
	const struct event *top;
	struct event ev;
	size_t next = 0, n = w->njobs, left = 0, ne = 0;
	uint64_t tick = PROGRESS_EVERY;
	int64_t alarm_at = s->o.order == SCHED_PRIORITY && s->o.alarm != NULL
				   ? s->o.alarm_first
				   : INT64_MAX;
	int freed = 1, rc;

	if (s->ran)
		return err_set(e, ERR_STATE, "sim_run: this simulator already ran");
	s->ran = 1;
	if ((rc = check_jobs(s, e)) != 0)
		return rc;
	sort_by_submit(s);
	s->alloc = xcalloc(n + 1, sizeof *s->alloc);
	if (nev != NULL && nev->n > 0 && n > 0) {
		sim__events_setup(s);
		ne = nev->n;
	}
	if (s->o.order == SCHED_PRIORITY) {
		sim__prio_setup(s);
	} else if (s->o.order != SCHED_FIFO) {
		s->jshape = xmalloc((n + 1) * sizeof *s->jshape);
		s->jnext = xmalloc((n + 1) * sizeof *s->jnext);
		s->jprev = xmalloc((n + 1) * sizeof *s->jprev);
		s->jseq = xmalloc((n + 1) * sizeof *s->jseq);
		for (size_t i = 0; i < n; i++)
			s->jseq[i] = NONE;
	}
	if (ne > 0)
		sim__events_start(s);
	event_heap_reserve(&s->heap, 1024);
	for (;;) {
		int changed = 0;
		int64_t t = INT64_MAX;
		/* When the quotas next change (grants start or end), if a job
		 * is waiting: its quota may let it start then. */
		int64_t gt = s->have_quota && s->npending > 0 &&
				     s->grants_next > INT64_MIN && !s->pass_due
				 ? s->grants_next
				 : INT64_MAX; /* a pass already owed takes them in */

		while ((top = event_peek(&s->heap)) != NULL && stale(s, top))
			event_pop(&s->heap, &ev);
		/* Node events and grant changes matter only while a job waits. */
		if (next >= n && top == NULL && gt == INT64_MAX && !s->pass_due &&
		    (s->evnext >= ne || s->npending == 0))
			break;
		t = gt;
		if (alarm_at < t)
			t = alarm_at;
		if (s->pass_due && s->due_at < t)
			t = s->due_at;
		if (top != NULL && top->time < t)
			t = top->time;
		if (next < n && w->jobs[s->order[next]].submit < t)
			t = w->jobs[s->order[next]].submit;
		if (s->evnext < ne && nev->v[s->evnext].time < t)
			t = nev->v[s->evnext].time;
		metrics_advance(&s->m, t);
		s->st.instants++;
		/* Finishes first: their resources are free for this instant. */
		while ((top = event_peek(&s->heap)) != NULL && top->time == t) {
			event_pop(&s->heap, &ev);
			if (stale(s, &ev))
				continue;
			if (event_kind_of(&ev) == EV_PREEMPT)
				sim__preempted(s, &ev);
			else
				finish(s, &ev);
			freed = changed = 1;
		}
		if (t == gt)
			changed = 1;
		if (s->pass_due && t == s->due_at) {
			s->pass_due = 0;
			changed = 1;
		}
		/* Then capacity events, in file order. */
		while (s->evnext < ne && nev->v[s->evnext].time == t) {
			sim__apply_event(s, &nev->v[s->evnext++], t);
			freed = changed = 1;
		}
		/* Then the programs' alarm: grants change, jobs leave. */
		if (t == alarm_at) {
			s->st.alarms++;
			alarm_at = s->o.alarm(s->o.alarm_ctx, s, t);
			if (alarm_at <= t)
				alarm_at = t + 1;
			sim__grants_changed(s);
			changed = 1;
		}
		/* Then the submits of this instant, in workload order. */
		while (next < n && w->jobs[s->order[next]].submit == t) {
			uint32_t id = s->order[next++];
			struct job *j = &w->jobs[id];
			s->st.submits++;
			s->st.events++;
			sim__note(s, t, SIM_NOTE_SUBMIT, id, NULL);
			if (s->o.admit != NULL && s->o.order == SCHED_PRIORITY &&
			    !s->o.admit(s->o.admit_ctx, j, t)) {
				j->state = JOB_CANCELLED;
				j->flags |= JOB_WITHDRAWN;
				s->st.withdrawn++;
			} else if (s->fits != NULL ? !s->fits[id]
					    : !placer_could_ever_fit(s->pl, j)) {
				sim__reject(s, j);
				sim__note(s, t, SIM_NOTE_REJECT, id, NULL);
			} else {
				sim__enqueue(s, id);
				changed = 1;
			}
			sim__hook(s, t, EV_SUBMIT, id);
		}
		if (changed && s->o.order == SCHED_PRIORITY && s->o.pass_interval > 0 &&
		    s->st.passes > 0 && t < s->last_pass + s->o.pass_interval) {
			/* Not yet: one pass at the end of the interval takes in
			 * everything that changed meanwhile. */
			if (!s->pass_due) {
				s->pass_due = 1;
				s->due_at = s->last_pass + s->o.pass_interval;
			}
			changed = 0;
		}
		if (changed) {
			if ((rc = pass(s, t, freed, &left, e)) != 0)
				return rc;
			freed = 0;
			s->last_pass = t;
			s->pass_due = 0;
		}
		if (s->o.progress != NULL && s->st.events >= tick) {
			tick = s->st.events + PROGRESS_EVERY;
			s->o.progress(s->o.progress_ctx,
				      (size_t)(s->st.finishes + s->st.rejected), n);
		}
	}
	/* Jobs still pending with nothing running: without capacity events,
	 * the placer refused them on an idle pool although it said they
	 * could fit; with them, also jobs that waited for capacity that never
	 * came back.  They stay PENDING and count as unfinished. */
	s->st.stuck = s->npending;
	sim__reasons_until(s, s->m.t_now);
	restore_states(s);
	if (s->o.progress != NULL)
		s->o.progress(s->o.progress_ctx,
			      (size_t)(s->st.finishes + s->st.rejected), n);
	return 0;
}

/* ---- default pools ----------------------------------------------------- */

int
sim_default_pool(struct pool *p, enum trace_format f, struct err *e)
{
	static const struct gpu_model p100 = {16, 250, 2000000};
	static const struct gpu_model gpu = {80, 700, 4000000};
	const struct gpu_model *props;
	const char *model, *site;
	int nnodes, m;
	uint32_t s, c, r = 0, d;
	char name[64];

	switch (f) {
	case TRACE_PHILLY:
		nnodes = 312;
		model = "P100";
		props = &p100;
		site = "philly";
		break;
	case TRACE_SWF:
		nnodes = 32;
		model = "GPU";
		props = &gpu;
		site = "swf";
		break;
	default:
		return err_set(e, ERR_USAGE, "%s traces have no default pool: "
			       "give --nodes or --pool", trace_format_name(f));
	}
	if ((m = pool_model(p, model, props, e)) < 0)
		return m;
	s = pool_add_site(p, site, "default");
	snprintf(name, sizeof name, "%s-c0", site);
	c = pool_add_cluster(p, name, s);
	for (int i = 0; i < nnodes; i++) {
		long rc;
		if (i % 8 == 0) {
			snprintf(name, sizeof name, "%s-r%03d", site, i / 8);
			r = pool_add_rack(p, name, c);
		}
		snprintf(name, sizeof name, "%s-d%04d", site, i);
		d = pool_add_domain(p, name, r);
		snprintf(name, sizeof name, "%s-n%04d", site, i);
		rc = pool_add_node(p, name, d, m, 8, 64000, 524288, e);
		if (rc < 0)
			return (int)rc;
	}
	return 0;
}
