/*
 * test.h — allot's test harness (libuv style).
 *
 *	TEST(pool_basic) { ... CHECK(x == 1); CHECK_EQ_INT(a, b); }
 *
 * A TEST line must start at column 0: the Makefile greps them into the
 * test list.  Each test runs in its own process with a timeout; run one
 * alone (no fork, easy under gdb) with `build/asan/allot-test NAME`.
 * Tests that need ../shared/data call SKIP_UNLESS_DATA(path).
 */
#ifndef ALLOT_TEST_H
#define ALLOT_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST(name) void test_##name(void); void test_##name(void)

_Noreturn void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
_Noreturn void test_skip(const char *why);
/* Path of a file under ../shared/data, or NULL (test skipped) if absent. */
const char *test_data(const char *rel);
/* A fresh temporary directory for this test (removed by the runner). */
const char *test_tmpdir(void);
/* Seconds on the monotonic clock; sleeps ms milliseconds (resumed after
 * signals). */
double test_now_s(void);
void test_nap_ms(long ms);

#define CHECK(e) \
	((e) ? (void)0 : test_fail(__FILE__, __LINE__, "CHECK(%s)", #e))
#define CHECK_EQ_INT(a, b) do { \
	long long a_ = (long long)(a), b_ = (long long)(b); \
	if (a_ != b_) test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", \
				#a, #b, a_, b_); } while (0)
#define CHECK_STR(a, b) do { \
	const char *a_ = (a), *b_ = (b); \
	if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) \
		test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", \
			  #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } while (0)
#define CHECK_CONTAINS(hay, needle) do { \
	const char *h_ = (hay), *n_ = (needle); \
	if (h_ == NULL || strstr(h_, n_) == NULL) \
		test_fail(__FILE__, __LINE__, "\"%s\" does not contain \"%s\"", \
			  h_ ? h_ : "(null)", n_); } while (0)
#define CHECK_NEAR(a, b, tol) do { \
	double a_ = (a), b_ = (b); \
	if (!(a_ - b_ <= (tol) && b_ - a_ <= (tol))) \
		test_fail(__FILE__, __LINE__, "%s ~ %s: %.9g vs %.9g", #a, #b, \
			  a_, b_); } while (0)

#define SKIP_UNLESS_DATA(var, rel) \
	const char *var = test_data(rel); \
	if (var == NULL) test_skip("needs ../shared/data/" rel)

#endif
