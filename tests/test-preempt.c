/*
 * test-preempt.c — victim choice for reclaim: only borrowers, the
 * documented order, minimal sets after reprieve, and no victim when
 * nothing would help.
 */
#include "model/pool.h"
#include "sched/preempt.h"
#include "sched/quota.h"
#include "test.h"

#define A 0u
#define B 1u

struct world {
	struct pool pool;
	struct quota quota;
	struct job jobs[8];
	struct alloc allocs[8];
	struct alloc_slot slots[8][8];
	struct preempt_cand cand[8];
	size_t n;
};

static void
world_init(struct world *w, int64_t nom_a, int64_t nom_b)
{
	char name[16];

	pool_init(&w->pool);
	pool_model(&w->pool, "B200", NULL, NULL);
	uint32_t s = pool_add_site(&w->pool, "s", "p");
	uint32_t c = pool_add_cluster(&w->pool, "c", s);
	uint32_t r = pool_add_rack(&w->pool, "r", c);
	uint32_t d = pool_add_domain(&w->pool, "d", r);
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof name, "n%d", i);
		CHECK(pool_add_node(&w->pool, name, d, 0, 8, 64000, 1 << 20, NULL) >= 0);
	}
	quota_init(&w->quota, 2, 1);
	quota_set_capacity(&w->quota, 0, 32000);
	quota_set(&w->quota, A, 0, nom_a, -1, -1);
	quota_set(&w->quota, B, 0, nom_b, -1, -1);
	w->n = 0;
}

/* A running job of tenant t on whole nodes[0..k). */
static void
run(struct world *w, uint32_t t, const uint32_t *nodes, int k, int64_t start,
    double prio, uint32_t flags)
{
	size_t i = w->n++;

	w->jobs[i] = (struct job){.id = (uint32_t)(10 + i), .tenant = t,
				  .nodes = (uint16_t)k, .gpus_per_node = 8,
				  .gpu_milli = 1000, .start = start,
				  .flags = flags, .state = JOB_RUNNING};
	w->allocs[i] = (struct alloc){.nslots = (uint16_t)k, .milli = 1000,
				      .slots = w->slots[i]};
	for (int x = 0; x < k; x++) {
		w->slots[i][x] = (struct alloc_slot){nodes[x], 0xff};
		CHECK_EQ_INT(pool_alloc(&w->pool, nodes[x], 0, 0, 0xff, 1000), 0);
	}
	quota_charge(&w->quota, t, 0, 8000 * k);
	w->cand[i] = (struct preempt_cand){&w->jobs[i], &w->allocs[i], prio, 0, 0};
}

static long
choose(struct world *w, const struct job *j, uint32_t *v)
{
	struct preempt_input in = {&w->pool, &w->quota, w->cand, w->n, j, 0, 0, NULL, 0, NULL};

	return preempt_choose(&in, v, NULL);
}

static void
world_free(struct world *w)
{
	quota_free(&w->quota);
	pool_free(&w->pool);
}

TEST(preempt_order_and_reprieve)
{
	struct world w;
	uint32_t v[8];
	struct job ja = {.id = 1, .tenant = A, .nodes = 2, .gpus_per_node = 8,
			 .gpu_milli = 1000};

	world_init(&w, 16000, 16000);
	/* B holds all 32 GPUs, borrowing 16.  By start time (most recent
	 * first): X (node 0), then Y (nodes 1-2), then Z (node 3). */
	run(&w, B, (uint32_t[]){0}, 1, 100, 5, 0);    /* X */
	run(&w, B, (uint32_t[]){1, 2}, 2, 50, 5, 0);  /* Y */
	run(&w, B, (uint32_t[]){3}, 1, 10, 5, 0);     /* Z */
	CHECK_EQ_INT(choose(&w, &ja, v), 1);
	CHECK_EQ_INT(v[0], 1); /* Y alone; X was taken, then reprieved */
	/* Checkpointable jobs go first: make Z checkpointable. */
	w.jobs[2].flags = JOB_CHECKPOINTABLE;
	ja.nodes = 1;
	CHECK_EQ_INT(choose(&w, &ja, v), 1);
	CHECK_EQ_INT(v[0], 2);
	/* Lower priority before more recent start. */
	w.jobs[2].flags = 0;
	w.cand[2].prio = 1;
	CHECK_EQ_INT(choose(&w, &ja, v), 1);
	CHECK_EQ_INT(v[0], 2);
	world_free(&w);
}

TEST(preempt_only_borrowers)
{
	struct world w;
	uint32_t v[8];
	struct job ja = {.id = 1, .tenant = A, .nodes = 2, .gpus_per_node = 8,
			 .gpu_milli = 1000};

	/* A runs 8 on node 0, B 24 on nodes 1-3 (borrowing 8). */
	world_init(&w, 16000, 16000);
	run(&w, A, (uint32_t[]){0}, 1, 1, 5, 0);
	run(&w, B, (uint32_t[]){1}, 1, 2, 5, 0);
	run(&w, B, (uint32_t[]){2}, 1, 3, 5, 0);
	run(&w, B, (uint32_t[]){3}, 1, 4, 5, 0);
	/* A asking 16 more would go above its nominal: no reclaim. */
	CHECK_EQ_INT(choose(&w, &ja, v), -1);
	/* 8 more is within its nominal: one of B's jobs goes, the newest. */
	ja.nodes = 1;
	CHECK_EQ_INT(choose(&w, &ja, v), 1);
	CHECK_EQ_INT(v[0], 3);
	/* B within nominal: nothing to reclaim from B. */
	world_free(&w);
	world_init(&w, 16000, 16000);
	run(&w, A, (uint32_t[]){0, 1}, 2, 1, 5, 0);
	run(&w, B, (uint32_t[]){2, 3}, 2, 2, 5, 0);
	CHECK_EQ_INT(choose(&w, &ja, v), -1);
	world_free(&w);
}
