/*
 * test-backfill.c — reservation planning: earliest starts from running
 * jobs' ends, later reservations planned around earlier ones, jobs without
 * limits, and the hold map that backfilled jobs must respect.
 */
#include <stdlib.h>

#include "model/pool.h"
#include "sched/backfill.h"
#include "test.h"
#include "util/rng.h"

/* One domain of `n` nodes x 8 GPUs. */
static void
line_pool(struct pool *p, int n)
{
	char name[32];

	pool_init(p);
	pool_model(p, "B200", NULL, NULL);
	uint32_t s = pool_add_site(p, "s", "p");
	uint32_t c = pool_add_cluster(p, "c", s);
	uint32_t r = pool_add_rack(p, "r", c);
	uint32_t d = pool_add_domain(p, "d", r);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof name, "n%d", i);
		CHECK(pool_add_node(p, name, d, 0, 8, 64000, 1 << 20, NULL) >= 0);
	}
}

struct running {
	struct job job;
	struct alloc alloc;
	struct alloc_slot slots[8];
};

static void
run_on(struct pool *p, struct running *r, const uint32_t *nodes, int k,
       int64_t end, struct bf_running *out)
{
	r->job = (struct job){.nodes = (uint16_t)k, .gpus_per_node = 8,
			      .gpu_milli = 1000, .cpu_milli = 1000};
	r->alloc = (struct alloc){.nslots = (uint16_t)k, .milli = 1000,
				  .slots = r->slots};
	for (int i = 0; i < k; i++) {
		r->slots[i] = (struct alloc_slot){nodes[i], 0xff};
		CHECK_EQ_INT(pool_alloc(p, nodes[i], 1000, 0, 0xff, 1000), 0);
	}
	*out = (struct bf_running){&r->job, &r->alloc, end};
}

static struct job
want(uint32_t id, int nodes, int64_t limit)
{
	return (struct job){.id = id, .nodes = (uint16_t)nodes,
			    .gpus_per_node = 8, .gpu_milli = 1000,
			    .cpu_milli = 1000, .time_limit = limit};
}

TEST(backfill_plan_earliest_starts)
{
	struct pool p;
	struct running ra, rb;
	struct bf_running run[2];
	struct bf_resv out[3];

	line_pool(&p, 4);
	run_on(&p, &ra, (uint32_t[]){0, 1}, 2, 100, &run[0]);
	run_on(&p, &rb, (uint32_t[]){2}, 1, 50, &run[1]);
	struct job j1 = want(1, 3, 100), j2 = want(2, 2, 10), j3 = want(3, 2, 100);
	const struct job *blocked[3] = {&j1, &j2, &j3};
	backfill_plan(&p, run, 2, blocked, 3, 0, 0, out);
	CHECK_EQ_INT(out[0].start, 100);
	CHECK_EQ_INT(out[0].end, 200);
	CHECK_EQ_INT(out[0].nnodes, 3);
	CHECK_EQ_INT(out[1].start, 50); /* fits before j1's reservation */
	CHECK_EQ_INT(out[1].end, 60);
	CHECK_EQ_INT(out[2].start, 200); /* would overlap j1 on any earlier start */
	/* The reservations hold the nodes the planner chose. */
	CHECK_EQ_INT(out[1].nnodes, 2);
	CHECK_EQ_INT(out[1].gpus, 8);
	backfill_resv_free(out, 3);
	pool_free(&p);
}

TEST(backfill_unlimited_and_shares)
{
	struct pool p;
	struct running ra;
	struct bf_running run[1];
	struct bf_resv out[2];

	line_pool(&p, 2);
	run_on(&p, &ra, (uint32_t[]){0}, 1, BACKFILL_NEVER, &run[0]);
	struct job j1 = want(1, 2, 100);
	struct job share = {.id = 2, .nodes = 1, .gpus_per_node = 1,
			    .gpu_milli = 500};
	const struct job *blocked[2] = {&j1, &share};
	backfill_plan(&p, run, 1, blocked, 2, 0, 0, out);
	CHECK_EQ_INT(out[0].start, BACKFILL_NEVER);
	CHECK_EQ_INT(out[1].start, BACKFILL_NEVER);
	CHECK_EQ_INT(out[1].nnodes, 0);
	backfill_resv_free(out, 2);
	/* Horizon: an end beyond it is not planned for. */
	pool_free(&p);
	line_pool(&p, 2);
	run_on(&p, &ra, (uint32_t[]){0}, 1, 5000, &run[0]);
	backfill_plan(&p, run, 1, blocked, 1, 0, 1000, out);
	CHECK_EQ_INT(out[0].start, BACKFILL_NEVER);
	backfill_plan(&p, run, 1, blocked, 1, 0, 0, out + 1);
	CHECK_EQ_INT(out[1].start, 5000);
	backfill_resv_free(out, 2);
	pool_free(&p);
}

/* Randomised: reservations never overlap on a node in time beyond its
 * GPUs, every reservation starts no earlier than now, and the plan is
 * deterministic. */
TEST(backfill_random_no_overlap)
{
	struct rng r;

	rng_seed(&r, 5);
	for (int round = 0; round < 60; round++) {
		struct pool p;
		struct running rs[6];
		struct bf_running run[6];
		struct job js[5];
		const struct job *blocked[5];
		struct bf_resv a[5], b[5];
		int nrun = 0;

		line_pool(&p, 6);
		for (uint32_t n = 0; n < 6; n++)
			if (rng_below(&r, 3) != 0) {
				run_on(&p, &rs[nrun], &n, 1,
				       (int64_t)(1 + rng_below(&r, 100)), &run[nrun]);
				nrun++;
			}
		for (int i = 0; i < 5; i++) {
			js[i] = want((uint32_t)i, 1 + (int)rng_below(&r, 6),
				     (int64_t)(1 + rng_below(&r, 80)));
			blocked[i] = &js[i];
		}
		backfill_plan(&p, run, (size_t)nrun, blocked, 5, 0, 0, a);
		backfill_plan(&p, run, (size_t)nrun, blocked, 5, 0, 0, b);
		for (int i = 0; i < 5; i++) {
			CHECK_EQ_INT(a[i].start, b[i].start);
			CHECK(a[i].start != BACKFILL_NEVER); /* all have limits */
			for (int k = 0; k < i; k++) {
				if (a[k].end <= a[i].start || a[i].end <= a[k].start)
					continue;
				for (uint32_t x = 0; x < a[i].nnodes; x++)
					for (uint32_t y = 0; y < a[k].nnodes; y++)
						CHECK(a[i].nodes[x] != a[k].nodes[y]);
			}
			/* A node still running at the start is not reserved. */
			for (int q = 0; q < nrun; q++)
				for (uint32_t x = 0; x < a[i].nnodes; x++)
					if (a[i].nodes[x] == rs[q].slots[0].node)
						CHECK(run[q].end <= a[i].start);
		}
		backfill_resv_free(a, 5);
		backfill_resv_free(b, 5);
		pool_free(&p);
	}
}
