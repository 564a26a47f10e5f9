/*
 * test-slurmtime.c — Slurm --time formats: every accepted shape with a
 * hand-computed value, the bad ones with the reason, and squeue-style
 * printing read back.
 */
#include <stdint.h>

#include "test.h"
#include "util/slurmtime.h"

static int64_t
ok(const char *s)
{
	struct err e = {0};
	int64_t v = -7;

	if (slurmtime_parse(s, &v, &e) != 0)
		test_fail(__FILE__, __LINE__, "\"%s\" refused: %s", s, e.msg);
	return v;
}

static const char *
no(const char *s)
{
	static struct err e;
	int64_t v = -7;

	if (slurmtime_parse(s, &v, &e) != ERR_INVALID)
		test_fail(__FILE__, __LINE__, "\"%s\" accepted as %lld", s ? s : "(null)",
			  (long long)v);
	if (v != -7)
		test_fail(__FILE__, __LINE__, "\"%s\": output changed on error", s);
	return e.msg;
}

TEST(slurmtime_formats)
{
	CHECK_EQ_INT(ok("0"), 0);
	CHECK_EQ_INT(ok("1"), 60);
	CHECK_EQ_INT(ok("90"), 5400);                       /* minutes */
	CHECK_EQ_INT(ok("10:30"), 630);                     /* MM:SS */
	CHECK_EQ_INT(ok("90:00"), 5400);
	CHECK_EQ_INT(ok("2:03:04"), 2 * 3600 + 3 * 60 + 4); /* HH:MM:SS */
	CHECK_EQ_INT(ok("30:00:00"), 30 * 3600);
	CHECK_EQ_INT(ok("1-0"), 86400);                     /* D-HH */
	CHECK_EQ_INT(ok("2-12"), 2 * 86400 + 12 * 3600);
	CHECK_EQ_INT(ok("1-02:30"), 86400 + 2 * 3600 + 30 * 60); /* D-HH:MM */
	CHECK_EQ_INT(ok("3-04:05:06"), 3 * 86400 + 4 * 3600 + 5 * 60 + 6);
	CHECK_EQ_INT(ok("0-00:00:01"), 1);
	CHECK_EQ_INT(ok("007"), 420);
	CHECK_EQ_INT(ok("UNLIMITED"), 0);
	CHECK_EQ_INT(ok("unlimited"), 0);
	CHECK_EQ_INT(ok("Infinite"), 0);
	CHECK_EQ_INT(ok("24855-03:14:07"), SLURMTIME_MAX_S);
}

TEST(slurmtime_bad)
{
	CHECK_CONTAINS(no(""), "empty");
	CHECK_CONTAINS(no(NULL), "empty");
	CHECK_CONTAINS(no("abc"), "not a number");
	CHECK_CONTAINS(no("abc"), "got \"abc\"");
	CHECK_CONTAINS(no("-5"), "not a number");
	CHECK_CONTAINS(no("+5"), "not a number");
	CHECK_CONTAINS(no(" 5"), "not a number");
	CHECK_CONTAINS(no("5 "), "unexpected character");
	CHECK_CONTAINS(no("5m"), "unexpected character");
	CHECK_CONTAINS(no("1.5"), "unexpected character");
	CHECK_CONTAINS(no("10:"), "empty field");
	CHECK_CONTAINS(no(":10"), "not a number");
	CHECK_CONTAINS(no("1::2"), "empty field");
	CHECK_CONTAINS(no("1:2:3:4"), "unexpected character");
	CHECK_CONTAINS(no("1-2:3:4:5"), "unexpected character");
	CHECK_CONTAINS(no("10:60"), "seconds must be 0..59");
	CHECK_CONTAINS(no("1:60:00"), "0..59");
	CHECK_CONTAINS(no("1:00:60"), "0..59");
	CHECK_CONTAINS(no("1-24"), "0..23");
	CHECK_CONTAINS(no("1-00:60"), "0..59");
	CHECK_CONTAINS(no("1-00:00:60"), "0..59");
	CHECK_CONTAINS(no("1-"), "no hours");
	CHECK_CONTAINS(no("-1-2"), "not a number");
	CHECK_CONTAINS(no("1-2-3"), "unexpected character");
	CHECK_CONTAINS(no("1234567890"), "not a number");  /* 10 digits */
	CHECK_CONTAINS(no("24855-03:14:08"), "too long");
	CHECK_CONTAINS(no("999999999-00"), "too long");
	CHECK_CONTAINS(no("UNLIMITEDX"), "not a number");
}

TEST(slurmtime_print)
{
	static const struct { int64_t s; const char *want; } c[] = {
		{0, "0:00"}, {59, "0:59"}, {61, "1:01"}, {3599, "59:59"},
		{3600, "1:00:00"}, {86399, "23:59:59"}, {86400, "1-00:00:00"},
		{2 * 86400 + 3 * 3600 + 4 * 60 + 5, "2-03:04:05"}, {-1, "-"},
	};
	char buf[32];

	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		slurmtime_format(c[i].s, buf, sizeof buf);
		CHECK_STR(buf, c[i].want);
		if (c[i].s >= 0)
			CHECK_EQ_INT(ok(buf), c[i].s);
	}
	CHECK_EQ_INT(slurmtime_format(86400, buf, 4), 10);
	CHECK_STR(buf, "1-0");
}
