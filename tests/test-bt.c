/*
 * test-bt.c — Bradley-Terry fit against hand-derived strengths.
 */
#include <math.h>

#include "compete/bt.h"
#include "test.h"

/*
 * Three players A, B, C with strengths 4 : 2 : 1 fit their games exactly
 * when each player's score equals its expected score (the likelihood
 * equations W_i = sum_j n_ij p_i / (p_i + p_j)):
 *   A-B 3 games: A wins 1, 2 ties -> A 2, B 1   (expected 3 * 2/3 = 2)
 *   A-C 5 games: A wins 4, C wins 1             (expected 5 * 4/5 = 4)
 *   B-C 3 games: B wins 2, C wins 1             (expected 3 * 2/3 = 2)
 * W = (6, 3, 2) and the expectations are (2+4, 1+2, 1+1): equal, so the
 * MLE is 4:2:1; geometric mean 2 gives (2, 1, 0.5).
 */
static const struct bt_game three[] = {
	{ 0, 1, 1, 1 }, { 0, 1, 0.5, 2 },
	{ 0, 2, 1, 4 }, { 2, 0, 1, 1 },
	{ 1, 2, 1, 2 }, { 1, 2, 0, 1 },
};

TEST(bt_three_players)
{
	struct bt_opts o = bt_defaults();
	double p[3], r[3];
	int it;

	CHECK_EQ_INT(bt_fit(3, three, 6, &o, p, &it, NULL), 0);
	CHECK(it > 1 && it <= o.max_iter);
	CHECK_NEAR(p[0], 2.0, 1e-8);
	CHECK_NEAR(p[1], 1.0, 1e-8);
	CHECK_NEAR(p[2], 0.5, 1e-8);
	CHECK_NEAR(bt_prob(p[0], p[2]), 0.8, 1e-8);
	bt_winrate(3, three, 6, r);
	CHECK_NEAR(r[0], 6.0 / 8, 1e-12);
	CHECK_NEAR(r[1], 3.0 / 6, 1e-12);
	CHECK_NEAR(r[2], 2.0 / 8, 1e-12);
}

/* Two players, A wins 3 of 4: p_A / p_B = 3, geometric mean 1. */
TEST(bt_two_players)
{
	struct bt_game g[] = { { 0, 1, 1, 3 }, { 1, 0, 1, 1 } };
	struct bt_opts o = bt_defaults();
	double p[2];

	CHECK_EQ_INT(bt_fit(2, g, 2, &o, p, NULL, NULL), 0);
	CHECK_NEAR(p[0], sqrt(3.0), 1e-8);
	CHECK_NEAR(p[1], 1 / sqrt(3.0), 1e-8);
}

/*
 * An undefeated player: no finite MLE without a prior.  With prior 1
 * (one virtual game against strength 1, half won) and A beating B once:
 * by symmetry p_B = 1/p_A = 1/x, and A's equation
 *   1 + 1/2 = x/(x + 1/x) + x/(x + 1)
 * (real game plus the virtual one) holds at x ~ 2.1304; the test
 * checks the fixed point equation itself.
 */
TEST(bt_prior)
{
	struct bt_game g[] = { { 0, 1, 1, 1 } };
	struct bt_opts o = bt_defaults();
	struct err e;
	double p[2], x;

	CHECK_EQ_INT(bt_fit(2, g, 1, &o, p, NULL, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "player 0: no losses");
	o.prior = 1;
	CHECK_EQ_INT(bt_fit(2, g, 1, &o, p, NULL, &e), 0);
	x = p[0];
	CHECK_NEAR(p[0] * p[1], 1, 1e-9);
	CHECK_NEAR(x / (x + 1 / x) + x / (x + 1), 1.5, 1e-8);
	CHECK(x > 1 && x < 3);
}

TEST(bt_bad_games)
{
	struct bt_game g[] = { { 0, 0, 1, 1 } };
	struct bt_game h[] = { { 0, 1, 0.7, 1 } };
	struct bt_game k[] = { { 0, 5, 1, 1 } };
	struct bt_opts o = bt_defaults();
	struct err e;
	double p[2];

	CHECK_EQ_INT(bt_fit(2, g, 1, &o, p, NULL, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "game 0");
	CHECK_EQ_INT(bt_fit(2, h, 1, &o, p, NULL, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "score 0.7");
	CHECK_EQ_INT(bt_fit(2, k, 1, &o, p, NULL, &e), ERR_INVALID);
}
