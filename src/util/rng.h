/*
 * rng.h — a small, seedable, portable random stream (xoshiro256**, seeded
 * through splitmix64).  Every consumer of randomness takes a struct rng
 * explicitly, so the same seed gives the same run on every machine.
 */
#ifndef ALLOT_UTIL_RNG_H
#define ALLOT_UTIL_RNG_H

#include <stddef.h>
#include <stdint.h>

struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Uniform integer in [0, n); n > 0.  Unbiased (rejection). */
uint64_t rng_below(struct rng *r, uint64_t n);
/* Uniform double in [0, 1). */
double rng_double(struct rng *r);
/* Fisher-Yates shuffle of n elements of size elem. */
void rng_shuffle(struct rng *r, void *base, size_t n, size_t elem);

#endif
