/*
 * job.h — jobs, their shape, their state machine, and where they run.
 *
 * Shape: a gang of `nodes` members, each taking `gpus_per_node` GPUs of
 * `gpu_milli` thousandths each, plus cpu_milli and mem_mib on its node.
 * Whole-GPU jobs have gpu_milli == 1000; a share of one GPU is
 * gpus_per_node == 1, nodes == 1, gpu_milli < 1000; CPU-only jobs have
 * gpus_per_node == 0.
 *
 * State machine (job_transition enforces it):
 *
 *	pending -> running -> completed | failed | cancelled | preempted
 *	pending -> cancelled          preempted -> pending (requeue)
 *
 * Times are seconds on whatever clock drives the scheduler (virtual in the
 * simulator, real in the daemon); -1 means "not yet".
 */
#ifndef ALLOT_MODEL_JOB_H
#define ALLOT_MODEL_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/strtab.h"

enum job_state {
	JOB_PENDING = 0,
	JOB_RUNNING,
	JOB_COMPLETED,
	JOB_FAILED,
	JOB_CANCELLED,
	JOB_PREEMPTED,
	JOB_NSTATES
};

enum job_class {
	CLASS_TRAINING = 0,
	CLASS_FINETUNE,
	CLASS_INFERENCE,
	CLASS_EVAL,
	CLASS_SIMULATION,
	CLASS_NCLASSES
};

enum job_flag {
	JOB_PREEMPTIBLE = 1 << 0,
	JOB_CHECKPOINTABLE = 1 << 1,
	JOB_CROSS_SITE = 1 << 2, /* a gang may span sites */
	JOB_HELD = 1 << 3,       /* held: not considered until released */
	JOB_RECLAIMING = 1 << 4, /* preemptions were issued for it and its
				  * quota is charged (model in qmodel) */
	JOB_WITHDRAWN = 1 << 5,  /* cancelled by its program before it ran
				  * (simulator): not a job the pool refused */
};

struct job {
	uint32_t id;
	uint32_t tenant;        /* id in the workload's tenant table */
	uint16_t gpus_per_node; /* 0 = CPU-only */
	uint16_t nodes;         /* gang width, >= 1 */
	uint16_t gpu_milli;     /* per GPU: 1000 whole, 1..999 a share */
	uint8_t state;          /* enum job_state */
	uint8_t class;          /* enum job_class */
	uint8_t qmodel;         /* JOB_RECLAIMING: the model charged */
	uint8_t pad[3];
	uint32_t flags;         /* enum job_flag */
	uint32_t cpu_milli;     /* per node */
	uint32_t mem_mib;       /* per node */
	uint32_t model_mask;    /* allowed GPU models, bit = model id; 0 = any */
	uint32_t grace_s;       /* preemption grace period */
	int64_t submit;         /* submit time */
	int64_t start;          /* last start, -1 if never */
	int64_t end;            /* end time, -1 if not ended */
	int64_t time_limit;     /* seconds; 0 = none */
	int64_t duration;       /* true run time (simulation input), seconds */
};

/* Total GPU milli the job asks for. */
uint64_t job_gpu_milli(const struct job *j);
/* Whether model id m is allowed. */
int job_allows_model(const struct job *j, int m);
/* Checks the shape: nodes >= 1, gpus_per_node <= 8, 1 <= gpu_milli <=
 * 1000, a share only for 1 GPU on 1 node.  Fills e naming the field. */
int job_validate(const struct job *j, struct err *e);
/* Moves j to state `to` or returns -ERR_STATE leaving it unchanged. */
int job_transition(struct job *j, enum job_state to, struct err *e);
const char *job_state_name(enum job_state s);
const char *job_class_name(enum job_class c);
/* Parses a class name; -1 if unknown. */
int job_class_parse(const char *s);

/*
 * Where a running job sits: one slot per gang member.  For a share of a
 * GPU the mask has one bit and `milli` is the share.
 */
struct alloc_slot {
	uint32_t node;
	uint8_t gpu_mask;
};

struct alloc {
	uint16_t nslots;
	uint16_t milli;         /* per selected GPU */
	struct alloc_slot *slots; /* nslots entries, owned */
};

void alloc_free(struct alloc *a);

/*
 * A workload: jobs in submit order, and the tenants they belong to.
 * Readers (sim/trace.h) produce one; the workload owns its jobs.
 */
struct workload {
	struct job *jobs;
	size_t njobs, cap;
	struct strtab tenants;
	size_t skipped;          /* bad lines skipped with --skip-bad */
};

void workload_init(struct workload *w);
void workload_free(struct workload *w);
/* Appends a copy of j with id = index; returns the stored job. */
struct job *workload_add(struct workload *w, const struct job *j);

#endif
