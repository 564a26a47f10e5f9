/*
 * rubric.h — a competition rubric: weighted parts, each with a
 * normalisation to 0..1, and a composite score per team.
 *
 * A part is one scored quantity (e.g. "bench.national" weight 10,
 * "bench.common" 20, "bench.own" 10, "experts" 35, "users" 25); group
 * names the component it belongs to, for reports only.  The composite of
 * a team is sum_k weight_k * norm_k(raw_k) / sum_k weight_k * 100, so it
 * lies in 0..100 whatever the weights add up to.
 *
 * Normalisations:
 *  - RUBRIC_FIXED: (x - lo) / (hi - lo), clamped to 0..1 (a fixed scale,
 *    e.g. accuracy 0.25..1 for a 4-way multiple choice suite);
 *  - RUBRIC_MINMAX: (x - min) / (max - min) over the teams scored in
 *    this call (best 1, worst 0); when all teams are equal, all get 1.
 * A missing raw score (NaN) normalises to 0, the worst.
 */
#ifndef ALLOT_COMPETE_RUBRIC_H
#define ALLOT_COMPETE_RUBRIC_H

#include <stddef.h>

#include "util/err.h"

enum rubric_norm { RUBRIC_FIXED = 0, RUBRIC_MINMAX = 1 };

struct rubric_part {
	const char *name;   /* e.g. "bench.common" (not owned) */
	const char *group;  /* e.g. "benchmarks" (not owned) */
	double weight;      /* > 0 */
	enum rubric_norm norm;
	double lo, hi;      /* RUBRIC_FIXED scale, lo < hi */
};

struct rubric {
	const struct rubric_part *parts; /* not owned */
	size_t nparts;
};

/* Checks weights (> 0, finite) and fixed scales (lo < hi); ERR_INVALID
 * naming the part otherwise. */
int rubric_check(const struct rubric *r, struct err *e);
/* Normalises raw[0..nteams) of one part into out[0..nteams). */
void rubric_normalise(const struct rubric_part *p, size_t nteams,
		      const double *raw, double *out);
/*
 * Composite scores: raw holds nparts rows of nteams raw scores (part k,
 * team t at raw[k * nteams + t]); comp[0..nteams) receives the
 * composites; norm, if not NULL, receives the normalised scores in the
 * same layout as raw.  active, if not NULL, limits the teams taking part
 * in MINMAX ranges to those with active[t] != 0 (others still get a
 * composite on that range, clamped to 0..1).
 */
void rubric_composite(const struct rubric *r, size_t nteams,
		      const double *raw, const int *active, double *comp,
		      double *norm);

#endif
