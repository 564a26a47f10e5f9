/*
 * preempt.h — choosing whom to preempt when a tenant reclaims the capacity
 * it is guaranteed (Kueue's reclaimWithinCohort, made deterministic).
 *
 * Candidates are the running jobs of other tenants that are borrowing the
 * model (using more than their nominal quota of it), on nodes that are UP
 * (a job on a draining or failed node frees nothing usable).  Over-quota
 * work is always reclaimable, whatever the job's own preemptible flag
 * says.
 * Candidates are taken in this order, the documented victim order:
 *
 *	1. tenants borrowing the most (at the start of the choice) first;
 *	2. checkpointable jobs before the others (less work is lost);
 *	3. lower priority first;
 *	4. most recently started first (least work lost);
 *	5. higher job id first.
 *
 * A candidate is taken only while its tenant is still borrowing after the
 * victims already taken.  Taking stops as soon as the reclaiming job fits
 * both its quota and the GPUs (topology included).  Then victims are
 * reprieved in reverse order whenever the job still fits without
 * preempting them, so the set is minimal in that sense.
 *
 * Pure in effect: it tries victim sets on the pool, its index and the
 * quota themselves (cheaper than copies at national scale) and restores
 * them exactly before returning.
 */
#ifndef ALLOT_SCHED_PREEMPT_H
#define ALLOT_SCHED_PREEMPT_H

#include <stddef.h>
#include <stdint.h>

#include "model/job.h"
#include "model/pool.h"
#include "sched/quota.h"

struct preempt_cand {
	const struct job *job;
	const struct alloc *alloc;
	double prio;   /* its current priority */
	int model;     /* the GPU model its quota is charged to */
	int64_t borrowed; /* preempt_order: its tenant's borrowing then */
};

struct topo;
struct topo_hold;

struct preempt_input {
	struct pool *pool;     /* changed during the call, restored after */
	struct quota *quota;   /* likewise */
	const struct preempt_cand *running;
	size_t nrunning;
	const struct job *job; /* the reclaiming job (whole GPUs) */
	int model;             /* the model it is to run on */
	int charged;           /* its quota is already charged: check GPUs only */
	struct topo *topo;     /* the pool's live index, or NULL (one is
				* built for the call) */
	int presorted;         /* running[] is already in victim order
				* (preempt_order); the candidates of tenants
				* whose borrowing changed since are moved to
				* where rule 1 puts them now */
	const struct topo_hold *hold; /* the pass's holds the job must
				* honour (room held for others), or NULL */
};

/* Whether every node of a is UP or HELD: preempting a job on a draining
 * or failed node frees nothing the reclaiming job could use. */
int preempt_usable(const struct pool *p, const struct alloc *a);
/* Sorts c[0..n) into the victim order above, by the borrowing in q now
 * (recorded in c[i].borrowed).  A scheduling pass sorts once and reuses
 * the order for every reclaim in the pass; preempt_choose repairs it for
 * the tenants whose borrowing changed in between, in O(n) plus a sort of
 * their candidates, so every choice still follows rule 1 as it stands. */
void preempt_order(struct preempt_cand *c, size_t n, const struct quota *q);

/* Chooses victims: writes indexes into in->running to victims (in the
 * order they were taken) and returns how many, or -1 when no set of
 * candidates makes the job fit (victims then undefined).  victims needs
 * room for nrunning entries.  When plan is not NULL it receives the nodes
 * the job will take once the victims are gone (job->nodes entries). */
long preempt_choose(const struct preempt_input *in, uint32_t *victims,
		    uint32_t *plan);

#endif
