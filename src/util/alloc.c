/*
 * alloc.c — allocation wrappers that abort on exhaustion, and the assertion
 * handler.  See alloc.h for the contract.
 */
#include "util/alloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Noreturn void
allot_die(const char *fmt, ...)
{
	va_list ap;

	fputs("allot: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

_Noreturn void
allot_assert_fail(const char *expr, const char *file, int line, const char *func)
{
	allot_die("assertion failed: %s (%s:%d, %s)", expr, file, line, func);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		allot_die("out of memory allocating %zu bytes", n);
	return p;
}

void *
xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);

	if (p == NULL)
		allot_die("out of memory allocating %zu x %zu bytes", count, size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		allot_die("out of memory reallocating %zu bytes", n);
	return q;
}

void *
xgrow(void *p, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap;

	if (need <= c)
		return p;
	if (c < 8)
		c = 8;
	while (c < need) {
		if (c > SIZE_MAX / 2)
			allot_die("array too large");
		c *= 2;
	}
	if (elem && c > SIZE_MAX / elem)
		allot_die("array too large");
	*cap = c;
	return xrealloc(p, c * elem);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}
