/*
 * quality.c — the scaling-law quality model and a synthetic evaluation
 * round through round_run (see quality.h for the model).
 *
 * quality_round draws every unit-level input once (benchmark answers,
 * panel scores, votes), then hands round_run a callback that recomputes
 * the five raw part scores from resample counts: accuracies and panel
 * means as count-weighted sums, the users' part as a Bradley-Terry fit on
 * games aggregated per (pair, outcome) with weights summed over the
 * resampled voters.  Only the active teams take part (compacted to
 * 0..n-1 for round_run, expanded back into out).
 *
 * Randomness: team-level draws (offsets, answers, panel noise) come from
 * a stream seeded by (seed, the team's index in the caller's array), so a
 * team's measurement noise in a round does not depend on which other
 * teams are still in; item difficulties and leniencies from (seed, a
 * constant); votes from (seed, another constant).  All memory is
 * allocated and freed inside quality_round.
 */
#include "compete/quality.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compete/bt.h"
#include "util/alloc.h"

enum { S_NAT, S_COM, S_OWN, S_PANEL, S_VOTERS, S_N };

#define QUALITY_PI 3.14159265358979323846

static const struct rubric_part korea_parts[] = {
	{ "bench.national", "benchmarks", 10, RUBRIC_FIXED, 0, 1 },
	{ "bench.common", "benchmarks", 20, RUBRIC_FIXED, 0, 1 },
	{ "bench.own", "benchmarks", 10, RUBRIC_FIXED, 0, 1 },
	{ "experts", "experts", 35, RUBRIC_FIXED, 0, 10 },
	{ "users", "users", 25, RUBRIC_FIXED, 0, 1 },
};
static const struct rubric korea_rubric = { korea_parts, 5 };

const struct rubric *
quality_korea_rubric(void)
{
	return &korea_rubric;
}

void
quality_defaults(struct quality_model *m)
{
	memset(m, 0, sizeof *m);
	m->l_inf = 1.69;        /* Chinchilla's irreducible E */
	m->a = 0.21;            /* reducible loss at c0 for eff 1 */
	m->alpha = 0.10;
	m->c0_gpu_h = 1e6;
	m->l_ref = 1.90;        /* l_inf + a: eff 1 at c0 has theta 0 */
	m->l_unit = 0.10;       /* 0.1 nats of loss = 1 logit of accuracy */
	m->items[0] = 100;
	m->items[1] = 200;
	m->items[2] = 100;
	m->part_sd[0] = 0.15;
	m->part_sd[1] = 0.15;
	m->part_sd[2] = 0.30;   /* own suites: chosen to flatter */
	m->diff_sd = 1.0;
	m->item_temp = 1.0;
	m->panel = 10;
	m->expert_gain = 2.0;
	m->expert_sd = 0.15;
	m->lenient_sd = 0.5;
	m->member_sd = 1.0;
	m->voters = 200;
	m->votes_per_voter = 5;
	m->user_sd = 0.15;
	m->tie_p = 0.10;
	m->vote_temp = 1.0;
	m->bt_prior = 0.5;
}

static int
bad(struct err *e, const char *field, const char *want, double v)
{
	return err_set(e, ERR_INVALID, "quality: %s: expected %s, got %g",
		       field, want, v);
}

int
quality_check(const struct quality_model *m, struct err *e)
{
	static const char *const itn[] = { "items[0]", "items[1]", "items[2]" };
	static const char *const sdn[] = { "part_sd[0]", "part_sd[1]",
					   "part_sd[2]" };

	if (!(isfinite(m->l_inf) && m->l_inf >= 0))
		return bad(e, "l_inf", "a finite number >= 0", m->l_inf);
	if (!(isfinite(m->a) && m->a > 0))
		return bad(e, "a", "a finite number > 0", m->a);
	if (!(m->alpha > 0 && m->alpha <= 2))
		return bad(e, "alpha", "a number in (0, 2]", m->alpha);
	if (!(isfinite(m->c0_gpu_h) && m->c0_gpu_h > 0))
		return bad(e, "c0_gpu_h", "a finite number > 0", m->c0_gpu_h);
	if (!isfinite(m->l_ref))
		return bad(e, "l_ref", "a finite number", m->l_ref);
	if (!(isfinite(m->l_unit) && m->l_unit > 0))
		return bad(e, "l_unit", "a finite number > 0", m->l_unit);
	for (int k = 0; k < QUALITY_NBENCH; k++) {
		if (m->items[k] < 1 || m->items[k] > QUALITY_MAX_UNITS)
			return bad(e, itn[k], "a count 1..100000",
				   (double)m->items[k]);
		if (!(isfinite(m->part_sd[k]) && m->part_sd[k] >= 0))
			return bad(e, sdn[k], "a finite number >= 0",
				   m->part_sd[k]);
	}
	if (m->panel < 1 || m->panel > QUALITY_MAX_UNITS)
		return bad(e, "panel", "a count 1..100000", (double)m->panel);
	if (m->voters < 1 || m->voters > QUALITY_MAX_UNITS)
		return bad(e, "voters", "a count 1..100000", (double)m->voters);
	if (m->votes_per_voter < 1 || m->votes_per_voter > 1000)
		return bad(e, "votes_per_voter", "a count 1..1000",
			   (double)m->votes_per_voter);
	if (!(isfinite(m->diff_sd) && m->diff_sd >= 0))
		return bad(e, "diff_sd", "a finite number >= 0", m->diff_sd);
	if (!(isfinite(m->item_temp) && m->item_temp >= 0))
		return bad(e, "item_temp", "a finite number >= 0", m->item_temp);
	if (!(isfinite(m->expert_gain) && m->expert_gain > 0))
		return bad(e, "expert_gain", "a finite number > 0",
			   m->expert_gain);
	if (!(isfinite(m->expert_sd) && m->expert_sd >= 0))
		return bad(e, "expert_sd", "a finite number >= 0", m->expert_sd);
	if (!(isfinite(m->lenient_sd) && m->lenient_sd >= 0))
		return bad(e, "lenient_sd", "a finite number >= 0",
			   m->lenient_sd);
	if (!(isfinite(m->member_sd) && m->member_sd >= 0))
		return bad(e, "member_sd", "a finite number >= 0", m->member_sd);
	if (!(isfinite(m->user_sd) && m->user_sd >= 0))
		return bad(e, "user_sd", "a finite number >= 0", m->user_sd);
	if (!(m->tie_p >= 0 && m->tie_p < 1))
		return bad(e, "tie_p", "a probability in [0, 1)", m->tie_p);
	if (!(isfinite(m->vote_temp) && m->vote_temp >= 0))
		return bad(e, "vote_temp", "a finite number >= 0", m->vote_temp);
	if (!(isfinite(m->bt_prior) && m->bt_prior > 0))
		return bad(e, "bt_prior", "a finite number > 0", m->bt_prior);
	return 0;
}

double
quality_loss(const struct quality_model *m, const struct quality_team *t,
	     double gpu_h)
{
	double c;

	if (!(gpu_h >= 0) || !(t->eff > 0) || !(t->c_prior_gpu_h >= 0) ||
	    isinf(gpu_h) || isinf(t->c_prior_gpu_h))
		return NAN;
	c = t->c_prior_gpu_h + gpu_h;
	if (c <= 0)
		return INFINITY;
	return m->l_inf + m->a * pow(c / m->c0_gpu_h, -m->alpha) / t->eff;
}

double
quality_theta(const struct quality_model *m, double loss)
{
	return (m->l_ref - loss) / m->l_unit;
}

double
quality_normal(struct rng *g)
{
	double u = rng_double(g), v = rng_double(g);

	/* 1 - u is in (0, 1], so the log is finite */
	return sqrt(-2 * log(1 - u)) * cos(2 * QUALITY_PI * v);
}

static double
logistic(double x)
{
	return 1 / (1 + exp(-x));
}

/* A seed for stream `what` of round seed s. */
static uint64_t
subseed(uint64_t s, uint64_t what)
{
	return s ^ (0x9E3779B97F4A7C15ULL * (what + 1));
}

struct qctx {
	size_t n;                       /* active teams */
	size_t nitems[QUALITY_NBENCH];
	unsigned char *right[QUALITY_NBENCH]; /* [t * nitems + i] */
	size_t panel;
	double *pscore;                 /* [t * panel + j] */
	size_t nvotes;
	uint32_t *vvoter, *vgame;       /* per vote */
	size_t ngames;
	struct bt_game *games;
	double *p;
	struct bt_opts bo;
};

static void
raw_cb(void *vctx, const uint32_t *const *counts, double *raw)
{
	struct qctx *c = vctx;
	size_t n = c->n;

	for (int k = 0; k < QUALITY_NBENCH; k++) {
		const uint32_t *cnt = counts[k];
		size_t ni = c->nitems[k];

		for (size_t t = 0; t < n; t++) {
			const unsigned char *rt = c->right[k] + t * ni;
			uint64_t s = 0;

			for (size_t i = 0; i < ni; i++)
				s += (uint64_t)cnt[i] * rt[i];
			raw[(size_t)k * n + t] = (double)s / (double)ni;
		}
	}
	for (size_t t = 0; t < n; t++) {
		const double *ps = c->pscore + t * c->panel;
		double s = 0;

		for (size_t j = 0; j < c->panel; j++)
			s += counts[S_PANEL][j] * ps[j];
		raw[(size_t)S_PANEL * n + t] = s / (double)c->panel;
	}
	for (size_t g = 0; g < c->ngames; g++)
		c->games[g].weight = 0;
	for (size_t v = 0; v < c->nvotes; v++)
		c->games[c->vgame[v]].weight += counts[S_VOTERS][c->vvoter[v]];
	if (bt_fit(n, c->games, c->ngames, &c->bo, c->p, NULL, NULL) < 0)
		for (size_t t = 0; t < n; t++)
			c->p[t] = NAN;  /* cannot happen with prior > 0 */
	for (size_t t = 0; t < n; t++)
		raw[(size_t)S_VOTERS * n + t] = c->p[t] / (1 + c->p[t]);
}

static int
check_inputs(const struct quality_model *m, const struct rubric *r,
	     size_t nteams, const struct quality_team *teams,
	     const double *gpu_h, const int *active, size_t *nact,
	     struct err *e)
{
	int rc;

	if ((rc = quality_check(m, e)) < 0)
		return rc;
	if ((rc = rubric_check(r, e)) < 0)
		return rc;
	if (r->nparts != S_N)
		return err_set(e, ERR_INVALID, "quality: rubric: expected the "
			       "5 parts of quality_korea_rubric, got %zu",
			       r->nparts);
	if (nteams == 0)
		return err_set(e, ERR_INVALID, "quality: nteams: expected at "
			       "least 1 team, got 0");
	*nact = 0;
	for (size_t i = 0; i < nteams; i++) {
		if (active != NULL && !active[i])
			continue;
		(*nact)++;
		if (!(gpu_h[i] >= 0) || isinf(gpu_h[i]))
			return err_set(e, ERR_INVALID, "quality: gpu_h[%zu]: "
				       "expected a finite number >= 0, got %g",
				       i, gpu_h[i]);
		if (!(teams[i].eff > 0) || isinf(teams[i].eff))
			return err_set(e, ERR_INVALID, "quality: teams[%zu]."
				       "eff: expected a finite number > 0, "
				       "got %g", i, teams[i].eff);
		if (!(teams[i].c_prior_gpu_h >= 0) ||
		    isinf(teams[i].c_prior_gpu_h))
			return err_set(e, ERR_INVALID, "quality: teams[%zu]."
				       "c_prior_gpu_h: expected a finite number "
				       ">= 0, got %g", i,
				       teams[i].c_prior_gpu_h);
		if (teams[i].c_prior_gpu_h + gpu_h[i] <= 0)
			return err_set(e, ERR_INVALID, "quality: gpu_h[%zu]: "
				       "no compute at all (prior + gpu_h = 0): "
				       "the loss is infinite", i);
	}
	if (*nact == 0)
		return err_set(e, ERR_INVALID, "quality: active: no team is "
			       "active");
	return 0;
}

/* Synthesises every unit-level input for the n active teams idx[]. */
static void
synthesise(const struct quality_model *m, const struct quality_team *teams,
	   const double *gpu_h, const size_t *idx, size_t n, uint64_t seed,
	   struct qctx *c)
{
	double *diff[QUALITY_NBENCH], *len, *uth;
	size_t npairs = n * (n - 1) / 2, off, nbal;
	struct rng g;

	/* shared across teams: item difficulties, panel leniencies */
	rng_seed(&g, subseed(seed, 1000000));
	for (int k = 0; k < QUALITY_NBENCH; k++) {
		diff[k] = xmalloc(m->items[k] * sizeof *diff[k]);
		for (size_t i = 0; i < m->items[k]; i++)
			diff[k][i] = m->diff_sd * quality_normal(&g);
	}
	len = xmalloc(m->panel * sizeof *len);
	for (size_t j = 0; j < m->panel; j++)
		len[j] = m->lenient_sd * quality_normal(&g);

	/* per team, from the team's own stream */
	uth = xmalloc(n * sizeof *uth);
	for (size_t t = 0; t < n; t++) {
		size_t i0 = idx[t];
		double th = quality_theta(m, quality_loss(m, &teams[i0],
		    gpu_h[i0])), off_e;

		rng_seed(&g, subseed(seed, i0));
		for (int k = 0; k < QUALITY_NBENCH; k++) {
			double thk = th + m->part_sd[k] * quality_normal(&g);
			unsigned char *rt = c->right[k] + t * m->items[k];

			for (size_t i = 0; i < m->items[k]; i++) {
				double x = thk - diff[k][i];
				double u = rng_double(&g);

				if (m->item_temp > 0)
					rt[i] = u < logistic(x / m->item_temp);
				else
					rt[i] = x > 0;
			}
		}
		off_e = m->expert_sd * quality_normal(&g);
		for (size_t j = 0; j < m->panel; j++) {
			double s = 5 + m->expert_gain * (th + off_e) + len[j] +
			    m->member_sd * quality_normal(&g);

			c->pscore[t * m->panel + j] = s < 0 ? 0 : s > 10 ? 10 : s;
		}
		uth[t] = th + m->user_sd * quality_normal(&g);
	}

	/* votes: a balanced round robin over the pairs, shifted at random;
	 * every pair gets the same number of votes (the remainder of
	 * voters x votes_per_voter over the pairs is not cast), so no team
	 * gains from playing a weak team more often */
	c->nvotes = 0;
	c->ngames = 0;
	if (npairs == 0)
		goto out;
	rng_seed(&g, subseed(seed, 1000001));
	off = (size_t)rng_below(&g, npairs);
	for (size_t a = 0, q = 0; a < n; a++)
		for (size_t b = a + 1; b < n; b++, q++) {
			static const double score[3] = { 1, 0, 0.5 };

			for (int o = 0; o < 3; o++) {
				struct bt_game *gm = &c->games[q * 3 + o];

				gm->a = (uint32_t)a;
				gm->b = (uint32_t)b;
				gm->score = score[o];
				gm->weight = 0;
			}
		}
	c->ngames = npairs * 3;
	nbal = m->voters * m->votes_per_voter / npairs * npairs;
	for (size_t v = 0; v < m->voters; v++)
		for (size_t j = 0; j < m->votes_per_voter; j++) {
			size_t q = (off + v * m->votes_per_voter + j) % npairs;
			size_t a = c->games[q * 3].a, b = c->games[q * 3].b;
			double d = uth[a] - uth[b], u = rng_double(&g);
			int o;

			if (v * m->votes_per_voter + j >= nbal)
				goto out;
			if (u < m->tie_p)
				o = 2;
			else if (m->vote_temp > 0)
				o = rng_double(&g) < logistic(d / m->vote_temp)
				    ? 0 : 1;
			else
				o = d > 0 ? 0 : d < 0 ? 1 : 2;
			c->vvoter[c->nvotes] = (uint32_t)v;
			c->vgame[c->nvotes] = (uint32_t)(q * 3 + (size_t)o);
			c->nvotes++;
		}
out:
	for (int k = 0; k < QUALITY_NBENCH; k++)
		free(diff[k]);
	free(len);
	free(uth);
}

int
quality_round(const struct quality_model *m, const struct rubric *r,
	      size_t nteams, const struct quality_team *teams,
	      const double *gpu_h, const int *active,
	      const struct round_cfg *cfg, uint64_t seed,
	      struct round_team *out, char *why, size_t whycap,
	      struct err *e)
{
	struct qctx c;
	size_t n = 0, *idx, nunits[S_N], nv;
	const char **names;
	char (*lab)[32];
	struct round_team *rt;
	int rc;

	if (whycap > 0)
		why[0] = '\0';
	if ((rc = check_inputs(m, r, nteams, teams, gpu_h, active, &n, e)) < 0)
		return rc;
	memset(&c, 0, sizeof c);
	idx = xmalloc(n * sizeof *idx);
	names = xmalloc(n * sizeof *names);
	rt = xcalloc(n, sizeof *rt);
	for (size_t i = 0, t = 0; i < nteams; i++)
		if (active == NULL || active[i]) {
			idx[t] = i;
			names[t] = teams[i].name;
			rt[t].gate_ok = teams[i].gate_ok != 0;
			t++;
		}
	lab = xmalloc(n * sizeof *lab);
	for (size_t t = 0; t < n; t++)
		if (names[t] == NULL) {
			snprintf(lab[t], sizeof lab[t], "team %zu", idx[t]);
			names[t] = lab[t];
		}
	c.n = n;
	for (int k = 0; k < QUALITY_NBENCH; k++) {
		c.nitems[k] = m->items[k];
		c.right[k] = xmalloc(n * m->items[k]);
		nunits[k] = m->items[k];
	}
	c.panel = m->panel;
	c.pscore = xmalloc(n * m->panel * sizeof *c.pscore);
	nunits[S_PANEL] = m->panel;
	nv = m->voters * m->votes_per_voter;
	c.vvoter = xmalloc(nv * sizeof *c.vvoter);
	c.vgame = xmalloc(nv * sizeof *c.vgame);
	c.games = xmalloc((n * (n - 1) / 2 * 3 + 1) * sizeof *c.games);
	c.p = xmalloc(n * sizeof *c.p);
	c.bo = bt_defaults();
	c.bo.prior = m->bt_prior;
	c.bo.tol = 1e-7;
	c.bo.max_iter = 1000;
	nunits[S_VOTERS] = m->voters;
	synthesise(m, teams, gpu_h, idx, n, seed, &c);

	rc = round_run(r, n, names, S_N, nunits, raw_cb, &c, cfg, rt, why,
		       whycap, e);
	if (rc == 0) {
		for (size_t i = 0; i < nteams; i++) {
			out[i].gate_ok = teams[i].gate_ok != 0;
			out[i].score = out[i].lo = out[i].hi = NAN;
			out[i].p_last = NAN;
			out[i].out = 0;
			out[i].rank = 0;
		}
		for (size_t t = 0; t < n; t++)
			out[idx[t]] = rt[t];
	}
	for (int k = 0; k < QUALITY_NBENCH; k++)
		free(c.right[k]);
	free(c.pscore);
	free(c.vvoter);
	free(c.vgame);
	free(c.games);
	free(c.p);
	free(idx);
	free(names);
	free(lab);
	free(rt);
	return rc;
}
