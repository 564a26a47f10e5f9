/*
 * sim_int.h — what the simulator's files share (sim.c: the loop, queues and
 * capacity; sim_policy.c: the priority order's bookkeeping; sim_events.c:
 * capacity over time).  Not for other callers: sim.h is the interface.
 * Functions here carry the sim__ prefix (internal, non-static).
 */
#ifndef ALLOT_SIM_SIM_INT_H
#define ALLOT_SIM_SIM_INT_H

#include "model/tenant.h"
#include "sched/quota.h"
#include "sim/sim.h"

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
	int64_t fs_at;           /* factors last computed; -1 never */
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
	/* The last pass's pending reasons hold until the next pass. */
	uint64_t last_reasons[SCHED_NREASONS];
	int64_t last_pass_t;
	int last_any;            /* some last_reasons[] is not 0 */
};


/* Shared between sim.c, sim_policy.c and sim_events.c (see each
 * definition for its contract). */
void sim__apply_event(struct sim *s, const struct nodeevent *ne, int64_t t);
void sim__dequeued(struct sim *s, uint32_t id);
void sim__enqueue(struct sim *s, uint32_t id);
void sim__events_setup(struct sim *s);
void sim__events_start(struct sim *s);
void sim__grants_changed(struct sim *s);
void sim__hook(struct sim *s, int64_t t, enum event_kind kind, uint32_t id);
void sim__note(struct sim *s, int64_t t, enum sim_note_kind kind, uint32_t id, const struct sched_decision *d);
void sim__occupy(struct sim *s, const struct alloc *a, int d);
void sim__preempted(struct sim *s, const struct event *ev);
int sim__prio_pass(struct sim *s, int64_t t, struct err *e);
void sim__prio_setup(struct sim *s);
void sim__reasons_set(struct sim *s, const uint64_t *cur);
void sim__reasons_until(struct sim *s, int64_t t);
void sim__reject(struct sim *s, struct job *j);
void sim__released(struct sim *s, const struct alloc *a);
void sim__run_leave(struct sim *s, uint32_t id);
void sim__set_state(struct sim *s, uint32_t n, enum node_state st);

#endif
