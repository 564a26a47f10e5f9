/*
 * bt.h — Bradley-Terry strengths from pairwise games.
 *
 * The model: P(i beats j) = p_i / (p_i + p_j).  A game has two players
 * and the first player's score: 1 (win), 0 (loss) or 0.5 (tie: half a
 * win for each side).  A game also has a weight (a count), so that a
 * bootstrap can pass resample counts without copying games.
 *
 * The fit is Zermelo's / Hunter's MM iteration on the score totals,
 * normalised to geometric mean 1 after every step; it stops when no
 * log-strength moves by more than tol, or after max_iter steps.
 *
 * The prior: each player also plays `prior` virtual games against a
 * virtual reference player of strength 1, winning half of them.  This
 * keeps an undefeated (or winless) player finite and barely moves the
 * others when prior is small (e.g. 0.01).  With prior 0 a player that
 * has games but no wins or no losses has no finite strength and the fit
 * fails with ERR_INVALID.  Players without games get strength 1.
 */
#ifndef ALLOT_COMPETE_BT_H
#define ALLOT_COMPETE_BT_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct bt_game {
	uint32_t a, b;  /* player indices, a != b */
	double score;   /* a's score: 1, 0.5 or 0 */
	double weight;  /* how many times this game counts (>= 0) */
};

struct bt_opts {
	double tol;    /* stop when max |delta log p| < tol (e.g. 1e-10) */
	int max_iter;  /* iteration cap (e.g. 10000) */
	double prior;  /* virtual half-won games per player (>= 0) */
};

/* Default options: tol 1e-10, max_iter 10000, prior 0. */
struct bt_opts bt_defaults(void);

/*
 * Fits strengths p[0..np) (caller-owned) from games g[0..ng).  Returns 0,
 * with *iters (if not NULL) the number of steps taken (max_iter + 1 means
 * the cap was hit without convergence: p holds the last iterate), or
 * ERR_INVALID naming the game or player at fault (index out of range,
 * a == b, score not 0/0.5/1, negative weight, no finite strength).
 */
int bt_fit(size_t np, const struct bt_game *g, size_t ng,
	   const struct bt_opts *o, double *p, int *iters, struct err *e);

/*
 * Win rates: rate[i] = player i's weighted score / weighted games (ties
 * count half), NAN for a player with no games.  Indices must be valid
 * (as bt_fit checks).
 */
void bt_winrate(size_t np, const struct bt_game *g, size_t ng, double *rate);

/* The probability that a strength-pa player beats a strength-pb one. */
double bt_prob(double pa, double pb);

#endif
