/*
 * round.c — bootstrap, P(last) and elimination for one round (see
 * round.h).
 *
 * Memory: the replicate composites (reps x nteams doubles) are kept for
 * the pairwise separability test; everything is freed before return.
 * Randomness: one rng seeded from cfg->seed, drawn stratum by stratum,
 * unit by unit, replicate by replicate — the same seed gives the same
 * intervals and decision.
 */
#include "compete/round.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compete/boot.h"
#include "util/alloc.h"
#include "util/rng.h"

static void
say(char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
say(char *why, size_t cap, const char *fmt, ...)
{
	size_t n = cap > 0 ? strlen(why) : 0;
	va_list ap;

	if (n + 1 >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(why + n, cap - n, fmt, ap);
	va_end(ap);
}

static const char *
label(const char *const *names, size_t i, char *buf, size_t cap)
{
	if (names != NULL)
		return names[i];
	snprintf(buf, cap, "team %zu", i);
	return buf;
}

/* Share of replicates in which team a scores below team b. */
static double
p_below(const double *rep, int reps, size_t nteams, size_t a, size_t b)
{
	double k = 0;

	for (int i = 0; i < reps; i++) {
		double x = rep[(size_t)i * nteams + a];
		double y = rep[(size_t)i * nteams + b];

		k += x < y ? 1 : x == y ? 0.5 : 0;
	}
	return k / reps;
}

int
round_run(const struct rubric *r, size_t nteams, const char *const *names,
	  size_t nstrata, const size_t *nunits, round_raw f, void *ctx,
	  const struct round_cfg *c, struct round_team *t, char *why,
	  size_t whycap, struct err *e)
{
	uint32_t *cnt[ROUND_MAX_STRATA];
	double *raw, *norm, *comp, *rep, *col;
	int *active, rc;
	size_t nleft, *ord;
	struct rng g;

	if (whycap > 0)
		why[0] = '\0';
	if ((rc = rubric_check(r, e)) < 0)
		return rc;
	if (nteams == 0 || nstrata > ROUND_MAX_STRATA || c->reps < 1 ||
	    !(c->level > 0 && c->level < 1) ||
	    !(c->confidence > 0 && c->confidence <= 1) ||
	    (c->tie == ROUND_TIE_PART && c->tie_part >= r->nparts) ||
	    c->tie < ROUND_TIE_KEEP || c->tie > ROUND_TIE_PART)
		return err_set(e, ERR_INVALID, "round: configuration: "
		    "expected teams > 0, strata <= %d, reps >= 1, 0 < level "
		    "< 1, 0 < confidence <= 1, a known tie rule and a valid "
		    "tie part", ROUND_MAX_STRATA);
	raw = xmalloc(r->nparts * nteams * sizeof *raw);
	norm = xmalloc(r->nparts * nteams * sizeof *norm);
	comp = xmalloc(nteams * sizeof *comp);
	rep = xmalloc((size_t)c->reps * nteams * sizeof *rep);
	col = xmalloc((size_t)c->reps * sizeof *col);
	active = xmalloc(nteams * sizeof *active);
	ord = xmalloc(nteams * sizeof *ord);
	for (size_t s = 0; s < nstrata; s++)
		cnt[s] = xmalloc((nunits[s] + 1) * sizeof *cnt[s]);
	for (size_t i = 0; i < nteams; i++) {
		active[i] = t[i].gate_ok != 0;
		t[i].out = 0;
		t[i].rank = 0;
		t[i].p_last = active[i] ? 0 : NAN;
	}

	/* the point estimate */
	for (size_t s = 0; s < nstrata; s++)
		for (size_t u = 0; u < nunits[s]; u++)
			cnt[s][u] = 1;
	f(ctx, (const uint32_t *const *)cnt, raw);
	rubric_composite(r, nteams, raw, active, comp, norm);
	for (size_t i = 0; i < nteams; i++)
		t[i].score = comp[i];

	/* the joint bootstrap */
	rng_seed(&g, c->seed);
	for (int b = 0; b < c->reps; b++) {
		double *cb = rep + (size_t)b * nteams, lo = INFINITY;
		size_t nlo = 0;

		for (size_t s = 0; s < nstrata; s++) {
			memset(cnt[s], 0, nunits[s] * sizeof *cnt[s]);
			for (size_t u = 0; u < nunits[s]; u++)
				cnt[s][rng_below(&g, nunits[s])]++;
		}
		f(ctx, (const uint32_t *const *)cnt, raw);
		rubric_composite(r, nteams, raw, active, cb, NULL);
		for (size_t i = 0; i < nteams; i++)
			if (active[i] && cb[i] < lo)
				lo = cb[i];
		for (size_t i = 0; i < nteams; i++)
			nlo += active[i] && cb[i] == lo;
		for (size_t i = 0; i < nteams; i++)
			if (active[i] && cb[i] == lo)
				t[i].p_last += 1.0 / (double)nlo;
	}
	for (size_t i = 0; i < nteams; i++) {
		for (int b = 0; b < c->reps; b++)
			col[b] = rep[(size_t)b * nteams + i];
		t[i].lo = boot_quantile(col, (size_t)c->reps,
		    (1 - c->level) / 2);
		t[i].hi = boot_quantile(col, (size_t)c->reps,
		    1 - (1 - c->level) / 2);
		if (active[i])
			t[i].p_last /= c->reps;
	}

	/* ranks among gate passers: by point estimate, then index */
	nleft = 0;
	for (size_t i = 0; i < nteams; i++)
		if (active[i])
			ord[nleft++] = i;
	for (size_t i = 1; i < nleft; i++)
		for (size_t j = i; j > 0 && comp[ord[j]] > comp[ord[j - 1]];
		     j--) {
			size_t x = ord[j];

			ord[j] = ord[j - 1];
			ord[j - 1] = x;
		}
	for (size_t i = 0; i < nleft; i++)
		t[ord[i]].rank = (int)i + 1;

	/* the decision */
	for (size_t i = 0; i < nteams; i++) {
		char b[32];

		if (active[i])
			continue;
		t[i].out = 1;
		say(why, whycap, "%s: out, gate failed; ",
		    label(names, i, b, sizeof b));
	}
	while (nleft > c->finalists && nleft >= 2) {
		size_t lo = ord[nleft - 1], nx = ord[nleft - 2], go = lo;
		double p = p_below(rep, c->reps, nteams, lo, nx);
		char b1[32], b2[32];
		const char *nl = label(names, lo, b1, sizeof b1);
		const char *nn = label(names, nx, b2, sizeof b2);

		if (p >= c->confidence) {
			say(why, whycap, "%s: out, lowest (%.2f vs %s %.2f, "
			    "P(below) %.3f >= %.3f); ", nl, comp[lo], nn,
			    comp[nx], p, c->confidence);
		} else if (c->tie == ROUND_TIE_KEEP) {
			say(why, whycap, "%s and %s not separable (P(below) "
			    "%.3f < %.3f): tie rule keep, both stay; ", nl, nn,
			    p, c->confidence);
			break;
		} else if (c->tie == ROUND_TIE_POINT) {
			say(why, whycap, "%s: out, not separable from %s "
			    "(P(below) %.3f < %.3f): tie rule point estimate "
			    "(%.2f vs %.2f); ", nl, nn, p, c->confidence,
			    comp[lo], comp[nx]);
		} else {
			size_t k = c->tie_part;
			double a = norm[k * nteams + lo];
			double bb = norm[k * nteams + nx];

			if (bb < a) {
				go = nx;
				ord[nleft - 2] = lo;
			}
			say(why, whycap, "%s: out, %s and %s not separable "
			    "(P(below) %.3f < %.3f): tie rule part %s (%.3f "
			    "vs %.3f); ", label(names, go, go == lo ? b1 : b2,
			    32), nl, nn, p, c->confidence,
			    r->parts[k].name, a, bb);
		}
		t[go].out = 1;
		nleft--;
	}
	if (whycap > 0 && why[0] == '\0')
		say(why, whycap, "nobody out");

	for (size_t s = 0; s < nstrata; s++)
		free(cnt[s]);
	free(raw);
	free(norm);
	free(comp);
	free(rep);
	free(col);
	free(active);
	free(ord);
	return 0;
}
