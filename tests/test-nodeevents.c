/*
 * test-nodeevents.c — capacity over time: the events file reader
 * (sim/nodeevents.h) with exact events, ranges, sorting and the place of
 * every kind of bad input; then the simulator applying the events (join,
 * leave, drain, fail with requeue and checkpoints, repair) in all three
 * orders on small hand-made pools, with every start and end worked out by
 * hand.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "model/job.h"
#include "model/pool.h"
#include "sched/sched.h"
#include "sim/nodeevents.h"
#include "sim/sim.h"
#include "test.h"

/* n nodes "n0".."n{n-1}" of 8 GPUs (model H100), each its own domain. */
static void
small_pool(struct pool *p, int n)
{
	char name[16];

	pool_init(p);
	CHECK_EQ_INT(pool_model(p, "H100", NULL, NULL), 0);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof name, "n%d", i);
		CHECK_EQ_INT(pool_add_node(p, name, UINT32_MAX, 0, 8, 64000,
					   524288, NULL), i);
	}
}

static int
parse(const char *text, const struct pool *p, struct nodeevents *ev,
      struct err *e)
{
	return nodeevents_parse("ev.csv", text, strlen(text), p, ev, e);
}

TEST(nodeevents_good)
{
	struct pool p;
	struct nodeevents ev;
	struct err e;
	char name[16];

	/* Nodes n0000..n0011 as well as the short names below. */
	pool_init(&p);
	CHECK_EQ_INT(pool_model(&p, "H100", NULL, NULL), 0);
	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof name, "n%04d", i);
		CHECK_EQ_INT(pool_add_node(&p, name, UINT32_MAX, 0, 8, 64000,
					   524288, NULL), i);
	}
	CHECK_EQ_INT(pool_add_node(&p, "gpu8.a", UINT32_MAX, 0, 8, 64000, 524288,
				   NULL), 12);
	nodeevents_init(&ev);
	CHECK_EQ_INT(parse("action,time,node\n"
			   "fail,200,n0003\n"
			   "join,100,n[0008-0011]\n"
			   "\n"
			   "repair,2017-10-01,n0003\n"
			   "drain,100,gpu8.a\n"
			   "leave,200,n[0000-0001]\n", &p, &ev, &e), 0);
	CHECK_EQ_INT(ev.n, 9);
	/* Sorted by time, ties in file order (ranges in range order). */
	static const struct {
		int64_t t;
		uint32_t node;
		int a;
	} want[9] = {
		{100, 8, NODEEVENT_JOIN},   {100, 9, NODEEVENT_JOIN},
		{100, 10, NODEEVENT_JOIN},  {100, 11, NODEEVENT_JOIN},
		{100, 12, NODEEVENT_DRAIN}, {200, 3, NODEEVENT_FAIL},
		{200, 0, NODEEVENT_LEAVE},  {200, 1, NODEEVENT_LEAVE},
		{1506816000, 3, NODEEVENT_REPAIR},
	};
	for (int i = 0; i < 9; i++) {
		CHECK_EQ_INT(ev.v[i].time, want[i].t);
		CHECK_EQ_INT(ev.v[i].node, want[i].node);
		CHECK_EQ_INT(ev.v[i].action, want[i].a);
	}
	nodeevents_free(&ev);
	CHECK_STR(nodeevents_action_name(NODEEVENT_REPAIR), "repair");
	CHECK_STR(nodeevents_action_name(NODEEVENT_NACTIONS), "?");
	pool_free(&p);
}

static void
expect_fail(int line, const char *text, int code, const char *want)
{
	struct pool p;
	struct nodeevents ev;
	struct err e;
	int rc;

	small_pool(&p, 4);
	CHECK(pool_add_node(&p, "x9", UINT32_MAX, 0, 8, 64000, 524288, NULL) > 0);
	nodeevents_init(&ev);
	rc = parse(text, &p, &ev, &e);
	if (rc != code || strcmp(e.msg, want) != 0)
		test_fail(__FILE__, line, "rc %d (want %d), message\n  \"%s\"\n"
			  "want\n  \"%s\"", rc, code, e.msg, want);
	if (ev.n != 0 || ev.v != NULL)
		test_fail(__FILE__, line, "%zu events after a failed read", ev.n);
	pool_free(&p);
}

#define HDR "time,node,action\n"

TEST(nodeevents_bad)
{
	expect_fail(__LINE__, "time,node\n", ERR_INVALID,
		    "ev.csv:1: header: no column \"action\" (the first line "
		    "must name the columns)");
	expect_fail(__LINE__, HDR "0,n1,fail\n5,n7,fail\n", ERR_INVALID,
		    "ev.csv:3: node: no node \"n7\" in the pool");
	/* "s" is a site name in the pool's table, not a node. */
	expect_fail(__LINE__, HDR "0,n[0-4],drain\n", ERR_INVALID,
		    "ev.csv:2: node: no node \"n4\" in the pool");
	expect_fail(__LINE__, HDR "0,n[3-1],drain\n", ERR_INVALID,
		    "ev.csv:2: node: range 3-1 runs backwards");
	expect_fail(__LINE__, HDR "0,n[0-x],drain\n", ERR_INVALID,
		    "ev.csv:2: node: expected a name or a range "
		    "PREFIX[LO-HI]SUFFIX (1..9 digits each), got \"n[0-x]\"");
	expect_fail(__LINE__, HDR "0,n[0-1,drain\n", ERR_INVALID,
		    "ev.csv:2: node: expected a name or a range "
		    "PREFIX[LO-HI]SUFFIX (1..9 digits each), got \"n[0-1\"");
	expect_fail(__LINE__, HDR "0,x[0-1999999],drain\n", ERR_INVALID,
		    "ev.csv:2: node: range of 2000000 names: at most 1000000");
	expect_fail(__LINE__, HDR "0,n 1,drain\n", ERR_INVALID,
		    "ev.csv:2: node: byte 2 of \"n 1\" is not a letter, digit or "
		    "one of ._-:/@+");
	expect_fail(__LINE__, HDR "0,n1,explode\n", ERR_INVALID,
		    "ev.csv:2: action: expected join, leave, drain, fail or "
		    "repair, got \"explode\"");
	expect_fail(__LINE__, HDR "yesterday,n1,fail\n", ERR_INVALID,
		    "ev.csv:2: time: expected seconds or a UTC time "
		    "YYYY-MM-DD[ HH:MM:SS], got \"yesterday\"");
	expect_fail(__LINE__, HDR "1,n1\n", ERR_INVALID,
		    "ev.csv:2: line: 2 columns, the header has 3");
	expect_fail(__LINE__, HDR "1,x[9-9],fail\n2,x[0-8],fail\n", ERR_INVALID,
		    "ev.csv:3: node: no node \"x0\" in the pool");
}
