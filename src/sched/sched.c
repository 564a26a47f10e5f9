/*
 * sched.c — the scheduling pass (FIFO, strict or first-fit).
 *
 * A pass walks the queue once, in order, and for each job decides START
 * (placer_place succeeded: the resources are now allocated in the pool) or
 * PENDING with a reason.  Invariants:
 *  - decisions come out in queue order, at most one per job;
 *  - every START's resources are allocated in the placer's pool when the
 *    pass returns, and nothing else in the pool changed;
 *  - nothing here reads a clock, does I/O or keeps state between passes:
 *    all state is the caller's (the placer, the result list).
 *
 * Cost: each queue entry costs a few comparisons unless it is offered to
 * the placer.  A job is not offered when it cannot possibly fit: it is in
 * the resume prefix, it needs more GPU milli than are free, or its shape
 * dominates one that already failed in this pass (see sched.h).  The
 * failed shapes live in a small table on the stack, reset every pass.
 */
#include "sched/sched.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

static const char *const kind_names[SCHED_NKINDS] = {"start", "pending",
						     "preempt"};

static const struct {
	const char *name;
	const char *text;
} reasons[SCHED_NREASONS] = {
	[SCHED_REASON_NONE] = {"none", "starting"},
	[SCHED_REASON_RESOURCES] = {"resources",
				    "waiting for enough free resources"},
	[SCHED_REASON_PRIORITY] = {"priority",
				   "behind a blocked job with higher priority"},
	[SCHED_REASON_NEVER_FITS] = {"never_fits",
				     "asks for more than the pool can ever give"},
	[SCHED_REASON_HELD] = {"held", "held"},
	[SCHED_REASON_QUOTA_LIMIT] = {"quota_limit",
				      "above its quota plus borrowing limit"},
	[SCHED_REASON_QUOTA_COHORT] = {"quota_cohort",
				       "over its quota, and no idle quota is "
				       "left to borrow"},
	[SCHED_REASON_RECLAIMING] = {"reclaiming",
				     "waiting for preempted borrowers to "
				     "leave its guaranteed GPUs"},
	[SCHED_REASON_RESERVED] = {"reserved",
				   "waiting for GPUs; they are reserved for it "
				   "from the planned start"},
	[SCHED_REASON_BACKFILL] = {"backfill",
				   "the free GPUs it fits are reserved for "
				   "jobs ahead of it"},
	[SCHED_REASON_TOPOLOGY] = {"topology",
				   "enough GPUs are free, but not as whole "
				   "nodes of one model in one site"},
	[SCHED_REASON_RECLAIM] = {"reclaim",
				  "preempted: its tenant borrows GPUs another "
				  "tenant is guaranteed"},
};

static const char *const order_names[SCHED_NORDERS] = {"fifo", "first-fit",
							 "priority"};

const char *
sched_kind_name(enum sched_kind k)
{
	return (unsigned)k < SCHED_NKINDS ? kind_names[k] : "?";
}

const char *
sched_reason_name(enum sched_reason r)
{
	return (unsigned)r < SCHED_NREASONS ? reasons[r].name : "?";
}

const char *
sched_reason_text(enum sched_reason r)
{
	return (unsigned)r < SCHED_NREASONS ? reasons[r].text : "?";
}

const char *
sched_order_name(enum sched_order o)
{
	return (unsigned)o < SCHED_NORDERS ? order_names[o] : "?";
}

int
sched_order_parse(const char *s)
{
	for (int i = 0; i < SCHED_NORDERS; i++)
		if (strcmp(s, order_names[i]) == 0)
			return i;
	if (strcmp(s, "firstfit") == 0 || strcmp(s, "first_fit") == 0)
		return SCHED_FIRST_FIT;
	return -1;
}

void
sched_result_init(struct sched_result *r)
{
	memset(r, 0, sizeof *r);
}

void
sched_result_clear(struct sched_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].alloc.slots != NULL)
			alloc_free(&r->v[i].alloc);
	r->n = r->nstart = r->nnever = r->end = r->scanned = r->placed = 0;
	r->npreempt = r->nreserved = 0;
}

void
sched_result_free(struct sched_result *r)
{
	if (r == NULL)
		return;
	sched_result_clear(r);
	free(r->v);
	memset(r, 0, sizeof *r);
}

/*
 * Failed shapes of this pass.  A job "covers" a failed shape when it needs
 * at least as much on every axis and allows no more: more GPUs per node
 * (and per GPU), more nodes, more CPU and memory, a subset of the GPU
 * models, and no cross-site freedom the failed one lacked.  Any placement
 * of the job would contain one of the failed shape, so it fails too.
 * Each entry also remembers whether its shape could ever fit, so a queue
 * of identical blocked jobs costs no placer call at all.
 */
#define NFAILED 8

struct shape {
	uint16_t gpn, nodes, milli;
	uint16_t cross;
	uint32_t cpu, mem, mask;
};

struct failed {
	struct shape s[NFAILED];
	uint8_t ever[NFAILED];
	int n, next;
};

static struct shape
shape_of(const struct job *j)
{
	struct shape s;

	s.gpn = j->gpus_per_node;
	s.nodes = j->nodes;
	s.milli = j->gpus_per_node > 0 ? j->gpu_milli : 0;
	s.cross = (j->flags & JOB_CROSS_SITE) != 0;
	s.cpu = j->cpu_milli;
	s.mem = j->mem_mib;
	s.mask = j->model_mask;
	return s;
}

static int
same_shape(const struct shape *a, const struct shape *b)
{
	return a->gpn == b->gpn && a->nodes == b->nodes && a->milli == b->milli &&
	       a->cross == b->cross && a->cpu == b->cpu && a->mem == b->mem &&
	       a->mask == b->mask;
}

/* Whether a job of shape j needs at least what f needs (see above). */
static int
covers(const struct shape *j, const struct shape *f)
{
	if (j->gpn < f->gpn || j->nodes < f->nodes || j->cpu < f->cpu ||
	    j->mem < f->mem)
		return 0;
	if (f->gpn > 0 && j->milli < f->milli)
		return 0;
	if (j->cross && !f->cross)
		return 0;
	if (f->mask != 0 && (j->mask == 0 || (j->mask & ~f->mask) != 0))
		return 0;
	return 1;
}

/* Index of a failed shape that s covers (an identical one first), or -1. */
static int
find_failed(const struct failed *f, const struct shape *s)
{
	int k = -1;

	for (int i = 0; i < f->n; i++)
		if (covers(s, &f->s[i])) {
			if (same_shape(s, &f->s[i]))
				return i;
			k = i;
		}
	return k;
}

static void
remember_failure(struct failed *f, const struct shape *s, int ever)
{
	int i;

	if (f->n < NFAILED) {
		i = f->n++;
	} else {
		i = f->next;
		f->next = (f->next + 1) % NFAILED;
	}
	f->s[i] = *s;
	f->ever[i] = (uint8_t)ever;
}

struct sched_decision *
sched_result_add(struct sched_result *r, enum sched_kind kind,
		 enum sched_reason why, uint32_t job, size_t index,
		 uint32_t blocker)
{
	struct sched_decision *d;

	if (r->n == r->cap)
		r->v = xgrow(r->v, &r->cap, r->n + 1, sizeof *r->v);
	d = &r->v[r->n++];
	memset(d, 0, sizeof *d);
	d->kind = (uint8_t)kind;
	d->reason = (uint8_t)why;
	d->job = job;
	d->index = (uint32_t)index;
	d->blocker = blocker;
	d->model = -1;
	return d;
}

int
sched_pass(const struct sched_opts *o, const struct sched_input *in,
	   struct placer *pl, struct sched_result *r)
{
	struct failed failed;
	struct alloc a;
	uint64_t free_milli = in->free_milli;
	uint64_t cpu_only = in->cpu_only;
	uint32_t blocker = SCHED_NO_JOB;
	int strict = o->order == SCHED_FIFO;
	size_t i = 0;

	if (o->order == SCHED_PRIORITY)
		return sched_policy_pass(o, in, pl, r);
	sched_result_clear(r);
	if (o->order >= SCHED_NORDERS)
		return ERR_INVALID;
	failed.n = failed.next = 0;
	/* First-fit gives the resume prefix no decisions unless asked to:
	 * none of it can start, so skip it whole. */
	if (!strict && !o->explain)
		i = in->resume < in->nqueue ? in->resume : in->nqueue;
	for (; i < in->nqueue; i++) {
		uint32_t id = in->queue[i];
		const struct job *j = &in->jobs[id];
		uint64_t need = job_gpu_milli(j);
		struct shape s;
		int fits = 0, ever, k;

		if (blocker != SCHED_NO_JOB) {
			/* Strict FIFO behind a blocked head. */
			if (!o->explain)
				break;
			if (placer_could_ever_fit(pl, j))
				sched_result_add(r, SCHED_PENDING, SCHED_REASON_PRIORITY, id,
				    i, blocker);
			else
				sched_result_add(r, SCHED_PENDING, SCHED_REASON_NEVER_FITS,
				    id, i, SCHED_NO_JOB);
			continue;
		}
		if (!strict && !o->explain && free_milli == 0 && cpu_only == 0)
			break;
		r->scanned++;
		if (j->gpus_per_node == 0 && cpu_only != SCHED_UNKNOWN &&
		    cpu_only > 0)
			cpu_only--;
		if (i < in->resume) {
			/* Vouched for by the caller: fits ever, not now. */
			ever = 1;
		} else {
			s = shape_of(j);
			k = find_failed(&failed, &s);
			if (k < 0 && need <= free_milli) {
				memset(&a, 0, sizeof a);
				r->placed++;
				fits = placer_place(pl, j, &a) == 0;
			}
			if (fits) {
				struct sched_decision *d = sched_result_add(r, SCHED_START,
				    SCHED_REASON_NONE, id, i, SCHED_NO_JOB);
				d->alloc = a;
				r->nstart++;
				r->end = i + 1;
				if (free_milli != SCHED_UNKNOWN)
					free_milli = need < free_milli ?
					    free_milli - need : 0;
				continue;
			}
			if (k >= 0 && same_shape(&s, &failed.s[k])) {
				ever = failed.ever[k];
			} else {
				ever = placer_could_ever_fit(pl, j);
				if (k < 0)
					remember_failure(&failed, &s, ever);
			}
		}
		if (!ever) {
			sched_result_add(r, SCHED_PENDING, SCHED_REASON_NEVER_FITS, id, i,
			    SCHED_NO_JOB);
			r->nnever++;
			r->end = i + 1;
		} else if (strict) {
			sched_result_add(r, SCHED_PENDING, SCHED_REASON_RESOURCES, id, i,
			    SCHED_NO_JOB);
			blocker = id;
		} else if (o->explain) {
			sched_result_add(r, SCHED_PENDING, SCHED_REASON_RESOURCES, id, i,
			    SCHED_NO_JOB);
		}
	}
	return 0;
}
