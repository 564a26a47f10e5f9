/*
 * sim.h — the discrete-event simulator: replays a workload on a pool in
 * virtual time with the real scheduling pass (sched/sched.h) and placer.
 *
 * Event model (docs/SIM.md): jobs are submitted at their submit time (the
 * workload is replayed in submit order, ties in workload order), finish
 * `duration` seconds after they start, and give their resources back at
 * once.  At each instant the simulator applies every finish, then every
 * submit, then runs one scheduling pass if anything changed (a job
 * finished or joined the queue); the pass's starts take effect at the
 * same instant.  A job of duration 0 finishes at the instant it starts
 * (after the pass, which then runs again).  A job that could never fit the
 * pool is rejected when it is submitted (its state becomes CANCELLED and
 * it never starts).
 *
 * The simulator borrows the pool and the workload for its lifetime.  It
 * writes each job's state, start and end into the workload (resetting them
 * when the run begins), and changes the pool's free capacity (the pool is
 * all free again after a complete run).  The pool must be all free when
 * sim_new is called.  No clock, no I/O: the caller times sim_run.
 */
#ifndef ALLOT_SIM_SIM_H
#define ALLOT_SIM_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "model/grant.h"
#include "model/job.h"
#include "model/pool.h"
#include "sched/place.h"
#include "sched/sched.h"
#include "sim/event.h"
#include "sim/metrics.h"
#include "sim/trace.h"
#include "util/err.h"

struct sim;

struct sim_opts {
	int policy;        /* enum place_policy */
	uint64_t seed;     /* the placer's random stream */
	int order;         /* enum sched_order */
	int64_t sample_s;  /* utilisation series: 0 = every change */
	/* For tests: first-fit passes get the whole queue instead of the
	 * per-shape candidates (sim.c); the decisions must not change. */
	int full_scan;
	/* Test hook: called after each event is applied (a submit, a start,
	 * a finish), with the event.  NULL = none. */
	void (*hook)(void *ctx, const struct sim *s, const struct event *ev);
	void *hook_ctx;
	/* Progress: called every few tens of thousands of events with jobs
	 * done (finished or rejected) and the total.  NULL = none. */
	void (*progress)(void *ctx, size_t done, size_t total);
	void *progress_ctx;
	/* SCHED_PRIORITY only (docs/SCHEDULING.md). */
	const struct grants *grants;   /* quotas; NULL = none */
	struct prio_weights weights;   /* sim_opts_init: prio_defaults */
	double half_life_s;            /* fair-share decay; default 7 days */
	uint32_t backfill_depth;       /* reservations per pass; default 8 */
	int64_t backfill_horizon;      /* 0 = none */
	int reclaim;                   /* preempt borrowers; default 1 */
};

struct sim_stats {
	uint64_t events;    /* submits + finishes processed */
	uint64_t submits, finishes, starts, rejected;
	uint64_t passes;    /* scheduling passes run */
	uint64_t scanned;   /* queue entries the passes looked at */
	uint64_t placed;    /* placer_place calls */
	uint64_t instants;  /* loop rounds: distinct times, again for 0-length jobs */
	size_t max_queue;   /* longest pending queue */
	size_t stuck;       /* jobs left pending at the end (a placer that
			     * cannot place on an idle pool what it said
			     * could fit); counted as unfinished */
	size_t max_running;
	uint64_t preempted; /* jobs stopped by preemption and requeued */
	uint64_t reserved;  /* reservations made (summed over passes) */
	uint64_t reasons[SCHED_NREASONS]; /* pending decisions by reason,
					   * summed over passes (explained
					   * passes only: SCHED_PRIORITY) */
};

/* What the simulator's state takes (bytes, capacities not lengths). */
struct sim_mem {
	size_t per_job;     /* the simulator's own arrays indexed by job */
	size_t queue, heap, decisions, metrics, placer;
};

/* Defaults: BestFit, seed 42, strict FIFO, series at every change. */
void sim_opts_init(struct sim_opts *o);

/* A simulator of w on pool with o (copied).  Never fails; problems with
 * the jobs are reported by sim_run. */
struct sim *sim_new(struct pool *pool, struct workload *w,
		    const struct sim_opts *o);
void sim_free(struct sim *s);

/* Runs the whole workload to its end.  Once per simulator.  Returns 0;
 * ERR_INVALID naming the job for a bad job (shape, negative duration,
 * more than UINT32_MAX jobs); ERR_LIMIT if a time would overflow;
 * ERR_STATE if called twice. */
int sim_run(struct sim *s, struct err *e);

const struct sim_stats *sim_stats(const struct sim *s);
/* The run's metrics, derived on the first call after sim_run (not part
 * of sim_run so that timing the run measures the event loop only). */
const struct metrics *sim_metrics(struct sim *s);

/* For hooks, tests and reports. */
const struct pool *sim_pool(const struct sim *s);
const struct workload *sim_workload(const struct sim *s);
/* Where job id runs now, or NULL if it is not running. */
const struct alloc *sim_job_alloc(const struct sim *s, uint32_t id);
/* Jobs pending now. */
size_t sim_pending(const struct sim *s);
void sim_bytes(const struct sim *s, struct sim_mem *m);

/*
 * The pool a trace replays on when no pool is given (docs/SIM.md):
 *   philly  312 nodes x 8 GPUs (2,496 GPUs; Philly had about 2,490),
 *           model "P100", 39 racks of 8 nodes, one site;
 *   swf     32 nodes x 8 GPUs (256, as lublin_256's 256 processors),
 *           model "GPU", 4 racks of 8 nodes, one site.
 * Every node is its own NVLink domain with 64 cores and 512 GiB.  p must
 * be empty (just pool_init'ed).  openb has no default: ERR_USAGE.
 */
int sim_default_pool(struct pool *p, enum trace_format f, struct err *e);

#endif
