/*
 * test-rubric.c — normalisations and composites by hand.
 */
#include <math.h>

#include "compete/rubric.h"
#include "test.h"

/* 40 benchmarks (national 10 + common 20 + own 10), experts 35, users 25 */
static const struct rubric_part parts[] = {
	{ "bench.national", "benchmarks", 10, RUBRIC_FIXED, 0.25, 1 },
	{ "bench.common", "benchmarks", 20, RUBRIC_FIXED, 0, 100 },
	{ "bench.own", "benchmarks", 10, RUBRIC_MINMAX, 0, 0 },
	{ "experts", "experts", 35, RUBRIC_FIXED, 0, 10 },
	{ "users", "users", 25, RUBRIC_MINMAX, 0, 0 },
};

TEST(rubric_normalise)
{
	double raw[3] = { 0.25, 0.625, 1.5 }, out[3];
	double mm[3] = { 2, 4, NAN }, same[2] = { 3, 3 };

	rubric_normalise(&parts[0], 3, raw, out);
	CHECK_NEAR(out[0], 0, 0);
	CHECK_NEAR(out[1], 0.5, 1e-12);
	CHECK_NEAR(out[2], 1, 0);      /* clamped */
	rubric_normalise(&parts[2], 3, mm, out);
	CHECK_NEAR(out[0], 0, 0);
	CHECK_NEAR(out[1], 1, 0);
	CHECK_NEAR(out[2], 0, 0);      /* missing = worst */
	rubric_normalise(&parts[2], 2, same, out);
	CHECK_NEAR(out[0], 1, 0);
}

/*
 * Two teams.  Normalised parts (A, B):
 *   national (0.625, 0.25) -> (0.5, 0)     x10 -> 5, 0
 *   common   (80, 60)      -> (0.8, 0.6)   x20 -> 16, 12
 *   own      (3, 5) minmax -> (0, 1)       x10 -> 0, 10
 *   experts  (7, 9)        -> (0.7, 0.9)   x35 -> 24.5, 31.5
 *   users    (0.6, 0.4)    -> (1, 0)       x25 -> 25, 0
 * Sums over weight 100: A 70.5, B 53.5.
 */
TEST(rubric_composite)
{
	struct rubric r = { parts, 5 };
	double raw[10] = { 0.625, 0.25, 80, 60, 3, 5, 7, 9, 0.6, 0.4 };
	double comp[2], norm[10];
	struct rubric_part bad = parts[0];
	struct rubric rb = { &bad, 1 };
	struct err e;

	CHECK_EQ_INT(rubric_check(&r, NULL), 0);
	rubric_composite(&r, 2, raw, NULL, comp, norm);
	CHECK_NEAR(comp[0], 70.5, 1e-9);
	CHECK_NEAR(comp[1], 53.5, 1e-9);
	CHECK_NEAR(norm[6], 0.7, 1e-12);
	bad.weight = 0;
	CHECK_EQ_INT(rubric_check(&rb, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "bench.national: weight 0");
	bad.weight = 1;
	bad.hi = 0.1;
	CHECK_EQ_INT(rubric_check(&rb, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "scale");
}
