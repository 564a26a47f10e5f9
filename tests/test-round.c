/*
 * test-round.c — rounds with hand-checkable numbers (and one end to end
 * from the panel and vote files in tests/data/compete).
 *
 * Two evaluators score each team on 0..10 (part "experts", fixed scale,
 * weight 35) and a per-team users score (MINMAX, weight 1) that is not
 * resampled.  Team A: (9, 9); B: (6.4, 2); C: (5, 3); D fails a gate.
 * Users: A 0.9, B 0.5, C 0.6, D 0 -> normalised over A, B, C (D is out):
 * A 1, B 0, C 0.25.  Composites (x 100 / 36):
 *   A (35*0.9 + 1) = 90.28, B 35*0.42 = 40.83, C (35*0.4 + 0.25) = 39.58.
 * A resample of the two evaluators is (2,0), (1,1) or (0,2) with
 * probabilities 1/4, 1/2, 1/4; C is below B in the first two
 * (B 62.2 vs C 49.3; the data) and above in the last (B 19.4 vs C 29.9),
 * so P(C below B) = P(C last) = 3/4, P(B last) = 1/4, and at confidence
 * 0.95 B and C are not separable.
 */
#include <math.h>
#include <stdlib.h>

#include "compete/round.h"
#include "sim/panel.h"
#include "sim/votes.h"
#include "test.h"

static const double ev[4][2] = { { 9, 9 }, { 6.4, 2 }, { 5, 3 }, { 1, 1 } };
static const double users[4] = { 0.9, 0.5, 0.6, 0 };
static const struct rubric_part parts[] = {
	{ "experts", "experts", 35, RUBRIC_FIXED, 0, 10 },
	{ "users", "users", 1, RUBRIC_MINMAX, 0, 0 },
};
static const char *const names[] = { "A", "B", "C", "D" };

static void
raw4(void *ctx, const uint32_t *const *counts, double *raw)
{
	(void)ctx;
	for (int t = 0; t < 4; t++) {
		double s = 0, n = 0;

		for (int k = 0; k < 2; k++) {
			s += counts[0][k] * ev[t][k];
			n += counts[0][k];
		}
		raw[t] = s / n;
		raw[4 + t] = users[t];
	}
}

static void
run(enum round_tie tie, size_t finalists, struct round_team *t, char *why,
    size_t cap)
{
	struct rubric r = { parts, 2 };
	struct round_cfg c = { 4000, 0.95, 0.95, 42, finalists, tie, 1 };
	size_t nu = 2;

	for (int i = 0; i < 4; i++)
		t[i].gate_ok = i != 3;
	CHECK_EQ_INT(round_run(&r, 4, names, 1, &nu, raw4, NULL, &c, t, why,
	    cap, NULL), 0);
}

TEST(round_scores_and_p_last)
{
	struct round_team t[4], u[4];
	char why[512];

	run(ROUND_TIE_KEEP, 2, t, why, sizeof why);
	CHECK_NEAR(t[0].score, 3250.0 / 36, 1e-9);
	CHECK_NEAR(t[1].score, 1470.0 / 36, 1e-9);
	CHECK_NEAR(t[2].score, 1425.0 / 36, 1e-9);
	CHECK_NEAR(t[0].lo, t[0].score, 1e-9); /* A never varies */
	CHECK_NEAR(t[0].hi, t[0].score, 1e-9);
	CHECK_NEAR(t[1].lo, 35 * 0.2 / 0.36, 1e-9);   /* (0,2) draws */
	CHECK_NEAR(t[1].hi, 35 * 0.64 / 0.36, 1e-9); /* (2,0) draws */
	CHECK_NEAR(t[2].p_last, 0.75, 0.03);
	CHECK_NEAR(t[1].p_last, 0.25, 0.03);
	CHECK_NEAR(t[0].p_last, 0, 0);
	CHECK(isnan(t[3].p_last));
	CHECK_EQ_INT(t[0].rank, 1);
	CHECK_EQ_INT(t[1].rank, 2);
	CHECK_EQ_INT(t[2].rank, 3);
	CHECK_EQ_INT(t[3].rank, 0);
	/* keep: D out on its gate, B and C both stay */
	CHECK_EQ_INT(t[3].out, 1);
	CHECK_EQ_INT(t[1].out + t[2].out, 0);
	CHECK_CONTAINS(why, "D: out, gate failed; ");
	CHECK_CONTAINS(why, "C and B not separable");
	CHECK_CONTAINS(why, "tie rule keep, both stay");
	/* same seed, same answer */
	run(ROUND_TIE_KEEP, 2, u, why, sizeof why);
	CHECK(u[2].p_last == t[2].p_last && u[1].lo == t[1].lo);
}

TEST(round_tie_rules)
{
	struct round_team t[4];
	char why[512];

	run(ROUND_TIE_POINT, 2, t, why, sizeof why);
	CHECK_EQ_INT(t[2].out, 1);
	CHECK_EQ_INT(t[1].out, 0);
	CHECK_CONTAINS(why, "C: out, not separable from B");
	CHECK_CONTAINS(why, "tie rule point estimate");
	/* by the users part: C 0.25 beats B 0, so B goes */
	run(ROUND_TIE_PART, 2, t, why, sizeof why);
	CHECK_EQ_INT(t[1].out, 1);
	CHECK_EQ_INT(t[2].out, 0);
	CHECK_CONTAINS(why, "B: out, C and B not separable");
	CHECK_CONTAINS(why, "tie rule part users (0.250 vs 0.000)");
	/* one finalist: after B and C, the next lowest against A is clear */
	run(ROUND_TIE_POINT, 1, t, why, sizeof why);
	CHECK_EQ_INT(t[0].out, 0);
	CHECK_EQ_INT(t[1].out + t[2].out + t[3].out, 3);
	CHECK_CONTAINS(why, "B: out, lowest");
	CHECK_CONTAINS(why, "P(below) 1.000");
}

/*
 * End to end: tests/data/compete/panel.csv (3 evaluators, mean scores
 * red 8, blue 6, green 5 on 0..10) and votes.csv (4 voters; win rates
 * red 3.5/5 = 0.7, blue 2/6, green 2.5/5 = 0.5), experts 35 and users
 * 25 on fixed scales.  Composites (x 100 / 60):
 *   red (28 + 17.5) = 75.83, blue (21 + 8.33) = 48.89, green (17.5 +
 *   12.5) = 50.
 * Blue and green are close: not separable at 0.95, so with the point
 * rule blue goes out and the decision says the tie rule decided.
 */
struct e2e {
	struct panel p;
	struct votes v;
	struct bt_game *g;
	size_t ng;
	long pt[3], vt[3]; /* team t's id in the panel and votes tables */
};

static void
raw_e2e(void *ctx, const uint32_t *const *counts, double *raw)
{
	struct e2e *x = ctx;
	double m[3], w[3];

	panel_team_means(&x->p, -1, counts[0], m);
	votes_weigh_voters(&x->v, counts[1], x->g);
	bt_winrate(3, x->g, x->ng, w);
	for (int t = 0; t < 3; t++) {
		raw[t] = m[x->pt[t]];
		raw[3 + t] = w[x->vt[t]];
	}
}

TEST(round_end_to_end)
{
	static const char *const teams[] = { "red", "blue", "green" };
	static const struct rubric_part ep[] = {
		{ "experts", "experts", 35, RUBRIC_FIXED, 0, 10 },
		{ "users", "users", 25, RUBRIC_FIXED, 0, 1 },
	};
	struct rubric r = { ep, 2 };
	struct round_cfg c = { 2000, 0.95, 0.95, 7, 2, ROUND_TIE_POINT, 0 };
	struct round_team t[3], u[3];
	struct e2e x;
	size_t nu[2];
	char why[512];

	memset(&x, 0, sizeof x);
	CHECK_EQ_INT(panel_read(&x.p, "tests/data/compete/panel.csv", 0, 10,
	    teams, 3, NULL), 0);
	CHECK_EQ_INT(votes_read_csv(&x.v, "tests/data/compete/votes.csv",
	    teams, 3, NULL), 0);
	for (int k = 0; k < 3; k++) {
		x.pt[k] = strtab_find(&x.p.teams, teams[k], strlen(teams[k]));
		x.vt[k] = strtab_find(&x.v.models, teams[k], strlen(teams[k]));
		CHECK(x.pt[k] >= 0 && x.vt[k] >= 0);
	}
	x.ng = votes_games(&x.v, &x.g);
	nu[0] = x.p.evaluators.n;
	nu[1] = x.v.voters.n;
	CHECK_EQ_INT(nu[0], 3);
	CHECK_EQ_INT(nu[1], 4);
	for (int k = 0; k < 3; k++)
		t[k].gate_ok = u[k].gate_ok = 1;
	CHECK_EQ_INT(round_run(&r, 3, teams, 2, nu, raw_e2e, &x, &c, t, why,
	    sizeof why, NULL), 0);
	CHECK_NEAR(t[0].score, 45.5 / 0.6, 1e-9);
	CHECK_NEAR(t[1].score, (21 + 25.0 / 3) / 0.6, 1e-9);
	CHECK_NEAR(t[2].score, 50, 1e-9);
	CHECK(t[0].lo <= t[0].score && t[0].score <= t[0].hi);
	CHECK_NEAR(t[0].p_last + t[1].p_last + t[2].p_last, 1, 1e-9);
	CHECK(t[1].p_last > t[0].p_last && t[2].p_last > t[0].p_last);
	CHECK_EQ_INT(t[1].out, 1);
	CHECK_EQ_INT(t[0].out + t[2].out, 0);
	CHECK_CONTAINS(why, "blue: out, not separable from green");
	CHECK_CONTAINS(why, "tie rule point estimate");
	CHECK_EQ_INT(round_run(&r, 3, teams, 2, nu, raw_e2e, &x, &c, u, why,
	    sizeof why, NULL), 0);
	CHECK(u[1].p_last == t[1].p_last && u[2].lo == t[2].lo);
	free(x.g);
	panel_free(&x.p);
	votes_free(&x.v);
}
