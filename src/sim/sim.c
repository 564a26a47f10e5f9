/*
 * sim.c — the discrete-event simulator's loop.
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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/tenant.h"
#include "sched/fairshare.h"
#include "sched/quota.h"
#include "sched/topo.h"
#include "util/alloc.h"

#define PROGRESS_EVERY 65536
#define NONE UINT32_MAX

/* First-fit's pending jobs of one exact shape, a list in queue order. */
struct fkey {
	uint16_t gpn, nodes, milli, cross;
	uint32_t cpu, mem, mask;
};

struct fshape {
	struct fkey key;
	uint64_t need;        /* GPU milli of one job */
	uint32_t head, tail;  /* job ids, NONE when empty */
	uint32_t n;           /* jobs in the list */
	uint32_t active;      /* index in sim.active, NONE when empty */
};

struct cand {
	uint32_t seq, id;
};

struct sim {
	struct pool *pool;
	struct workload *w;
	struct sim_opts o;
	struct placer *pl;
	struct event_heap heap;
	uint32_t *order;        /* job ids by submit time, stable */
	struct alloc *alloc;    /* per job id: where it runs */
	size_t npending;
	uint64_t cpu_only;      /* CPU-only jobs pending */
	/* Strict FIFO: the queue as an array window q[qhead, qtail). */
	uint32_t *q;
	size_t qhead, qtail, qcap;
	/* First-fit: the queue as one list per exact shape. */
	struct fshape *shapes;
	size_t nshapes, cap_shapes;
	uint32_t *slot;         /* hash of keys: shape index + 1, 0 = empty */
	size_t nslot;
	uint32_t *active;       /* shapes with pending jobs */
	size_t nactive, cap_active;
	uint32_t *jshape, *jnext, *jprev, *jseq; /* per job id */
	uint32_t seq;           /* enqueue counter */
	uint32_t pass_seq;      /* seq when the last pass ran */
	struct cand *cand;      /* a pass's candidates */
	size_t ncand, cap_cand;
	uint32_t *cq;           /* their ids, in queue order */
	size_t cap_cq;
	struct sched_result res;
	struct metrics m;
	struct sim_stats st;
	int ran, finished;
	/* SCHED_PRIORITY: the queue is a set (the pass orders it), the
	 * running jobs a list the pass reads, plus quotas and fair share. */
	uint32_t *pend, *ppos;   /* pending ids; per job: index in pend */
	size_t npend;
	struct sched_running *run;
	uint32_t *rpos;          /* per job: index in run, NONE */
	size_t nrun;
	int64_t *fin;            /* per job: when its FINISH event fires */
	int64_t *remain;         /* per job: run time still to do */
	uint8_t *qm;             /* per job: the model its quota is charged to */
	struct quota quota;
	int have_quota;
	int64_t grants_next;     /* when the grants next change */
	struct tenant_tree tt;   /* root -> one leaf per workload tenant */
	double *usage, *fs;      /* per tenant node: decayed GPU-s, factor */
	uint32_t *tnode;         /* per workload tenant: its leaf */
	double *fs_t;            /* per workload tenant: its factor */
	size_t ntenants;
	uint64_t *tmilli;        /* per tenant: GPU milli running now */
	int64_t usage_t;         /* usage integrated up to here */
	struct sched_policy pol;
	int64_t last_pass;       /* when the last pass ran */
	int pass_due;            /* a pass is owed at due_at (pass_interval) */
	int64_t due_at;
	/* Capacity over time (sim_opts.events). */
	size_t evnext;           /* next event to apply */
	uint8_t *orig_state;     /* per node: its state before the run */
	uint8_t *leaving;        /* per node: goes ABSENT once empty */
	uint32_t *node_jobs;     /* per node: running jobs on it (a job may
				  * take no resources at all) */
	uint8_t *fits;           /* per job: fits the pool at its fullest */
	uint32_t *victims;       /* the jobs on a failing node */
	size_t cap_victims;
	size_t ndrain;           /* nodes in DRAIN now */
	struct sched_running *runf; /* running jobs not on DRAIN nodes */
	size_t cap_runf;
	/* The last pass's pending reasons hold until the next pass. */
	uint64_t last_reasons[SCHED_NREASONS];
	int64_t last_pass_t;
	int last_any;            /* some last_reasons[] is not 0 */
};

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
	free(s->runf);
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

static void
enqueue(struct sim *s, uint32_t id)
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

static void
hook(struct sim *s, int64_t t, enum event_kind kind, uint32_t id)
{
	struct event ev;

	if (s->o.hook == NULL)
		return;
	ev.time = t;
	ev.ord = (uint64_t)kind << EVENT_SEQ_BITS;
	ev.job = id;
	s->o.hook(s->o.hook_ctx, s, &ev);
}

static void
reject(struct sim *s, struct job *j)
{
	j->state = JOB_CANCELLED;
	s->st.rejected++;
}

static void run_leave(struct sim *s, uint32_t id);
static void released(struct sim *s, const struct alloc *a);
static void note(struct sim *s, int64_t t, enum sim_note_kind kind,
		 uint32_t id, const struct sched_decision *d);

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
		run_leave(s, ev->job);
	placer_release(s->pl, j, a);
	metrics_job(&s->m, s->pool, j, a, 0);
	released(s, a);
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
	note(s, ev->time, SIM_NOTE_FINISH, ev->job, NULL);
	hook(s, ev->time, EV_FINISH, ev->job);
}

/* Takes a decided job out of the pending queue's bookkeeping. */
static void
dequeued(struct sim *s, uint32_t id)
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
static void
note(struct sim *s, int64_t t, enum sim_note_kind kind, uint32_t id,
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
static void
reasons_until(struct sim *s, int64_t t)
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
static void
reasons_set(struct sim *s, const uint64_t *cur)
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
static void
occupy(struct sim *s, const struct alloc *a, int d)
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
static void
set_state(struct sim *s, uint32_t n, enum node_state st)
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
static void
released(struct sim *s, const struct alloc *a)
{
	if (s->leaving == NULL)
		return;
	occupy(s, a, -1);
	for (size_t i = 0; i < a->nslots; i++) {
		uint32_t n = a->slots[i].node;
		if (s->leaving[n] && s->node_jobs[n] == 0) {
			s->leaving[n] = 0;
			set_state(s, n, NODE_ABSENT);
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

/* ---- SCHED_PRIORITY ---------------------------------------------------- */

/*
 * The national policy replayed: each pass gets every pending job (the pass
 * orders them), the running jobs with their time-limit ends, the quotas of
 * the grants active now and every tenant's Fair Tree factor over usage
 * decayed with the configured half-life.  Preemption: a victim stops after
 * its grace period (checkpointable jobs) or at once; it is requeued with
 * the work still to do (checkpointable: what is left; otherwise all of
 * it).  A job runs until its duration or its time limit, whichever comes
 * first (a job cut at its limit ends FAILED, like a Slurm timeout).
 */
/* The "(self)" leaf of inner tenant node id, made on first use. */
static uint32_t
self_leaf(struct tenant_tree *tt, uint32_t id)
{
	char name[320];
	long leaf;

	snprintf(name, sizeof name, "%s/(self)", tenant_name(tt, id));
	if ((leaf = tenant_find(tt, name)) < 0)
		leaf = tenant_add(tt, name, id, 1, NULL);
	ALLOT_ASSERT(leaf >= 0);
	return (uint32_t)leaf;
}

/*
 * With grants, fair share follows them: a tenant's leaf gets shares in
 * proportion to its granted GPU-seconds over the whole grants file (GPUs
 * x (end - start), summed; 1,000,000 for the largest, at least 1), and an
 * inner tenant the sum of its children's.  Without grants every tenant
 * has equal shares at every level.
 */
static void
shares_from_grants(struct sim *s, size_t nt)
{
	const struct grants *gs = s->o.grants;
	double *gsec = xcalloc(nt + 1, sizeof *gsec), top = 0;
	uint64_t *acc = xcalloc(s->tt.n + 1, sizeof *acc);

	for (size_t i = 0; i < gs->n; i++)
		if (gs->v[i].tenant < nt)
			gsec[gs->v[i].tenant] += (double)gs->v[i].gpus *
						 (double)(gs->v[i].end - gs->v[i].start);
	for (size_t t = 0; t < nt; t++)
		if (gsec[t] > top)
			top = gsec[t];
	for (size_t k = 0; k < s->tt.n; k++)
		if (tenant_is_leaf(&s->tt, (uint32_t)k))
			s->tt.v[k].shares = 1;
	for (size_t t = 0; t < nt && top > 0; t++) {
		double sh = 1e6 * gsec[t] / top + 0.5;
		s->tt.v[s->tnode[t]].shares = sh < 1 ? 1 : (uint32_t)sh;
	}
	/* Children come after their parents: sum bottom-up. */
	for (size_t k = s->tt.n; k-- > 1;) {
		struct tenant *v = &s->tt.v[k];
		if (!tenant_is_leaf(&s->tt, (uint32_t)k))
			v->shares = acc[k] == 0 ? 1 : acc[k] > UINT32_MAX ?
					UINT32_MAX : (uint32_t)acc[k];
		acc[v->parent] += v->shares;
	}
	free(gsec);
	free(acc);
}

static void
prio_setup(struct sim *s)
{
	size_t n = s->w->njobs, nt = s->w->tenants.n ? s->w->tenants.n : 1;
	int nm = (int)s->pool->model_names.n;

	s->pend = xmalloc((n + 1) * sizeof *s->pend);
	s->ppos = xmalloc((n + 1) * sizeof *s->ppos);
	s->run = xmalloc((n + 1) * sizeof *s->run);
	s->rpos = xmalloc((n + 1) * sizeof *s->rpos);
	s->fin = xmalloc((n + 1) * sizeof *s->fin);
	s->remain = xmalloc((n + 1) * sizeof *s->remain);
	s->qm = xcalloc(n + 1, 1);
	for (size_t i = 0; i < n; i++) {
		s->ppos[i] = s->rpos[i] = NONE;
		s->fin[i] = -1;
		s->remain[i] = s->w->jobs[i].duration;
		s->w->jobs[i].flags &= ~(uint32_t)JOB_RECLAIMING;
	}
	/* Tenant tree from the names: "program/team" is team under program
	 * (any depth), equal shares at every level; a plain name hangs off
	 * the root.  A name that is also a prefix of another gets its own
	 * leaf "<name>/(self)" beside the children.  tnode maps workload
	 * tenants to their leaves. */
	tenant_tree_init(&s->tt);
	s->tnode = xmalloc(nt * sizeof *s->tnode);
	for (size_t t = 0; t < nt; t++) {
		char name[300];
		const char *tn = strtab_get(&s->w->tenants, (uint32_t)t);
		uint32_t parent = TENANT_ROOT;
		size_t len;
		if (tn == NULL || *tn == '\0') {
			snprintf(name, sizeof name, "tenant-%zu", t);
		} else {
			snprintf(name, sizeof name, "%s", tn);
		}
		len = strlen(name);
		for (size_t i = 1; i + 1 < len; i++) {
			if (name[i] != '/' || name[i - 1] == '/')
				continue; /* empty components are not levels */
			name[i] = '\0';
			long id = tenant_find(&s->tt, name);
			if (id < 0)
				id = tenant_add(&s->tt, name, parent, 1, NULL);
			name[i] = '/';
			if (id < 0)
				break;
			parent = (uint32_t)id;
		}
		long leaf = tenant_find(&s->tt, name);
		leaf = leaf < 0 ? tenant_add(&s->tt, name, parent, 1, NULL)
				: (long)self_leaf(&s->tt, (uint32_t)leaf);
		/* A name the tree refuses: a flat leaf of a name of its own. */
		for (int k = 0; leaf < 0 && k < 1000; k++) {
			snprintf(name, sizeof name, "(tenant %zu.%d)", t, k);
			leaf = tenant_add(&s->tt, name, TENANT_ROOT, 1, NULL);
		}
		ALLOT_ASSERT(leaf >= 0);
		s->tnode[t] = (uint32_t)leaf;
	}
	/* A leaf that later became a parent: its jobs move to its "(self)". */
	for (size_t t = 0; t < nt; t++)
		if (!tenant_is_leaf(&s->tt, s->tnode[t]))
			s->tnode[t] = self_leaf(&s->tt, s->tnode[t]);
	if (s->o.grants != NULL && s->o.grants->n > 0)
		shares_from_grants(s, nt);
	s->fs_t = xcalloc(nt, sizeof *s->fs_t);
	s->usage = xcalloc(s->tt.n, sizeof *s->usage);
	s->fs = xcalloc(s->tt.n, sizeof *s->fs);
	s->tmilli = xcalloc(nt, sizeof *s->tmilli);
	s->ntenants = nt;
	if (s->o.grants != NULL && nm > 0) {
		quota_init(&s->quota, nt, nm);
		for (size_t i = 0; i < s->pool->nnodes; i++) {
			const struct node *nd = &s->pool->nodes[i];
			if (nd->state != NODE_ABSENT && nd->ngpu > 0)
				s->quota.capacity[nd->model] += (int64_t)nd->ngpu * MILLI;
		}
		s->have_quota = 1;
		s->grants_next = INT64_MIN;
	}
	s->pol.quota = s->have_quota ? &s->quota : NULL;
	s->pol.weights = s->o.weights;
	s->pol.backfill_depth = s->o.backfill_depth;
	s->pol.backfill_horizon = s->o.backfill_horizon;
	s->pol.reclaim = (uint8_t)(s->o.reclaim != 0);
	s->pol.pool_gpus = s->pool->total_gpus;
}

static void
run_enter(struct sim *s, uint32_t id, int model, int64_t t)
{
	const struct job *j = &s->w->jobs[id];

	s->rpos[id] = (uint32_t)s->nrun;
	s->run[s->nrun++] = (struct sched_running){
		id, model, SCHED_NO_JOB,
		j->time_limit > 0 ? t + j->time_limit : INT64_MAX, &s->alloc[id]};
	s->qm[id] = (uint8_t)(model >= 0 ? model : 0);
	s->tmilli[j->tenant] += job_gpu_milli(j);
}

static void
run_leave(struct sim *s, uint32_t id)
{
	const struct job *j = &s->w->jobs[id];
	uint32_t at = s->rpos[id];

	ALLOT_ASSERT(at != NONE);
	s->run[at] = s->run[--s->nrun];
	s->rpos[s->run[at].job] = at;
	s->rpos[id] = NONE;
	s->tmilli[j->tenant] -= job_gpu_milli(j);
	if (s->have_quota && j->gpus_per_node > 0)
		quota_charge(&s->quota, j->tenant, s->qm[id],
			     -(int64_t)job_gpu_milli(j));
}

/* Usage up to t (decayed), then the Fair Tree factors. */
static void
fair_update(struct sim *s, int64_t t)
{
	double dt;

	if (s->usage_t == 0 && s->st.passes == 0)
		s->usage_t = t;
	dt = (double)(t - s->usage_t);
	if (dt > 0) {
		fairshare_decay(s->usage, s->tt.n, dt, s->o.half_life_s);
		for (size_t k = 0; k < s->ntenants; k++)
			s->usage[s->tnode[k]] += (double)s->tmilli[k] / MILLI * dt;
		s->usage_t = t;
	}
	fairshare_fairtree(&s->tt, s->usage, s->fs);
	for (size_t k = 0; k < s->ntenants; k++)
		s->fs_t[k] = s->fs[s->tnode[k]];
}

/* The preemption of a running job takes effect: it leaves and is
 * requeued. */
static void
preempted(struct sim *s, const struct event *ev)
{
	uint32_t id = ev->job;
	struct job *j = &s->w->jobs[id];
	struct alloc *a = &s->alloc[id];

	if (j->state != JOB_RUNNING || s->rpos[id] == NONE ||
	    s->run[s->rpos[id]].preempt_for == SCHED_NO_JOB ||
	    s->run[s->rpos[id]].end != ev->time)
		return;
	run_leave(s, id);
	placer_release(s->pl, j, a);
	metrics_job(&s->m, s->pool, j, a, 0);
	released(s, a);
	alloc_free(a);
	if (j->flags & JOB_CHECKPOINTABLE) {
		int64_t done = ev->time - j->start;
		s->remain[id] = s->remain[id] > done ? s->remain[id] - done : 0;
	} else {
		/* Starts over: everything it did this run is lost. */
		s->st.preempt_lost_gpu_s += job_gpu_milli(j) *
					    (uint64_t)(ev->time - j->start) / MILLI;
		s->remain[id] = j->duration;
	}
	j->state = JOB_PENDING;
	s->fin[id] = -1;
	s->st.preempted++;
	s->st.events++;
	enqueue(s, id);
	note(s, ev->time, SIM_NOTE_STOPPED, id, NULL);
	hook(s, ev->time, EV_PREEMPT, id);
}

/*
 * While nodes drain, the pass sees only the running jobs on nodes that
 * take work: a job on a DRAIN node frees nothing anybody could use (its
 * GPUs stay out of reach until a repair), so it is no reclaim victim and
 * no end for the backfill planner.  (preempt_choose re-takes a reprieved
 * victim's GPUs with pool_alloc, which a DRAIN node refuses.)  Its quota
 * stays charged.
 */
static void
running_off_drain(struct sim *s)
{
	size_t k = 0;

	s->runf = xgrow(s->runf, &s->cap_runf, s->nrun + 1, sizeof *s->runf);
	for (size_t i = 0; i < s->nrun; i++) {
		const struct alloc *a = s->run[i].alloc;
		size_t x = 0;
		while (x < a->nslots &&
		       s->pool->nodes[a->slots[x].node].state != NODE_DRAIN)
			x++;
		if (x == a->nslots)
			s->runf[k++] = s->run[i];
	}
	s->pol.running = s->runf;
	s->pol.nrunning = k;
}

static int
prio_pass(struct sim *s, int64_t t, struct err *e)
{
	struct sched_opts so = {.order = SCHED_PRIORITY, .explain = 1};
	struct sched_input in;
	uint64_t cur[SCHED_NREASONS] = {0};
	int rc;

	if (s->have_quota && t >= s->grants_next) {
		quota_from_grants(&s->quota, s->o.grants, t);
		s->grants_next = grants_next_change(s->o.grants, t);
	}
	fair_update(s, t);
	reasons_until(s, t);
	memset(&in, 0, sizeof in);
	in.now = t;
	in.jobs = s->w->jobs;
	in.queue = s->pend;
	in.nqueue = s->npend;
	in.free_milli = SCHED_UNKNOWN;
	in.cpu_only = SCHED_UNKNOWN;
	s->pol.fs_factor = s->fs_t;
	s->pol.running = s->run;
	s->pol.nrunning = s->nrun;
	if (s->ndrain > 0)
		running_off_drain(s);
	in.policy = &s->pol;
	if ((rc = sched_pass(&so, &in, s->pl, &s->res)) != 0)
		return err_set(e, rc, "scheduling pass at t=%lld failed",
			       (long long)t);
	s->st.passes++;
	s->st.scanned += s->res.scanned;
	s->st.placed += s->res.placed;
	s->st.reserved += s->res.nreserved;
	for (size_t i = 0; i < s->res.n; i++) {
		struct sched_decision *d = &s->res.v[i];
		struct job *j = &s->w->jobs[d->job];
		if (d->kind == SCHED_START) {
			int64_t run = s->remain[d->job];
			ALLOT_ASSERT(j->state == JOB_PENDING);
			if (j->time_limit > 0 && run > j->time_limit)
				run = j->time_limit;
			if (run > INT64_MAX - t)
				return err_set(e, ERR_LIMIT, "job %u: start %lld + "
					       "run %lld overflows", d->job,
					       (long long)t, (long long)run);
			s->alloc[d->job] = d->alloc;
			memset(&d->alloc, 0, sizeof d->alloc);
			j->state = JOB_RUNNING;
			j->start = t;
			j->flags &= ~(uint32_t)JOB_RECLAIMING;
			dequeued(s, d->job);
			run_enter(s, d->job, d->model, t);
			metrics_job(&s->m, s->pool, j, &s->alloc[d->job], 1);
			occupy(s, &s->alloc[d->job], 1);
			s->fin[d->job] = t + run;
			event_push(&s->heap, t + run, EV_FINISH, d->job);
			s->st.starts++;
			d->at = t + run;
			note(s, t, SIM_NOTE_START, d->job, d);
		} else if (d->kind == SCHED_PREEMPT) {
			struct sched_running *r = &s->run[s->rpos[d->job]];
			int64_t grace = (j->flags & JOB_CHECKPOINTABLE) ? j->grace_s : 0;
			ALLOT_ASSERT(r->preempt_for == SCHED_NO_JOB);
			r->preempt_for = d->blocker;
			r->end = t + grace;
			event_push(&s->heap, t + grace, EV_PREEMPT, d->job);
			d->at = t + grace;
			note(s, t, SIM_NOTE_PREEMPT, d->job, d);
		} else {
			if (d->reason == SCHED_REASON_NEVER_FITS &&
			    s->fits != NULL && s->fits[d->job])
				d->reason = SCHED_REASON_RESOURCES; /* capacity is away */
			cur[d->reason]++;
			if (d->reason == SCHED_REASON_NEVER_FITS) {
				dequeued(s, d->job);
				reject(s, j);
				note(s, t, SIM_NOTE_REJECT, d->job, d);
				continue;
			}
			note(s, t, SIM_NOTE_PENDING, d->job, d);
			if (d->reason == SCHED_REASON_RECLAIMING &&
			    !(j->flags & JOB_RECLAIMING) && d->model >= 0) {
				/* The pass charged its quota and preempted for it. */
				j->flags |= JOB_RECLAIMING;
				j->qmodel = (uint8_t)d->model;
			}
		}
	}
	if (s->o.hook != NULL)
		for (size_t i = 0; i < s->res.n; i++)
			if (s->res.v[i].kind == SCHED_START)
				hook(s, t, EV_START, s->res.v[i].job);
	if (s->nrun > s->st.max_running)
		s->st.max_running = s->nrun;
	reasons_set(s, cur);
	return 0;
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
		return prio_pass(s, t, e);
	reasons_until(s, t);
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
			dequeued(s, d->job);
			metrics_job(&s->m, s->pool, j, &s->alloc[d->job], 1);
			occupy(s, &s->alloc[d->job], 1);
			event_push(&s->heap, t + run, EV_FINISH, d->job);
			if (s->fin != NULL)
				s->fin[d->job] = t + run;
			s->st.starts++;
			d->at = t + run;
			note(s, t, SIM_NOTE_START, d->job, d);
		} else if (d->reason == SCHED_REASON_NEVER_FITS) {
			if (s->fits != NULL && s->fits[d->job]) {
				kept++; /* waits for capacity to come back */
				if (d->job == s->o.watch_job)
					watch_kept = 1;
				continue;
			}
			dequeued(s, d->job);
			reject(s, j);
			note(s, t, SIM_NOTE_REJECT, d->job, d);
		} else if (d->reason == SCHED_REASON_RESOURCES) {
			blocker = d->job;
		}
	}
	/* Hooks see the pass as a whole: the pool already holds every start
	 * of it, so each is on the books before any hook looks. */
	if (s->o.hook != NULL)
		for (size_t i = 0; i < s->res.n; i++)
			if (s->res.v[i].kind == SCHED_START)
				hook(s, t, EV_START, s->res.v[i].job);
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
			note(s, t, SIM_NOTE_PENDING, s->o.watch_job, &d);
		}
	}
	return 0;
}

/* ---- capacity over time: events -------------------------------------- */

/*
 * Before the run: remembers every node's state, works out which jobs fit
 * the pool at its fullest (every node UP that is UP now, ever joins, or is
 * repaired while present), and allocates what requeues need in FIFO and
 * first-fit (the priority set-up has its own).  The initial states (nodes
 * that first join are ABSENT) are set later by events_start, once quotas
 * exist.
 */
static void
events_setup(struct sim *s)
{
	const struct nodeevents *ev = s->o.events;
	size_t nn = s->pool->nnodes, n = s->w->njobs;
	uint8_t *full = xcalloc(nn + 1, 1);

	s->orig_state = xmalloc(nn + 1);
	s->leaving = xcalloc(nn + 1, 1);
	s->node_jobs = xcalloc(nn + 1, sizeof *s->node_jobs);
	for (size_t i = 0; i < nn; i++) {
		s->orig_state[i] = s->pool->nodes[i].state;
		full[i] = s->orig_state[i] == NODE_UP;
	}
	for (size_t k = 0; k < ev->n; k++) {
		uint32_t i = ev->v[k].node;
		if (ev->v[k].action == NODEEVENT_JOIN ||
		    (ev->v[k].action == NODEEVENT_REPAIR &&
		     s->orig_state[i] != NODE_ABSENT))
			full[i] = 1;
	}
	for (size_t i = 0; i < nn; i++)
		if (full[i] && s->pool->nodes[i].state != NODE_UP) {
			s->pool->nodes[i].state = NODE_UP;
			placer_node_changed(s->pl, (uint32_t)i);
		}
	s->fits = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++) {
		const struct job *j = &s->w->jobs[i];
		/* The priority pass also asks the topology index whether a
		 * gang fits one site and model (policy.c); the others do not
		 * build that index. */
		s->fits[i] = (uint8_t)(placer_could_ever_fit(s->pl, j) &&
				       (s->o.order != SCHED_PRIORITY || j->nodes <= 1 ||
					topo_could_ever_fit(placer_topo(s->pl), j)));
	}
	for (size_t i = 0; i < nn; i++)
		if (s->pool->nodes[i].state != s->orig_state[i]) {
			s->pool->nodes[i].state = s->orig_state[i];
			placer_node_changed(s->pl, (uint32_t)i);
		}
	free(full);
	if (s->o.order != SCHED_PRIORITY) {
		s->fin = xmalloc((n + 1) * sizeof *s->fin);
		s->remain = xmalloc((n + 1) * sizeof *s->remain);
		for (size_t i = 0; i < n; i++) {
			s->fin[i] = -1;
			s->remain[i] = s->w->jobs[i].duration;
		}
	}
}

/* Puts requeued job id back in the queue at its place: by submit time
 * (strict FIFO; first-fit through its kept enqueue number) or into the
 * priority set. */
static void
requeue(struct sim *s, uint32_t id)
{
	const struct job *w = s->w->jobs;
	size_t k;

	enqueue(s, id);
	if (s->o.order != SCHED_FIFO)
		return;
	for (k = s->qtail - 1; k > s->qhead; k--) {
		const struct job *a = &w[s->q[k - 1]];
		if (a->submit < w[id].submit ||
		    (a->submit == w[id].submit && a->id < id))
			break;
		s->q[k] = s->q[k - 1];
	}
	s->q[k] = id;
}

/* Node n failed at t: every job on it stops at once and is requeued; a
 * checkpointable one keeps the work up to its last checkpoint. */
static void
fail_node(struct sim *s, uint32_t n, int64_t t)
{
	size_t nv = 0;

	for (size_t i = 0; i < s->heap.n; i++) {
		const struct event *ev = &s->heap.v[i];
		const struct alloc *a = &s->alloc[ev->job];
		if (event_kind_of(ev) != EV_FINISH ||
		    s->w->jobs[ev->job].state != JOB_RUNNING ||
		    s->fin[ev->job] != ev->time)
			continue;
		for (size_t k = 0; k < a->nslots; k++)
			if (a->slots[k].node == n) {
				s->victims = xgrow(s->victims, &s->cap_victims,
						   nv + 1, sizeof *s->victims);
				s->victims[nv++] = ev->job;
				break;
			}
	}
	for (size_t v = 0; v < nv; v++) {
		uint32_t id = s->victims[v];
		struct job *j = &s->w->jobs[id];
		struct alloc *a = &s->alloc[id];
		int64_t done = t - j->start, kept = 0;
		/* A job restarted to end at the very time of an older event
		 * of its own has two live-looking events: requeue it once. */
		if (j->state != JOB_RUNNING)
			continue;
		if (s->run != NULL)
			run_leave(s, id);
		placer_release(s->pl, j, a);
		metrics_job(&s->m, s->pool, j, a, 0);
		released(s, a);
		alloc_free(a);
		if (j->flags & JOB_CHECKPOINTABLE)
			kept = s->o.checkpoint_s > 0
				       ? done / s->o.checkpoint_s * s->o.checkpoint_s
				       : done;
		if (j->flags & JOB_CHECKPOINTABLE)
			s->remain[id] = s->remain[id] > kept ? s->remain[id] - kept
							     : 0;
		else
			s->remain[id] = j->duration;
		s->st.lost_gpu_s += job_gpu_milli(j) * (uint64_t)(done - kept) /
				    MILLI;
		j->state = JOB_PENDING;
		j->flags &= ~(uint32_t)JOB_RECLAIMING;
		s->fin[id] = -1;
		s->st.requeued++;
		requeue(s, id);
		{
			struct sched_decision d;
			memset(&d, 0, sizeof d);
			d.blocker = n;
			note(s, t, SIM_NOTE_REQUEUE, id, &d);
		}
		hook(s, t, EV_PREEMPT, id);
	}
}

/* Applies one capacity event at t (semantics in sim.h). */
static void
apply_event(struct sim *s, const struct nodeevent *ne, int64_t t)
{
	uint32_t n = ne->node;
	const struct node *nd = &s->pool->nodes[n];

	switch (ne->action) {
	case NODEEVENT_REPAIR:
		if (nd->state == NODE_ABSENT)
			break; /* gone: only a join brings it back */
		/* FALLTHROUGH */
	case NODEEVENT_JOIN:
		s->leaving[n] = 0;
		set_state(s, n, NODE_UP);
		break;
	case NODEEVENT_DRAIN:
		if (nd->state == NODE_UP)
			set_state(s, n, NODE_DRAIN);
		break;
	case NODEEVENT_LEAVE:
		if (nd->state == NODE_ABSENT)
			break;
		if (s->node_jobs[n] == 0) {
			s->leaving[n] = 0;
			set_state(s, n, NODE_ABSENT);
		} else {
			s->leaving[n] = 1;
			if (nd->state == NODE_UP)
				set_state(s, n, NODE_DRAIN);
		}
		break;
	case NODEEVENT_FAIL:
		if (nd->state == NODE_ABSENT || nd->state == NODE_DOWN)
			break;
		fail_node(s, n, t);
		if (nd->state != NODE_ABSENT)
			set_state(s, n, s->leaving[n] ? NODE_ABSENT : NODE_DOWN);
		s->leaving[n] = 0;
		break;
	default:
		break;
	}
	s->st.node_events++;
	hook(s, t, EV_NODE, n);
}

/* The initial states: nodes whose first event is a join are ABSENT until
 * then; events before the first submit are history and apply at once. */
static void
events_start(struct sim *s)
{
	const struct nodeevents *ev = s->o.events;
	uint8_t *seen = xcalloc(s->pool->nnodes + 1, 1);
	int64_t first = s->w->jobs[s->order[0]].submit;

	for (size_t k = 0; k < ev->n; k++) {
		uint32_t i = ev->v[k].node;
		if (!seen[i] && ev->v[k].action == NODEEVENT_JOIN)
			set_state(s, i, NODE_ABSENT);
		seen[i] = 1;
	}
	free(seen);
	while (s->evnext < ev->n && ev->v[s->evnext].time < first) {
		apply_event(s, &ev->v[s->evnext], ev->v[s->evnext].time);
		s->evnext++;
	}
}

/* Whether ev was superseded: the job it was for has stopped since (a
 * failure or a preemption) or runs again with another end. */
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
	int freed = 1, rc;

	if (s->ran)
		return err_set(e, ERR_STATE, "sim_run: this simulator already ran");
	s->ran = 1;
	if ((rc = check_jobs(s, e)) != 0)
		return rc;
	sort_by_submit(s);
	s->alloc = xcalloc(n + 1, sizeof *s->alloc);
	if (nev != NULL && nev->n > 0 && n > 0) {
		events_setup(s);
		ne = nev->n;
	}
	if (s->o.order == SCHED_PRIORITY) {
		prio_setup(s);
	} else if (s->o.order != SCHED_FIFO) {
		s->jshape = xmalloc((n + 1) * sizeof *s->jshape);
		s->jnext = xmalloc((n + 1) * sizeof *s->jnext);
		s->jprev = xmalloc((n + 1) * sizeof *s->jprev);
		s->jseq = xmalloc((n + 1) * sizeof *s->jseq);
		for (size_t i = 0; i < n; i++)
			s->jseq[i] = NONE;
	}
	if (ne > 0)
		events_start(s);
	event_heap_reserve(&s->heap, 1024);
	for (;;) {
		int changed = 0;
		int64_t t = INT64_MAX;
		/* When the quotas next change (grants start or end), if a job
		 * is waiting: its quota may let it start then. */
		int64_t gt = s->have_quota && s->npending > 0 &&
				     s->grants_next > INT64_MIN
				 ? s->grants_next
				 : INT64_MAX;

		while ((top = event_peek(&s->heap)) != NULL && stale(s, top))
			event_pop(&s->heap, &ev);
		/* Node events and grant changes matter only while a job waits. */
		if (next >= n && top == NULL && gt == INT64_MAX && !s->pass_due &&
		    (s->evnext >= ne || s->npending == 0))
			break;
		t = gt;
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
				preempted(s, &ev);
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
			apply_event(s, &nev->v[s->evnext++], t);
			freed = changed = 1;
		}
		/* Then the submits of this instant, in workload order. */
		while (next < n && w->jobs[s->order[next]].submit == t) {
			uint32_t id = s->order[next++];
			struct job *j = &w->jobs[id];
			s->st.submits++;
			s->st.events++;
			note(s, t, SIM_NOTE_SUBMIT, id, NULL);
			if (s->fits != NULL ? !s->fits[id]
					    : !placer_could_ever_fit(s->pl, j)) {
				reject(s, j);
				note(s, t, SIM_NOTE_REJECT, id, NULL);
			} else {
				enqueue(s, id);
				changed = 1;
			}
			hook(s, t, EV_SUBMIT, id);
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
	reasons_until(s, s->m.t_now);
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
