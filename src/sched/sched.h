/*
 * sched.h — the scheduling pass: a pure function from a snapshot to
 * decisions (DESIGN.md §3).
 *
 * Input: the time, the pending jobs in queue order (ids into a job array),
 * and a placer (sched/place.h), which holds the pool's free capacity.
 * Output: a list of decisions, START (job, where) or PENDING (job, why).
 * The pass does no I/O, reads no clock and touches no globals; the same
 * snapshot always gives the same decisions.
 *
 * The pass APPLIES its own start decisions to the placer (and so to the
 * pool the placer indexes): every START's resources are allocated when the
 * pass returns, which is how two starts in one pass never take the same
 * GPU.  The caller owns that state: it either takes each START (moving the
 * alloc into its own records and later giving it back with placer_release)
 * or releases it itself.  sched_result_clear frees the slot arrays of
 * allocs still held by the list but does NOT give their resources back.
 *
 * Ordering (enum sched_order):
 *   SCHED_FIFO       strict first-in first-out with head-of-line blocking:
 *                    the first job that does not fit now blocks every job
 *                    behind it (reason RESOURCES for it, PRIORITY for the
 *                    others).  Nothing overtakes, so large gangs never
 *                    starve, at the price of idle capacity.
 *   SCHED_FIRST_FIT  scans the whole queue in order and starts every job
 *                    that fits, skipping blocked ones (reason RESOURCES
 *                    each).  Better packing, but a large gang can wait
 *                    forever behind a stream of small jobs (later issues
 *                    add reservations and backfill for that).
 * In both, a job that could not fit even the empty pool
 * (placer_could_ever_fit) gets NEVER_FITS and does not block.
 *
 * Speed: the pass stops scanning once nothing more can start: strict FIFO
 * at the blocked head; first-fit when the free GPU capacity the caller
 * reports is used up and no CPU-only job is left.  Within one pass
 * capacity only shrinks, so a job whose shape needs at least as much as a
 * shape that already failed in this pass (on every axis) is not offered
 * to the placer again.  That relies on placers being complete (placer_place
 * fails only when no placement exists), which all six policies are.
 */
#ifndef ALLOT_SCHED_SCHED_H
#define ALLOT_SCHED_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "model/job.h"
#include "sched/place.h"
#include "sched/prio.h"

/* What a decision says. */
enum sched_kind {
	SCHED_START = 0,
	SCHED_PENDING,
	SCHED_PREEMPT,  /* a running job must leave (after its grace period) */
	SCHED_NKINDS
};

/* Why a job stays pending.  Each has a machine name (JSON, `queue --why`
 * filters) and a human text.  Later issues add quota, fair-share and
 * backfill reasons; append, never renumber. */
enum sched_reason {
	SCHED_REASON_NONE = 0,   /* START decisions */
	SCHED_REASON_RESOURCES,  /* not enough free capacity right now */
	SCHED_REASON_PRIORITY,   /* waits behind a blocked job (strict FIFO) */
	SCHED_REASON_NEVER_FITS, /* larger than the whole pool could ever give */
	SCHED_REASON_HELD,       /* held by its owner or an operator */
	SCHED_REASON_QUOTA_LIMIT,  /* above nominal quota + borrowing limit */
	SCHED_REASON_QUOTA_COHORT, /* would borrow; nothing left to borrow */
	SCHED_REASON_RECLAIMING,   /* its guarantee is being reclaimed: waits
				    * for the preempted jobs to leave */
	SCHED_REASON_RESERVED,   /* blocked; holds a reservation from `at` */
	SCHED_REASON_BACKFILL,   /* would fit now, but only on GPUs reserved
				  * for a job ahead of it */
	SCHED_REASON_TOPOLOGY,   /* enough GPUs are free, but not in one site
				  * or not as whole nodes of one model */
	SCHED_REASON_RECLAIM,    /* PREEMPT: gives `blocker` its guarantee */
	SCHED_NREASONS
};

enum sched_order {
	SCHED_FIFO = 0,  /* strict, head-of-line blocking (the default) */
	SCHED_FIRST_FIT, /* skip blocked jobs */
	SCHED_PRIORITY,  /* the national policy: priority order, quotas and
			  * borrowing, reclaim, topology, backfill (policy.c) */
	SCHED_NORDERS
};

#define SCHED_UNKNOWN UINT64_MAX /* for the hints in struct sched_input */
#define SCHED_NO_JOB UINT32_MAX

struct sched_opts {
	uint8_t order;   /* enum sched_order */
	/* 1: every queued job gets exactly one decision (what `queue --why`
	 * needs).  0: only what a caller must act on: every START, every
	 * NEVER_FITS met, and in strict FIFO the RESOURCES of the blocked
	 * head; jobs the pass did not need to look at get nothing. */
	uint8_t explain;
};

/* A running job as the policy pass sees it. */
struct sched_running {
	uint32_t job;
	int model;            /* the GPU model its quota is charged to */
	uint32_t preempt_for; /* SCHED_NO_JOB, or the job it is leaving for */
	int64_t end;          /* start + time limit; INT64_MAX if none */
	const struct alloc *alloc;
};

struct quota;

/* What SCHED_PRIORITY needs besides the queue (sched/policy.c). */
struct sched_policy {
	struct quota *quota;       /* NULL: no quotas.  Usage of the running
				    * jobs charged; the pass charges what it
				    * starts or reclaims for */
	const double *fs_factor;   /* Fair Tree factor per tenant; NULL = 0 */
	struct prio_weights weights;
	const struct sched_running *running;
	size_t nrunning;
	uint32_t backfill_depth;   /* K: reservations per pass (0 = none) */
	int64_t backfill_horizon;  /* seconds; 0 = no horizon */
	uint8_t reclaim;           /* preempt borrowers for guarantees */
	uint64_t pool_gpus;        /* for the size factor */
};

struct sched_input {
	int64_t now;
	const struct job *jobs;  /* indexed by job id */
	const uint32_t *queue;   /* pending job ids, in queue order */
	size_t nqueue;
	/*
	 * Hints that let a pass skip work; the defaults (0, SCHED_UNKNOWN)
	 * are always correct.
	 *  resume      the caller vouches that queue[0..resume) all stayed
	 *              pending in the previous pass with RESOURCES or PRIORITY
	 *              (not NEVER_FITS), in this order, and no capacity has
	 *              been freed since: they are not offered to the placer
	 *              again (strict FIFO then ends at the head; first-fit
	 *              without explain skips the prefix).
	 *  free_milli  an upper bound on the free GPU milli of the pool.
	 *  cpu_only    an upper bound on the CPU-only jobs in the queue.
	 */
	size_t resume;
	uint64_t free_milli;
	uint64_t cpu_only;
	const struct sched_policy *policy; /* SCHED_PRIORITY only */
};

struct sched_decision {
	uint8_t kind;        /* enum sched_kind */
	uint8_t reason;      /* enum sched_reason; NONE for START */
	uint16_t pad;
	uint32_t job;        /* job id */
	uint32_t index;      /* position in the input queue */
	uint32_t blocker;    /* PRIORITY: the blocked job it waits behind;
			      * PREEMPT: the job it leaves for */
	int model;           /* START, RECLAIMING: the model charged */
	int64_t at;          /* RESERVED: the planned start */
	double prio;         /* SCHED_PRIORITY: the job's priority */
	struct alloc alloc;  /* START: where; owned by the list until taken */
};

struct sched_result {
	struct sched_decision *v;  /* decisions in queue order */
	size_t n, cap;
	size_t nstart;     /* START decisions */
	size_t nnever;     /* NEVER_FITS decisions */
	size_t end;        /* 1 + the highest queue index of a START or
			    * NEVER_FITS (0 if none): the queue prefix the
			    * caller has to compact */
	size_t scanned;    /* queue entries looked at */
	size_t placed;     /* placer_place calls (the pass's real cost) */
	size_t npreempt;   /* PREEMPT decisions */
	size_t nreserved;  /* reservations made */
};

const char *sched_kind_name(enum sched_kind k);
/* "none", "resources", "priority", "never_fits". */
const char *sched_reason_name(enum sched_reason r);
/* A sentence for people: "waiting for free GPUs", ... */
const char *sched_reason_text(enum sched_reason r);
/* "fifo", "first-fit". */
const char *sched_order_name(enum sched_order o);
/* Parses an order name ("fifo", "first-fit"); -1 if unknown. */
int sched_order_parse(const char *s);

/* An empty result list; reuse it across passes (no allocation once warm). */
void sched_result_init(struct sched_result *r);
/* Empties the list, freeing the slot arrays of START allocs still in it
 * (their resources stay allocated in the pool: see above). */
void sched_result_clear(struct sched_result *r);
void sched_result_free(struct sched_result *r);

/*
 * Runs one pass over in->queue with ordering o and writes the decisions to
 * r (cleared first), in queue order.  Starts are allocated in pl's pool as
 * they are decided.  The pass only reads in (jobs are not modified: the
 * caller applies the decisions to its jobs).  Returns 0, or ERR_INVALID
 * with r empty and nothing allocated for an unknown order.
 */
int sched_pass(const struct sched_opts *o, const struct sched_input *in,
	       struct placer *pl, struct sched_result *r);

/* The SCHED_PRIORITY pass (policy.c); sched_pass calls it.  Besides the
 * placer it applies its decisions to in->policy->quota: starts and
 * reclaims are charged there.  Every queued job gets exactly one
 * decision; PREEMPT decisions follow the job they make room for. */
int sched_policy_pass(const struct sched_opts *o, const struct sched_input *in,
		      struct placer *pl, struct sched_result *r);
/* Appends a decision to r (used by the passes). */
struct sched_decision *sched_result_add(struct sched_result *r,
					enum sched_kind kind,
					enum sched_reason why, uint32_t job,
					size_t index, uint32_t blocker);

#endif
