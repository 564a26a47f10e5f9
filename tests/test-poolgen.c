/*
 * test-poolgen.c — generated pools: exact node and GPU counts per site and
 * model, domain and rack sizes, determinism, spec errors, scaling.
 */
#include <stdint.h>
#include <string.h>

#include "model/poolgen.h"
#include "test.h"

static void
build(const char *spec, struct pool *p)
{
	struct poolgen_spec s;
	struct err e;

	poolgen_defaults(&s);
	if (poolgen_parse(spec, &s, &e) != 0 || (pool_init(p), 0) ||
	    poolgen_build(&s, p, &e) != 0)
		test_fail(__FILE__, __LINE__, "%s: %s", spec, e.msg);
}

/* GPUs of model m at site s. */
static uint64_t
gpus_at(const struct pool *p, uint32_t site, int m)
{
	uint64_t g = 0;

	for (size_t i = 0; i < p->nnodes; i++)
		if (pool_node_site(p, (uint32_t)i) == site && p->nodes[i].model == m)
			g += p->nodes[i].ngpu;
	return g;
}

/* Checks that every domain's nodes are consecutive, in one rack, and that
 * all domains but the last of each cluster have `full` GPUs. */
static void
check_domains(const struct pool *p, uint32_t full)
{
	size_t short_ones = 0;

	for (size_t i = 1; i < p->nnodes; i++) {
		if (p->nodes[i].domain == p->nodes[i - 1].domain)
			continue;
		CHECK_EQ_INT(p->nodes[i].domain, p->nodes[i - 1].domain + 1);
	}
	for (size_t d = 0; d < p->ndomains; d++) {
		CHECK(p->domains[d].ngpu <= full);
		if (p->domains[d].ngpu != full) {
			short_ones++;
			/* only the last domain of its cluster */
			CHECK(d + 1 == p->ndomains ||
			      p->racks[p->domains[d + 1].rack].cluster !=
			      p->racks[p->domains[d].rack].cluster);
		}
	}
	CHECK(short_ones <= p->nclusters);
}

TEST(poolgen_mixed_three_sites)
{
	struct pool p;
	int b, h;

	build("sites=3,nodes=32500,gpus=8,models=B200:0.6+H200:0.4,domain=72,"
	      "rack=4,cpu=224000,mem=2097152", &p);
	b = pool_model_find(&p, "B200");
	h = pool_model_find(&p, "H200");
	CHECK_EQ_INT(b, 0);
	CHECK_EQ_INT(h, 1);
	CHECK_EQ_INT(p.nnodes, 32500);
	CHECK_EQ_INT(p.total_gpus, 260000);
	CHECK_EQ_INT(p.nsites, 3);
	/* 19,500 B200 nodes then 13,000 H200 nodes, cut into thirds:
	 * [0,10833) [10833,21666) [21666,32500). */
	CHECK_EQ_INT(gpus_at(&p, 0, b), 10833 * 8);
	CHECK_EQ_INT(gpus_at(&p, 0, h), 0);
	CHECK_EQ_INT(gpus_at(&p, 1, b), (19500 - 10833) * 8);
	CHECK_EQ_INT(gpus_at(&p, 1, h), (21666 - 19500) * 8);
	CHECK_EQ_INT(gpus_at(&p, 2, b), 0);
	CHECK_EQ_INT(gpus_at(&p, 2, h), (32500 - 21666) * 8);
	CHECK_EQ_INT(p.nclusters, 4); /* site 1 holds both models */
	/* 72-GPU domains of 9 eight-GPU nodes; racks of 4 rounded up to one
	 * domain (9 nodes). */
	check_domains(&p, 72);
	CHECK_EQ_INT(p.ndomains, 1204 + 963 + 241 + 1204);
	CHECK_EQ_INT(p.nracks, p.ndomains);
	CHECK_EQ_INT(p.nodes[0].cpu_milli, 224000);
	CHECK_EQ_INT(p.nodes[0].mem_mib, 2097152);
	CHECK_STR(pool_node_name(&p, 10833), "site-1-c0-n00000");
	CHECK_STR(strtab_get(&p.names, p.clusters[2].name), "site-1-c1");
	CHECK_EQ_INT(p.models[h].mem_gib, 141);
	pool_free(&p);
}

/* The issue's example: "3 sites, 32,500 nodes of 8 B200, 72-GPU NVLink
 * domains". */
TEST(poolgen_issue_example)
{
	struct pool p;

	build("sites=3,nodes=32500,gpus=8,models=B200,domain=72", &p);
	CHECK_EQ_INT(p.total_gpus, 260000);
	CHECK_EQ_INT(p.nclusters, 3);
	CHECK_EQ_INT(gpus_at(&p, 0, 0) + gpus_at(&p, 1, 0) + gpus_at(&p, 2, 0),
		     260000);
	check_domains(&p, 72);
	/* 10,833 nodes = 1,203 domains of 9 + one of 6. */
	CHECK_EQ_INT(p.domains[1203].ngpu, 48);
	CHECK_EQ_INT(p.domains[1202].ngpu, 72);
	pool_free(&p);
}

TEST(poolgen_hgx_and_nvl72)
{
	struct pool p;

	/* Defaults: B200 servers of 8, each its own domain, 4 per rack. */
	build("nodes=10", &p);
	CHECK_EQ_INT(p.ndomains, 10);
	CHECK_EQ_INT(p.nracks, 3);
	CHECK_EQ_INT(p.domains[9].ngpu, 8);
	CHECK_EQ_INT(pool_node_rack(&p, 7), 1);
	CHECK_EQ_INT(pool_node_rack(&p, 8), 2);
	pool_free(&p);

	/* GB200: 4 GPUs per node, NVL72 = 18 nodes, one domain per rack. */
	build("nodes=36,models=GB200", &p);
	CHECK_EQ_INT(p.total_gpus, 144);
	CHECK_EQ_INT(p.ndomains, 2);
	CHECK_EQ_INT(p.nracks, 2);
	CHECK_EQ_INT(p.domains[0].ngpu, 72);
	CHECK_EQ_INT(p.nodes[17].domain, 0);
	CHECK_EQ_INT(p.nodes[18].domain, 1);
	pool_free(&p);

	/* Racks of 4 HGX nodes with 16-GPU domains (2 nodes). */
	build("nodes=9,domain=16,rack=4", &p);
	CHECK_EQ_INT(p.ndomains, 5);
	CHECK_EQ_INT(p.nracks, 3);
	CHECK_EQ_INT(p.domains[4].ngpu, 8);
	pool_free(&p);

	/* Clusters of at most 255 servers, providers round robin. */
	build("sites=3,nodes=1530,models=B200+H200,cluster=255,"
	      "providers=NHN+Kakao", &p);
	CHECK_EQ_INT(p.nclusters, 6);
	CHECK_STR(strtab_get(&p.names, p.sites[2].provider), "NHN");
	CHECK_STR(strtab_get(&p.names, p.sites[1].provider), "Kakao");
	pool_free(&p);
}

TEST(poolgen_deterministic)
{
	struct pool a, b;
	const char *spec = "sites=5,nodes=7777,models=B200:3+H100:2+GB200:1,"
			   "domain=72,cluster=510";

	build(spec, &a);
	build(spec, &b);
	CHECK_EQ_INT(a.nnodes, b.nnodes);
	CHECK(memcmp(a.nodes, b.nodes, a.nnodes * sizeof *a.nodes) == 0);
	CHECK(memcmp(a.domains, b.domains, a.ndomains * sizeof *a.domains) == 0);
	CHECK(memcmp(a.racks, b.racks, a.nracks * sizeof *a.racks) == 0);
	CHECK_EQ_INT(a.names.n, b.names.n);
	for (size_t i = 0; i < a.names.n; i++)
		CHECK_STR(a.names.str[i], b.names.str[i]);
	/* Weights 3:2:1 of 7,777: 3888.5 -> 3889, 2592.33 -> 2592, 1296. */
	uint64_t n[3] = {0, 0, 0};
	for (size_t i = 0; i < a.nnodes; i++)
		n[a.nodes[i].model]++;
	CHECK_EQ_INT(n[0], 3889);
	CHECK_EQ_INT(n[1], 2592);
	CHECK_EQ_INT(n[2], 1296);
	pool_free(&a);
	pool_free(&b);
}

TEST(poolgen_spec_errors)
{
	struct poolgen_spec s;
	struct pool p;
	struct err e;
	char buf[512];

	poolgen_defaults(&s);
	CHECK_EQ_INT(poolgen_parse("models=Z9", &s, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "spec: models: unknown GPU model \"Z9\"");
	CHECK_EQ_INT(poolgen_parse("color=red", &s, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "spec: unknown key \"color\"");
	CHECK_EQ_INT(poolgen_parse("gpus=9", &s, &e), ERR_INVALID);
	CHECK_STR(e.msg, "spec: gpus: expected an integer 1..8, got \"9\"");
	CHECK_EQ_INT(poolgen_parse("models=B200:-1", &s, &e), ERR_INVALID);
	CHECK_STR(e.msg, "spec: models: expected a positive number, got \"-1\"");
	CHECK_EQ_INT(poolgen_parse("sites", &s, &e), ERR_INVALID);
	CHECK_EQ_INT(poolgen_parse("", &s, &e), ERR_INVALID);
	/* A failed parse leaves the spec alone. */
	CHECK_EQ_INT(s.nodes, 32);

	CHECK_EQ_INT(poolgen_parse("gpus=8,domain=12", &s, &e), 0);
	pool_init(&p);
	CHECK_EQ_INT(poolgen_build(&s, &p, &e), ERR_INVALID);
	CHECK_STR(e.msg, "spec: domain: 12 GPUs is not a whole number of 8-GPU "
		  "B200 nodes");
	CHECK_EQ_INT(p.nnodes, 0);
	poolgen_defaults(&s);
	CHECK_EQ_INT(poolgen_parse("sites=5,nodes=4", &s, &e), 0);
	CHECK_EQ_INT(poolgen_build(&s, &p, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "spec: nodes: 4 nodes for 5 sites");
	CHECK_EQ_INT(p.names.n, 0);
	pool_free(&p);

	/* scale, and the canonical form parses back to the same spec. */
	poolgen_defaults(&s);
	CHECK_EQ_INT(poolgen_parse("nodes=32500,scale=0.01,models=B200:0.6+H200:0.4",
				   &s, &e), 0);
	CHECK_EQ_INT(s.nodes, 325);
	poolgen_scale(&s, 4);
	CHECK_EQ_INT(s.nodes, 1300);
	poolgen_scale(&s, 1e-9);
	CHECK_EQ_INT(s.nodes, 1);
	poolgen_format(&s, buf, sizeof buf);
	CHECK_STR(buf, "sites=1,nodes=1,models=B200:0.6+H200:0.4,rack=4,"
		  "cpu=224000,mem=2097152");
	{
		struct poolgen_spec t;
		poolgen_defaults(&t);
		CHECK_EQ_INT(poolgen_parse(buf, &t, &e), 0);
		CHECK(memcmp(&s, &t, sizeof s) == 0);
	}
	CHECK(poolgen_known_model("H100") != NULL);
	CHECK(poolgen_known_model("h100") == NULL);
	CHECK_EQ_INT(poolgen_known_model("GB200")->domain_gpus, 72);
}
