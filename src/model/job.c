/*
 * job.c — job shape checks, the state machine, workloads.
 */
#include "model/job.h"

#include <stdlib.h>
#include <string.h>

#include "model/pool.h"
#include "util/alloc.h"

static const char *const state_names[JOB_NSTATES] = {
	"pending", "running", "completed", "failed", "cancelled", "preempted",
};

static const char *const class_names[CLASS_NCLASSES] = {
	"training", "finetune", "inference", "eval", "simulation",
};

const char *
job_state_name(enum job_state s)
{
	return (unsigned)s < JOB_NSTATES ? state_names[s] : "?";
}

const char *
job_class_name(enum job_class c)
{
	return (unsigned)c < CLASS_NCLASSES ? class_names[c] : "?";
}

int
job_class_parse(const char *s)
{
	for (int i = 0; i < CLASS_NCLASSES; i++)
		if (strcmp(s, class_names[i]) == 0)
			return i;
	return -1;
}

uint64_t
job_gpu_milli(const struct job *j)
{
	return (uint64_t)j->nodes * j->gpus_per_node * j->gpu_milli;
}

int
job_allows_model(const struct job *j, int m)
{
	return j->model_mask == 0 || (j->model_mask >> m & 1);
}

int
job_validate(const struct job *j, struct err *e)
{
	if (j->nodes < 1)
		return err_at(e, ERR_INVALID, NULL, 0, "nodes", "must be >= 1, got %u",
			      j->nodes);
	if (j->gpus_per_node > POOL_MAX_GPUS_PER_NODE)
		return err_at(e, ERR_INVALID, NULL, 0, "gpus_per_node",
			      "at most %d, got %u", POOL_MAX_GPUS_PER_NODE,
			      j->gpus_per_node);
	if (j->gpus_per_node > 0 && (j->gpu_milli < 1 || j->gpu_milli > MILLI))
		return err_at(e, ERR_INVALID, NULL, 0, "gpu_milli",
			      "must be 1..1000, got %u", j->gpu_milli);
	if (j->gpu_milli < MILLI && j->gpus_per_node > 0 &&
	    (j->gpus_per_node != 1 || j->nodes != 1))
		return err_at(e, ERR_INVALID, NULL, 0, "gpu_milli",
			      "a GPU share needs 1 GPU on 1 node");
	return 0;
}

int
job_transition(struct job *j, enum job_state to, struct err *e)
{
	int ok;

	switch (j->state) {
	case JOB_PENDING:
		ok = to == JOB_RUNNING || to == JOB_CANCELLED;
		break;
	case JOB_RUNNING:
		ok = to == JOB_COMPLETED || to == JOB_FAILED ||
		     to == JOB_CANCELLED || to == JOB_PREEMPTED;
		break;
	case JOB_PREEMPTED:
		ok = to == JOB_PENDING || to == JOB_CANCELLED;
		break;
	default:
		ok = 0;
	}
	if (!ok)
		return err_set(e, ERR_STATE, "job %u: %s -> %s not allowed", j->id,
			       job_state_name(j->state), job_state_name(to));
	j->state = (uint8_t)to;
	return 0;
}

void
alloc_free(struct alloc *a)
{
	if (a == NULL)
		return;
	free(a->slots);
	a->slots = NULL;
	a->nslots = 0;
}

void
workload_init(struct workload *w)
{
	memset(w, 0, sizeof *w);
}

void
workload_free(struct workload *w)
{
	if (w == NULL)
		return;
	free(w->jobs);
	strtab_free(&w->tenants);
	memset(w, 0, sizeof *w);
}

struct job *
workload_add(struct workload *w, const struct job *j)
{
	w->jobs = xgrow(w->jobs, &w->cap, w->njobs + 1, sizeof *w->jobs);
	w->jobs[w->njobs] = *j;
	w->jobs[w->njobs].id = (uint32_t)w->njobs;
	return &w->jobs[w->njobs++];
}
