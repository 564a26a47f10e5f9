/*
 * policy.c — the national scheduling pass (SCHED_PRIORITY): what users of
 * Slurm, Kueue and Run:ai expect, in one walk over the queue.
 *
 *  1. Order.  Every pending job gets its multifactor priority (prio.h:
 *     Fair Tree fair share, age, size, class); the walk goes from the
 *     highest down, ties by submit time then id.
 *  2. Quota.  For each GPU model the job allows (lowest model id first),
 *     quota_check must say OK before placement is tried on that model:
 *     guarantees come from grants, idle guarantees may be borrowed within
 *     the borrowing and lending limits (quota.h).  A quota refusal never
 *     blocks other jobs.
 *  3. Placement.  Whole-GPU jobs (gangs included) go through the topology
 *     index: one NVLink domain when the gang fits one, else the fewest
 *     domains, then racks, never across sites unless allowed (topo.h).
 *     Shares of a GPU and CPU-only jobs go through the placer's policy
 *     (FGD by default in the national scenario).
 *  4. Reclaim.  A whole-GPU job still within its tenant's guarantee that
 *     finds its GPUs held by borrowers preempts them (preempt.h chooses
 *     the victims, deterministically and minimally).  Its quota is charged
 *     at once and the victims' nodes are held for it, so neither the
 *     victims (requeued) nor anybody else can take that room back: no
 *     preemption loop.  While its victims drain (their grace period), it
 *     waits with reason RECLAIMING and no further victims are chosen for
 *     it.
 *  5. Backfill.  The first K jobs that are blocked for lack of GPUs get a
 *     reservation: the earliest time they fit given the running jobs' time
 *     limits and the reservations ahead of them (backfill.h).  Their nodes
 *     are held from then on: a later job may use a held node only if it
 *     ends (now + its time limit) before the reservation starts.  So
 *     shorter jobs fill the holes and never delay a reservation.
 *
 * Holds live only inside the pass: held nodes are marked NODE_HELD (which
 * keeps shares and CPU-only jobs off them) and set back to UP before the
 * pass returns.  Everything else the pass changes — allocations in the
 * pool, usage in the quota — is the caller's state, handed in by pointer,
 * as with the FIFO pass.  No clock, no I/O, no globals.
 */
#include "sched/sched.h"

#include <stdlib.h>
#include <string.h>

#include "sched/backfill.h"
#include "sched/preempt.h"
#include "sched/quota.h"
#include "sched/topo.h"
#include "util/alloc.h"

struct key {
	double prio;
	int64_t submit;
	uint32_t id;
	uint32_t index;   /* in the input queue */
	uint32_t later;   /* 0 for reclaiming jobs, which go first */
};

/* Whether x goes before y: reclaiming jobs first, then higher priority,
 * earlier submit, lower id.  A total order: ids are distinct. */
static inline int
key_before(const struct key *x, const struct key *y)
{
	if (x->later != y->later)
		return x->later < y->later;
	if (x->prio != y->prio)
		return x->prio > y->prio;
	if (x->submit != y->submit)
		return x->submit < y->submit;
	return x->id < y->id;
}

/*
 * Sorts k[0..n) by key_before.  An LSD radix sort (8-bit digits) of a
 * 64-bit key — the reclaiming flag on top, then the priority's bits
 * inverted so higher priority sorts first (priorities are >= 0, and the
 * bits of non-negative doubles order like the numbers) — then runs of
 * equal priority put in (submit, id) order by insertion.  Linear in the
 * queue, which can hold hundreds of thousands of jobs.
 */
static void
sort_keys(struct key *k, size_t n)
{
	struct rk {
		uint64_t key;
		uint32_t i;
	} *a, *b, *t;
	struct key *out;
	size_t cnt[256];

	if (n < 2)
		return;
	a = xmalloc(n * sizeof *a);
	b = xmalloc(n * sizeof *b);
	for (size_t i = 0; i < n; i++) {
		uint64_t bits;
		double p = k[i].prio > 0 ? k[i].prio : 0;
		memcpy(&bits, &p, sizeof bits);
		a[i].key = (uint64_t)(k[i].later != 0) << 63 |
			   ((UINT64_C(1) << 63) - 1 - bits);
		a[i].i = (uint32_t)i;
	}
	for (int shift = 0; shift < 64; shift += 8) {
		size_t sum = 0;
		memset(cnt, 0, sizeof cnt);
		for (size_t i = 0; i < n; i++)
			cnt[a[i].key >> shift & 255]++;
		if (cnt[a[0].key >> shift & 255] == n)
			continue; /* one digit value: the pass changes nothing */
		for (size_t d = 0; d < 256; d++) {
			size_t c = cnt[d];
			cnt[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			b[cnt[a[i].key >> shift & 255]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	out = xmalloc(n * sizeof *out);
	for (size_t i = 0; i < n; i++)
		out[i] = k[a[i].i];
	/* Ties of priority: by submit, then id (insertion; runs are short). */
	for (size_t i = 1; i < n; i++) {
		struct key x = out[i];
		size_t j = i;
		while (j > 0 && a[j - 1].key == a[i].key && key_before(&x, &out[j - 1])) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = x;
	}
	memcpy(k, out, n * sizeof *k);
	free(out);
	free(a);
	free(b);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : (x > y);
}

/*
 * Placement failures of this pass.  Within a pass capacity only shrinks
 * (starts take it, holds fence it), so a shape that failed fails again for
 * any job that ends no earlier.  The key is the whole shape as placed
 * (model already narrowed to one); the value the end time it failed with.
 */
struct fkey {
	uint32_t cpu, mem, mask, owner;
	uint16_t gpn, nodes, milli, cross;
};

struct fentry {
	struct fkey key;
	int64_t end;
	int used;
};

struct fcache {
	struct fentry *v;
	size_t nslot, n;
};

static struct fkey
fkey_of(const struct job *j, uint32_t owner)
{
	struct fkey k;

	memset(&k, 0, sizeof k);
	k.cpu = j->cpu_milli;
	k.mem = j->mem_mib;
	k.mask = j->model_mask;
	k.owner = owner;
	k.gpn = j->gpus_per_node;
	k.nodes = j->nodes;
	k.milli = j->gpus_per_node > 0 ? j->gpu_milli : 0;
	k.cross = (j->flags & JOB_CROSS_SITE) != 0;
	return k;
}

static size_t
fhash(const struct fkey *k)
{
	const unsigned char *b = (const unsigned char *)k;
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < sizeof *k; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

static struct fentry *
fcache_slot(struct fcache *c, const struct fkey *k)
{
	size_t i;

	if (c->nslot == 0 || 2 * (c->n + 1) > c->nslot) {
		struct fentry *old = c->v;
		size_t oldn = c->nslot;
		c->nslot = oldn ? 2 * oldn : 64;
		c->v = xcalloc(c->nslot, sizeof *c->v);
		c->n = 0;
		for (size_t o = 0; o < oldn; o++)
			if (old[o].used) {
				struct fentry *e = fcache_slot(c, &old[o].key);
				*e = old[o];
				c->n++;
			}
		free(old);
	}
	for (i = fhash(k) & (c->nslot - 1); c->v[i].used &&
	     memcmp(&c->v[i].key, k, sizeof *k) != 0; i = (i + 1) & (c->nslot - 1))
		;
	return &c->v[i];
}

/* The pass's working state. */
struct walk {
	const struct sched_input *in;
	const struct sched_policy *P;
	struct placer *pl;
	struct pool *pool;
	struct topo *topo;
	struct sched_result *r;
	/* Holds: per node the earliest reserved start (INT64_MAX: none) and
	 * the job it is held for; per domain whether it has holds. */
	int64_t *earliest;
	uint32_t *owner;
	unsigned char *dom_held;
	uint32_t *held;          /* nodes this pass marked HELD */
	size_t nheld, cap_held;
	/* Reservations made so far, for planning the next. */
	struct bf_resv *resv;
	const struct job **resv_job;
	size_t nresv;
	struct bf_running *run;  /* running jobs by end, built on first use */
	size_t nrun;
	int run_ready;
	uint32_t *starts;        /* result indexes of this pass's STARTs */
	size_t nstarts, cap_starts;
	uint32_t *draining;      /* sorted ids of jobs with victims leaving */
	size_t ndraining;
	uint32_t *scratch;       /* node list for one choice */
	uint32_t *victims;
	struct preempt_cand *cand;
	size_t ncand;
	struct fcache failed;
	/* Usage of jobs that are leaving (preempted), taken off the quota for
	 * the pass so their tenants do not look like borrowers still; put
	 * back when the pass ends (the caller uncharges them when they go). */
	struct leaving { uint32_t tenant; int model; int64_t milli; } *leaving;
	size_t nleaving, cap_leaving;
};

/* Takes a leaving job's usage off the quota for the rest of the pass. */
static void
leave(struct walk *w, const struct job *j, int model)
{
	struct quota *q = w->P->quota;
	int64_t milli = (int64_t)job_gpu_milli(j);

	if (q == NULL || model < 0 || model >= q->nmodels || j->tenant >= q->ntenants ||
	    j->gpus_per_node == 0)
		return;
	quota_charge(q, j->tenant, model, -milli);
	w->leaving = xgrow(w->leaving, &w->cap_leaving, w->nleaving + 1,
			   sizeof *w->leaving);
	w->leaving[w->nleaving++] = (struct leaving){j->tenant, model, milli};
}

static int
is_draining(const struct walk *w, uint32_t id)
{
	return w->ndraining > 0 &&
	       bsearch(&id, w->draining, w->ndraining, sizeof id, cmp_u32) != NULL;
}

static void
ensure_holds(struct walk *w)
{
	size_t nn = w->pool->nnodes;

	if (w->earliest != NULL)
		return;
	w->earliest = xmalloc((nn + 1) * sizeof *w->earliest);
	w->owner = xmalloc((nn + 1) * sizeof *w->owner);
	w->dom_held = xcalloc(w->pool->ndomains + 1, 1);
	for (size_t i = 0; i < nn; i++) {
		w->earliest[i] = INT64_MAX;
		w->owner[i] = SCHED_NO_JOB;
	}
}

/* Holds node n for job `for` from time `from`. */
static void
hold_node(struct walk *w, uint32_t n, uint32_t job, int64_t from)
{
	ensure_holds(w);
	if (from < w->earliest[n]) {
		w->earliest[n] = from;
		w->owner[n] = job;
	}
	w->dom_held[w->pool->nodes[n].domain] = 1;
	if (w->pool->nodes[n].state == NODE_UP) {
		placer_hold(w->pl, n, 1);
		w->held = xgrow(w->held, &w->cap_held, w->nheld + 1,
				sizeof *w->held);
		w->held[w->nheld++] = n;
	}
}

/* Whether j could run on the pool if it were empty: enough nodes for it
 * (the placer) and, for a gang, enough of one model in one site unless it
 * may span sites (the topology index). */
static int
ever_fits(struct walk *w, const struct job *j)
{
	return placer_could_ever_fit(w->pl, j) &&
	       (j->nodes <= 1 || topo_could_ever_fit(w->topo, j));
}

static int64_t
job_end(const struct job *j, int64_t now)
{
	return j->time_limit > 0 ? now + j->time_limit : INT64_MAX;
}

/* Tries to place j (restricted to model m by the caller's copy) now.
 * Whole GPUs go through the topology index and honour holds; the rest
 * through the placer (held nodes are out of its reach). */
static int
place_now(struct walk *w, const struct job *j, uint32_t id, struct alloc *a)
{
	memset(a, 0, sizeof *a);
	w->r->placed++;
	if (j->gpus_per_node > 0 && j->gpu_milli == MILLI) {
		struct topo_hold h;
		const struct topo_hold *hp = NULL;
		if (w->earliest != NULL) {
			h.earliest = w->earliest;
			h.dom_held = w->dom_held;
			h.job_end = job_end(j, w->in->now);
			h.owner = w->owner;
			h.self = id;
			hp = &h;
		}
		if (topo_choose_held(w->topo, j, hp, w->scratch) != 0)
			return ERR_NOSPACE;
		return placer_place_on(w->pl, j, w->scratch, a);
	}
	return placer_place(w->pl, j, a);
}

/* Tries to place j (narrowed to one model by the caller's copy) now.
 * Whole GPUs go through the topology index and honour holds; the rest
 * through the placer (held nodes are out of its reach).  Failures are
 * remembered for the rest of the pass. */
static int
place(struct walk *w, const struct job *j, uint32_t id, struct alloc *a)
{
	int64_t end = job_end(j, w->in->now);
	/* A job owning holds sees more than others: key it apart. */
	uint32_t owner = w->earliest != NULL && (j->flags & JOB_RECLAIMING)
				 ? id
				 : SCHED_NO_JOB;
	struct fkey k = fkey_of(j, owner);
	struct fentry *e = fcache_slot(&w->failed, &k);

	if (e->used && end >= e->end)
		return ERR_NOSPACE;
	if (place_now(w, j, id, a) == 0)
		return 0;
	if (!e->used) {
		e->used = 1;
		e->key = k;
		e->end = end;
		w->failed.n++;
	} else if (end < e->end) {
		e->end = end;
	}
	return ERR_NOSPACE;
}

static void
build_running(struct walk *w)
{
	const struct sched_policy *P = w->P;

	if (w->run_ready)
		return;
	w->run = xmalloc((P->nrunning + 1) * sizeof *w->run);
	for (size_t i = 0; i < P->nrunning; i++) {
		const struct sched_running *s = &P->running[i];
		w->run[i] = (struct bf_running){&w->in->jobs[s->job], s->alloc,
						s->end};
	}
	w->nrun = P->nrunning;
	backfill_sort_running(w->run, w->nrun);
	w->run_ready = 1;
}

/* Reserves for blocked job j (a copy narrowed to one model; `orig` is
 * the job itself, which must outlive the pass); returns 1 if a
 * reservation was made. */
static int
reserve(struct walk *w, const struct job *j, const struct job *orig,
	uint32_t id, int64_t *at)
{
	struct bf_resv res;

	build_running(w);
	if (w->nstarts > 0) {
		/* The jobs started earlier in this pass end too: plan with
		 * them (their allocs stay put in the result list meanwhile). */
		size_t n = w->nrun + w->nstarts, a = 0, b = 0, o = 0;
		struct bf_running *all = xmalloc((n + 1) * sizeof *all);
		struct bf_running *st = xmalloc((w->nstarts + 1) * sizeof *st);
		for (size_t i = 0; i < w->nstarts; i++) {
			const struct sched_decision *sd = &w->r->v[w->starts[i]];
			const struct job *sj = &w->in->jobs[sd->job];
			st[i] = (struct bf_running){sj, &sd->alloc,
						    job_end(sj, w->in->now)};
		}
		backfill_sort_running(st, w->nstarts);
		while (a < w->nrun && b < w->nstarts)
			all[o++] = st[b].end < w->run[a].end ? st[b++] : w->run[a++];
		while (a < w->nrun)
			all[o++] = w->run[a++];
		while (b < w->nstarts)
			all[o++] = st[b++];
		free(st);
		backfill_plan_one(w->pool, w->topo, all, n, w->resv, w->resv_job,
				  w->nresv, j, w->in->now, w->P->backfill_horizon,
				  &res);
		free(all);
	} else {
		backfill_plan_one(w->pool, w->topo, w->run, w->nrun, w->resv,
				  w->resv_job, w->nresv, j, w->in->now,
				  w->P->backfill_horizon, &res);
	}
	w->resv = xrealloc(w->resv, (w->nresv + 1) * sizeof *w->resv);
	w->resv_job = xrealloc(w->resv_job, /* an array of pointers */
			       (w->nresv + 1) * sizeof(const struct job *));
	w->resv[w->nresv] = res;
	w->resv_job[w->nresv] = orig;
	w->nresv++;
	if (res.start == BACKFILL_NEVER)
		return 0;
	for (uint32_t k = 0; k < res.nnodes; k++)
		hold_node(w, res.nodes[k], id, res.start);
	*at = res.start;
	w->r->nreserved++;
	return 1;
}

/* Victim choice for j on model m; emits PREEMPT decisions, holds the
 * nodes j will take for it and charges j's quota (unless `charged`:
 * a reclaiming job whose earlier room was lost).  Returns 1 on success. */
static int
reclaim(struct walk *w, const struct job *j, uint32_t id, int m, size_t index,
	int charged)
{
	const struct sched_policy *P = w->P;
	struct preempt_input pin;
	long nv;

	if (w->cand == NULL) {
		w->cand = xmalloc((P->nrunning + 1) * sizeof *w->cand);
		w->victims = xmalloc((P->nrunning + 1) * sizeof *w->victims);
		for (size_t i = 0; i < P->nrunning; i++) {
			const struct sched_running *s = &P->running[i];
			const struct job *v = &w->in->jobs[s->job];
			struct prio_parts pp;
			double fs = P->fs_factor ? P->fs_factor[v->tenant] : 0;
			if (s->preempt_for != SCHED_NO_JOB ||
			    !preempt_usable(w->pool, s->alloc))
				continue; /* already leaving, or frees nothing usable */
			prio_compute(&P->weights, v, fs, w->in->now, P->pool_gpus, &pp);
			w->cand[w->ncand++] = (struct preempt_cand){v, s->alloc,
								   pp.total, s->model, 0};
		}
		/* One victim order for the whole pass: borrowing as it stands
		 * at the first reclaim. */
		preempt_order(w->cand, w->ncand, P->quota);
	}
	/* Within a pass a reclaim that failed for a shape, tenant and model
	 * fails again: capacity and candidates only shrink, the tenant's
	 * usage only grows. */
	/* Keyed without the gang width: a wider gang of the same member
	 * shape needs a superset of the room, so it fails too (`end` holds
	 * the narrowest width that failed). */
	struct job key = *j;
	key.model_mask = 1u << m;
	key.nodes = 0;
	struct fkey fk = fkey_of(&key, 0x80000000u | j->tenant);
	struct fentry *fe = fcache_slot(&w->failed, &fk);
	if (fe->used && !charged && j->nodes >= fe->end)
		return 0;
	/* Room held for others in this pass is not room for j. */
	struct topo_hold h;
	const struct topo_hold *hp = NULL;
	if (w->earliest != NULL) {
		h = (struct topo_hold){w->earliest, w->dom_held,
				       job_end(j, w->in->now), w->owner, id};
		hp = &h;
	}
	pin = (struct preempt_input){w->pool, P->quota, w->cand, w->ncand, j, m,
				     charged, w->topo, 1, hp};
	nv = preempt_choose(&pin, w->victims, w->scratch);
	if (nv <= 0) {
		if (!fe->used) {
			fe->used = 1;
			fe->key = fk;
			fe->end = j->nodes;
			w->failed.n++;
		} else if (j->nodes < fe->end) {
			fe->end = j->nodes;
		}
		return 0;
	}
	for (long i = 0; i < nv; i++) {
		const struct preempt_cand *c = &w->cand[w->victims[i]];
		struct sched_decision *d = sched_result_add(
			w->r, SCHED_PREEMPT, SCHED_REASON_RECLAIM, c->job->id,
			index, id);
		d->model = c->model;
		w->r->npreempt++;
		leave(w, c->job, c->model);
	}
	/* The room it will take is its own from now on; reservations
	 * planned later in the pass see it as one, from now to its end. */
	for (uint32_t k = 0; k < j->nodes; k++)
		hold_node(w, w->scratch[k], id, w->in->now);
	{
		struct bf_resv res = {.job = id, .start = w->in->now,
				      .end = job_end(j, w->in->now),
				      .nnodes = j->nodes,
				      .gpus = j->gpus_per_node};
		res.nodes = xmalloc(j->nodes * sizeof *res.nodes);
		memcpy(res.nodes, w->scratch, j->nodes * sizeof *res.nodes);
		w->resv = xrealloc(w->resv, (w->nresv + 1) * sizeof *w->resv);
		w->resv_job = xrealloc(w->resv_job, /* an array of pointers */
				       (w->nresv + 1) * sizeof(const struct job *));
		w->resv[w->nresv] = res;
		w->resv_job[w->nresv] = &w->in->jobs[id];
		w->nresv++;
	}
	/* The victims will not be offered again in this pass; the others
	 * keep their order. */
	qsort(w->victims, (size_t)nv, sizeof *w->victims, cmp_u32);
	{
		size_t wr = 0, v = 0;
		for (size_t i = 0; i < w->ncand; i++) {
			if (v < (size_t)nv && w->victims[v] == i) {
				v++;
				continue;
			}
			w->cand[wr++] = w->cand[i];
		}
		w->ncand = wr;
	}
	if (!charged)
		quota_charge(P->quota, j->tenant, m, (int64_t)job_gpu_milli(j));
	return 1;
}

static void
walk_free(struct walk *w)
{
	while (w->nleaving > 0) {
		struct leaving *l = &w->leaving[--w->nleaving];
		quota_charge(w->P->quota, l->tenant, l->model, l->milli);
	}
	free(w->leaving);
	/* Holds end with the pass. */
	for (size_t i = 0; i < w->nheld; i++)
		placer_hold(w->pl, w->held[i], 0);
	free(w->held);
	free(w->earliest);
	free(w->owner);
	free(w->dom_held);
	backfill_resv_free(w->resv, w->nresv);
	free(w->resv);
	free(w->resv_job);
	free(w->run);
	free(w->starts);
	free(w->draining);
	free(w->scratch);
	free(w->victims);
	free(w->cand);
	free(w->failed.v);
}

/* Decides one job; returns the decision. */
static void
decide(struct walk *w, const struct key *k, size_t *nblocked)
{
	const struct sched_input *in = w->in;
	const struct sched_policy *P = w->P;
	uint32_t id = k->id;
	const struct job *j = &in->jobs[id];
	struct sched_decision *d;
	struct alloc a;
	int best = -1; /* strongest quota verdict met: -1 none tried */
	int reclaim_model = -1, fit_model = -1;
	int whole = j->gpus_per_node > 0 && j->gpu_milli == MILLI;

	w->r->scanned++;
	if (j->flags & JOB_HELD) {
		d = sched_result_add(w->r, SCHED_PENDING, SCHED_REASON_HELD, id,
				     k->index, SCHED_NO_JOB);
		d->prio = k->prio;
		return;
	}
	if (!ever_fits(w, j)) {
		d = sched_result_add(w->r, SCHED_PENDING, SCHED_REASON_NEVER_FITS,
				     id, k->index, SCHED_NO_JOB);
		d->prio = k->prio;
		w->r->nnever++;
		return;
	}
	for (int m = 0; m < (int)w->pool->model_names.n; m++) {
		struct job jm;
		int v;
		int64_t need = (int64_t)job_gpu_milli(j);

		if (j->gpus_per_node > 0 && !job_allows_model(j, m))
			continue;
		if (j->flags & JOB_RECLAIMING)
			v = m == j->qmodel ? QUOTA_OK : QUOTA_OVER_LIMIT;
		else if (P->quota != NULL && j->gpus_per_node > 0 &&
			 m < P->quota->nmodels)
			v = quota_check(P->quota, j->tenant, m, need);
		else
			v = QUOTA_OK;
		if (v == QUOTA_RECLAIM && reclaim_model < 0)
			reclaim_model = m;
		if (v != QUOTA_OK) {
			if (v > best)
				best = v;
			continue;
		}
		best = QUOTA_OK;
		jm = *j;
		if (j->gpus_per_node > 0)
			jm.model_mask = 1u << m;
		if (place(w, &jm, id, &a) == 0) {
			d = sched_result_add(w->r, SCHED_START, SCHED_REASON_NONE,
					     id, k->index, SCHED_NO_JOB);
			d->alloc = a;
			d->model = j->gpus_per_node > 0 ? m : -1;
			d->prio = k->prio;
			if (P->quota != NULL && j->gpus_per_node > 0 &&
			    !(j->flags & JOB_RECLAIMING) && m < P->quota->nmodels)
				quota_charge(P->quota, j->tenant, m, need);
			w->r->nstart++;
			w->starts = xgrow(w->starts, &w->cap_starts, w->nstarts + 1,
					  sizeof *w->starts);
			w->starts[w->nstarts++] = (uint32_t)(w->r->n - 1);
			return;
		}
		/* Fits its quota but not the GPUs: a reclaim candidate if the
		 * tenant is still within its guarantee. */
		if (fit_model < 0)
			fit_model = m;
		if (reclaim_model < 0 && P->quota != NULL && j->gpus_per_node > 0 &&
		    m < P->quota->nmodels && !(j->flags & JOB_RECLAIMING)) {
			const struct quota_cell *c =
				&P->quota->cell[(size_t)j->tenant * (size_t)P->quota->nmodels +
						(size_t)m];
			if (c->usage + need <= c->nominal)
				reclaim_model = m;
		}
		if (!(j->gpus_per_node == 0))
			; /* try the next allowed model */
		else
			break; /* CPU-only: models do not matter */
	}
	if (j->flags & JOB_RECLAIMING) {
		/* Its victims are leaving (or gone and their room lost): keep
		 * its place with a reservation at the time they will be gone,
		 * or reclaim more if nothing is leaving for it. */
		int64_t at = 0;
		struct job jm = *j;
		jm.model_mask = 1u << j->qmodel;
		if (!is_draining(w, id) && P->reclaim && P->quota != NULL &&
		    reclaim(w, &jm, id, j->qmodel, k->index, 1))
			;
		else
			reserve(w, &jm, j, id, &at);
		d = sched_result_add(w->r, SCHED_PENDING, SCHED_REASON_RECLAIMING,
				     id, k->index, SCHED_NO_JOB);
		d->prio = k->prio;
		d->model = j->qmodel;
		d->at = at;
		return;
	}
	if (P->reclaim && P->quota != NULL && whole && reclaim_model >= 0 &&
	    j->tenant < P->quota->ntenants) {
		struct job jm = *j;
		jm.model_mask = 1u << reclaim_model;
		if (reclaim(w, &jm, id, reclaim_model, k->index, 0)) {
			d = sched_result_add(w->r, SCHED_PENDING,
					     SCHED_REASON_RECLAIMING, id, k->index,
					     SCHED_NO_JOB);
			d->prio = k->prio;
			d->model = reclaim_model;
			return;
		}
	}
	if (best != QUOTA_OK) {
		d = sched_result_add(w->r, SCHED_PENDING,
				     best == QUOTA_COHORT_FULL || best == QUOTA_RECLAIM
					     ? SCHED_REASON_QUOTA_COHORT
					     : SCHED_REASON_QUOTA_LIMIT,
				     id, k->index, SCHED_NO_JOB);
		d->prio = k->prio;
		return;
	}
	/* Blocked for GPUs. */
	int64_t at = 0;
	enum sched_reason why = SCHED_REASON_RESOURCES;
	if (whole && *nblocked < P->backfill_depth) {
		struct job jm = *j;
		jm.model_mask = 1u << fit_model;
		(*nblocked)++;
		if (reserve(w, &jm, j, id, &at))
			why = SCHED_REASON_RESERVED;
	} else if (whole && w->earliest != NULL) {
		/* Enough whole GPUs by count, but not outside the reservations
		 * (a count, not a placement: cheap at any queue length). */
		struct job jm = *j;
		jm.model_mask = 1u << fit_model;
		if (topo_may_fit(w->topo, &jm))
			why = SCHED_REASON_BACKFILL;
	}
	if (why == SCHED_REASON_RESOURCES && whole && !topo_may_fit(w->topo, j) &&
	    topo_free_gpus(w->topo, j) >= (uint64_t)j->nodes * j->gpus_per_node)
		why = SCHED_REASON_TOPOLOGY;
	d = sched_result_add(w->r, SCHED_PENDING, why, id, k->index, SCHED_NO_JOB);
	d->prio = k->prio;
	d->at = at;
	d->model = fit_model;
}

/*
 * Decides a job whose decision cannot depend on where it falls in the
 * order, and returns 1; else 0.  Within a pass capacity and quota room
 * only shrink, so: a held job stays held; a job that can never fit never
 * will; a job its quota refuses on every model it allows (above its limit,
 * or borrowing with nothing left to borrow — not one within its guarantee,
 * which may reclaim) is refused the same way at its turn.  Deciding these
 * up front leaves the sort and the walk only the jobs that might start,
 * which at national scale is a small part of the queue.
 */
static int
predecide(struct walk *w, const struct key *k)
{
	const struct sched_policy *P = w->P;
	const struct job *j = &w->in->jobs[k->id];
	struct sched_decision *d;
	enum sched_reason why;
	int best = -1;

	if (j->flags & JOB_RECLAIMING)
		return 0;
	if (j->flags & JOB_HELD) {
		why = SCHED_REASON_HELD;
	} else if (!ever_fits(w, j)) {
		why = SCHED_REASON_NEVER_FITS;
		w->r->nnever++;
	} else {
		if (P->quota == NULL || j->gpus_per_node == 0)
			return 0;
		for (int m = 0; m < (int)w->pool->model_names.n; m++) {
			int v;
			if (!job_allows_model(j, m))
				continue;
			if (m >= P->quota->nmodels)
				return 0;
			v = quota_check(P->quota, j->tenant, m,
					(int64_t)job_gpu_milli(j));
			if (v == QUOTA_OK || v == QUOTA_RECLAIM)
				return 0;
			if (v > best)
				best = v;
		}
		if (best < 0)
			return 0;
		why = best == QUOTA_COHORT_FULL ? SCHED_REASON_QUOTA_COHORT
						: SCHED_REASON_QUOTA_LIMIT;
	}
	w->r->scanned++;
	d = sched_result_add(w->r, SCHED_PENDING, why, k->id, k->index,
			     SCHED_NO_JOB);
	d->prio = k->prio;
	return 1;
}

int
sched_policy_pass(const struct sched_opts *o, const struct sched_input *in,
		  struct placer *pl, struct sched_result *r)
{
	const struct sched_policy *P = in->policy;
	struct walk w;
	struct key *keys;
	size_t nblocked = 0, maxnodes = 1, nkeys = 0;

	(void)o;
	sched_result_clear(r);
	if (P == NULL)
		return ERR_INVALID;
	memset(&w, 0, sizeof w);
	w.in = in;
	w.P = P;
	w.pl = pl;
	w.topo = placer_topo(pl);
	w.r = r;
	w.pool = placer_pool(pl);

	/* 1. jobs whose victims are still leaving. */
	for (size_t i = 0; i < P->nrunning; i++)
		if (P->running[i].preempt_for != SCHED_NO_JOB) {
			w.draining = xrealloc(w.draining, (w.ndraining + 1) *
							      sizeof *w.draining);
			w.draining[w.ndraining++] = P->running[i].preempt_for;
			leave(&w, &in->jobs[P->running[i].job], P->running[i].model);
		}
	if (w.ndraining > 1)
		qsort(w.draining, w.ndraining, sizeof *w.draining, cmp_u32);

	/* 2. priorities; the jobs whose decision cannot depend on the order
	 * are decided at once, the others sorted for the walk. */
	keys = xmalloc((in->nqueue + 1) * sizeof *keys);
	for (size_t i = 0; i < in->nqueue; i++) {
		const struct job *j = &in->jobs[in->queue[i]];
		struct prio_parts pp;
		double fs = P->fs_factor ? P->fs_factor[j->tenant] : 0;
		prio_compute(&P->weights, j, fs, in->now, P->pool_gpus, &pp);
		keys[nkeys] = (struct key){pp.total, j->submit, in->queue[i],
					   (uint32_t)i,
					   (j->flags & JOB_RECLAIMING) ? 0u : 1u};
		if (!predecide(&w, &keys[nkeys]))
			nkeys++;
		if (j->nodes > maxnodes)
			maxnodes = j->nodes;
	}
	sort_keys(keys, nkeys);
	/* Reclaiming jobs come first; of them, those whose victims are gone
	 * go before those whose victims still drain, largest member shape
	 * first: the room a reclaim made is for the job it was made for.
	 * (Else a draining job, or a smaller one, takes part of it, and the
	 * job it was made for, finding it gone, preempts again.)  All of
	 * them are charged already, so their order among themselves moves
	 * no quota. */
	{
		size_t nr = 0, no = 0;
		while (nr < nkeys && keys[nr].later == 0)
			nr++;
		if (nr > 1) {
			struct key *tmp = xmalloc(nr * sizeof *tmp);
			for (int g = POOL_MAX_GPUS_PER_NODE; g >= 0; g--)
				for (size_t i = 0; i < nr; i++)
					if (in->jobs[keys[i].id].gpus_per_node == g &&
					    !is_draining(&w, keys[i].id))
						tmp[no++] = keys[i];
			for (size_t i = 0; i < nr; i++)
				if (is_draining(&w, keys[i].id))
					tmp[no++] = keys[i];
			ALLOT_ASSERT(no == nr);
			memcpy(keys, tmp, nr * sizeof *keys);
			free(tmp);
		}
	}
	w.scratch = xmalloc((maxnodes + 1) * sizeof *w.scratch);

	/* 3. the walk. */
	for (size_t i = 0; i < nkeys; i++)
		decide(&w, &keys[i], &nblocked);
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].kind != SCHED_PENDING)
			r->end = r->v[i].index + 1 > r->end ? r->v[i].index + 1
							     : r->end;
	walk_free(&w);
	free(keys);
	return 0;
}
