/*
 * boot.h — the bootstrap: confidence intervals by resampling with
 * replacement (Efron), percentile method, from an explicit seeded stream
 * so that a round's intervals are the same on every re-run.
 *
 * boot_run is generic: a resample is given to the statistic as counts
 * (counts[i] = how many times item i was drawn, summing to n), which lets
 * one routine serve a mean over benchmark items, a panel's mean over
 * evaluators, or a Bradley-Terry fit over voters.
 */
#ifndef ALLOT_COMPETE_BOOT_H
#define ALLOT_COMPETE_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "util/rng.h"

struct boot_ci {
	double est;   /* the statistic on the data itself */
	double lo, hi; /* percentile interval at the requested level */
	double se;    /* standard deviation of the resampled statistics */
	double mean;  /* mean of the resampled statistics */
};

/* The statistic of one resample of n items. */
typedef double (*boot_stat)(void *ctx, const uint32_t *counts, size_t n);

/*
 * Runs reps resamples of n items (reps >= 1, 0 < level < 1, e.g. 0.95).
 * samples, if not NULL, receives the reps resampled statistics in draw
 * order (for P(last)-style comparisons across teams, call with the same
 * seed for each team only if their items are paired; otherwise use one
 * boot_run over a statistic that returns what you need).  Deterministic
 * for a given rng state.
 */
void boot_run(size_t n, int reps, double level, struct rng *r, boot_stat f,
	      void *ctx, struct boot_ci *out, double *samples);
/* Bootstrap of the mean of x[0..n). */
void boot_mean(const double *x, size_t n, int reps, double level,
	       struct rng *r, struct boot_ci *out);
/* The p-quantile (0..1) of v[0..n), sorting v in place; linear
 * interpolation between order statistics (type 7). */
double boot_quantile(double *v, size_t n, double p);

#endif
