/*
 * prio.h — multifactor job priority, in the manner of Slurm's
 * priority/multifactor, with a per-job breakdown like `sprio`.
 *
 *	priority = w_fairshare * fairshare   (Fair Tree factor, 0..1)
 *	         + w_age       * age         (min(wait / max_age, 1))
 *	         + w_size      * size        (job GPUs / pool GPUs, 0..1)
 *	         + w_class     * class       (per-class factor, 0..1)
 *
 * Each factor is in [0, 1], so a weight is the most points that factor can
 * give.  Ties are broken by submit time, then job id, so the order is total
 * and deterministic.
 */
#ifndef ALLOT_SCHED_PRIO_H
#define ALLOT_SCHED_PRIO_H

#include <stdint.h>

#include "model/job.h"

struct prio_weights {
	double fairshare;              /* default 10000 */
	double age;                    /* default 1000 */
	double size;                   /* default 1000 */
	double class_w;                /* default 1000 */
	int64_t max_age_s;             /* age factor saturates; default 7 days */
	double class_factor[CLASS_NCLASSES]; /* 0..1 each */
};

struct prio_parts {
	double fairshare, age, size, class_p; /* weighted contributions */
	double total;
};

/* Fills w with the defaults above (classes: inference 1.0, eval 0.8,
 * finetune 0.6, training 0.5, simulation 0.4). */
void prio_defaults(struct prio_weights *w);
/* Computes j's priority at time now, given its tenant's fair-share factor
 * and the pool's GPU count (for the size factor). */
void prio_compute(const struct prio_weights *w, const struct job *j,
		  double fs_factor, int64_t now, uint64_t pool_gpus,
		  struct prio_parts *out);
/* Order for sorting: higher priority first, then earlier submit, then
 * lower id.  Returns <0, 0, >0 like strcmp. */
int prio_cmp(double pa, const struct job *a, double pb, const struct job *b);

#endif
