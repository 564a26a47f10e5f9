/*
 * benchpass.h — the national-scale scheduling pass benchmark's world
 * (DESIGN.md §6): a generated pool (3 sites, B200 and H200, 72-GPU NVLink
 * domains), 500 tenants with grants, a pool filled with running jobs, and
 * a deep queue of pending jobs from one GPU to 4,096-GPU gangs.
 *
 * benchpass_build makes it, benchpass_pass runs one full SCHED_PRIORITY
 * pass (quota, order, place, backfill reservations, reclaim) over the
 * whole queue, and benchpass_undo gives back what that pass started or
 * charged, so the same pass can be timed again on the same state.  No
 * clock here: callers time benchpass_pass (cmd-bench-pass.c, bench/).
 */
#ifndef ALLOT_SIM_BENCHPASS_H
#define ALLOT_SIM_BENCHPASS_H

#include <stddef.h>
#include <stdint.h>

#include "model/grant.h"
#include "model/job.h"
#include "model/pool.h"
#include "sched/place.h"
#include "sched/quota.h"
#include "sched/sched.h"
#include "util/err.h"

struct benchpass_opts {
	uint64_t gpus;       /* pool size; rounded to whole 8-GPU nodes */
	size_t pending;      /* queued jobs */
	size_t tenants;      /* default 500 */
	double fill;         /* share of the granted GPUs running before the
			      * pass (grants cover 90 % of the pool); 0.9 */
	uint32_t backfill;   /* reservations per pass; default 8 */
	int reclaim;         /* default 1 */
	uint64_t seed;       /* default 1 */
};

struct benchpass {
	struct pool pool;
	struct placer *pl;
	struct quota quota;
	struct grants grants;
	struct job *jobs;        /* running ones first, then the queue */
	size_t njobs, nrunning;
	struct alloc *allocs;    /* per running job */
	struct sched_running *run;
	uint32_t *queue;
	size_t nqueue;
	double *fs;              /* Fair Tree factor per tenant */
	struct sched_policy pol;
	struct sched_input in;
	struct sched_result res;
	uint64_t running_gpus;   /* GPUs the running jobs hold */
};

void benchpass_defaults(struct benchpass_opts *o);
/* Builds the world; ERR_INVALID for sizes out of range (at least 64 GPUs,
 * at most 1,000,000 nodes; pending at most 10 million). */
int benchpass_build(const struct benchpass_opts *o, struct benchpass *b,
		    struct err *e);
/* One pass over the whole queue; its decisions are in b->res. */
int benchpass_pass(struct benchpass *b);
/* Gives back the last pass's starts and quota charges. */
void benchpass_undo(struct benchpass *b);
/* Scheduler state: bytes per GPU (nodes, placer and topology index) and
 * per job (the job, its decision and its share of the pass's scratch). */
void benchpass_bytes(const struct benchpass *b, double *per_gpu,
		     double *per_job);
void benchpass_free(struct benchpass *b);

#endif
