/*
 * boot.c — bootstrap resampling (see boot.h).
 */
#include "compete/boot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
boot_quantile(double *v, size_t n, double p)
{
	double h, lo;
	size_t i;

	if (n == 0)
		return NAN;
	qsort(v, n, sizeof *v, cmp_double);
	if (p <= 0)
		return v[0];
	if (p >= 1)
		return v[n - 1];
	h = (double)(n - 1) * p;
	i = (size_t)floor(h);
	lo = v[i];
	return i + 1 < n ? lo + (h - (double)i) * (v[i + 1] - lo) : lo;
}

void
boot_run(size_t n, int reps, double level, struct rng *r, boot_stat f,
	 void *ctx, struct boot_ci *out, double *samples)
{
	uint32_t *counts = xcalloc(n + 1, sizeof *counts);
	double *s = xmalloc(((size_t)reps + 1) * sizeof *s);
	double sum = 0, sq = 0;

	ALLOT_ASSERT(reps >= 1 && level > 0 && level < 1);
	for (size_t i = 0; i < n; i++)
		counts[i] = 1;
	out->est = f(ctx, counts, n);
	for (int b = 0; b < reps; b++) {
		memset(counts, 0, n * sizeof *counts);
		for (size_t k = 0; k < n; k++)
			counts[rng_below(r, n)]++;
		s[b] = f(ctx, counts, n);
		sum += s[b];
	}
	out->mean = sum / reps;
	for (int b = 0; b < reps; b++)
		sq += (s[b] - out->mean) * (s[b] - out->mean);
	out->se = reps > 1 ? sqrt(sq / (reps - 1)) : 0;
	if (samples != NULL)
		memcpy(samples, s, (size_t)reps * sizeof *s);
	out->lo = boot_quantile(s, (size_t)reps, (1 - level) / 2);
	out->hi = boot_quantile(s, (size_t)reps, 1 - (1 - level) / 2);
	free(s);
	free(counts);
}

struct mean_ctx {
	const double *x;
};

static double
weighted_mean(void *ctx, const uint32_t *counts, size_t n)
{
	const struct mean_ctx *m = ctx;
	double sum = 0;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		sum += counts[i] * m->x[i];
		k += counts[i];
	}
	return k ? sum / (double)k : NAN;
}

void
boot_mean(const double *x, size_t n, int reps, double level, struct rng *r,
	  struct boot_ci *out)
{
	struct mean_ctx m = {x};

	boot_run(n, reps, level, r, weighted_mean, &m, out, NULL);
}
