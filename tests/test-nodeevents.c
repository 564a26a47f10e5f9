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
#include <stdlib.h>
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

/* ---- the simulator with capacity events ------------------------------- */

struct jspec {
	int64_t submit, duration;
	int gpus; /* whole GPUs; 16 = two 8-GPU nodes */
	uint32_t flags;
};

static void
make_workload(struct workload *w, const struct jspec *js, int n)
{
	workload_init(w);
	CHECK_EQ_INT(strtab_intern(&w->tenants, "t", 1), 0);
	for (int i = 0; i < n; i++) {
		struct job j;
		memset(&j, 0, sizeof j);
		j.nodes = js[i].gpus > 8 ? (uint16_t)(js[i].gpus / 8) : 1;
		j.gpus_per_node = js[i].gpus > 8 ? 8 : (uint16_t)js[i].gpus;
		j.gpu_milli = MILLI;
		j.submit = js[i].submit;
		j.duration = js[i].duration;
		j.flags = js[i].flags;
		workload_add(w, &j);
	}
}

/* Runs w on p with the events in text, in order `order`; returns the
 * simulator (the caller frees it). */
static struct sim *
run_with(struct pool *p, struct workload *w, struct nodeevents *ev,
	 const char *text, int order, int64_t ckpt)
{
	struct sim_opts o;
	struct sim *s;
	struct err e;

	nodeevents_init(ev);
	CHECK_EQ_INT(parse(text, p, ev, &e), 0);
	sim_opts_init(&o);
	o.order = order;
	o.events = ev;
	o.checkpoint_s = ckpt;
	s = sim_new(p, w, &o);
	if (sim_run(s, &e) != 0)
		test_fail(__FILE__, __LINE__, "sim_run: %s", e.msg);
	return s;
}

/*
 * One 8-GPU node.  J0 (8 GPUs, 100 s, not checkpointable) starts at 0; J1
 * (8 GPUs, 50 s) arrives at 10 and waits.  The node fails at 30: J0 is
 * requeued with all its work to do (240 GPU-s lost) and both wait for
 * capacity; it is repaired at 60 and J0, submitted first, goes first
 * (back at its place, not behind J1): 60..160, then J1 160..210.  Pending:
 * J1 alone over [10, 30), both over [30, 60), J1 over [60, 160): 4 job-
 * passes and 20 + 60 + 100 = 180 job-seconds, all for resources.  The node
 * was down 30 of 210 s; allocated 8 x (30 + 100 + 50) of 8 x 210.
 * The same in every order.
 */
TEST(sim_events_fail_requeue)
{
	static const struct jspec js[2] = {{0, 100, 8, 0}, {10, 50, 8, 0}};
	const char *text = "time,node,action\n30,n0,fail\n60,n0,repair\n";

	for (int order = 0; order < SCHED_NORDERS; order++) {
		struct pool p;
		struct workload w;
		struct nodeevents ev;
		struct sim *s;
		const struct sim_stats *st;
		const struct metrics *m;

		small_pool(&p, 1);
		make_workload(&w, js, 2);
		s = run_with(&p, &w, &ev, text, order, 3600);
		st = sim_stats(s);
		m = sim_metrics(s);
		CHECK_EQ_INT(w.jobs[0].state, JOB_COMPLETED);
		CHECK_EQ_INT(w.jobs[0].start, 60);
		CHECK_EQ_INT(w.jobs[0].end, 160);
		CHECK_EQ_INT(w.jobs[1].start, 160);
		CHECK_EQ_INT(w.jobs[1].end, 210);
		CHECK_EQ_INT(st->requeued, 1);
		CHECK_EQ_INT(st->lost_gpu_s, 240);
		CHECK_EQ_INT(st->node_events, 2);
		CHECK_EQ_INT(st->stuck, 0);
		CHECK_EQ_INT(st->reasons[SCHED_REASON_RESOURCES], 4);
		CHECK_EQ_INT(st->reasons[SCHED_REASON_PRIORITY], 0);
		CHECK_EQ_INT(st->reason_s[SCHED_REASON_RESOURCES], 180);
		CHECK_EQ_INT(m->completed, 2);
		CHECK_NEAR(m->alloc_pct, 100.0 * 180 / 210, 1e-9);
		CHECK_NEAR(m->down_pct, 100.0 * 30 / 210, 1e-9);
		/* The pool is as it was. */
		CHECK_EQ_INT(p.nodes[0].state, NODE_UP);
		CHECK_EQ_INT(pool_gpu_milli_free(&p), 8 * MILLI);
		sim_free(s);
		nodeevents_free(&ev);
		workload_free(&w);
		pool_free(&p);
	}
}

/*
 * Checkpoints: J0 (checkpointable, 100 s) fails at 50 with checkpoints
 * every 20 s: it keeps 40 s of work, loses 10 s (80 GPU-s), and after the
 * repair at 70 runs its last 60 s: 70..130.  With checkpoint_s = 0 it
 * loses nothing and runs 70..120; a job that is not checkpointable starts
 * over (70..170).
 */
TEST(sim_events_checkpoint)
{
	static const struct {
		uint32_t flags;
		int64_t ckpt, end, lost;
	} c[3] = {
		{JOB_CHECKPOINTABLE, 20, 130, 80},
		{JOB_CHECKPOINTABLE, 0, 120, 0},
		{0, 20, 170, 400},
	};
	const char *text = "time,node,action\n50,n0,fail\n70,n0,repair\n";

	for (int order = 0; order < SCHED_NORDERS; order++)
		for (int k = 0; k < 3; k++) {
			struct jspec js = {0, 100, 8, c[k].flags};
			struct pool p;
			struct workload w;
			struct nodeevents ev;
			struct sim *s;

			small_pool(&p, 1);
			make_workload(&w, &js, 1);
			s = run_with(&p, &w, &ev, text, order, c[k].ckpt);
			CHECK_EQ_INT(w.jobs[0].start, 70);
			CHECK_EQ_INT(w.jobs[0].end, c[k].end);
			CHECK_EQ_INT(w.jobs[0].state, JOB_COMPLETED);
			CHECK_EQ_INT(sim_stats(s)->lost_gpu_s, c[k].lost);
			sim_free(s);
			nodeevents_free(&ev);
			workload_free(&w);
			pool_free(&p);
		}
}

/*
 * Join and leave: n1 joins at 50 (ABSENT before), n0 leaves at 20 while
 * J0 (0..40) runs on it: it drains, and goes at 40 when J0 ends.  J1
 * (8 GPUs, from 10) waits for resources, then for capacity (no node at
 * all over [40, 50)), and runs on n1 50..60.  J2 asks for two nodes: it
 * fits the pool at its fullest (n0 and n1) but the two are never there at
 * once, so it is never started: stuck, unfinished, not rejected.
 * Capacity was 8 GPUs over [0, 40), none over [40, 50), 8 over [50, 60):
 * 400 GPU-s, all of it allocated.
 */
TEST(sim_events_join_leave)
{
	static const struct jspec js[3] = {
		{0, 40, 8, 0}, {0, 5, 16, 0}, {10, 10, 8, 0}};
	const char *text = "time,node,action\n50,n1,join\n20,n0,leave\n";

	for (int order = 0; order < SCHED_NORDERS; order++) {
		struct pool p;
		struct workload w;
		struct nodeevents ev;
		struct sim *s;
		const struct metrics *m;

		small_pool(&p, 2);
		make_workload(&w, js, 3);
		s = run_with(&p, &w, &ev, text, order, 3600);
		m = sim_metrics(s);
		CHECK_EQ_INT(w.jobs[0].start, 0);
		CHECK_EQ_INT(w.jobs[0].end, 40);
		CHECK_EQ_INT(w.jobs[2].start, 50);
		CHECK_EQ_INT(w.jobs[2].end, 60);
		CHECK_EQ_INT(w.jobs[1].state, JOB_PENDING);
		CHECK_EQ_INT(w.jobs[1].start, -1);
		CHECK_EQ_INT(sim_stats(s)->stuck, 1);
		CHECK_EQ_INT(m->unfinished, 1);
		CHECK_EQ_INT(m->rejected, 0);
		CHECK_EQ_INT(m->t_end, 60);
		CHECK_NEAR(m->alloc_pct, 100.0, 1e-9);
		CHECK_EQ_INT(m->int_cap, (uint64_t)400 * MILLI);
		CHECK_EQ_INT(p.nodes[0].state, NODE_UP);
		CHECK_EQ_INT(p.nodes[1].state, NODE_UP);
		CHECK_EQ_INT(p.total_gpus, 16);
		sim_free(s);
		nodeevents_free(&ev);
		workload_free(&w);
		pool_free(&p);
	}
}

/* ---- random replays with capacity events ------------------------------ */

struct inv {
	size_t events, node_events;
	uint32_t *gpu_used; /* per node * 8 + gpu */
	uint32_t *cpu_used; /* per node */
};

/* At every event: the pool's allocations are exactly the running jobs'
 * allocs, and nothing runs on a DOWN or ABSENT node. */
static void
check_pool(void *ctx, const struct sim *s, const struct event *ev)
{
	struct inv *iv = ctx;
	const struct pool *p = sim_pool(s);
	const struct workload *w = sim_workload(s);

	iv->events++;
	if (event_kind_of(ev) == EV_NODE)
		iv->node_events++;
	memset(iv->gpu_used, 0, p->nnodes * 8 * sizeof *iv->gpu_used);
	memset(iv->cpu_used, 0, p->nnodes * sizeof *iv->cpu_used);
	for (uint32_t id = 0; id < w->njobs; id++) {
		const struct alloc *a = sim_job_alloc(s, id);
		const struct job *j = &w->jobs[id];
		if (a == NULL)
			continue;
		for (size_t k = 0; k < a->nslots; k++) {
			uint32_t n = a->slots[k].node;
			CHECK(p->nodes[n].state == NODE_UP ||
			      p->nodes[n].state == NODE_DRAIN);
			iv->cpu_used[n] += j->cpu_milli;
			for (int g = 0; g < 8; g++)
				if (a->slots[k].gpu_mask >> g & 1)
					iv->gpu_used[n * 8 + g] += a->milli;
		}
	}
	for (size_t n = 0; n < p->nnodes; n++) {
		const struct node *nd = &p->nodes[n];
		CHECK_EQ_INT(nd->cpu_milli - nd->cpu_free, iv->cpu_used[n]);
		for (int g = 0; g < nd->ngpu; g++)
			CHECK_EQ_INT(MILLI - nd->gpu_free[g], iv->gpu_used[n * 8 + g]);
	}
}

/* A xorshift stream: the test needs no more. */
static uint64_t
next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void
random_jobs(struct workload *w, uint64_t seed, int n)
{
	static const int gpus[] = {1, 1, 2, 4, 8, 8, 0, 1};
	uint64_t x = seed * 0x9e3779b97f4a7c15u + 1;

	workload_init(w);
	CHECK_EQ_INT(strtab_intern(&w->tenants, "a", 1), 0);
	CHECK_EQ_INT(strtab_intern(&w->tenants, "b", 1), 1);
	for (int i = 0; i < n; i++) {
		struct job j;
		memset(&j, 0, sizeof j);
		j.nodes = 1;
		j.gpus_per_node = (uint16_t)gpus[next_rand(&x) % 8];
		j.gpu_milli = MILLI;
		if (j.gpus_per_node == 1 && next_rand(&x) % 3 == 0)
			j.gpu_milli = (uint16_t)(250 * (1 + next_rand(&x) % 3));
		if (j.gpus_per_node == 8 && next_rand(&x) % 3 == 0)
			j.nodes = (uint16_t)(2 + next_rand(&x) % 2);
		if (j.gpus_per_node == 8 && next_rand(&x) % 9 == 0)
			j.nodes = 7; /* never fits six nodes */
		j.cpu_milli = (uint32_t)(1000 * (next_rand(&x) % 8));
		j.submit = i / 2 * 9 + (int64_t)(next_rand(&x) % 5);
		j.duration = (int64_t)(next_rand(&x) % 150);
		if (next_rand(&x) % 2 == 0)
			j.flags |= JOB_CHECKPOINTABLE;
		j.tenant = (uint32_t)(next_rand(&x) % 2);
		workload_add(w, &j);
	}
}

/* Random fails, drains and repairs; n5 first joins at 300; everything is
 * repaired at 9000, so every job that fits the full pool completes. */
static void
random_events(char *buf, size_t cap, uint64_t seed)
{
	static const char *const act[] = {"fail", "drain", "leave"};
	uint64_t x = seed * 0xbf58476d1ce4e5b9u + 7;
	size_t n = (size_t)snprintf(buf, cap, "time,node,action\n300,n5,join\n");

	for (int k = 0; k < 40; k++) {
		int64_t t = (int64_t)(next_rand(&x) % 2500);
		int node = (int)(next_rand(&x) % 6);
		const char *a = act[next_rand(&x) % 3];
		n += (size_t)snprintf(buf + n, cap - n, "%lld,n%d,%s\n%lld,n%d,%s\n",
				      (long long)t, node, a,
				      (long long)(t + 1 + (int64_t)(next_rand(&x) % 400)),
				      node, strcmp(a, "leave") == 0 ? "join" : "repair");
	}
	n += (size_t)snprintf(buf + n, cap - n, "9000,n[0-5],join\n");
	CHECK(n < cap);
}

TEST(sim_events_random_invariants)
{
	struct pool p;
	struct inv iv;
	char text[8192];
	uint64_t requeued = 0;

	/* Five 8-GPU nodes and a 4-GPU one. */
	pool_init(&p);
	CHECK_EQ_INT(pool_model(&p, "H100", NULL, NULL), 0);
	for (int i = 0; i < 6; i++) {
		char name[16];
		snprintf(name, sizeof name, "n%d", i);
		CHECK_EQ_INT(pool_add_node(&p, name, UINT32_MAX, 0, i == 5 ? 4 : 8,
					   32000, 262144, NULL), i);
	}
	iv.gpu_used = calloc(p.nnodes * 8, sizeof *iv.gpu_used);
	iv.cpu_used = calloc(p.nnodes, sizeof *iv.cpu_used);
	/* Priority runs with FGD also get quotas that change at 1500: the
	 * quotas' capacity follows nodes that join and leave. */
	struct grants gs;
	static const struct grant gv[3] = {
		{.tenant = 0, .gpus = 24, .start = 0, .end = 1500,
		 .borrow_limit = -1, .lend_limit = -1},
		{.tenant = 1, .gpus = 12, .start = 0, .end = 100000,
		 .borrow_limit = 16, .lend_limit = 8},
		{.tenant = 0, .gpus = 8, .start = 1500, .end = 100000,
		 .borrow_limit = -1, .lend_limit = -1},
	};
	grants_init(&gs);
	for (int k = 0; k < 3; k++)
		CHECK(grants_add(&gs, &gv[k], 1, NULL) >= 0);
	for (int order = 0; order < SCHED_NORDERS; order++)
		for (int pol = PLACE_PACKING; pol <= PLACE_FGD; pol++) {
			struct workload w;
			struct nodeevents ev;
			struct sim_opts o;
			struct sim *s;
			struct err e;
			uint64_t seed = (uint64_t)(order * 7 + pol + 1);

			random_jobs(&w, seed, 300);
			random_events(text, sizeof text, seed);
			nodeevents_init(&ev);
			CHECK_EQ_INT(parse(text, &p, &ev, &e), 0);
			sim_opts_init(&o);
			o.order = order;
			o.policy = pol;
			o.events = &ev;
			o.checkpoint_s = 30;
			if (order == SCHED_PRIORITY && pol == PLACE_FGD)
				o.grants = &gs;
			o.hook = check_pool;
			o.hook_ctx = &iv;
			iv.events = iv.node_events = 0;
			s = sim_new(&p, &w, &o);
			CHECK_EQ_INT(sim_run(s, &e), 0);
			for (size_t i = 0; i < w.njobs; i++) {
				const struct job *j = &w.jobs[i];
				if (j->nodes == 7) {
					CHECK_EQ_INT(j->state, JOB_CANCELLED);
					continue;
				}
				CHECK_EQ_INT(j->state, JOB_COMPLETED);
				CHECK(j->start >= j->submit);
				if (j->flags & JOB_CHECKPOINTABLE)
					CHECK(j->end - j->start <= j->duration);
				else
					CHECK_EQ_INT(j->end - j->start, j->duration);
			}
			CHECK_EQ_INT(sim_stats(s)->stuck, 0);
			CHECK(iv.node_events > 0);
			CHECK_EQ_INT(iv.node_events, sim_stats(s)->node_events);
			requeued += sim_stats(s)->requeued;
			for (size_t n = 0; n < p.nnodes; n++)
				CHECK_EQ_INT(p.nodes[n].state, NODE_UP);
			CHECK_EQ_INT(pool_gpu_milli_free(&p), pool_gpu_milli_total(&p));
			CHECK_EQ_INT(p.total_gpus, 44);
			sim_free(s);
			nodeevents_free(&ev);
			workload_free(&w);
		}
	CHECK(requeued > 0);
	grants_free(&gs);
	free(iv.gpu_used);
	free(iv.cpu_used);
	pool_free(&p);
}
