/*
 * bt.c — Bradley-Terry fit by the MM (Zermelo) iteration (see bt.h).
 *
 * One step: p_i <- W_i / sum_j n_ij / (p_i + p_j), with W_i the weighted
 * score of i (plus prior) and n_ij the weighted games between i and j
 * (plus prior virtual games against a reference of strength 1); then all
 * p are divided by their geometric mean.  The update is done Jacobi
 * style (all from the previous iterate), so the result does not depend on
 * player order.  Memory: two arrays of np doubles, freed before return.
 */
#include "compete/bt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

struct bt_opts
bt_defaults(void)
{
	struct bt_opts o = { 1e-10, 10000, 0 };

	return o;
}

double
bt_prob(double pa, double pb)
{
	return pa / (pa + pb);
}

void
bt_winrate(size_t np, const struct bt_game *g, size_t ng, double *rate)
{
	double *n = xcalloc(np + 1, sizeof *n);

	for (size_t i = 0; i < np; i++)
		rate[i] = 0;
	for (size_t k = 0; k < ng; k++) {
		rate[g[k].a] += g[k].weight * g[k].score;
		rate[g[k].b] += g[k].weight * (1 - g[k].score);
		n[g[k].a] += g[k].weight;
		n[g[k].b] += g[k].weight;
	}
	for (size_t i = 0; i < np; i++)
		rate[i] = n[i] > 0 ? rate[i] / n[i] : NAN;
	free(n);
}

static int
check_games(size_t np, const struct bt_game *g, size_t ng, struct err *e)
{
	for (size_t k = 0; k < ng; k++) {
		const struct bt_game *x = &g[k];

		if (x->a >= np || x->b >= np || x->a == x->b)
			return err_set(e, ERR_INVALID, "game %zu: players %u "
			    "and %u: expected two different players below "
			    "%zu", k, x->a, x->b, np);
		if (x->score != 0 && x->score != 0.5 && x->score != 1)
			return err_set(e, ERR_INVALID, "game %zu: score %g: "
			    "expected 0, 0.5 or 1", k, x->score);
		if (!(x->weight >= 0) || isinf(x->weight))
			return err_set(e, ERR_INVALID, "game %zu: weight %g: "
			    "expected a finite number >= 0", k, x->weight);
	}
	return 0;
}

static void
normalise(size_t np, double *p)
{
	double s = 0;

	for (size_t i = 0; i < np; i++)
		s += log(p[i]);
	s = exp(s / (double)np);
	for (size_t i = 0; i < np; i++)
		p[i] /= s;
}

int
bt_fit(size_t np, const struct bt_game *g, size_t ng,
       const struct bt_opts *o, double *p, int *iters, struct err *e)
{
	double *w, *n, *den, *q;
	int rc, it;

	if (iters != NULL)
		*iters = 0;
	if (np == 0)
		return 0;
	if ((rc = check_games(np, g, ng, e)) < 0)
		return rc;
	if (!(o->prior >= 0) || !(o->tol > 0) || o->max_iter < 1)
		return err_set(e, ERR_INVALID, "bt: options: expected prior "
		    ">= 0, tol > 0, max_iter >= 1");
	w = xcalloc(np, sizeof *w);
	n = xcalloc(np, sizeof *n);
	den = xcalloc(np, sizeof *den);
	q = xcalloc(np, sizeof *q);
	for (size_t k = 0; k < ng; k++) {
		w[g[k].a] += g[k].weight * g[k].score;
		w[g[k].b] += g[k].weight * (1 - g[k].score);
		n[g[k].a] += g[k].weight;
		n[g[k].b] += g[k].weight;
	}
	rc = 0;
	for (size_t i = 0; i < np; i++)
		p[i] = 1;
	for (size_t i = 0; i < np && rc == 0; i++) {
		if (n[i] > 0 && o->prior == 0 && (w[i] <= 0 || w[i] >= n[i]))
			rc = err_set(e, ERR_INVALID, "bt: player %zu: %s in "
			    "%g games: no finite strength without a prior",
			    i, w[i] <= 0 ? "no wins" : "no losses", n[i]);
	}
	if (rc < 0)
		goto out;
	for (it = 1; it <= o->max_iter; it++) {
		double moved = 0;

		memset(den, 0, np * sizeof *den);
		for (size_t k = 0; k < ng; k++) {
			double d = g[k].weight / (p[g[k].a] + p[g[k].b]);

			den[g[k].a] += d;
			den[g[k].b] += d;
		}
		for (size_t i = 0; i < np; i++) {
			if (n[i] <= 0 && o->prior == 0) {
				q[i] = 1;
				continue;
			}
			q[i] = (w[i] + o->prior / 2) /
			    (den[i] + o->prior / (p[i] + 1));
		}
		normalise(np, q);
		for (size_t i = 0; i < np; i++) {
			double d = fabs(log(q[i]) - log(p[i]));

			if (d > moved)
				moved = d;
			p[i] = q[i];
		}
		if (moved < o->tol)
			break;
	}
	if (iters != NULL)
		*iters = it;
out:
	free(w);
	free(n);
	free(den);
	free(q);
	return rc;
}
