/*
 * test-whatif.c — the quality model (compete/quality.h) and the policy
 * comparison (compete/whatif.h), with values derived by hand.
 *
 * Hand derivation used below (no noise, no efficiency spread, korea-2026
 * defaults): every phase gives G = 2560 * 4380 * 0.8 GPU-hours.  All
 * teams are equal, so a round's composites tie exactly and round_run's
 * tie rule "point" drops the highest indices; the wildcard (entering
 * after round 1 with less compute) scores lowest in round 2.
 *   elim-6m: round 1 drops teams 3, 4 (G/5 each); round 2 the wildcard
 *   (G/4); round 3 team 2 (G/5 + G/4 + G/3): 1.4333 G of 4 G = 35.833 %.
 *   succ-halving: round 1 keeps 3 (2 x G/5 out); round 2 keeps
 *   max(2, 4/2) = 2: the wildcard (G/4) and team 2 (G/5 + G/4) out;
 *   round 3 keeps 2 (nothing to do): 1.1 G of 4 G = 27.5 %.
 *   Team 0 is the truly best (ties go to the lowest index) and stays, so
 *   P(best finalist) = 1 under every policy.
 */
#include <math.h>
#include <string.h>

#include "compete/quality.h"
#include "compete/whatif.h"
#include "test.h"

static void
quiet(struct quality_model *m)
{
	quality_defaults(m);
	for (int k = 0; k < QUALITY_NBENCH; k++)
		m->part_sd[k] = 0;
	m->item_temp = 0;
	m->expert_sd = 0;
	m->lenient_sd = 0;
	m->member_sd = 0;
	m->user_sd = 0;
	m->tie_p = 0;
	m->vote_temp = 0;
}

static struct round_cfg
cfg_of(size_t finalists)
{
	struct round_cfg c;

	memset(&c, 0, sizeof c);
	c.reps = 50;
	c.level = 0.95;
	c.confidence = 0.95;
	c.seed = 7;
	c.finalists = finalists;
	c.tie = ROUND_TIE_POINT;
	return c;
}

TEST(quality_loss_hand)
{
	struct quality_model m;
	struct quality_team t = { "x", 1, 0, 1 };

	quality_defaults(&m);
	/* at c0 with eff 1: l_inf + a */
	CHECK_NEAR(quality_loss(&m, &t, 1e6), 1.90, 1e-12);
	/* eff 2, prior 1e6, 1e6 more: 1.69 + 0.21 * 2^-0.1 / 2 */
	t.eff = 2;
	t.c_prior_gpu_h = 1e6;
	CHECK_NEAR(quality_loss(&m, &t, 1e6), 1.7879684641, 1e-9);
	CHECK_NEAR(quality_theta(&m, 1.80), 1.0, 1e-12);
	/* bad inputs */
	CHECK(isnan(quality_loss(&m, &t, -1)));
	CHECK(isnan(quality_loss(&m, &t, NAN)));
	t.eff = 0;
	CHECK(isnan(quality_loss(&m, &t, 1)));
	t.eff = 1;
	t.c_prior_gpu_h = 0;
	CHECK(isinf(quality_loss(&m, &t, 0)));
}

TEST(quality_loss_monotone)
{
	struct quality_model m;
	struct quality_team t = { "x", 1, 5e5, 1 };
	double prev = INFINITY;

	quality_defaults(&m);
	for (double c = 0; c <= 1e8; c = c * 2 + 1000) {
		double l = quality_loss(&m, &t, c);

		CHECK(l < prev);
		CHECK(l > m.l_inf);
		prev = l;
	}
	prev = INFINITY;
	for (double eff = 0.1; eff < 10; eff *= 1.3) {
		double l;

		t.eff = eff;
		l = quality_loss(&m, &t, 1e6);
		CHECK(l < prev);
		prev = l;
	}
}

TEST(quality_round_no_noise)
{
	struct quality_model m;
	struct quality_team t[5] = {
		{ "a", 0.8, 0, 1 }, { "b", 1.0, 0, 1 }, { "c", 1.2, 0, 1 },
		{ "d", 0.9, 0, 1 }, { "e", 1.1, 0, 1 },
	};
	double gh[5] = { 1e6, 1e6, 1e6, 1e6, 1e6 };
	struct round_team o[5];
	struct round_cfg c;
	struct err e = {0};
	char why[512];

	quiet(&m);
	/* keep 4: exactly the worst (a, eff 0.8) goes */
	c = cfg_of(4);
	CHECK_EQ_INT(quality_round(&m, quality_korea_rubric(), 5, t, gh, NULL,
	    &c, 1, o, why, sizeof why, &e), 0);
	CHECK_EQ_INT(o[0].out, 1);
	for (int i = 1; i < 5; i++)
		CHECK_EQ_INT(o[i].out, 0);
	CHECK_CONTAINS(why, "a: out, lowest");
	/* ranks follow eff: c 1, e 2, b 3, d 4, a 5 */
	CHECK_EQ_INT(o[2].rank, 1);
	CHECK_EQ_INT(o[4].rank, 2);
	CHECK_EQ_INT(o[1].rank, 3);
	CHECK_EQ_INT(o[3].rank, 4);
	CHECK_EQ_INT(o[0].rank, 5);
	CHECK(o[2].score > o[4].score && o[4].score > o[1].score &&
	      o[1].score > o[3].score && o[3].score > o[0].score);
	/* keep 3: a and d */
	c = cfg_of(3);
	CHECK_EQ_INT(quality_round(&m, quality_korea_rubric(), 5, t, gh, NULL,
	    &c, 1, o, why, sizeof why, &e), 0);
	CHECK(o[0].out && o[3].out && !o[1].out && !o[2].out && !o[4].out);
	/* more compute lifts a team: a with 100x the compute is not last */
	gh[0] = 1e8;
	c = cfg_of(4);
	CHECK_EQ_INT(quality_round(&m, quality_korea_rubric(), 5, t, gh, NULL,
	    &c, 1, o, why, sizeof why, &e), 0);
	CHECK_EQ_INT(o[0].out, 0);
	CHECK_EQ_INT(o[3].out, 1);
}

TEST(quality_round_active_gate)
{
	struct quality_model m;
	struct quality_team t[4] = {
		{ "a", 0.8, 0, 1 }, { "b", 1.0, 0, 1 }, { "c", 1.2, 0, 0 },
		{ "d", 0.9, 0, 1 },
	};
	double gh[4] = { 1e6, -5, 1e6, 1e6 };
	int act[4] = { 1, 0, 1, 1 };
	struct round_team o[4];
	struct round_cfg c = cfg_of(3);
	struct err e = {0};

	quiet(&m);
	/* b is inactive (its bad gpu_h is not looked at); c fails the gate
	 * and goes although 3 may stay; nobody else */
	CHECK_EQ_INT(quality_round(&m, quality_korea_rubric(), 4, t, gh, act,
	    &c, 3, o, NULL, 0, &e), 0);
	CHECK_EQ_INT(o[1].out, 0);
	CHECK(isnan(o[1].score));
	CHECK_EQ_INT(o[1].rank, 0);
	CHECK_EQ_INT(o[2].out, 1);
	CHECK_EQ_INT(o[0].out, 0);
	CHECK_EQ_INT(o[3].out, 0);
	CHECK(o[3].score > o[0].score);
}

TEST(quality_round_deterministic)
{
	struct quality_model m;
	struct quality_team t[3] = {
		{ "a", 0.9, 1e5, 1 }, { "b", 1.0, 2e5, 1 }, { "c", 1.1, 0, 1 },
	};
	double gh[3] = { 1e6, 2e6, 3e5 };
	struct round_team o1[3], o2[3];
	struct round_cfg c = cfg_of(2);
	struct err e = {0};
	char w1[256], w2[256];

	quality_defaults(&m);
	CHECK_EQ_INT(quality_round(&m, quality_korea_rubric(), 3, t, gh, NULL,
	    &c, 42, o1, w1, sizeof w1, &e), 0);
	CHECK_EQ_INT(quality_round(&m, quality_korea_rubric(), 3, t, gh, NULL,
	    &c, 42, o2, w2, sizeof w2, &e), 0);
	CHECK(memcmp(o1, o2, sizeof o1) == 0);
	CHECK_STR(w1, w2);
	for (int i = 0; i < 3; i++)
		CHECK(o1[i].lo <= o1[i].score && o1[i].score <= o1[i].hi);
}

TEST(quality_round_bad_inputs)
{
	struct quality_model m;
	struct quality_team t[3] = {
		{ "a", 1, 0, 1 }, { "b", 1, 0, 1 }, { "c", 1, 0, 1 },
	};
	double gh[3] = { 1, 1, -1 };
	int none[3] = { 0, 0, 0 };
	struct round_team o[3];
	struct round_cfg c = cfg_of(2);
	struct err e = {0};

	quality_defaults(&m);
	CHECK_EQ_INT(quality_round(&m, quality_korea_rubric(), 3, t, gh, NULL,
	    &c, 1, o, NULL, 0, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "gpu_h[2]");
	gh[2] = 1;
	CHECK_EQ_INT(quality_round(&m, quality_korea_rubric(), 0, t, gh, NULL,
	    &c, 1, o, NULL, 0, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "nteams");
	CHECK_EQ_INT(quality_round(&m, quality_korea_rubric(), 3, t, gh, none,
	    &c, 1, o, NULL, 0, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "active");
	t[1].eff = -1;
	CHECK_EQ_INT(quality_round(&m, quality_korea_rubric(), 3, t, gh, NULL,
	    &c, 1, o, NULL, 0, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "teams[1].eff");
	t[1].eff = 1;
	m.voters = 0;
	CHECK_EQ_INT(quality_round(&m, quality_korea_rubric(), 3, t, gh, NULL,
	    &c, 1, o, NULL, 0, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "voters");
}

TEST(whatif_wilson_hand)
{
	double lo, hi;

	/* 8 of 10 at z 1.96: the textbook 0.4902 .. 0.9433 */
	whatif_wilson(8, 10, 1.96, &lo, &hi);
	CHECK_NEAR(lo, 0.49016, 1e-4);
	CHECK_NEAR(hi, 0.94333, 1e-4);
	whatif_wilson(10, 10, 1.96, &lo, &hi);
	CHECK_NEAR(hi, 1.0, 1e-12);
	CHECK_NEAR(lo, 0.72246, 1e-4);
}

TEST(whatif_no_spread_hand)
{
	struct whatif_setup s;
	struct whatif_result r[WHATIF_NPOLICIES];
	struct err e = {0};

	whatif_defaults(&s);
	quiet(&s.model);
	s.eff_sd = 0;
	s.seeds = 3;
	s.reps = 5;
	CHECK_EQ_INT(whatif_run(&s, r, &e), 0);
	for (int p = 0; p < WHATIF_NPOLICIES; p++) {
		CHECK_EQ_INT(r[p].n_best, 3);
		CHECK_NEAR(r[p].p_best.mean, 1, 1e-12);
	}
	CHECK_NEAR(r[WHATIF_ELIM_6M].elim_pct.mean, 100 * 1.43333333333 / 4,
		   1e-6);
	CHECK_NEAR(r[WHATIF_ELIM_6M].elim_pct.lo,
		   r[WHATIF_ELIM_6M].elim_pct.hi, 1e-9);
	CHECK_NEAR(r[WHATIF_SUCC_HALVING].elim_pct.mean, 27.5, 1e-9);
	CHECK_NEAR(r[WHATIF_NO_ELIM].elim_pct.mean, 0, 0);
	CHECK_NEAR(r[WHATIF_PROPORTIONAL].elim_pct.mean, 0, 0);
	/* every seed is the same programme for the policies whose shares do
	 * not depend on scores: no spread over seeds (proportional's shares
	 * follow composites, which depend on each round's item draws) */
	CHECK_NEAR(r[WHATIF_ELIM_6M].best_loss.lo,
		   r[WHATIF_ELIM_6M].best_loss.hi, 1e-12);
	CHECK_NEAR(r[WHATIF_NO_ELIM].best_loss.lo,
		   r[WHATIF_NO_ELIM].best_loss.hi, 1e-12);
	CHECK_NEAR(r[WHATIF_SUCC_HALVING].best_loss.lo,
		   r[WHATIF_SUCC_HALVING].best_loss.hi, 1e-12);
	CHECK(r[WHATIF_PROPORTIONAL].best_loss.mean <
	      r[WHATIF_NO_ELIM].best_loss.mean);
	/* elim-6m's finalist (team 0) got G (1/5 + 1/4 + 1/3 + 1/2) */
	{
		double g = 2560.0 * 4380 * 0.8;
		double c = 1e6 + g * (0.2 + 0.25 + 1.0 / 3 + 0.5);
		double l = 1.69 + 0.21 * pow(c / 1e6, -0.1);

		CHECK_NEAR(r[WHATIF_ELIM_6M].best_loss.mean, l, 1e-12);
	}
}

TEST(whatif_no_noise_best_stays)
{
	struct whatif_setup s;
	struct whatif_result r[WHATIF_NPOLICIES];
	struct err e = {0};

	/* efficiencies differ, measurements are exact, no wildcard: at
	 * equal compute the best always has the best composite, so it is
	 * never eliminated under any policy */
	whatif_defaults(&s);
	quiet(&s.model);
	s.eff_sd = 0.3;
	memset(s.wildcards, 0, sizeof s.wildcards);
	s.seeds = 20;
	s.reps = 5;
	CHECK_EQ_INT(whatif_run(&s, r, &e), 0);
	for (int p = 0; p < WHATIF_NPOLICIES; p++)
		CHECK_EQ_INT(r[p].n_best, 20);
	CHECK(r[WHATIF_ELIM_6M].elim_pct.mean > 0);
}

TEST(whatif_no_elim_zero)
{
	struct whatif_setup s;
	struct whatif_result r[WHATIF_NPOLICIES];
	struct whatif_seed o;
	struct err e = {0};

	whatif_defaults(&s);
	s.seeds = 10;
	s.reps = 5;
	CHECK_EQ_INT(whatif_run(&s, r, &e), 0);
	CHECK_NEAR(r[WHATIF_NO_ELIM].elim_pct.mean, 0, 0);
	CHECK_NEAR(r[WHATIF_NO_ELIM].elim_pct.hi, 0, 0);
	CHECK_EQ_INT(r[WHATIF_NO_ELIM].n_best, 10);
	CHECK_EQ_INT(whatif_run_seed(&s, WHATIF_NO_ELIM, 3, &o, &e), 0);
	CHECK_EQ_INT(o.nfinal, 6);
	CHECK_NEAR(o.gpu_h_total, 4 * 2560.0 * 4380 * 0.8, 1e-3);
	/* elim-6m: two finalists, some GPU-hours on the eliminated */
	CHECK_EQ_INT(whatif_run_seed(&s, WHATIF_ELIM_6M, 3, &o, &e), 0);
	CHECK_EQ_INT(o.nfinal, 2);
	CHECK(o.elim_pct > 0 && o.elim_pct < 100);
	/* everyone fails the gate: nobody is left, everything was spent on
	 * the eliminated, no final quality */
	s.p_gate_fail = 1;
	CHECK_EQ_INT(whatif_run_seed(&s, WHATIF_NO_ELIM, 3, &o, &e), 0);
	CHECK_EQ_INT(o.nfinal, 0);
	CHECK_NEAR(o.elim_pct, 100, 1e-9);
	CHECK(isnan(o.best_loss));
}

TEST(whatif_deterministic)
{
	struct whatif_setup s;
	struct whatif_result a[WHATIF_NPOLICIES], b[WHATIF_NPOLICIES];
	struct err e = {0};

	whatif_defaults(&s);
	s.seeds = 15;
	s.reps = 5;
	CHECK_EQ_INT(whatif_run(&s, a, &e), 0);
	CHECK_EQ_INT(whatif_run(&s, b, &e), 0);
	CHECK(memcmp(a, b, sizeof a) == 0);
	s.seed = 2;
	CHECK_EQ_INT(whatif_run(&s, b, &e), 0);
	CHECK(memcmp(a, b, sizeof a) != 0);
}

TEST(whatif_bad_inputs)
{
	struct whatif_setup s;
	struct whatif_result r[WHATIF_NPOLICIES];
	struct err e = {0};

	whatif_defaults(&s);
	s.keep[1] = 5;  /* only 3 + 1 teams present at round 1 */
	CHECK_EQ_INT(whatif_run(&s, r, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "keep[1]");
	whatif_defaults(&s);
	s.keep[0] = 0;
	CHECK_EQ_INT(whatif_check(&s, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "keep[0]");
	whatif_defaults(&s);
	s.nteams = 0;
	CHECK_EQ_INT(whatif_check(&s, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "nteams");
	whatif_defaults(&s);
	s.gpus[2] = -1;
	CHECK_EQ_INT(whatif_check(&s, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "gpus[2]");
	whatif_defaults(&s);
	s.c_prior_gpu_h = -1;
	CHECK_EQ_INT(whatif_check(&s, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "c_prior_gpu_h");
	whatif_defaults(&s);
	s.seeds = 0;
	CHECK_EQ_INT(whatif_check(&s, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "seeds");
	whatif_defaults(&s);
	s.model.alpha = 0;
	CHECK_EQ_INT(whatif_check(&s, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "model: quality: alpha");
}

/* Two teams, 200 round seeds, one goes: the stronger is (almost) never out
 * when the gap is large, sometimes when it is small, and about half the
 * time when the teams are equal (binomial: 100 +- 3 sd = 79..121). */
static int
strong_out(double weak, double strong)
{
	struct quality_model m;
	struct quality_team t[2] = { { "w", weak, 1e6, 1 },
				     { "s", strong, 1e6, 1 } };
	double gh[2] = { 1.8e6, 1.8e6 };
	struct round_cfg c = cfg_of(1);
	struct round_team o[2];
	struct err e = {0};
	int n = 0;

	quality_defaults(&m);
	c.reps = 5;
	for (uint64_t s = 0; s < 200; s++) {
		CHECK_EQ_INT(quality_round(&m, quality_korea_rubric(), 2, t, gh,
		    NULL, &c, s, o, NULL, 0, &e), 0);
		CHECK_EQ_INT(o[0].out + o[1].out, 1);
		n += o[1].out;
	}
	return n;
}

TEST(quality_round_noise_direction)
{
	int big = strong_out(0.8, 1.25), small = strong_out(0.97, 1.03);
	int same = strong_out(1, 1);

	CHECK(big <= 2);
	CHECK(small > 5 && small < same);
	CHECK(same >= 79 && same <= 121);
}
