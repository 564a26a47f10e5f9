/*
 * test-grantfile.c — the grants file (sim/grantfile.h): exact grants from
 * good input (columns in any order, optional columns, dates and seconds,
 * new tenants interned), the exact place of every kind of bad input, and
 * that a failed read leaves no grant behind.
 */
#include <stdint.h>
#include <string.h>

#include "model/grant.h"
#include "model/pool.h"
#include "sim/grantfile.h"
#include "test.h"
#include "util/csv.h"
#include "util/strtab.h"

/* A pool with models H100 (0) and B200 (1). */
static void
two_models(struct pool *p)
{
	pool_init(p);
	CHECK_EQ_INT(pool_model(p, "H100", NULL, NULL), 0);
	CHECK_EQ_INT(pool_model(p, "B200", NULL, NULL), 1);
}

static int
parse(const char *text, struct pool *p, struct strtab *tn, struct grants *gs,
      struct err *e)
{
	return grantfile_parse("g.csv", text, strlen(text), p, tn, gs, e);
}

TEST(grantfile_good)
{
	struct pool p;
	struct strtab tn;
	struct grants gs;
	struct err e;
	const char *text =
	    "tenant,model,gpus,start,end,borrow_limit,lend_limit,price_won_hour\n"
	    "lg,B200,512,2025-08-01,2026-02-01,,,\n"
	    "\n"
	    "upstage,H100,1024,1754006400,1769904000,0,256,1500\n"
	    "lg,H100,8,2025-08-01 12:00:00,2025-08-02T00:00:00,-1,-1,0\n";

	two_models(&p);
	memset(&tn, 0, sizeof tn);
	CHECK_EQ_INT(strtab_intern(&tn, "upstage", 7), 0);
	grants_init(&gs);
	CHECK_EQ_INT(parse(text, &p, &tn, &gs, &e), 0);
	CHECK_EQ_INT(gs.n, 3);
	/* 2025-08-01 00:00:00 UTC = 1754006400, 2026-02-01 = 1769904000. */
	CHECK_EQ_INT(gs.v[0].tenant, 1); /* "lg" is new: interned after */
	CHECK_STR(strtab_get(&tn, 1), "lg");
	CHECK_EQ_INT(gs.v[0].model, 1);
	CHECK_EQ_INT(gs.v[0].gpus, 512);
	CHECK_EQ_INT(gs.v[0].start, 1754006400);
	CHECK_EQ_INT(gs.v[0].end, 1769904000);
	CHECK_EQ_INT(gs.v[0].borrow_limit, GRANT_NO_LIMIT);
	CHECK_EQ_INT(gs.v[0].lend_limit, GRANT_NO_LIMIT);
	CHECK_EQ_INT(gs.v[0].price_won_hour, 0);
	CHECK_EQ_INT(gs.v[1].tenant, 0);
	CHECK_EQ_INT(gs.v[1].model, 0);
	CHECK_EQ_INT(gs.v[1].start, 1754006400);
	CHECK_EQ_INT(gs.v[1].end, 1769904000);
	CHECK_EQ_INT(gs.v[1].borrow_limit, 0);
	CHECK_EQ_INT(gs.v[1].lend_limit, 256);
	CHECK_EQ_INT(gs.v[1].price_won_hour, 1500);
	CHECK_EQ_INT(gs.v[2].tenant, 1);
	CHECK_EQ_INT(gs.v[2].start, 1754006400 + 12 * 3600);
	CHECK_EQ_INT(gs.v[2].end, 1754006400 + 24 * 3600);
	CHECK_EQ_INT(gs.v[2].id, 2);
	grants_free(&gs);
	strtab_free(&tn);
	pool_free(&p);
}

/* Only the required columns, in another order, CRLF line ends. */
TEST(grantfile_min_columns)
{
	struct pool p;
	struct strtab tn;
	struct grants gs;
	struct err e;

	two_models(&p);
	memset(&tn, 0, sizeof tn);
	grants_init(&gs);
	CHECK_EQ_INT(parse("end,start,gpus,model,tenant\r\n"
			   "100,0,8,H100,a\r\n200,100,16,B200,b\r\n",
			   &p, &tn, &gs, &e), 0);
	CHECK_EQ_INT(gs.n, 2);
	CHECK_EQ_INT(gs.v[0].start, 0);
	CHECK_EQ_INT(gs.v[0].end, 100);
	CHECK_EQ_INT(gs.v[1].gpus, 16);
	CHECK_EQ_INT(gs.v[1].model, 1);
	CHECK_EQ_INT(gs.v[1].tenant, 1);
	CHECK_EQ_INT(gs.v[1].borrow_limit, GRANT_NO_LIMIT);
	/* An empty file is no grants. */
	CHECK_EQ_INT(parse("", &p, &tn, &gs, &e), 0);
	CHECK_EQ_INT(gs.n, 2);
	grants_free(&gs);
	strtab_free(&tn);
	pool_free(&p);
}

static void
expect_fail(int line, const char *text, int code, const char *want)
{
	struct pool p;
	struct strtab tn;
	struct grants gs;
	struct err e;
	struct grant keep = {.gpus = 1, .start = 0, .end = 1,
			     .borrow_limit = -1, .lend_limit = -1};
	int rc;

	two_models(&p);
	memset(&tn, 0, sizeof tn);
	grants_init(&gs);
	CHECK_EQ_INT(grants_add(&gs, &keep, 2, NULL), 0);
	rc = parse(text, &p, &tn, &gs, &e);
	if (rc != code || strcmp(e.msg, want) != 0)
		test_fail(__FILE__, line, "rc %d (want %d), message\n  \"%s\"\n"
			  "want\n  \"%s\"", rc, code, e.msg, want);
	if (gs.n != 1)
		test_fail(__FILE__, line, "%zu grants after a failed read", gs.n);
	grants_free(&gs);
	strtab_free(&tn);
	pool_free(&p);
}

#define HDR "tenant,model,gpus,start,end\n"

TEST(grantfile_bad)
{
	expect_fail(__LINE__, "tenant,model,gpus,start\n", ERR_INVALID,
		    "g.csv:1: header: no column \"end\" (the first line must "
		    "name the columns)");
	expect_fail(__LINE__, HDR "a,H100,8,0,10\na,A100,8,0,10\n", ERR_INVALID,
		    "g.csv:3: model: no GPU model \"A100\" in the pool");
	expect_fail(__LINE__, HDR "a,H100,0,0,10\n", ERR_INVALID,
		    "g.csv:2: gpus: expected an integer 1..10000000, got \"0\"");
	expect_fail(__LINE__, HDR "a,H100,8,10,10\n", ERR_INVALID,
		    "g.csv:2: end: must be after start (10 <= 10)");
	expect_fail(__LINE__, HDR "a,H100,8,2025-13-01,2026-01-01\n",
		    ERR_INVALID,
		    "g.csv:2: start: expected seconds or a UTC time "
		    "YYYY-MM-DD[ HH:MM:SS], got \"2025-13-01\"");
	expect_fail(__LINE__, HDR "a,H100,8,-5,10\n", ERR_INVALID,
		    "g.csv:2: start: expected seconds or a UTC time "
		    "YYYY-MM-DD[ HH:MM:SS], got \"-5\"");
	expect_fail(__LINE__, HDR "a b,H100,8,0,10\n", ERR_INVALID,
		    "g.csv:2: tenant: byte 2 of \"a b\" is not a letter, digit "
		    "or one of ._-:/@+");
	expect_fail(__LINE__, HDR "a,H100,8,0\n", ERR_INVALID,
		    "g.csv:2: line: 4 columns, the header has 5");
	expect_fail(__LINE__, HDR ",H100,8,0,10\n", ERR_INVALID,
		    "g.csv:2: tenant: empty");
	expect_fail(__LINE__,
		    "tenant,model,gpus,start,end,borrow_limit\n"
		    "a,H100,8,0,10,-2\n", ERR_INVALID,
		    "g.csv:2: borrow_limit: expected an integer -1..10000000, "
		    "got \"-2\"");
	expect_fail(__LINE__,
		    "tenant,model,gpus,start,end,price_won_hour\n"
		    "a,H100,8,0,10,x\n", ERR_INVALID,
		    "g.csv:2: price_won_hour: expected an integer "
		    "0..4611686018427387903, got \"x\"");
}
