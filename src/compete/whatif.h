/*
 * whatif.h — compare allocation policies of a compute competition over
 * many seeds, on the quality model of compete/quality.h.
 *
 * The programme: nteams teams enter at the start; phase p (0..nrounds)
 * lasts phase_h hours with gpus[p] B200-equivalent GPUs used at util;
 * round r (0..nrounds-1) comes at the end of phase r and evaluates the
 * active teams with quality_round on their cumulative GPU-hours; after
 * round r, wildcards[r] new teams enter.  After the last round comes one
 * more phase (the finalists train on); the finalists are the teams still
 * active at the end.
 *
 * Policies:
 *  - WHATIF_ELIM_6M: equal shares among active teams; round r keeps
 *    keep[r] (the lowest out, by round_run's decision); freed GPUs go to
 *    the survivors equally (the real rule of DESIGN.md §1);
 *  - WHATIF_NO_ELIM: equal shares among all teams that have entered;
 *    nobody is eliminated on score;
 *  - WHATIF_SUCC_HALVING: equal shares; round r keeps
 *    max(keep[nrounds-1], ceil(active / 2));
 *  - WHATIF_PROPORTIONAL: nobody eliminated on score; phase r+1's shares
 *    are proportional to round r's composite scores (teams entering after
 *    round r get an equal 1/n share first, the rest is split by score).
 * In every policy a team that fails the from-scratch gate is out at its
 * first round (gates are drawn once per seed, with p_gate_fail).
 *
 * Per seed (common random numbers: the same teams and the same round
 * seeds for every policy): team efficiencies are lognormal(0, eff_sd).
 * The truly best team is the team (among all that ever enter, wildcards
 * included) with the lowest quality_loss at c_eq, the GPU-hours each team
 * would get if the whole programme's GPU-hours were split equally among
 * all teams that ever enter (ties: the lowest index).  Recorded:
 * whether it is a finalist, the share (%) of all GPU-hours given to teams
 * that were later eliminated (gate failures included), and the best
 * final quality, the lowest loss among the finalists at the end.
 *
 * Over seeds: P(best finalist) with a Wilson 95 % interval; the two means
 * with a 95 % percentile-bootstrap interval over seeds (2,000 resamples
 * of the seeds, boot_mean).  Pure: no I/O, no clock; the same setup gives
 * the same numbers bit for bit.
 */
#ifndef ALLOT_COMPETE_WHATIF_H
#define ALLOT_COMPETE_WHATIF_H

#include <stddef.h>
#include <stdint.h>

#include "compete/quality.h"
#include "compete/round.h"
#include "util/err.h"

#define WHATIF_MAX_ROUNDS 8
#define WHATIF_MAX_TEAMS 32
#define WHATIF_MAX_SEEDS 1000000

enum whatif_policy {
	WHATIF_ELIM_6M = 0,
	WHATIF_NO_ELIM,
	WHATIF_SUCC_HALVING,
	WHATIF_PROPORTIONAL,
	WHATIF_NPOLICIES
};

struct whatif_setup {
	const char *scenario;       /* a label (not owned) */
	size_t nteams;              /* at the start, >= 1 */
	size_t nrounds;             /* 1..WHATIF_MAX_ROUNDS */
	size_t keep[WHATIF_MAX_ROUNDS];      /* ELIM_6M: active after round r */
	size_t wildcards[WHATIF_MAX_ROUNDS]; /* entrants after round r */
	double gpus[WHATIF_MAX_ROUNDS + 1];  /* per phase, B200-equivalent */
	double phase_h;             /* hours per phase */
	double util;                /* share of GPU-hours used, (0, 1] */
	double eff_sd;              /* lognormal sigma of eff, >= 0 */
	double c_prior_gpu_h;       /* every team's prior compute */
	double p_gate_fail;         /* per team, [0, 1] */
	int reps;                   /* bootstrap replicates per round */
	double confidence;          /* round separability threshold */
	enum round_tie tie;         /* round tie rule */
	size_t seeds;               /* 1..WHATIF_MAX_SEEDS */
	uint64_t seed;
	struct quality_model model;
};

/* One seed under one policy. */
struct whatif_seed {
	int best_finalist;    /* 1 if the truly best team is a finalist */
	size_t best;          /* the truly best team's index */
	size_t nfinal;        /* finalists */
	double gpu_h_total;   /* GPU-hours given out */
	double gpu_h_elim;    /* of which to teams later eliminated */
	double elim_pct;      /* 100 * gpu_h_elim / gpu_h_total */
	double best_loss;     /* lowest final loss among finalists; NAN if none */
};

struct whatif_stat {
	double mean, lo, hi;  /* lo, hi: the 95 % interval */
};

struct whatif_result {
	enum whatif_policy policy;
	size_t n;                        /* seeds */
	size_t n_best;                   /* seeds with the best a finalist */
	struct whatif_stat p_best;       /* Wilson */
	struct whatif_stat elim_pct;     /* bootstrap over seeds */
	struct whatif_stat best_loss;    /* bootstrap over seeds (seeds with
					  * finalists only) */
};

/* The korea-2026 set-up (docs/WHATIF.md): 5 teams, keep 3, 3, 2, one
 * wildcard after round 1, 2,560 B200-equivalent GPUs in each of 4
 * phases of 4,380 h at 0.8, eff_sd 0.15, prior 1e6 GPU-h, no gate
 * failures, 20 replicates, confidence 0.95, tie rule point estimate,
 * 1,000 seeds from seed 1, quality_defaults. */
void whatif_defaults(struct whatif_setup *s);
/* ERR_INVALID naming the field: counts out of range, keep counts that
 * are 0, increase from round to round (beyond the wildcards added) or
 * exceed the teams present, GPUs or hours negative or non-finite, a bad
 * model (quality_check). */
int whatif_check(const struct whatif_setup *s, struct err *e);
/* The policy's name ("elim-6m", "no-elim", "succ-halving",
 * "proportional"). */
const char *whatif_policy_name(enum whatif_policy p);
/* Runs seed number k (0-based) under policy p into *out. */
int whatif_run_seed(const struct whatif_setup *s, enum whatif_policy p,
		    size_t k, struct whatif_seed *out, struct err *e);
/* Runs s->seeds seeds under every policy; res[WHATIF_NPOLICIES]. */
int whatif_run(const struct whatif_setup *s, struct whatif_result *res,
	       struct err *e);
/* The Wilson score interval for k successes in n > 0 trials at normal
 * quantile z (1.959964 for 95 %). */
void whatif_wilson(size_t k, size_t n, double z, double *lo, double *hi);

#endif
