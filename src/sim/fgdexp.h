/*
 * fgdexp.h — the FGD paper's allocation experiment (Weng et al., USENIX
 * ATC'23, §6 and its simulator's run scripts), so allot's placement
 * policies can be compared with the paper's numbers.
 *
 * Method (../shared/data/README.md, checked against the simulator):
 *   - the cluster is the GPU nodes of a node list (CPU-only nodes are
 *     left out); CPU, memory and GPU models are constraints;
 *   - per seed, the task list is shuffled, then inflated to `inflate` x
 *     the GPU capacity by appending tasks drawn uniformly from the
 *     original list until a drawn task's milli-GPU per GPU would overshoot
 *     (the simulator's tuneUpPods; a list already above the target loses
 *     random tasks instead);
 *   - tasks are placed one at a time in that order and never released; a
 *     task that fits nowhere is skipped;
 *   - after every task the arrived GPU milli (requested so far, skipped
 *     tasks included) and the allocated GPU milli are recorded; the
 *     allocation % at arrived % = a is the mean over the records whose
 *     arrived % rounds to a (to two decimals, as merge_alloc_discrete.py
 *     does; the neighbours a +- 1 when there is none);
 *   - FGD's target workload is the original task list;
 *   - ties between equally scored nodes go to the first node of a random
 *     order drawn per run (the simulator's patched Kubernetes); set
 *     ties = PLACE_TIES_UNIFORM for stock Kubernetes' uniform choice.
 *
 * A struct fgdexp owns its pool and task list; runs reset the pool to
 * empty first, so one loaded experiment serves every seed and policy.
 */
#ifndef ALLOT_SIM_FGDEXP_H
#define ALLOT_SIM_FGDEXP_H

#include <stddef.h>
#include <stdint.h>

#include "model/job.h"
#include "model/pool.h"
#include "sched/place.h"
#include "util/err.h"

#define FGDEXP_MAX_PCT 400    /* arrived % tracked (inflate <= 4) */
#define FGDEXP_MAX_SEEDS 10000

struct fgdexp {
	struct pool pool;         /* GPU nodes UP, others ABSENT */
	struct workload tasks;    /* the original list, in file order */
	uint64_t gpus;            /* GPUs of the GPU nodes */
	enum place_ties ties;     /* how runs break ties (default: as the
				   * paper's simulator, PLACE_TIES_RANK) */
};

struct fgdexp_run {
	uint64_t seed;
	size_t tasks;             /* placed or skipped, after inflation */
	size_t failed;            /* skipped: fitted nowhere */
	uint64_t arrived_milli;   /* at the end */
	uint64_t alloc_milli;
	double alloc_pct[FGDEXP_MAX_PCT + 1]; /* per whole arrived %; NaN: none */
	double unalloc_pct_at_100; /* 100 - alloc_pct[100] */
	double alloc_pct_at_130;
};

/* Reads the node list and the task list (openb CSV, sim/trace.h).  On
 * error x holds nothing and needs no fgdexp_free. */
int fgdexp_load(struct fgdexp *x, const char *nodes_csv, const char *tasks_csv,
		struct err *e);
void fgdexp_free(struct fgdexp *x);

/* One run with policy p and seed; inflate in (0, 4].  Fills out.
 * ERR_INVALID if there are no GPU nodes or inflate is out of range. */
int fgdexp_run(struct fgdexp *x, enum place_policy p, uint64_t seed,
	       double inflate, struct fgdexp_run *out, struct err *e);

/* Parses a seed list: "42", "42-51", "42,43,50-52".  Fills a new array
 * (*seeds, caller frees) of *n seeds; ERR_INVALID (naming the part) for
 * anything else, ERR_LIMIT past FGDEXP_MAX_SEEDS seeds. */
int fgdexp_parse_seeds(const char *s, uint64_t **seeds, size_t *n,
		       struct err *e);

/* Mean and sample standard deviation (n - 1; 0 for n < 2) of v[0..n),
 * skipping NaNs; both NaN if nothing is left. */
void fgdexp_mean_sd(const double *v, size_t n, double *mean, double *sd);

#endif
