/*
 * test-quota.c — cohort quotas: guarantees, borrowing and lending limits,
 * reclaim verdicts, and a randomised check of the shared-pool invariant.
 */
#include "sched/quota.h"
#include "test.h"
#include "util/rng.h"

/* Pool of 100 GPUs of model 0 (milli units).  A has 40 guaranteed, B 40,
 * 20 granted to nobody. */
static void
two_tenants(struct quota *q)
{
	quota_init(q, 2, 1);
	quota_set_capacity(q, 0, 100000);
	quota_set(q, 0, 0, 40000, -1, -1);
	quota_set(q, 1, 0, 40000, -1, -1);
}

TEST(quota_guarantee_and_borrow)
{
	struct quota q;

	two_tenants(&q);
	CHECK_EQ_INT(quota_shared_cap(&q, 0), 100000);
	CHECK_EQ_INT(quota_check(&q, 0, 0, 40000), QUOTA_OK);
	/* A may borrow B's idle guarantee and the unassigned 20. */
	CHECK_EQ_INT(quota_check(&q, 0, 0, 100000), QUOTA_OK);
	CHECK_EQ_INT(quota_check(&q, 0, 0, 100001), QUOTA_COHORT_FULL);
	quota_charge(&q, 0, 0, 90000);
	CHECK_EQ_INT(quota_borrowed(&q, 0, 0), 50000);
	/* B is owed 40 but only 10 are free: reclaim. */
	CHECK_EQ_INT(quota_check(&q, 1, 0, 10000), QUOTA_OK);
	CHECK_EQ_INT(quota_check(&q, 1, 0, 20000), QUOTA_RECLAIM);
	CHECK_STR(quota_verdict_name(QUOTA_RECLAIM), "reclaim");
	/* Above its nominal B is just a borrower finding nothing. */
	quota_charge(&q, 1, 0, 10000);
	CHECK_EQ_INT(quota_check(&q, 1, 0, 40000), QUOTA_COHORT_FULL);
	quota_charge(&q, 0, 0, -90000);
	CHECK_EQ_INT(quota_check(&q, 1, 0, 40000), QUOTA_OK);
	quota_free(&q);
}

TEST(quota_limits)
{
	struct quota q;

	two_tenants(&q);
	/* A may borrow at most 10; B lends at most 10 of its 40. */
	quota_set(&q, 0, 0, 40000, 10000, -1);
	quota_set(&q, 1, 0, 40000, -1, 10000);
	CHECK_EQ_INT(quota_shared_cap(&q, 0), 40000 + 10000 + 20000);
	CHECK_EQ_INT(quota_check(&q, 0, 0, 50000), QUOTA_OK);
	CHECK_EQ_INT(quota_check(&q, 0, 0, 50001), QUOTA_OVER_LIMIT);
	/* B's private 30 can never be borrowed: with A at 50 and B wanting
	 * its 40, B fits. */
	quota_charge(&q, 0, 0, 50000);
	CHECK_EQ_INT(quota_check(&q, 1, 0, 40000), QUOTA_OK);
	/* B beyond nominal: 40 + 20 unassigned - A's 10 borrowed = room 10. */
	CHECK_EQ_INT(quota_check(&q, 1, 0, 50000), QUOTA_OK);
	CHECK_EQ_INT(quota_check(&q, 1, 0, 50001), QUOTA_COHORT_FULL);
	quota_free(&q);
}

/* Randomised: charges and refunds keep shared_used equal to its definition,
 * and admitted usage never exceeds capacity. */
TEST(quota_invariant_random)
{
	struct rng r;

	rng_seed(&r, 1);
	for (int round = 0; round < 200; round++) {
		struct quota q;
		int nt = 1 + (int)rng_below(&r, 6);
		int64_t cap = 1000 * (int64_t)(1 + rng_below(&r, 64));
		int64_t total = 0;

		quota_init(&q, (size_t)nt, 1);
		quota_set_capacity(&q, 0, cap);
		for (int t = 0; t < nt; t++) {
			int64_t nom = cap / nt / 1000 * 1000;
			int64_t bl = rng_below(&r, 2) ? -1 : 1000 * (int64_t)rng_below(&r, 8);
			int64_t ll = rng_below(&r, 2) ? -1 : 1000 * (int64_t)rng_below(&r, 8);
			quota_set(&q, (uint32_t)t, 0, nom, bl, ll);
		}
		for (int step = 0; step < 200; step++) {
			uint32_t t = (uint32_t)rng_below(&r, (uint64_t)nt);
			int64_t amt = 1000 * (int64_t)(1 + rng_below(&r, 8));
			if (rng_below(&r, 3) == 0) {
				int64_t u = q.cell[t].usage;
				int64_t give = amt < u ? amt : u;
				quota_charge(&q, t, 0, -give);
				total -= give;
			} else if (quota_check(&q, t, 0, amt) == QUOTA_OK) {
				quota_charge(&q, t, 0, amt);
				total += amt;
			}
			CHECK(total <= cap);
			int64_t s = q.shared_used[0];
			quota_set(&q, 0, 0, q.cell[0].nominal, q.cell[0].borrow_limit,
				  q.cell[0].lend_limit); /* recomputes */
			CHECK_EQ_INT(q.shared_used[0], s);
		}
		quota_free(&q);
	}
}

TEST(quota_from_grants_intervals)
{
	struct quota q;
	struct grants gs;
	struct err e;
	struct grant g = {.tenant = 0, .model = 0, .gpus = 16, .start = 100,
			  .end = 200, .borrow_limit = 8, .lend_limit = GRANT_NO_LIMIT};

	grants_init(&gs);
	CHECK_EQ_INT(grants_add(&gs, &g, 1, &e), 0);
	g.gpus = 8;
	g.start = 150;
	g.end = 300;
	g.borrow_limit = 4;
	CHECK_EQ_INT(grants_add(&gs, &g, 1, &e), 1);
	g.gpus = 0;
	CHECK_EQ_INT(grants_add(&gs, &g, 1, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "gpus");
	g.gpus = 1;
	g.end = 150;
	CHECK_EQ_INT(grants_add(&gs, &g, 1, &e), ERR_INVALID);
	g.end = 400;
	g.model = 3;
	CHECK_EQ_INT(grants_add(&gs, &g, 1, &e), ERR_INVALID);
	CHECK_EQ_INT(grants_next_change(&gs, 0), 100);
	CHECK_EQ_INT(grants_next_change(&gs, 150), 200);
	CHECK_EQ_INT(grants_next_change(&gs, 300), INT64_MAX);

	quota_init(&q, 2, 1);
	quota_set_capacity(&q, 0, 64000);
	quota_from_grants(&q, &gs, 120);
	CHECK_EQ_INT(q.cell[0].nominal, 16000);
	CHECK_EQ_INT(q.cell[0].borrow_limit, 8000);
	CHECK_EQ_INT(q.cell[1].nominal, 0);
	CHECK_EQ_INT(q.cell[1].borrow_limit, -1);
	quota_from_grants(&q, &gs, 160); /* both active: summed */
	CHECK_EQ_INT(q.cell[0].nominal, 24000);
	CHECK_EQ_INT(q.cell[0].borrow_limit, 12000);
	CHECK_EQ_INT(q.cell[0].lend_limit, -1);
	quota_charge(&q, 0, 0, 30000);
	quota_from_grants(&q, &gs, 250); /* usage kept, now borrowing */
	CHECK_EQ_INT(q.cell[0].usage, 30000);
	CHECK_EQ_INT(quota_borrowed(&q, 0, 0), 22000);
	CHECK_EQ_INT(quota_check(&q, 0, 0, 1000), QUOTA_OVER_LIMIT);
	quota_free(&q);
	grants_free(&gs);
}
