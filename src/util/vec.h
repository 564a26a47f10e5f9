/*
 * vec.h — a type-generic growable array.
 *
 *	VEC(struct job) jobs = {0};
 *	vec_push(&jobs, j);
 *	for (size_t i = 0; i < jobs.n; i++) ... jobs.v[i] ...
 *	vec_free(&jobs);
 *
 * The array owns its elements' storage; pointers into it are valid until
 * the next push.
 */
#ifndef ALLOT_UTIL_VEC_H
#define ALLOT_UTIL_VEC_H

#include <stdlib.h>

#include "util/alloc.h"

#define VEC(T)                  \
	struct {                \
		T *v;           \
		size_t n, cap;  \
	}

#define vec_reserve(a, need) \
	((a)->v = xgrow((a)->v, &(a)->cap, (need), sizeof *(a)->v))
#define vec_push(a, x) \
	(vec_reserve((a), (a)->n + 1), (a)->v[(a)->n++] = (x))
#define vec_free(a) \
	(free((a)->v), (a)->v = NULL, (a)->n = (a)->cap = 0)

#endif
