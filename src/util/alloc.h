/*
 * alloc.h — the one allocation path, and the always-on assertion.
 *
 * Every heap allocation in allot goes through these wrappers.  They never
 * return NULL: running out of memory aborts with a message, so callers need
 * no failure branch (sizes that come from input are checked against limits
 * before they get here).  One path also makes fault injection possible.
 */
#ifndef ALLOT_UTIL_ALLOC_H
#define ALLOT_UTIL_ALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows an array of *cap elements of size elem to hold at least need. */
void *xgrow(void *p, size_t *cap, size_t need, size_t elem);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Prints the expression, file and line, then aborts.  Never compiled out. */
#define ALLOT_ASSERT(e) \
	((e) ? (void)0 : allot_assert_fail(#e, __FILE__, __LINE__, __func__))
_Noreturn void allot_assert_fail(const char *expr, const char *file, int line,
				 const char *func);
_Noreturn void allot_die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#endif
