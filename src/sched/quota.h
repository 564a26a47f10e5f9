/*
 * quota.h — grants as quotas, with Kueue-style cohort borrowing.
 *
 * For each GPU model m, every tenant t has a nominal (guaranteed) quota, a
 * borrowing limit (how far above nominal it may go; -1 = no limit) and a
 * lending limit (how much of its nominal others may borrow while it is
 * idle; -1 = all of it).  All amounts are milli-GPU.
 *
 * The part of t's nominal that it does not lend is private to t.  Everything
 * else — the lendable parts of every nominal, plus pool capacity granted to
 * nobody — forms the model's shared pool.  A tenant's usage first fills its
 * private part, then draws on the shared pool.  So:
 *
 *	admit(t, m, r)  iff  usage + r <= nominal + borrow_limit
 *	                and  shared_used' <= shared_cap
 *
 * When t is still within its nominal but the shared pool is full, the
 * capacity it is owed is held by borrowers (tenants above their nominal):
 * quota_check says QUOTA_RECLAIM and the scheduler may preempt them.
 *
 * Pure bookkeeping: no jobs, no placement, no clock.
 */
#ifndef ALLOT_SCHED_QUOTA_H
#define ALLOT_SCHED_QUOTA_H

#include <stddef.h>
#include <stdint.h>

#include "model/grant.h"
#include "model/pool.h"

enum quota_verdict {
	QUOTA_OK = 0,        /* admissible now */
	QUOTA_RECLAIM,       /* within nominal, but borrowers hold it */
	QUOTA_OVER_LIMIT,    /* above nominal + borrowing limit */
	QUOTA_COHORT_FULL,   /* would borrow, and nothing is left to borrow */
};

struct quota_cell {
	int64_t nominal;
	int64_t borrow_limit; /* -1 = unlimited */
	int64_t lend_limit;   /* -1 = all of nominal */
	int64_t usage;
};

struct quota {
	size_t ntenants;
	int nmodels;
	struct quota_cell *cell;  /* [tenant * nmodels + model] */
	int64_t *capacity;        /* per model: pool capacity */
	int64_t *shared_used;     /* per model */
	int64_t *granted, *lendable; /* per model: sums of nominal and of the
				      * lendable parts (kept by quota_set) */
};

void quota_init(struct quota *q, size_t ntenants, int nmodels);
void quota_free(struct quota *q);
/* Sets t's quota for model m (usage is kept). */
void quota_set(struct quota *q, uint32_t t, int m, int64_t nominal,
	       int64_t borrow_limit, int64_t lend_limit);
/* Sets the pool's capacity of model m (what is granted to nobody is
 * shared). */
void quota_set_capacity(struct quota *q, int m, int64_t capacity);
/* Whether t may take r more of model m. */
enum quota_verdict quota_check(const struct quota *q, uint32_t t, int m,
			       int64_t r);
/* Records r more (or, negative, less) usage; keeps the shared-pool sum. */
void quota_charge(struct quota *q, uint32_t t, int m, int64_t r);
/* Size of the shared pool of model m. */
int64_t quota_shared_cap(const struct quota *q, int m);
/* How much t uses above its nominal (0 if within).  Inline: the reclaim
 * search asks it for every candidate. */
static inline int64_t
quota_borrowed(const struct quota *q, uint32_t t, int m)
{
	const struct quota_cell *c = &q->cell[(size_t)t * (size_t)q->nmodels +
					       (size_t)m];

	return c->usage > c->nominal ? c->usage - c->nominal : 0;
}
const char *quota_verdict_name(enum quota_verdict v);
/* Sets every tenant's nominal quota from the grants active at t (GPUs to
 * milli-GPU; limits summed, any unlimited grant makes the sum unlimited),
 * keeping usage.  Tenants and models beyond q's size are ignored. */
void quota_from_grants(struct quota *q, const struct grants *gs, int64_t t);

#endif
