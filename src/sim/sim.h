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
 * it never starts).  In priority order with grants, the instant a grant
 * starts or ends also runs a pass while a job is waiting: the quotas
 * changed, so a job its quota held back may start then.
 *
 * Capacity over time (sim_opts.events, docs/SCHEDULING.md): node events
 * apply at their instant after the finishes and before the submits, in
 * file order, and always trigger a pass.  join: the node becomes UP (a
 * node whose first event is a join is ABSENT until then); leave: DRAIN,
 * then ABSENT once its last job has left; drain: no new work, running
 * jobs go on; fail: DOWN at once, its jobs are requeued (a checkpointable
 * job keeps the work up to its last checkpoint, every checkpoint_s
 * seconds of its run; others start over); repair: UP again (a DOWN or
 * DRAIN node; join and repair also cancel a pending leave).  Events before
 * the first submit are the initial state.  With events, a job is rejected
 * only if it could not fit the pool at its fullest (every node UP that is
 * UP at the start or ever joins or is repaired); one that does not fit
 * the pool as it is now waits (reason RESOURCES, blocking nobody) and is
 * counted `stuck` if the run ends first.  A requeued job returns to its
 * place by submit time (FIFO and first-fit) or is ordered by its priority
 * as before.  The run ends when no job is left to run or wait for; node
 * events after that are not applied.  After the run every node is back in
 * the state it had before.
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
#include "sim/nodeevents.h"
#include "sim/trace.h"
#include "util/err.h"

struct sim;

/* What happened to the watched job (sim_opts.watch), one note each. */
enum sim_note_kind {
	SIM_NOTE_SUBMIT = 0,
	SIM_NOTE_REJECT,   /* could never fit: cancelled */
	SIM_NOTE_PENDING,  /* a pass left it pending: reason, other, at */
	SIM_NOTE_START,    /* a pass started it; at = its planned end */
	SIM_NOTE_PREEMPT,  /* a pass told it to leave for job `other`; at =
			    * when it stops (after its grace period) */
	SIM_NOTE_STOPPED,  /* the preemption took effect: requeued */
	SIM_NOTE_REQUEUE,  /* node `other` failed under it: requeued */
	SIM_NOTE_FINISH,   /* it ended: state COMPLETED or FAILED (limit) */
	SIM_NOTE_NKINDS
};

struct sim_note {
	int64_t t;
	uint32_t job;
	uint8_t kind;         /* enum sim_note_kind */
	uint8_t reason;       /* PENDING: enum sched_reason */
	uint8_t state;        /* FINISH: enum job_state */
	uint8_t has_prio;     /* prio holds SCHED_PRIORITY's breakdown */
	uint32_t other;       /* PENDING priority: the blocked head; PREEMPT:
			       * the job it leaves for; REQUEUE: the node */
	int64_t at;           /* PENDING reserved: the planned start */
	int64_t remain;       /* STOPPED, REQUEUE: run time still to do */
	struct prio_parts prio;
};

/* "submit", "reject", "pending", ... */
const char *sim_note_kind_name(enum sim_note_kind k);

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
	int64_t fairshare_interval;    /* recompute the Fair Tree factors at
					* most this often (Slurm's
					* PriorityCalcPeriod); 0 = every pass
					* (default) */
	uint32_t backfill_depth;       /* reservations per pass; default 8 */
	int64_t backfill_horizon;      /* 0 = none */
	int reclaim;                   /* preempt borrowers; default 1 */
	int64_t pass_interval;         /* priority order: at most one pass
					* per this many seconds (Slurm's
					* sched_interval); changes in between
					* wait for the next; 0 = a pass at
					* every change (default) */
	/* Capacity over time (above): sorted by time; NULL = none.  The
	 * simulator borrows it. */
	const struct nodeevents *events;
	int64_t checkpoint_s;          /* default 3600; 0 = nothing lost */
	/* Explanations: watch(watch_ctx, note) for everything that happens
	 * to job watch_job (default SIM_NO_JOB: none). */
	uint32_t watch_job;
	void (*watch)(void *ctx, const struct sim_note *n);
	void *watch_ctx;
	/* Programs (sim/program.h) steer a run from outside, priority order
	 * only.  alarm(alarm_ctx, s, t) is called at alarm_first and then
	 * at each time it returns (INT64_MAX: no more), after that
	 * instant's finishes and capacity events and before its submits,
	 * while jobs are left to submit or run.  It may change the grants
	 * that `grants` points to (append, or move an end earlier); the
	 * quotas and fair-share shares are rebuilt from them at once.  It
	 * may withdraw pending jobs (sim_withdraw).  admit(admit_ctx, job,
	 * t), if set, is asked at each submit: 0 withdraws the job
	 * (CANCELLED, counted in stats.withdrawn, never rejected). */
	int64_t (*alarm)(void *ctx, struct sim *s, int64_t t);
	void *alarm_ctx;
	int64_t alarm_first;           /* sim_opts_init: INT64_MAX, none */
	int (*admit)(void *ctx, struct job *j, int64_t t); /* may narrow j */
	void *admit_ctx;
};

#define SIM_NO_JOB UINT32_MAX

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
	/* Pending jobs by reason, summed over passes, in every order: the
	 * priority pass explains every job; FIFO's blocked head counts as
	 * RESOURCES and the jobs behind it as PRIORITY; first-fit's as
	 * RESOURCES.  A job that does not fit the pool as it is now but
	 * would at its fullest (capacity events) counts as RESOURCES. */
	uint64_t reasons[SCHED_NREASONS];
	/* The same weighted by time: job-seconds spent pending for each
	 * reason (a pass's reasons hold until the next pass). */
	uint64_t reason_s[SCHED_NREASONS];
	uint64_t node_events; /* capacity events applied */
	uint64_t requeued;    /* jobs requeued because their node failed */
	uint64_t lost_gpu_s;  /* GPU-seconds of work the failures threw
			       * away (run since the last checkpoint) */
	uint64_t withdrawn;  /* jobs withdrawn by a program (admit, sim_withdraw) */
	uint64_t alarms;     /* program alarms handled */
	uint64_t preempt_lost_gpu_s; /* the same for preemptions: the whole
				      * run of a job that is not
				      * checkpointable (the others save
				      * their work in their grace period) */
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
/* From an alarm (priority order): withdraws every pending job of
 * workload tenant `tenant` (CANCELLED, stats.withdrawn); running jobs go
 * on.  Returns how many were withdrawn; 0 outside priority order. */
size_t sim_withdraw(struct sim *s, uint32_t tenant);
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
