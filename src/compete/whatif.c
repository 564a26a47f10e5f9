/*
 * whatif.c — the policy comparison of whatif.h: one seed is one
 * programme (teams, phases, rounds) under one policy; whatif_run repeats
 * it over seeds and summarises.
 *
 * Common random numbers: seed number k gives one stream for the teams
 * (efficiency, gate) and one seed per round, the same under every
 * policy, so policy differences are not drowned in draw-to-draw noise.
 * Team i's measurement noise in a round depends only on (round seed, i)
 * (quality.c), whatever the other teams.
 *
 * Memory: per seed, a few arrays of at most WHATIF_MAX_TEAMS on the
 * stack; per run, three arrays of s->seeds doubles on the heap.
 */
#include "compete/whatif.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compete/boot.h"
#include "util/alloc.h"
#include "util/rng.h"

#define WHATIF_BOOT_REPS 2000

static const char *const policy_names[WHATIF_NPOLICIES] = {
	"elim-6m", "no-elim", "succ-halving", "proportional",
};

const char *
whatif_policy_name(enum whatif_policy p)
{
	if (p < 0 || p >= WHATIF_NPOLICIES)
		return "?";
	return policy_names[p];
}

void
whatif_defaults(struct whatif_setup *s)
{
	memset(s, 0, sizeof *s);
	s->scenario = "korea-2026";
	s->nteams = 5;
	s->nrounds = 3;
	s->keep[0] = 3;
	s->keep[1] = 3;
	s->keep[2] = 2;
	s->wildcards[0] = 1;
	for (size_t p = 0; p <= s->nrounds; p++)
		s->gpus[p] = 2560;
	s->phase_h = 4380;
	s->util = 0.8;
	s->eff_sd = 0.15;
	s->c_prior_gpu_h = 1e6;
	s->p_gate_fail = 0;
	s->reps = 20;
	s->confidence = 0.95;
	s->tie = ROUND_TIE_POINT;
	s->seeds = 1000;
	s->seed = 1;
	quality_defaults(&s->model);
}

static size_t
total_teams(const struct whatif_setup *s)
{
	size_t n = s->nteams;

	for (size_t r = 0; r < s->nrounds; r++)
		n += s->wildcards[r];
	return n;
}

int
whatif_check(const struct whatif_setup *s, struct err *e)
{
	size_t present;
	int rc;

	if (s->nteams < 1 || s->nteams > WHATIF_MAX_TEAMS)
		return err_set(e, ERR_INVALID, "whatif: nteams: expected "
			       "1..%d, got %zu", WHATIF_MAX_TEAMS, s->nteams);
	if (s->nrounds < 1 || s->nrounds > WHATIF_MAX_ROUNDS)
		return err_set(e, ERR_INVALID, "whatif: nrounds: expected "
			       "1..%d, got %zu", WHATIF_MAX_ROUNDS, s->nrounds);
	present = s->nteams;
	for (size_t r = 0; r < s->nrounds; r++) {
		if (s->wildcards[r] > WHATIF_MAX_TEAMS)
			return err_set(e, ERR_INVALID, "whatif: wildcards[%zu]: "
				       "expected 0..%d, got %zu", r,
				       WHATIF_MAX_TEAMS, s->wildcards[r]);
		if (s->keep[r] < 1 || s->keep[r] > present)
			return err_set(e, ERR_INVALID, "whatif: keep[%zu]: "
				       "expected 1..%zu (the teams present at "
				       "round %zu), got %zu", r, present, r,
				       s->keep[r]);
		present = s->keep[r] + s->wildcards[r];
	}
	if (total_teams(s) > WHATIF_MAX_TEAMS)
		return err_set(e, ERR_INVALID, "whatif: wildcards: expected at "
			       "most %d teams in all, got %zu",
			       WHATIF_MAX_TEAMS, total_teams(s));
	for (size_t p = 0; p <= s->nrounds; p++)
		if (!(s->gpus[p] >= 0) || isinf(s->gpus[p]))
			return err_set(e, ERR_INVALID, "whatif: gpus[%zu]: "
				       "expected a finite number >= 0, got %g",
				       p, s->gpus[p]);
	if (!(s->phase_h > 0) || isinf(s->phase_h))
		return err_set(e, ERR_INVALID, "whatif: phase_h: expected a "
			       "finite number > 0, got %g", s->phase_h);
	if (!(s->util > 0 && s->util <= 1))
		return err_set(e, ERR_INVALID, "whatif: util: expected a "
			       "number in (0, 1], got %g", s->util);
	if (!(s->eff_sd >= 0 && s->eff_sd <= 5))
		return err_set(e, ERR_INVALID, "whatif: eff_sd: expected a "
			       "number in [0, 5], got %g", s->eff_sd);
	if (!(s->c_prior_gpu_h >= 0) || isinf(s->c_prior_gpu_h))
		return err_set(e, ERR_INVALID, "whatif: c_prior_gpu_h: "
			       "expected a finite number >= 0, got %g",
			       s->c_prior_gpu_h);
	if (!(s->p_gate_fail >= 0 && s->p_gate_fail <= 1))
		return err_set(e, ERR_INVALID, "whatif: p_gate_fail: expected "
			       "a probability 0..1, got %g", s->p_gate_fail);
	if (s->reps < 1 || s->reps > 100000)
		return err_set(e, ERR_INVALID, "whatif: reps: expected "
			       "1..100000, got %d", s->reps);
	if (!(s->confidence > 0 && s->confidence <= 1))
		return err_set(e, ERR_INVALID, "whatif: confidence: expected "
			       "a number in (0, 1], got %g", s->confidence);
	if (s->tie < ROUND_TIE_KEEP || s->tie > ROUND_TIE_PART)
		return err_set(e, ERR_INVALID, "whatif: tie: unknown tie rule "
			       "%d", (int)s->tie);
	if (s->seeds < 1 || s->seeds > WHATIF_MAX_SEEDS)
		return err_set(e, ERR_INVALID, "whatif: seeds: expected "
			       "1..%d, got %zu", WHATIF_MAX_SEEDS, s->seeds);
	if ((rc = quality_check(&s->model, e)) < 0) {
		err_prefix(e, "whatif: model");
		return rc;
	}
	return 0;
}

/* splitmix64 of a combined with b: independent-looking seeds. */
static uint64_t
mix(uint64_t a, uint64_t b)
{
	uint64_t z = a + 0x9E3779B97F4A7C15ULL * (b + 1);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static double
phase_gpu_h(const struct whatif_setup *s, size_t p)
{
	return s->gpus[p] * s->phase_h * s->util;
}

/* Shares for phase p (sum 1 over active teams; 0 if nobody is active). */
static void
shares(enum whatif_policy pol, size_t p,
       size_t n, const int *active, const int *scored, const double *score,
       double *sh)
{
	size_t na = 0, nnew = 0;
	double tot = 0;

	for (size_t i = 0; i < n; i++) {
		sh[i] = 0;
		if (!active[i])
			continue;
		na++;
		if (scored[i])
			tot += score[i];
		else
			nnew++;
	}
	if (na == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		if (!active[i])
			continue;
		if (pol != WHATIF_PROPORTIONAL || p == 0 || !scored[i] ||
		    !(tot > 0))
			sh[i] = 1.0 / (double)na;
		else
			sh[i] = (1 - (double)nnew / (double)na) * score[i] /
			    tot;
	}
	/* proportional with no positive score among the scored: equal */
}

int
whatif_run_seed(const struct whatif_setup *s, enum whatif_policy pol,
		size_t k, struct whatif_seed *out, struct err *e)
{
	struct quality_team tm[WHATIF_MAX_TEAMS];
	struct round_team rt[WHATIF_MAX_TEAMS];
	double gpu_h[WHATIF_MAX_TEAMS], sh[WHATIF_MAX_TEAMS];
	double score[WHATIF_MAX_TEAMS], c_eq, best_l, tot = 0;
	int active[WHATIF_MAX_TEAMS], elim[WHATIF_MAX_TEAMS];
	int scored[WHATIF_MAX_TEAMS];
	size_t n = total_teams(s), entered = s->nteams;
	uint64_t base = mix(s->seed, k);
	struct round_cfg cfg;
	struct rng g;
	int rc;

	if ((rc = whatif_check(s, e)) < 0)
		return rc;
	if (pol < 0 || pol >= WHATIF_NPOLICIES)
		return err_set(e, ERR_INVALID, "whatif: policy: unknown "
			       "policy %d", (int)pol);
	memset(out, 0, sizeof *out);
	rng_seed(&g, base);
	for (size_t i = 0; i < n; i++) {
		double z = quality_normal(&g), u = rng_double(&g);

		tm[i].name = NULL;
		tm[i].eff = exp(s->eff_sd * z);
		tm[i].c_prior_gpu_h = s->c_prior_gpu_h;
		tm[i].gate_ok = !(u < s->p_gate_fail);
		active[i] = i < s->nteams;
		elim[i] = 0;
		scored[i] = 0;
		score[i] = 0;
		gpu_h[i] = 0;
	}

	/* the truly best team */
	c_eq = 0;
	for (size_t p = 0; p <= s->nrounds; p++)
		c_eq += phase_gpu_h(s, p);
	c_eq /= (double)n;
	out->best = 0;
	best_l = INFINITY;
	for (size_t i = 0; i < n; i++) {
		double l = quality_loss(&s->model, &tm[i], c_eq);

		if (l < best_l) {
			best_l = l;
			out->best = i;
		}
	}

	cfg.reps = s->reps;
	cfg.level = 0.95;
	cfg.confidence = s->confidence;
	cfg.tie = s->tie;
	cfg.tie_part = 0;
	for (size_t p = 0; p <= s->nrounds; p++) {
		size_t na = 0, target, r = p;

		shares(pol, p, n, active, scored, score, sh);
		for (size_t i = 0; i < n; i++) {
			gpu_h[i] += sh[i] * phase_gpu_h(s, p);
			tot += sh[i] * phase_gpu_h(s, p);
		}
		if (p == s->nrounds)
			break;
		for (size_t i = 0; i < n; i++)
			na += active[i] != 0;
		switch (pol) {
		case WHATIF_ELIM_6M:
			target = s->keep[r];
			break;
		case WHATIF_SUCC_HALVING:
			target = (na + 1) / 2;
			if (target < s->keep[s->nrounds - 1])
				target = s->keep[s->nrounds - 1];
			break;
		default:
			target = na;
			break;
		}
		if (na > 0 && (pol == WHATIF_PROPORTIONAL || target < na)) {
			cfg.seed = mix(base, 1000 + r);
			cfg.finalists = target;
			rc = quality_round(&s->model, quality_korea_rubric(), n,
			    tm, gpu_h, active, &cfg, mix(base, r + 1), rt,
			    NULL, 0, e);
			if (rc < 0)
				return rc;
			for (size_t i = 0; i < n; i++) {
				if (!active[i])
					continue;
				scored[i] = 1;
				score[i] = rt[i].score;
				if (rt[i].out) {
					active[i] = 0;
					elim[i] = 1;
				}
			}
		} else {
			for (size_t i = 0; i < n; i++)
				if (active[i] && !tm[i].gate_ok) {
					active[i] = 0;
					elim[i] = 1;
				}
		}
		for (size_t w = 0; w < s->wildcards[r]; w++)
			active[entered++] = 1;
	}

	out->gpu_h_total = tot;
	out->best_loss = NAN;
	for (size_t i = 0; i < n; i++) {
		if (elim[i])
			out->gpu_h_elim += gpu_h[i];
		if (active[i]) {
			double l = quality_loss(&s->model, &tm[i], gpu_h[i]);

			out->nfinal++;
			if (isnan(out->best_loss) || l < out->best_loss)
				out->best_loss = l;
		}
	}
	out->best_finalist = n > 0 && active[out->best] != 0;
	out->elim_pct = tot > 0 ? 100 * out->gpu_h_elim / tot : 0;
	return 0;
}

void
whatif_wilson(size_t k, size_t n, double z, double *lo, double *hi)
{
	double p = (double)k / (double)n, z2 = z * z, nn = (double)n;
	double den = 1 + z2 / nn;
	double c = (p + z2 / (2 * nn)) / den;
	double h = z * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / den;

	*lo = c - h < 0 ? 0 : c - h;
	*hi = c + h > 1 ? 1 : c + h;
}

static void
mean_ci(const double *x, size_t n, uint64_t seed, struct whatif_stat *st)
{
	struct boot_ci ci;
	struct rng g;

	if (n == 0) {
		st->mean = st->lo = st->hi = NAN;
		return;
	}
	rng_seed(&g, seed);
	boot_mean(x, n, WHATIF_BOOT_REPS, 0.95, &g, &ci);
	st->mean = ci.est;
	st->lo = ci.lo;
	st->hi = ci.hi;
}

int
whatif_run(const struct whatif_setup *s, struct whatif_result *res,
	   struct err *e)
{
	double *pct, *loss;
	int rc = 0;

	if ((rc = whatif_check(s, e)) < 0)
		return rc;
	pct = xmalloc(s->seeds * sizeof *pct);
	loss = xmalloc(s->seeds * sizeof *loss);
	for (int p = 0; p < WHATIF_NPOLICIES; p++) {
		struct whatif_result *r = &res[p];
		size_t nl = 0;

		memset(r, 0, sizeof *r);
		r->policy = (enum whatif_policy)p;
		r->n = s->seeds;
		for (size_t k = 0; k < s->seeds; k++) {
			struct whatif_seed o;

			if ((rc = whatif_run_seed(s, (enum whatif_policy)p, k,
			    &o, e)) < 0) {
				char pre[64];

				snprintf(pre, sizeof pre, "seed %zu", k);
				err_prefix(e, pre);
				goto out;
			}
			r->n_best += (size_t)o.best_finalist;
			pct[k] = o.elim_pct;
			if (!isnan(o.best_loss))
				loss[nl++] = o.best_loss;
		}
		r->p_best.mean = (double)r->n_best / (double)r->n;
		whatif_wilson(r->n_best, r->n, 1.959963984540054,
		    &r->p_best.lo, &r->p_best.hi);
		mean_ci(pct, s->seeds, mix(s->seed, 2000000 + (uint64_t)p),
		    &r->elim_pct);
		mean_ci(loss, nl, mix(s->seed, 3000000 + (uint64_t)p),
		    &r->best_loss);
	}
out:
	free(pct);
	free(loss);
	return rc;
}
