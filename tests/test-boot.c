/*
 * test-boot.c — the bootstrap: quantiles, determinism, and the standard
 * error of a mean agreeing with sd/sqrt(n).
 */
#include <math.h>

#include "compete/boot.h"
#include "test.h"

TEST(boot_quantile_type7)
{
	double v[5] = {5, 1, 4, 2, 3};

	CHECK_NEAR(boot_quantile(v, 5, 0.5), 3, 1e-12);
	CHECK_NEAR(boot_quantile(v, 5, 0.25), 2, 1e-12);
	CHECK_NEAR(boot_quantile(v, 5, 0.1), 1.4, 1e-12);
	CHECK_NEAR(boot_quantile(v, 5, 1), 5, 1e-12);
	CHECK(isnan(boot_quantile(v, 0, 0.5)));
}

/* 50 Bernoulli items with mean 0.92: the harness reports stderr
 * sd/sqrt(n) = 0.038756; the bootstrap's se must agree within a few %. */
TEST(boot_mean_matches_stderr)
{
	double x[50];
	struct boot_ci a, b;
	struct rng r;

	for (int i = 0; i < 50; i++)
		x[i] = i < 46 ? 1 : 0;
	rng_seed(&r, 7);
	boot_mean(x, 50, 20000, 0.95, &r, &a);
	CHECK_NEAR(a.est, 0.92, 1e-12);
	/* bootstrap se of a mean is sqrt((n-1)/n) * sd/sqrt(n) */
	CHECK_NEAR(a.se, 0.038756 * sqrt(49.0 / 50.0), 0.0015);
	CHECK(a.lo < 0.92 && a.hi > 0.92 && a.lo >= 0.82 && a.hi <= 1.0);
	rng_seed(&r, 7);
	boot_mean(x, 50, 20000, 0.95, &r, &b);
	CHECK(a.lo == b.lo && a.hi == b.hi && a.se == b.se);
}
