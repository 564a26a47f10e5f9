/*
 * test-opencall.c — open-call selection (compete/opencall.h): one
 * hand-derived example per rule (ranking and ties, all or nothing,
 * partial awards, caps, minimum score, anti-concentration, the regional
 * minimum, category minimums and maximums, static rejection), readmission
 * in rank order with totals recomputed from the awards, prices, bad
 * inputs (out untouched) and determinism under input order.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "compete/opencall.h"
#include "test.h"
#include "util/rng.h"

/* One criterion of weight 1, no limits: composite = the score. */
static void
plain_rules(struct oc_rules *r)
{
	memset(r, 0, sizeof *r);
	r->ncriteria = 1;
	r->weights[0] = 1;
}

static struct oc_proposal
prop(uint32_t id, double score, uint32_t servers, int cat, int region,
     uint32_t org)
{
	struct oc_proposal p;

	memset(&p, 0, sizeof p);
	p.id = id;
	p.tenant = id;
	p.model = 0;
	p.servers = servers;
	p.months = 12;
	p.scores[0] = score;
	p.category = (uint8_t)cat;
	p.region = (uint8_t)region;
	p.org = org;
	return p;
}

static long
sel(const struct oc_rules *r, const struct oc_proposal *p, size_t n,
    uint32_t cap, struct oc_award *out)
{
	struct err e;
	long got = opencall_select(r, p, n, &cap, 1, out, &e);

	if (got < 0)
		test_fail(__FILE__, __LINE__, "select: %s", e.msg);
	return got;
}

/* The four proposals of the ranking examples: by score P1 (90), P0 and
 * P2 (80, ids 5 < 7), P3 (70). */
static void
four(struct oc_proposal *p)
{
	p[0] = prop(5, 80, 4, OC_ACADEMIA, 0, 1);
	p[1] = prop(3, 90, 5, OC_ACADEMIA, 0, 2);
	p[2] = prop(7, 80, 3, OC_ACADEMIA, 0, 3);
	p[3] = prop(1, 70, 2, OC_ACADEMIA, 0, 4);
}

TEST(opencall_rank_all_or_nothing)
{
	struct oc_rules r;
	struct oc_proposal p[4];
	struct oc_award a[4];

	plain_rules(&r);
	four(p);
	/* P1 5 (5 left), P0 4 (1 left), P2 needs 3, P3 needs 2. */
	CHECK_EQ_INT(sel(&r, p, 4, 10, a), 9);
	CHECK_EQ_INT(a[1].rank, 1);
	CHECK_EQ_INT(a[0].rank, 2);  /* tie at 80: id 5 before id 7 */
	CHECK_EQ_INT(a[2].rank, 3);
	CHECK_EQ_INT(a[3].rank, 4);
	CHECK_EQ_INT(a[1].status, OC_AWARDED);
	CHECK_EQ_INT(a[1].servers, 5);
	CHECK_EQ_INT(a[1].months, 12);
	CHECK_EQ_INT(a[0].status, OC_AWARDED);
	CHECK_EQ_INT(a[0].servers, 4);
	CHECK_STR(a[0].reason, "");
	CHECK_EQ_INT(a[2].status, OC_WAITLIST);
	CHECK_EQ_INT(a[2].servers, 0);
	CHECK_EQ_INT(a[2].months, 0);
	CHECK_STR(a[2].reason, "capacity: 1 left, needs 3");
	CHECK_EQ_INT(a[3].status, OC_WAITLIST);
	CHECK_STR(a[3].reason, "capacity: 1 left, needs 2");
	for (int i = 0; i < 4; i++) {
		CHECK_EQ_INT(a[i].proposal, i);
		CHECK_EQ_INT(a[i].model, 0);
	}
	CHECK_NEAR(a[1].composite, 90, 0);
	/* Swap the ids of the tied pair: the order follows.  P1 5, P2 3
	 * (2 left), P0 needs 4, P3 takes the last 2. */
	p[0].id = 8;
	CHECK_EQ_INT(sel(&r, p, 4, 10, a), 10);
	CHECK_EQ_INT(a[2].rank, 2);
	CHECK_EQ_INT(a[2].servers, 3);
	CHECK_EQ_INT(a[0].rank, 3);
	CHECK_EQ_INT(a[0].status, OC_WAITLIST);
	CHECK_STR(a[0].reason, "capacity: 2 left, needs 4");
	CHECK_EQ_INT(a[3].status, OC_AWARDED);
}

TEST(opencall_partial)
{
	struct oc_rules r;
	struct oc_proposal p[4];
	struct oc_award a[4];

	plain_rules(&r);
	r.min_servers = 1;
	four(p);
	/* P1 5, P0 4, P2 gets the last 1 of its 3; P3 nothing left. */
	CHECK_EQ_INT(sel(&r, p, 4, 10, a), 10);
	CHECK_EQ_INT(a[2].status, OC_PARTIAL);
	CHECK_EQ_INT(a[2].servers, 1);
	CHECK_STR(a[2].reason, "capacity: 1 of 3 servers");
	CHECK_EQ_INT(a[3].status, OC_WAITLIST);
	CHECK_STR(a[3].reason, "capacity: 0 left, needs 1");
	/* min_servers 2: P2 cannot take 1, P3 (2 asked) cannot either. */
	r.min_servers = 2;
	CHECK_EQ_INT(sel(&r, p, 4, 10, a), 9);
	CHECK_EQ_INT(a[2].status, OC_WAITLIST);
	CHECK_STR(a[2].reason, "capacity: 1 left, needs 2");
	/* min_servers above a request: that request is all or nothing. */
	r.min_servers = 3;
	CHECK_EQ_INT(sel(&r, p, 4, 11, a), 11);  /* P1 5, P0 4, P3 2 */
	CHECK_EQ_INT(a[3].status, OC_AWARDED);
	CHECK_EQ_INT(a[2].status, OC_WAITLIST);
}

TEST(opencall_cap_and_min_score)
{
	struct oc_rules r;
	struct oc_proposal p[4];
	struct oc_award a[4];

	plain_rules(&r);
	r.cap_servers[0] = 4;
	four(p);
	/* P1 5 trimmed to 4 (6 left), P0 4 (2 left), P2 3 no, P3 2. */
	CHECK_EQ_INT(sel(&r, p, 4, 10, a), 10);
	CHECK_EQ_INT(a[1].status, OC_PARTIAL);
	CHECK_EQ_INT(a[1].servers, 4);
	CHECK_STR(a[1].reason, "trimmed to the cap of 4 servers");
	CHECK_EQ_INT(a[0].status, OC_AWARDED);
	CHECK_EQ_INT(a[2].status, OC_WAITLIST);
	CHECK_EQ_INT(a[3].status, OC_AWARDED);
	/* Below the minimum score: rejected whatever the capacity. */
	r.min_score = 75;
	CHECK_EQ_INT(sel(&r, p, 4, 100, a), 11);
	CHECK_EQ_INT(a[3].status, OC_REJECTED_SCORE);
	CHECK_EQ_INT(a[3].servers, 0);
	CHECK_STR(a[3].reason, "score 70.00 below 75.00");
	CHECK_EQ_INT(a[3].rank, 4);
	CHECK_EQ_INT(a[2].status, OC_AWARDED);
}

TEST(opencall_composite_weights)
{
	struct oc_rules r;
	struct oc_proposal p;

	plain_rules(&r);
	r.ncriteria = 3;
	r.weights[0] = 2;
	r.weights[1] = 1;
	r.weights[2] = 1;
	p = prop(1, 80, 1, 0, 0, 0);
	p.scores[1] = 60;
	p.scores[2] = 40;
	/* (2 x 80 + 60 + 40) / 4 = 65 */
	CHECK_NEAR(opencall_composite(&r, &p), 65, 1e-12);
}

TEST(opencall_org_share)
{
	struct oc_rules r;
	struct oc_proposal p[6];
	struct oc_award a[6];

	plain_rules(&r);
	r.max_org_share = 0.5;  /* of 10 servers: 5 per organisation */
	p[0] = prop(1, 90, 3, OC_ACADEMIA, 0, 1);  /* A */
	p[1] = prop(2, 85, 3, OC_ACADEMIA, 0, 1);  /* B */
	p[2] = prop(3, 80, 3, OC_SME, 0, 2);       /* C */
	p[3] = prop(4, 75, 2, OC_ACADEMIA, 0, 1);  /* D */
	p[4] = prop(5, 60, 4, OC_SME, 0, 3);       /* E */
	p[5] = prop(6, 95, 6, OC_SME, 0, 4);       /* F: 6 > 5, never */
	/* F rejected by rule; A 3 (org1 3), B 3 > 2 room, C 3 (4 left),
	 * D 2 (org1 5, 2 left), E 4 > 2 left. */
	CHECK_EQ_INT(sel(&r, p, 6, 10, a), 8);
	CHECK_EQ_INT(a[5].status, OC_REJECTED_RULE);
	CHECK_STR(a[5].reason, "organisation limit 5 below 6 servers");
	CHECK_EQ_INT(a[0].servers, 3);
	CHECK_EQ_INT(a[1].status, OC_WAITLIST);
	CHECK_STR(a[1].reason, "organisation share: 2 left, needs 3");
	CHECK_EQ_INT(a[2].servers, 3);
	CHECK_EQ_INT(a[3].servers, 2);
	CHECK_EQ_INT(a[4].status, OC_WAITLIST);
	CHECK_STR(a[4].reason, "capacity: 2 left, needs 4");
	/* Partial awards: B gets the 2 its organisation has left, C 3, D
	 * nothing (org1 full), E the last 2. */
	r.min_servers = 1;
	CHECK_EQ_INT(sel(&r, p, 6, 10, a), 10);
	CHECK_EQ_INT(a[5].status, OC_PARTIAL);  /* F: 5 of 6 now */
	CHECK_EQ_INT(a[5].servers, 5);
	CHECK_STR(a[5].reason, "organisation share: 5 of 6 servers");
	/* With F taking 5: A 3, B 2 (org1 5), C 0 left ... */
	CHECK_EQ_INT(a[0].servers, 3);
	CHECK_EQ_INT(a[1].servers, 2);
	CHECK_EQ_INT(a[1].status, OC_PARTIAL);
	CHECK_EQ_INT(a[2].status, OC_WAITLIST);
	CHECK_EQ_INT(a[3].status, OC_WAITLIST);
	CHECK_EQ_INT(a[4].status, OC_WAITLIST);
}

TEST(opencall_region_min)
{
	struct oc_rules r;
	struct oc_proposal p[5];
	struct oc_award a[5];

	plain_rules(&r);
	p[0] = prop(1, 90, 4, OC_ACADEMIA, 0, 1);
	p[1] = prop(2, 85, 4, OC_ACADEMIA, 0, 2);
	p[2] = prop(3, 80, 2, OC_ACADEMIA, 2, 3);
	p[3] = prop(4, 75, 2, OC_ACADEMIA, 0, 4);
	p[4] = prop(5, 70, 2, OC_ACADEMIA, 5, 5);
	/* Without the rule: the top three fill the 10 servers. */
	CHECK_EQ_INT(sel(&r, p, 5, 10, a), 10);
	CHECK_EQ_INT(a[2].servers, 2);
	CHECK_EQ_INT(a[3].status, OC_WAITLIST);
	CHECK_EQ_INT(a[4].status, OC_WAITLIST);
	/* 30 % to the regions: target 3.  The regional pass awards p2 (2,
	 * below 3) and p4 (4, done); the general pass p0 4, p1 no (2
	 * left), p3 2. */
	r.region_share_min = 0.3;
	CHECK_EQ_INT(sel(&r, p, 5, 10, a), 10);
	CHECK_EQ_INT(a[2].status, OC_AWARDED);
	CHECK_STR(a[2].reason, "regional minimum");
	CHECK_EQ_INT(a[4].status, OC_AWARDED);
	CHECK_STR(a[4].reason, "regional minimum");
	CHECK_EQ_INT(a[0].servers, 4);
	CHECK_STR(a[0].reason, "");
	CHECK_EQ_INT(a[1].status, OC_WAITLIST);
	CHECK_EQ_INT(a[3].servers, 2);
	/* Demand below the target: every regional proposal, then the
	 * rest. */
	r.region_share_min = 0.9;
	CHECK_EQ_INT(sel(&r, p, 5, 10, a), 10);
	CHECK_EQ_INT(a[2].servers + a[4].servers, 4);
	CHECK_EQ_INT(a[0].servers, 4);
	CHECK_EQ_INT(a[1].status, OC_WAITLIST);  /* 2 left, needs 4 */
	CHECK_EQ_INT(a[3].servers, 2);           /* the last 2 */
}

TEST(opencall_category_shares)
{
	struct oc_rules r;
	struct oc_proposal p[5];
	struct oc_award a[5];

	plain_rules(&r);
	r.category_share_max[OC_SME] = 0.3;        /* 3 servers */
	r.category_share_min[OC_INSTITUTE] = 0.2;  /* 2 servers */
	p[0] = prop(1, 90, 2, OC_SME, 0, 1);
	p[1] = prop(2, 85, 2, OC_SME, 0, 2);
	p[2] = prop(3, 80, 4, OC_ACADEMIA, 0, 3);
	p[3] = prop(4, 60, 2, OC_INSTITUTE, 0, 4);
	p[4] = prop(5, 50, 4, OC_ACADEMIA, 0, 5);
	/* Institute pass: p3 2.  General: p0 2 (SME 2), p1 needs 2 with
	 * 1 SME server left, p2 4 (2 left), p4 4 > 2. */
	CHECK_EQ_INT(sel(&r, p, 5, 10, a), 8);
	CHECK_EQ_INT(a[3].status, OC_AWARDED);
	CHECK_STR(a[3].reason, "institute minimum");
	CHECK_EQ_INT(a[0].servers, 2);
	CHECK_EQ_INT(a[1].status, OC_WAITLIST);
	CHECK_STR(a[1].reason, "category share: 1 left, needs 2");
	CHECK_EQ_INT(a[2].servers, 4);
	CHECK_EQ_INT(a[4].status, OC_WAITLIST);
	/* A category maximum below a request rejects it outright. */
	r.category_share_max[OC_SME] = 0.1;  /* 1 server */
	CHECK_EQ_INT(sel(&r, p, 5, 10, a), 10);
	CHECK_EQ_INT(a[0].status, OC_REJECTED_RULE);
	CHECK_STR(a[0].reason, "category limit 1 below 2 servers");
	CHECK_EQ_INT(a[1].status, OC_REJECTED_RULE);
	CHECK_EQ_INT(a[4].servers, 4);
}

TEST(opencall_model_capacity)
{
	struct oc_rules r;
	struct oc_proposal p[3];
	struct oc_award a[3];
	uint32_t cap[2] = {4, 0};
	struct err e;

	plain_rules(&r);
	p[0] = prop(1, 90, 3, 0, 0, 1);
	p[1] = prop(2, 80, 2, 0, 0, 2);
	p[1].model = 1;  /* no capacity of model 1 at all */
	p[2] = prop(3, 70, 1, 0, 0, 3);
	CHECK_EQ_INT(opencall_select(&r, p, 3, cap, 2, a, &e), 4);
	CHECK_EQ_INT(a[0].servers, 3);
	CHECK_EQ_INT(a[1].status, OC_REJECTED_RULE);
	CHECK_STR(a[1].reason, "model capacity 0 below 2 servers");
	CHECK_EQ_INT(a[1].model, 1);
	CHECK_EQ_INT(a[2].servers, 1);
}

TEST(opencall_readmit_order)
{
	struct oc_rules r;
	struct oc_proposal p[4];
	struct oc_award a[4];
	uint32_t cap = 10, freed;
	struct err e;

	plain_rules(&r);
	four(p);
	CHECK_EQ_INT(sel(&r, p, 4, cap, a), 9);
	/* P0's grant loses 3 of its 4 servers to idle reclaim; with the 1
	 * never awarded, 4 are free.  P2 (rank 3, needs 3) comes first;
	 * P3 (needs 2) does not fit the 1 left. */
	a[0].servers = 1;
	freed = 4;
	CHECK_EQ_INT(opencall_readmit(&r, p, 4, &cap, &freed, 1, a, &e), 3);
	CHECK_EQ_INT(a[2].status, OC_AWARDED);
	CHECK_EQ_INT(a[2].servers, 3);
	CHECK_STR(a[2].reason, "readmitted");
	CHECK_EQ_INT(a[3].status, OC_WAITLIST);
	/* P1 loses 1: with the 1 left over, 2 free; P3 takes them. */
	a[1].servers = 4;
	freed = 2;
	CHECK_EQ_INT(opencall_readmit(&r, p, 4, &cap, &freed, 1, a, &e), 2);
	CHECK_EQ_INT(a[3].status, OC_AWARDED);
	/* Nothing left on the list: nothing awarded. */
	a[3].servers = 1;  /* P3 gives one back */
	freed = 1;
	CHECK_EQ_INT(opencall_readmit(&r, p, 4, &cap, &freed, 1, a, &e), 0);
	/* Held 4 + 1 + 3 + 1 = 9: freeing 2 is an accounting error. */
	freed = 2;
	CHECK(opencall_readmit(&r, p, 4, &cap, &freed, 1, a, &e) ==
	      ERR_INVALID);
	CHECK_STR(e.msg, "freed_servers[0]: 2 freed + 9 held exceed the "
		  "capacity of 10");
}

TEST(opencall_readmit_totals)
{
	struct oc_rules r;
	struct oc_proposal p[5];
	struct oc_award a[5], keep[5];
	uint32_t cap = 10, freed;
	struct err e;

	plain_rules(&r);
	r.max_org_share = 0.5;
	p[0] = prop(1, 90, 3, OC_ACADEMIA, 0, 1);  /* A */
	p[1] = prop(2, 85, 3, OC_ACADEMIA, 0, 1);  /* B */
	p[2] = prop(3, 80, 3, OC_SME, 0, 2);       /* C */
	p[3] = prop(4, 75, 2, OC_ACADEMIA, 0, 1);  /* D */
	p[4] = prop(5, 60, 4, OC_SME, 0, 3);       /* E */
	CHECK_EQ_INT(sel(&r, p, 5, cap, a), 8);
	/* A loses 2 (org1 now 3 of 5); 2 + 2 unused = 4 free.  B (rank 2)
	 * needs 3 but org1 has 2 left: still waiting; E takes the 4. */
	a[0].servers = 1;
	freed = 4;
	CHECK_EQ_INT(opencall_readmit(&r, p, 5, &cap, &freed, 1, a, &e), 4);
	CHECK_EQ_INT(a[1].status, OC_WAITLIST);
	CHECK_STR(a[1].reason, "organisation share: 2 left, needs 3");
	CHECK_EQ_INT(a[4].servers, 4);
	/* Rules changed since the selection: refused, out untouched. */
	freed = 0;
	memcpy(keep, a, sizeof a);
	r.weights[0] = -1;
	CHECK(opencall_readmit(&r, p, 5, &cap, &freed, 1, a, &e) ==
	      ERR_INVALID);
	CHECK(memcmp(keep, a, sizeof a) == 0);
	r.weights[0] = 1;
	p[4].scores[0] = 99;  /* E would now rank first */
	CHECK(opencall_readmit(&r, p, 5, &cap, &freed, 1, a, &e) ==
	      ERR_INVALID);
	CHECK_CONTAINS(e.msg, "rules or proposals changed");
	CHECK(memcmp(keep, a, sizeof a) == 0);
	p[4].scores[0] = 60;
	a[2].status = 17;
	CHECK(opencall_readmit(&r, p, 5, &cap, &freed, 1, a, &e) ==
	      ERR_INVALID);
	CHECK_STR(e.msg, "award 2: not an award of opencall_select for "
		  "proposal 2");
}

TEST(opencall_prices)
{
	struct oc_prices pr;
	struct err e;

	opencall_prices_2026(&pr);
	CHECK_EQ_INT(opencall_prices_check(&pr, &e), 0);
	CHECK_EQ_INT(opencall_price(&pr, OC_ACADEMIA, 7000), 0);
	CHECK_EQ_INT(opencall_price(&pr, OC_INSTITUTE, 7000), 0);
	CHECK_EQ_INT(opencall_price(&pr, OC_SME, 7000), 525);   /* 7.5 % */
	CHECK_EQ_INT(opencall_price(&pr, OC_SME, 5000), 375);
	CHECK_EQ_INT(opencall_price(&pr, OC_SME, 5001), 375);   /* 375.075 */
	CHECK_EQ_INT(opencall_price(&pr, OC_LARGE, 7000), 7000);
	pr.pay_share[OC_SME] = 0.05;
	CHECK_EQ_INT(opencall_price(&pr, OC_SME, 5000), 250);
	pr.pay_share[OC_SME] = 0.5;
	CHECK_EQ_INT(opencall_price(&pr, OC_SME, 5), 3);        /* 2.5 up */
	pr.pay_share[OC_SME] = 1.5;
	CHECK(opencall_prices_check(&pr, &e) == ERR_INVALID);
	CHECK_STR(e.msg, "prices: pay_share[sme]: 1.5: expected 0..1");
	pr.pay_share[OC_SME] = NAN;
	CHECK(opencall_prices_check(&pr, &e) == ERR_INVALID);
}

/* Each bad input: ERR_INVALID with the message, out untouched. */
static void
bad(const struct oc_rules *r, const struct oc_proposal *p, size_t n,
    int nmodels, const char *msg, int line)
{
	struct oc_award a[4], keep[4];
	uint32_t cap[2] = {10, 10};
	struct err e;
	long rc;

	memset(a, 0xab, sizeof a);
	memcpy(keep, a, sizeof a);
	rc = opencall_select(r, p, n, cap, nmodels, a, &e);
	if (rc != ERR_INVALID)
		test_fail(__FILE__, line, "rc %ld", rc);
	if (strcmp(e.msg, msg) != 0)
		test_fail(__FILE__, line, "\"%s\" != \"%s\"", e.msg, msg);
	if (memcmp(a, keep, sizeof a) != 0)
		test_fail(__FILE__, line, "out changed");
}

TEST(opencall_bad_input)
{
	struct oc_rules r;
	struct oc_proposal p[4];

	plain_rules(&r);
	r.max_months = 12;
	four(p);
	p[1].scores[0] = NAN;
	bad(&r, p, 4, 1, "proposal 1: scores[0]: not a finite number",
	    __LINE__);
	four(p);
	p[2].servers = 0;
	bad(&r, p, 4, 1, "proposal 2: servers: 0: expected at least 1",
	    __LINE__);
	four(p);
	p[3].months = 13;
	bad(&r, p, 4, 1, "proposal 3: months: 13: above the call's maximum "
	    "of 12", __LINE__);
	four(p);
	p[0].months = 0;
	bad(&r, p, 4, 1, "proposal 0: months: 0: expected at least 1",
	    __LINE__);
	four(p);
	p[0].model = 2;
	bad(&r, p, 4, 2, "proposal 0: model: 2: expected a model id 0..1",
	    __LINE__);
	four(p);
	p[1].category = OC_NCATEGORIES;
	bad(&r, p, 4, 1, "proposal 1: category: 4: expected 0..3", __LINE__);
	four(p);
	p[3].id = 5;
	bad(&r, p, 4, 1, "proposal 3: id: 5: used twice", __LINE__);
	four(p);
	r.weights[0] = -1;
	bad(&r, p, 4, 1, "rules: weights[0]: -1: expected a finite number "
	    ">= 0", __LINE__);
	r.weights[0] = 0;
	bad(&r, p, 4, 1, "rules: weights: expected a finite sum > 0",
	    __LINE__);
	plain_rules(&r);
	r.ncriteria = 0;
	bad(&r, p, 4, 1, "rules: ncriteria: 0: expected 1..8", __LINE__);
	plain_rules(&r);
	r.max_org_share = 1.5;
	bad(&r, p, 4, 1, "rules: max_org_share: 1.5: expected 0..1",
	    __LINE__);
	plain_rules(&r);
	r.category_share_min[OC_SME] = 0.5;
	r.category_share_max[OC_SME] = 0.4;
	bad(&r, p, 4, 1, "rules: category_share_min[sme]: 0.5 above its max "
	    "0.4", __LINE__);
	plain_rules(&r);
	r.region_share_min = NAN;
	bad(&r, p, 4, 1, "rules: region_share_min: nan: expected 0..1",
	    __LINE__);
	plain_rules(&r);
	r.min_score = INFINITY;
	bad(&r, p, 4, 1, "rules: min_score: expected a finite number",
	    __LINE__);
	plain_rules(&r);
	bad(&r, p, 4, 0, "capacity: expected servers for 1..32 models",
	    __LINE__);
}

TEST(opencall_empty)
{
	struct oc_rules r;
	uint32_t cap = 5;
	struct err e;

	plain_rules(&r);
	CHECK_EQ_INT(opencall_select(&r, NULL, 0, &cap, 1, NULL, &e), 0);
}

TEST(opencall_rules_2026)
{
	struct oc_rules r;
	struct pool p;

	pool_init(&p);
	CHECK_EQ_INT(pool_model(&p, "H100", NULL, NULL), 0);
	CHECK_EQ_INT(pool_model(&p, "B200", NULL, NULL), 1);
	CHECK_EQ_INT(pool_model(&p, "H200", NULL, NULL), 2);
	opencall_rules_2026(&r, &p);
	CHECK_EQ_INT(opencall_rules_check(&r, NULL), 0);
	CHECK_EQ_INT(r.ncriteria, 3);
	CHECK_EQ_INT(r.cap_servers[0], 0);
	CHECK_EQ_INT(r.cap_servers[1], 16);
	CHECK_EQ_INT(r.cap_servers[2], 32);
	CHECK_EQ_INT(r.max_months, 12);
	CHECK_EQ_INT(r.min_servers, 0);
	pool_free(&p);
	CHECK_STR(opencall_status_name(OC_REJECTED_RULE), "rejected-rule");
	CHECK_STR(opencall_category_name(OC_SME), "sme");
	CHECK(opencall_category_name(4) == NULL);
	CHECK_EQ_INT(opencall_category_find("large", 5), OC_LARGE);
	CHECK_EQ_INT(opencall_category_find("larg", 4), -1);
}

/* 300 random proposals under every rule at once: the same awards by id
 * whatever the input order, and every limit holds. */
TEST(opencall_deterministic)
{
	enum { N = 300 };
	static struct oc_proposal p[N], q[N];
	static struct oc_award a[N], b[N];
	struct oc_rules r;
	uint32_t cap[2] = {200, 120}, perm[N];
	uint64_t org[40] = {0}, cat[OC_NCATEGORIES] = {0}, used[2] = {0};
	struct rng g;
	struct err e;
	long got, got2;

	rng_seed(&g, 42);
	for (uint32_t i = 0; i < N; i++) {
		p[i] = prop(1000 - i, (double)rng_below(&g, 41) + 50,
			    1 + (uint32_t)rng_below(&g, 12),
			    (int)rng_below(&g, 4), (int)rng_below(&g, 3),
			    (uint32_t)rng_below(&g, 40));
		p[i].model = (int)rng_below(&g, 2);
		perm[i] = i;
	}
	plain_rules(&r);
	r.cap_servers[0] = 8;
	r.min_servers = 2;
	r.max_org_share = 0.05;
	r.category_share_min[OC_INSTITUTE] = 0.1;
	r.category_share_max[OC_LARGE] = 0.1;
	r.region_share_min = 0.4;
	r.min_score = 55;
	got = opencall_select(&r, p, N, cap, 2, a, &e);
	CHECK(got > 0);
	CHECK(got <= 320);
	rng_shuffle(&g, perm, N, sizeof *perm);
	for (uint32_t i = 0; i < N; i++)
		q[i] = p[perm[i]];
	got2 = opencall_select(&r, q, N, cap, 2, b, &e);
	CHECK_EQ_INT(got2, got);
	for (uint32_t i = 0; i < N; i++) {
		const struct oc_award *x = &a[perm[i]], *y = &b[i];

		CHECK_EQ_INT(x->servers, y->servers);
		CHECK_EQ_INT(x->status, y->status);
		CHECK_EQ_INT(x->rank, y->rank);
		CHECK_STR(x->reason, y->reason);
	}
	for (uint32_t i = 0; i < N; i++) {
		org[p[i].org] += a[i].servers;
		cat[p[i].category] += a[i].servers;
		used[p[i].model] += a[i].servers;
		if (a[i].servers > 0) {
			CHECK(a[i].servers >= 2 || p[i].servers < 2);
			CHECK(p[i].model != 0 || a[i].servers <= 8);
			CHECK(a[i].composite >= 55);
		}
	}
	for (int k = 0; k < 40; k++)
		CHECK(org[k] <= 16);  /* floor(0.05 x 320) */
	CHECK(cat[OC_LARGE] <= 32);
	CHECK(cat[OC_INSTITUTE] >= 32);
	CHECK(used[0] <= 200 && used[1] <= 120);
}

/* Readmission serves a minimum first when reclaim left it short. */
TEST(opencall_readmit_region)
{
	struct oc_rules r;
	struct oc_proposal p[5];
	struct oc_award a[5];
	uint32_t cap = 10, freed;
	struct err e;

	plain_rules(&r);
	r.region_share_min = 0.3;
	p[0] = prop(1, 90, 4, OC_ACADEMIA, 0, 1);
	p[1] = prop(2, 85, 4, OC_ACADEMIA, 0, 2);
	p[2] = prop(3, 80, 2, OC_ACADEMIA, 2, 3);
	p[3] = prop(4, 75, 2, OC_ACADEMIA, 0, 4);
	p[4] = prop(5, 70, 2, OC_ACADEMIA, 5, 5);
	/* As in opencall_region_min: p2, p4 (regional), p0, p3; p1 waits. */
	CHECK_EQ_INT(sel(&r, p, 5, cap, a), 10);
	/* Both regional grants taken back whole (the caller puts them
	 * back on the list): regional 0 of 3. */
	a[2].servers = 0;
	a[4].servers = 0;
	a[2].status = a[4].status = OC_WAITLIST;
	freed = 4;
	/* The regional pass re-awards p2 (rank 3) before p1 (rank 2). */
	CHECK_EQ_INT(opencall_readmit(&r, p, 5, &cap, &freed, 1, a, &e), 4);
	CHECK_EQ_INT(a[2].servers, 2);
	CHECK_STR(a[2].reason, "readmitted, regional minimum");
	CHECK_EQ_INT(a[4].servers, 2);
	CHECK_EQ_INT(a[1].status, OC_WAITLIST);
}

/* Reclaim half of every third award, readmit what is free, and again:
 * the limits hold throughout and only waiting proposals gain. */
TEST(opencall_readmit_limits)
{
	enum { N = 200 };
	static struct oc_proposal p[N];
	static struct oc_award a[N], before[N];
	struct oc_rules r;
	uint32_t cap[2] = {150, 90};
	struct rng g;
	struct err e;

	rng_seed(&g, 7);
	for (uint32_t i = 0; i < N; i++) {
		p[i] = prop(i, (double)rng_below(&g, 1000) / 10,
			    1 + (uint32_t)rng_below(&g, 10),
			    (int)rng_below(&g, 4), (int)rng_below(&g, 3),
			    (uint32_t)rng_below(&g, 25));
		p[i].model = (int)rng_below(&g, 2);
	}
	plain_rules(&r);
	r.max_org_share = 0.08;                    /* 19 servers */
	r.category_share_max[OC_SME] = 0.2;        /* 48 */
	r.region_share_min = 0.5;
	CHECK(opencall_select(&r, p, N, cap, 2, a, &e) > 0);
	for (int round = 0; round < 3; round++) {
		uint64_t used[2] = {0}, org[25] = {0}, sme = 0;
		uint32_t freed[2];
		long got;

		for (uint32_t i = 0; i < N; i += 3)
			a[i].servers /= 2;
		for (uint32_t i = 0; i < N; i++)
			used[p[i].model] += a[i].servers;
		freed[0] = (uint32_t)(cap[0] - used[0]);
		freed[1] = (uint32_t)(cap[1] - used[1]);
		memcpy(before, a, sizeof a);
		got = opencall_readmit(&r, p, N, cap, freed, 2, a, &e);
		CHECK(got >= 0);
		used[0] = used[1] = 0;
		for (uint32_t i = 0; i < N; i++) {
			used[p[i].model] += a[i].servers;
			org[p[i].org] += a[i].servers;
			if (p[i].category == OC_SME)
				sme += a[i].servers;
			if (a[i].servers != before[i].servers) {
				CHECK_EQ_INT(before[i].status, OC_WAITLIST);
				CHECK(strncmp(a[i].reason, "readmitted", 10) ==
				      0);
				got -= a[i].servers;
			}
		}
		CHECK_EQ_INT(got, 0);
		CHECK(used[0] <= cap[0] && used[1] <= cap[1]);
		for (int k = 0; k < 25; k++)
			CHECK(org[k] <= 19);
		CHECK(sme <= 48);
	}
}
