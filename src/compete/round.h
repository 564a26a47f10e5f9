/*
 * round.h — one elimination round: composites with bootstrap intervals,
 * P(last), and the decision who goes out.
 *
 * Uncertainty: the caller's raw part scores depend on resampling units
 * in strata (e.g. stratum 0 = panel members, stratum 1 = voters).  Each
 * bootstrap replicate draws, independently in every stratum s, nunits[s]
 * units with replacement (counts[s][i] = times unit i was drawn) and asks
 * the caller for the raw scores under those counts; all teams are scored
 * from the same draw (a joint bootstrap), so per-replicate comparisons
 * between teams are meaningful.  Intervals are percentile intervals
 * (boot_quantile) at cfg->level.
 *
 * P(last): the share of replicates in which the team has the lowest
 * composite among the teams that passed their gates (ties in a
 * replicate are shared equally).
 *
 * Decision: teams failing a gate go out first (all of them, whatever the
 * number of finalists).  Then, while more than cfg->finalists remain, the
 * lowest point estimate L is compared with the next lowest N: they are
 * separable when L scores below N in at least cfg->confidence of the
 * replicates.  If separable, L goes out.  If not, cfg->tie applies:
 *  - ROUND_TIE_KEEP: both stay and elimination stops (more finalists);
 *  - ROUND_TIE_POINT: L goes out on its point estimate anyway;
 *  - ROUND_TIE_PART: the one with the lower normalised score in part
 *    cfg->tie_part goes out (L if equal).
 * The decision text says which rule decided.  Deterministic for a seed.
 */
#ifndef ALLOT_COMPETE_ROUND_H
#define ALLOT_COMPETE_ROUND_H

#include <stddef.h>
#include <stdint.h>

#include "compete/rubric.h"
#include "util/err.h"

#define ROUND_MAX_STRATA 8

enum round_tie { ROUND_TIE_KEEP = 0, ROUND_TIE_POINT = 1, ROUND_TIE_PART = 2 };

/*
 * Fills raw[nparts * nteams] (layout of rubric_composite) for resample
 * counts counts[s][0..nunits[s]) per stratum; counts of all 1 are the
 * data itself.
 */
typedef void (*round_raw)(void *ctx, const uint32_t *const *counts,
			  double *raw);

struct round_cfg {
	int reps;           /* bootstrap replicates, >= 1 (e.g. 2000) */
	double level;       /* interval level, e.g. 0.95 */
	double confidence;  /* separability threshold, e.g. 0.95 */
	uint64_t seed;
	size_t finalists;   /* teams to keep */
	enum round_tie tie;
	size_t tie_part;    /* part index for ROUND_TIE_PART */
};

struct round_team {
	int gate_ok;        /* input: passed every gate */
	double score;       /* composite on the data */
	double lo, hi;      /* bootstrap interval */
	double p_last;      /* NAN for gate failures */
	int out;            /* 1 if eliminated this round */
	int rank;           /* 1 = best point estimate among gate passers */
};

/*
 * Runs the round for nteams teams: t[i].gate_ok must be set by the
 * caller; everything else is filled.  why (whycap bytes) receives the
 * decision in words, one clause per elimination, e.g. "team 2: gate
 * failed; team 0: lowest (P(below team 3) = 0.99)".  names (NULL: "team
 * i") label the teams.  Returns 0 or ERR_INVALID for a bad rubric or
 * configuration.
 */
int round_run(const struct rubric *r, size_t nteams, const char *const *names,
	      size_t nstrata, const size_t *nunits, round_raw f, void *ctx,
	      const struct round_cfg *c, struct round_team *t, char *why,
	      size_t whycap, struct err *e);

#endif
