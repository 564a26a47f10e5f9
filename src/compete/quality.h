/*
 * quality.h — a toy model of a competing team's model quality as a
 * function of the compute it received, and one evaluation round run on
 * synthetic inputs through the real round code (compete/round.h).
 *
 * Loss (nats per token, lower is better), a scaling law in compute:
 *
 *	L(C) = l_inf + a * (C / c0)^(-alpha) / eff,   C = c_prior + gpu_h
 *
 * C is cumulative B200-equivalent GPU-hours (the team's own prior compute
 * plus what the program gave it), eff > 0 the team's efficiency (data,
 * recipe, people: a multiplier on the reducible loss).  C = 0 gives an
 * infinite loss.  docs/WHATIF.md says where each default comes from.
 *
 * From loss to measurements: a team's latent ability is
 *	theta = (l_ref - L) / l_unit   (logits of benchmark accuracy)
 * and each part of the rubric observes theta with noise:
 *  - benchmarks (national, common, own): per part and round a team offset
 *    N(0, part_sd[k]) (how well this suite suits this model); item i of
 *    difficulty d_i ~ N(0, diff_sd) is answered right with probability
 *    logistic((theta + offset - d_i) / item_temp) (Rasch); item_temp 0
 *    makes it deterministic (right iff theta + offset > d_i).  The raw
 *    score is the share of items right; items are the bootstrap units.
 *  - experts: a team offset N(0, expert_sd); member j scores
 *    5 + expert_gain * (theta + offset) + b_j + e_jt clamped to 0..10,
 *    with leniency b_j ~ N(0, lenient_sd) and e_jt ~ N(0, member_sd).
 *    The raw score is the members' mean; members are the units.
 *  - users: a team offset N(0, user_sd); voters cast votes on pairs of
 *    teams in a balanced round robin (every pair gets the same number
 *    of votes; the remainder of voters x votes_per_voter over the pairs
 *    is not cast); a vote is a tie with probability
 *    tie_p, else a wins with probability logistic(d / vote_temp), d the
 *    difference of the two teams' theta + offset (vote_temp 0: the better
 *    wins, equal ones tie).  The raw score is p / (1 + p) for the team's
 *    Bradley-Terry strength p (compete/bt.h, prior bt_prior, geometric
 *    mean 1, tolerance 1e-7, at most 1,000 steps); voters are the units.
 * So the bootstrap strata are exactly those of a real round: items of
 * each benchmark part, panel members, voters.
 *
 * Everything is pure: randomness comes from the seed argument only.
 */
#ifndef ALLOT_COMPETE_QUALITY_H
#define ALLOT_COMPETE_QUALITY_H

#include <stddef.h>
#include <stdint.h>

#include "compete/round.h"
#include "compete/rubric.h"
#include "util/err.h"
#include "util/rng.h"

#define QUALITY_NBENCH 3        /* national, common, own */
#define QUALITY_MAX_UNITS 100000 /* items, members or voters per stratum */

struct quality_team {
	const char *name;      /* not owned */
	double eff;            /* > 0, 1 = typical */
	double c_prior_gpu_h;  /* >= 0, compute before the program */
	int gate_ok;           /* passes the from-scratch gate */
};

struct quality_model {
	/* the scaling law */
	double l_inf, a, alpha, c0_gpu_h;
	/* loss -> ability */
	double l_ref, l_unit;
	/* benchmarks: items per part, per-part team offset sd, item
	 * difficulty sd, Rasch temperature */
	size_t items[QUALITY_NBENCH];
	double part_sd[QUALITY_NBENCH];
	double diff_sd, item_temp;
	/* experts */
	size_t panel;
	double expert_gain, expert_sd, lenient_sd, member_sd;
	/* users */
	size_t voters, votes_per_voter;
	double user_sd, tie_p, vote_temp, bt_prior;
};

/* The documented defaults (docs/WHATIF.md). */
void quality_defaults(struct quality_model *m);
/* Checks every field (finite, in range); ERR_INVALID naming the field. */
int quality_check(const struct quality_model *m, struct err *e);
/* The loss of team t after gpu_h program GPU-hours (formula above);
 * NAN if gpu_h or the team's fields are out of range (negative, NaN,
 * eff <= 0). */
double quality_loss(const struct quality_model *m, const struct quality_team *t,
		    double gpu_h);
/* The latent ability theta of a loss (formula above). */
double quality_theta(const struct quality_model *m, double loss);

/*
 * One evaluation round run with the real round code: synthesises per-unit
 * raw inputs from the teams' true losses at gpu_h[i] (model above) with an
 * rng seeded by seed, then calls round_run(r, ..., cfg) on the active
 * teams (active NULL: all).  r must have the five parts of
 * quality_korea_rubric in that order (benchmarks national, common, own;
 * experts; users).  out[0..nteams) is filled as round_run does, gate_ok
 * from teams[i].gate_ok; inactive teams get out 0, rank 0 and NAN scores.
 * cfg->finalists counts active teams.  why as in round_run.
 * Returns 0; ERR_INVALID naming the field for nteams 0, no active team,
 * a negative or non-finite gpu_h[i], a bad team (eff <= 0, negative
 * prior), a bad model or rubric, or what round_run refuses.
 */
int quality_round(const struct quality_model *m, const struct rubric *r,
		  size_t nteams, const struct quality_team *teams,
		  const double *gpu_h, const int *active,
		  const struct round_cfg *cfg, uint64_t seed,
		  struct round_team *out, char *why, size_t whycap,
		  struct err *e);

/* The default 40/35/25 rubric of DESIGN.md §5 as static data: parts
 * bench.national 10, bench.common 20, bench.own 10 (accuracy, FIXED
 * 0..1), experts 35 (panel mean, FIXED 0..10), users 25 (p / (1 + p),
 * FIXED 0..1). */
const struct rubric *quality_korea_rubric(void);

/* A standard normal draw (Box-Muller, one per call). */
double quality_normal(struct rng *g);

#endif
