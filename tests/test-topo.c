/*
 * test-topo.c — topology-aware gang choice: one domain when it fits (best
 * fit), fewest domains otherwise, never across sites unless allowed, GPU
 * model constraints, and counters that stay equal to a fresh rebuild.
 */
#include <stdlib.h>

#include "model/pool.h"
#include "sched/topo.h"
#include "test.h"
#include "util/rng.h"

/* sites x 2 racks x 2 domains x 9 nodes x 8 GPUs (72-GPU domains).
 * Site s uses model s % nmodels. */
static void
build(struct pool *p, int sites, int nmodels)
{
	char name[64];

	pool_init(p);
	pool_model(p, "B200", NULL, NULL);
	if (nmodels > 1)
		pool_model(p, "H200", NULL, NULL);
	for (int s = 0; s < sites; s++) {
		snprintf(name, sizeof name, "site%d", s);
		uint32_t si = pool_add_site(p, name, "prov");
		snprintf(name, sizeof name, "c%d", s);
		uint32_t ci = pool_add_cluster(p, name, si);
		for (int r = 0; r < 2; r++) {
			snprintf(name, sizeof name, "s%dr%d", s, r);
			uint32_t ri = pool_add_rack(p, name, ci);
			for (int d = 0; d < 2; d++) {
				snprintf(name, sizeof name, "s%dr%dd%d", s, r, d);
				uint32_t di = pool_add_domain(p, name, ri);
				for (int n = 0; n < 9; n++) {
					snprintf(name, sizeof name, "s%dr%dd%dn%d", s, r, d, n);
					CHECK(pool_add_node(p, name, di, s % nmodels, 8,
							    128000, 1 << 20, NULL) >= 0);
				}
			}
		}
	}
}

static struct job
gang(int nodes, int g)
{
	struct job j = {.nodes = (uint16_t)nodes, .gpus_per_node = (uint16_t)g,
			.gpu_milli = 1000, .cpu_milli = 1000, .mem_mib = 1024};
	return j;
}

static void
take(struct pool *p, struct topo *t, uint32_t node, uint8_t mask)
{
	CHECK_EQ_INT(pool_alloc(p, node, 0, 0, mask, 1000), 0);
	topo_node_changed(t, node);
}

TEST(topo_one_domain_best_fit)
{
	struct pool p;
	struct topo *t;
	uint32_t nodes[64];
	size_t nd, nr;

	build(&p, 1, 1);
	t = topo_new(&p);
	/* Domain 0 (nodes 0-8) loses one node: it has 8 eligible, the best
	 * fit for an 8-node gang. */
	take(&p, t, 0, 0xff);
	struct job j = gang(8, 8);
	CHECK_EQ_INT(topo_choose(t, &j, nodes), 0);
	for (int i = 0; i < 8; i++)
		CHECK_EQ_INT(nodes[i], 1 + i);
	/* A 9-node gang skips domain 0 and takes a whole domain. */
	j = gang(9, 8);
	CHECK_EQ_INT(topo_choose(t, &j, nodes), 0);
	topo_spread(&p, nodes, 9, &nd, &nr);
	CHECK_EQ_INT(nd, 1);
	CHECK_EQ_INT(p.nodes[nodes[0]].domain, 1);
	topo_free(t);
	pool_free(&p);
}

TEST(topo_fewest_domains_same_rack)
{
	struct pool p;
	struct topo *t;
	uint32_t nodes[64];
	size_t nd, nr;

	build(&p, 1, 1);
	t = topo_new(&p);
	struct job j = gang(12, 8);
	CHECK_EQ_INT(topo_choose(t, &j, nodes), 0);
	topo_spread(&p, nodes, 12, &nd, &nr);
	CHECK_EQ_INT(nd, 2);
	CHECK_EQ_INT(nr, 1);
	/* 4-GPU members count nodes with >= 4 free. */
	for (int n = 0; n < 9; n++)
		take(&p, t, (uint32_t)n, 0x0f);
	j = gang(9, 4);
	CHECK_EQ_INT(topo_choose(t, &j, nodes), 0);
	topo_spread(&p, nodes, 9, &nd, &nr);
	CHECK_EQ_INT(nd, 1);
	CHECK_EQ_INT(p.nodes[nodes[0]].domain, 0); /* tie on count: lowest */
	topo_free(t);
	pool_free(&p);
}

TEST(topo_sites_and_models)
{
	struct pool p;
	struct topo *t;
	uint32_t nodes[128];
	size_t nd, nr;

	build(&p, 2, 2); /* site 0: B200, site 1: H200; 36 nodes each */
	t = topo_new(&p);
	struct job j = gang(37, 8);
	CHECK(!topo_may_fit(t, &j));
	CHECK_EQ_INT(topo_choose(t, &j, nodes), ERR_NOSPACE);
	j.flags = JOB_CROSS_SITE;
	/* Models differ per site, so even cross-site it cannot be one model. */
	CHECK_EQ_INT(topo_choose(t, &j, nodes), ERR_NOSPACE);
	j = gang(20, 8);
	j.model_mask = 1u << 1; /* H200 only: site 1 */
	CHECK_EQ_INT(topo_choose(t, &j, nodes), 0);
	for (int i = 0; i < 20; i++)
		CHECK_EQ_INT(pool_node_site(&p, nodes[i]), 1);
	topo_spread(&p, nodes, 20, &nd, &nr);
	CHECK_EQ_INT(nd, 3);
	topo_free(t);
	pool_free(&p);

	build(&p, 2, 1); /* both sites B200 */
	t = topo_new(&p);
	j = gang(40, 8);
	CHECK_EQ_INT(topo_choose(t, &j, nodes), ERR_NOSPACE);
	j.flags = JOB_CROSS_SITE;
	CHECK_EQ_INT(topo_choose(t, &j, nodes), 0);
	topo_spread(&p, nodes, 40, &nd, &nr);
	CHECK_EQ_INT(nd, 5);
	/* CPU that no node has: nothing fits. */
	j = gang(1, 1);
	j.cpu_milli = 999999;
	CHECK_EQ_INT(topo_choose(t, &j, nodes), ERR_NOSPACE);
	topo_free(t);
	pool_free(&p);
}

/* Random allocations and releases: counters match a fresh index, choices
 * are distinct eligible nodes, and a gang uses the fewest domains. */
TEST(topo_random_property)
{
	struct rng r;

	rng_seed(&r, 99);
	for (int round = 0; round < 40; round++) {
		struct pool p;
		struct topo *t;
		uint32_t nodes[80];

		build(&p, 2, 1);
		t = topo_new(&p);
		for (int step = 0; step < 100; step++) {
			uint32_t n = (uint32_t)rng_below(&r, p.nnodes);
			uint8_t mask = (uint8_t)(1u << rng_below(&r, 8));
			if (pool_alloc(&p, n, 0, 0, mask, 1000) == 0)
				topo_node_changed(t, n);
			else {
				pool_release(&p, n, 0, 0, mask, 1000);
				topo_node_changed(t, n);
			}
			int k = 1 + (int)rng_below(&r, 20);
			int g = 1 + (int)rng_below(&r, 8);
			struct job j = gang(k, g);
			if (topo_choose(t, &j, nodes) != 0)
				continue;
			for (int a = 0; a < k; a++) {
				CHECK(node_full_free(&p.nodes[nodes[a]]) >= g);
				for (int b = 0; b < a; b++)
					CHECK(nodes[a] != nodes[b]);
				CHECK_EQ_INT(pool_node_site(&p, nodes[a]),
					     pool_node_site(&p, nodes[0]));
			}
			/* Fewest domains: no site can do it with fewer. */
			size_t nd, nr;
			topo_spread(&p, nodes, (size_t)k, &nd, &nr);
			size_t bestd = 999;
			for (uint32_t s = 0; s < p.nsites; s++) {
				int cnt[64] = {0}, nds = 0;
				for (size_t d = 0; d < p.ndomains; d++) {
					if (pool_node_site(&p, (uint32_t)(d * 9)) != s)
						continue;
					for (int x = 0; x < 9; x++)
						cnt[nds] += node_full_free(&p.nodes[d * 9 + x]) >= g;
					nds++;
				}
				/* greedy largest-first is optimal for a count */
				for (int a = 0; a < nds; a++)
					for (int b = a + 1; b < nds; b++)
						if (cnt[b] > cnt[a]) {
							int tmp = cnt[a]; cnt[a] = cnt[b]; cnt[b] = tmp;
						}
				int need = k;
				size_t used = 0;
				for (int a = 0; a < nds && need > 0; a++) {
					need -= cnt[a];
					used++;
				}
				if (need <= 0 && used < bestd)
					bestd = used;
			}
			CHECK_EQ_INT(nd, bestd);
		}
		struct topo *fresh = topo_new(&p);
		for (int g = 1; g <= 8; g++) {
			struct job j = gang(1, g);
			CHECK_EQ_INT(topo_may_fit(t, &j), topo_may_fit(fresh, &j));
		}
		CHECK(topo_bytes(t) > 0);
		topo_free(fresh);
		topo_free(t);
		pool_free(&p);
	}
}

TEST(topo_held_nodes)
{
	struct pool p;
	struct topo *t;
	uint32_t nodes[16];
	int64_t earliest[36];
	unsigned char dom_held[4] = {1, 0, 0, 0};

	build(&p, 1, 1);
	t = topo_new(&p);
	for (int n = 0; n < 36; n++)
		earliest[n] = n < 5 ? 100 : INT64_MAX;
	for (int n = 0; n < 5; n++)
		p.nodes[n].state = NODE_HELD;
	struct topo_hold h = {earliest, dom_held, 50, NULL, 0};
	struct job j = gang(9, 8);
	/* Ends by 50, before the reservation at 100: domain 0 is usable, and
	 * it is the lowest of the equal best fits. */
	CHECK_EQ_INT(topo_choose_held(t, &j, &h, nodes), 0);
	CHECK_EQ_INT(nodes[0], 0);
	/* Ends at 150: the four free nodes of domain 0 do not hold a 9-node
	 * gang, so it goes to domain 1. */
	h.job_end = 150;
	CHECK_EQ_INT(topo_choose_held(t, &j, &h, nodes), 0);
	CHECK_EQ_INT(p.nodes[nodes[0]].domain, 1);
	/* A 4-node gang best-fits the 4 unheld nodes of domain 0. */
	j = gang(4, 8);
	CHECK_EQ_INT(topo_choose_held(t, &j, &h, nodes), 0);
	for (int i = 0; i < 4; i++)
		CHECK_EQ_INT(nodes[i], 5 + i);
	/* HELD nodes still accept allocations (for jobs that end in time). */
	CHECK_EQ_INT(pool_alloc(&p, 0, 0, 0, 0x1, 1000), 0);
	topo_free(t);
	pool_free(&p);
}
