/*
 * test-fairshare.c — the tenant tree, usage decay, Fair Tree ranking and
 * the multifactor priority formula, against hand-computed values.
 */
#include <math.h>

#include "model/tenant.h"
#include "sched/fairshare.h"
#include "sched/prio.h"
#include "test.h"

TEST(tenant_tree_basic)
{
	struct tenant_tree t;
	struct err e;
	long a, b, u;

	tenant_tree_init(&t);
	a = tenant_add(&t, "compete", TENANT_ROOT, 1, &e);
	b = tenant_add(&t, "opencall", TENANT_ROOT, 1, &e);
	u = tenant_add(&t, "lg", (uint32_t)a, 1, &e);
	CHECK(a == 1 && b == 2 && u == 3);
	CHECK_EQ_INT(tenant_add(&t, "lg", (uint32_t)b, 1, &e), ERR_CONFLICT);
	CHECK_CONTAINS(e.msg, "already exists");
	CHECK_EQ_INT(tenant_add(&t, "", TENANT_ROOT, 1, &e), ERR_INVALID);
	CHECK_EQ_INT(tenant_add(&t, "x", 99, 1, &e), ERR_INVALID);
	CHECK_EQ_INT(tenant_find(&t, "lg"), 3);
	CHECK_EQ_INT(tenant_find(&t, "nope"), -1);
	CHECK_STR(tenant_name(&t, 2), "opencall");
	CHECK(tenant_is_leaf(&t, 3));
	CHECK(!tenant_is_leaf(&t, 1));
	CHECK(tenant_is_ancestor(&t, 1, 3));
	CHECK(!tenant_is_ancestor(&t, 2, 3));
	CHECK_EQ_INT(t.v[3].depth, 2);
	tenant_tree_free(&t);
}

TEST(fairshare_decay_half_life)
{
	double u[2] = {100, 8};

	fairshare_decay(u, 2, 7 * 86400.0, FAIRSHARE_HALF_LIFE_DEFAULT);
	CHECK_NEAR(u[0], 50, 1e-9);
	CHECK_NEAR(u[1], 4, 1e-9);
	fairshare_decay(u, 2, 14 * 86400.0, FAIRSHARE_HALF_LIFE_DEFAULT);
	CHECK_NEAR(u[0], 12.5, 1e-9);
	fairshare_decay(u, 2, 1e9, 0); /* no decay */
	CHECK_NEAR(u[0], 12.5, 1e-9);
}

/*
 * root
 *  ├─ A (shares 1): a1, a2
 *  └─ B (shares 1): b1
 * Usage a1 = 10, a2 = 0, b1 = 30.  Level 1: A has LF = 0.5/0.25 = 2,
 * B has 0.5/0.75 = 0.67, so A's users rank first: a2 (LF inf), a1, then
 * b1.  Three leaves: factors 3/3, 2/3, 1/3.
 */
TEST(fairshare_fairtree_ranks)
{
	struct tenant_tree t;
	double usage[6] = {0}, f[6];

	tenant_tree_init(&t);
	uint32_t A = (uint32_t)tenant_add(&t, "A", 0, 1, NULL);
	uint32_t B = (uint32_t)tenant_add(&t, "B", 0, 1, NULL);
	uint32_t a1 = (uint32_t)tenant_add(&t, "a1", A, 1, NULL);
	uint32_t a2 = (uint32_t)tenant_add(&t, "a2", A, 1, NULL);
	uint32_t b1 = (uint32_t)tenant_add(&t, "b1", B, 1, NULL);
	usage[a1] = 10;
	usage[b1] = 30;
	fairshare_fairtree(&t, usage, f);
	CHECK_NEAR(f[a2], 1.0, 1e-12);
	CHECK_NEAR(f[a1], 2.0 / 3, 1e-12);
	CHECK_NEAR(f[b1], 1.0 / 3, 1e-12);
	CHECK_EQ_INT(f[A], 0);
	/* a heavy user in a light account beats the heavy account's user */
	usage[a1] = 24;
	usage[b1] = 26;
	fairshare_fairtree(&t, usage, f);
	CHECK(f[a1] > f[b1]);
	/* now B is lighter: b1 first */
	usage[b1] = 5;
	fairshare_fairtree(&t, usage, f);
	CHECK_NEAR(f[b1], 1.0, 1e-12);
	tenant_tree_free(&t);
}

TEST(fairshare_ties_and_zero_shares)
{
	struct tenant_tree t;
	double usage[5] = {0}, f[5];

	tenant_tree_init(&t);
	uint32_t x = (uint32_t)tenant_add(&t, "x", 0, 1, NULL);
	uint32_t y = (uint32_t)tenant_add(&t, "y", 0, 1, NULL);
	uint32_t z = (uint32_t)tenant_add(&t, "z", 0, 0, NULL);
	uint32_t w = (uint32_t)tenant_add(&t, "w", 0, 2, NULL);
	usage[x] = usage[y] = 10;
	usage[w] = 10;
	fairshare_fairtree(&t, usage, f);
	/* w: LF = 0.5/0.333 = 1.5 first; x, y tie at 0.25/0.333; z last. */
	CHECK_NEAR(f[w], 1.0, 1e-12);
	CHECK_NEAR(f[x], 0.75, 1e-12);
	CHECK_NEAR(f[y], 0.75, 1e-12);
	CHECK_NEAR(f[z], 0.25, 1e-12);
	tenant_tree_free(&t);
}

TEST(prio_breakdown)
{
	struct prio_weights w;
	struct prio_parts p;
	struct job j = {.id = 1, .nodes = 2, .gpus_per_node = 8,
			.gpu_milli = 1000, .class = CLASS_TRAINING, .submit = 100};
	struct job k = j;

	prio_defaults(&w);
	prio_compute(&w, &j, 0.5, 100 + 3 * 86400 + 12 * 3600, 160, &p);
	CHECK_NEAR(p.fairshare, 5000, 1e-9);
	CHECK_NEAR(p.age, 500, 1e-9);  /* 3.5 of 7 days */
	CHECK_NEAR(p.size, 100, 1e-9); /* 16 of 160 GPUs */
	CHECK_NEAR(p.class_p, 500, 1e-9);
	CHECK_NEAR(p.total, 6100, 1e-9);
	prio_compute(&w, &j, 0.5, 100 + 30 * 86400, 160, &p);
	CHECK_NEAR(p.age, 1000, 1e-9); /* saturates */
	k.id = 2;
	CHECK(prio_cmp(10, &j, 10, &k) < 0); /* tie: lower id first */
	k.submit = 50;
	CHECK(prio_cmp(10, &j, 10, &k) > 0); /* earlier submit first */
	CHECK(prio_cmp(11, &j, 10, &k) < 0);
}
