/*
 * rng.c — xoshiro256** (Blackman and Vigna), seeded by splitmix64 so any
 * 64-bit seed, including 0, gives a good state.
 */
#include "util/rng.h"

#include <string.h>

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t
rng_below(struct rng *r, uint64_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;

	do
		x = rng_next(r);
	while (x >= limit);
	return x % n;
}

double
rng_double(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

void
rng_shuffle(struct rng *r, void *base, size_t n, size_t elem)
{
	unsigned char *b = base;
	unsigned char tmp[256];

	if (n < 2 || elem > sizeof tmp)
		return;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = (size_t)rng_below(r, i + 1);
		if (j == i)
			continue;
		memcpy(tmp, b + i * elem, elem);
		memcpy(b + i * elem, b + j * elem, elem);
		memcpy(b + j * elem, tmp, elem);
	}
}
