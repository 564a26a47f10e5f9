/*
 * rubric.c — normalisation and composite scores (see rubric.h).
 * Pure arithmetic: no allocation beyond one scratch row, no I/O.
 */
#include "compete/rubric.h"

#include <math.h>
#include <stdlib.h>

#include "util/alloc.h"

int
rubric_check(const struct rubric *r, struct err *e)
{
	if (r->nparts == 0)
		return err_set(e, ERR_INVALID, "rubric: no parts");
	for (size_t k = 0; k < r->nparts; k++) {
		const struct rubric_part *p = &r->parts[k];

		if (!(p->weight > 0) || isinf(p->weight))
			return err_set(e, ERR_INVALID, "rubric: %s: weight "
			    "%g: expected a finite number > 0", p->name,
			    p->weight);
		if (p->norm == RUBRIC_FIXED && !(p->lo < p->hi))
			return err_set(e, ERR_INVALID, "rubric: %s: scale "
			    "%g..%g: expected lo < hi", p->name, p->lo, p->hi);
		if (p->norm != RUBRIC_FIXED && p->norm != RUBRIC_MINMAX)
			return err_set(e, ERR_INVALID, "rubric: %s: unknown "
			    "normalisation", p->name);
	}
	return 0;
}

static double
clamp01(double x)
{
	return x < 0 ? 0 : x > 1 ? 1 : x;
}

static void
normalise(const struct rubric_part *p, size_t nteams, const double *raw,
	  const int *active, double *out)
{
	double lo = p->lo, hi = p->hi;

	if (p->norm == RUBRIC_MINMAX) {
		lo = INFINITY;
		hi = -INFINITY;
		for (size_t t = 0; t < nteams; t++) {
			if (isnan(raw[t]) || (active != NULL && !active[t]))
				continue;
			if (raw[t] < lo)
				lo = raw[t];
			if (raw[t] > hi)
				hi = raw[t];
		}
	}
	for (size_t t = 0; t < nteams; t++) {
		if (isnan(raw[t]))
			out[t] = 0;
		else if (!(hi > lo))
			out[t] = 1;
		else
			out[t] = clamp01((raw[t] - lo) / (hi - lo));
	}
}

void
rubric_normalise(const struct rubric_part *p, size_t nteams,
		 const double *raw, double *out)
{
	normalise(p, nteams, raw, NULL, out);
}

void
rubric_composite(const struct rubric *r, size_t nteams, const double *raw,
		 const int *active, double *comp, double *norm)
{
	double *row = xmalloc((nteams + 1) * sizeof *row), wsum = 0;

	for (size_t t = 0; t < nteams; t++)
		comp[t] = 0;
	for (size_t k = 0; k < r->nparts; k++) {
		normalise(&r->parts[k], nteams, raw + k * nteams, active, row);
		for (size_t t = 0; t < nteams; t++) {
			comp[t] += r->parts[k].weight * row[t];
			if (norm != NULL)
				norm[k * nteams + t] = row[t];
		}
		wsum += r->parts[k].weight;
	}
	for (size_t t = 0; t < nteams; t++)
		comp[t] = wsum > 0 ? comp[t] / wsum * 100 : 0;
	free(row);
}
