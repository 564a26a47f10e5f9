/*
 * backfill.h — reservations for the top K blocked jobs (EASY backfill with
 * K configurable; K = 1 is classic EASY).
 *
 * backfill_plan looks into the future: running jobs end at their start
 * plus time limit, and blocked jobs, in priority order, each get the
 * earliest start time at which they fit — on GPUs — given the jobs that end
 * before then and the reservations already made for the jobs ahead of
 * them.  A reservation holds specific nodes from its start for the job's
 * time limit; later reservations are planned around it, so no reservation
 * ever delays one made before it.
 *
 * Jobs without a time limit never end as far as planning knows: a blocked
 * job that can only start after one of them gets no reservation (start =
 * INT64_MAX).  Reservations are made for whole-GPU jobs; a share of a GPU
 * needs none (it fits in any GPU that frees).  Planning uses the exact GPU
 * state of every node; CPU and memory are checked against what the running
 * jobs free, like GPUs.
 *
 * The caller keeps the promise (policy.c): a job started now may use a
 * reserved node only if it ends before the reservation starts.  No I/O,
 * no clock.  Planning tries futures on the pool and its topology index
 * themselves (t, which must index pool) and restores both exactly before
 * returning — far cheaper than a copy of 32,500 nodes per reservation.
 */
#ifndef ALLOT_SCHED_BACKFILL_H
#define ALLOT_SCHED_BACKFILL_H

#include <stddef.h>
#include <stdint.h>

#include "model/job.h"
#include "model/pool.h"

#define BACKFILL_NEVER INT64_MAX

struct bf_running {
	const struct job *job;    /* for its per-node CPU and memory */
	const struct alloc *alloc;
	int64_t end;              /* expected end; BACKFILL_NEVER if unknown */
};

struct bf_resv {
	uint32_t job;
	int64_t start;   /* BACKFILL_NEVER: no reservation could be made */
	int64_t end;     /* start + time limit (BACKFILL_NEVER if none) */
	uint32_t nnodes;
	uint32_t *nodes; /* the reserved nodes, owned */
	uint16_t gpus;   /* GPUs held on each node */
};

/*
 * Plans reservations for blocked[0..k) (priority order) at time now.
 * run[0..nrun) are the running jobs in any order.  Writes out[0..k); free
 * with backfill_resv_free.  horizon: plan no further than now + horizon
 * seconds (0 = no horizon).
 */
void backfill_plan(struct pool *pool, const struct bf_running *run,
		   size_t nrun, const struct job *const *blocked, size_t k,
		   int64_t now, int64_t horizon, struct bf_resv *out);
void backfill_resv_free(struct bf_resv *r, size_t k);
/* The incremental form, for a pass that meets blocked jobs one at a time:
 * sorts running jobs by end once ... */
void backfill_sort_running(struct bf_running *run, size_t nrun);
/* ... then plans a reservation for j given the earlier ones prev[0..nprev)
 * (made for prev_jobs[0..nprev)), with run[0..nrun) sorted by end.
 * backfill_plan(k) is backfill_plan_one for each of the k in turn. */
struct topo;
void backfill_plan_one(struct pool *pool, struct topo *t,
		       const struct bf_running *run, size_t nrun,
		       const struct bf_resv *prev,
		       const struct job *const *prev_jobs, size_t nprev,
		       const struct job *j, int64_t now, int64_t horizon,
		       struct bf_resv *out);

#endif
