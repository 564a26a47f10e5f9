/*
 * test-poolfile.c — the pool description format: a hand-written file read
 * field by field, every kind of bad input with its exact place, write ->
 * read round trips (hand-written, generated at full scale, irregular), and
 * pool_load.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/poolfile.h"
#include "model/poolgen.h"
#include "test.h"
#include "util/rng.h"

#define SMALL "tests/data/pool/korea-small.pool"

static const char *
name_of(const struct pool *p, uint32_t id)
{
	return strtab_get(&p->names, id);
}

static long
node_by_name(const struct pool *p, const char *name)
{
	for (size_t i = 0; i < p->nnodes; i++)
		if (strcmp(pool_node_name(p, (uint32_t)i), name) == 0)
			return (long)i;
	return -1;
}

/* Fails unless a and b describe the same pool, index for index. */
static void
check_same_pool(const struct pool *a, const struct pool *b)
{
	CHECK_EQ_INT(a->model_names.n, b->model_names.n);
	for (size_t i = 0; i < a->model_names.n; i++) {
		CHECK_STR(a->model_names.str[i], b->model_names.str[i]);
		CHECK(memcmp(&a->models[i], &b->models[i], sizeof a->models[i]) == 0);
	}
	CHECK_EQ_INT(a->nsites, b->nsites);
	for (size_t i = 0; i < a->nsites; i++) {
		CHECK_STR(name_of(a, a->sites[i].name), name_of(b, b->sites[i].name));
		CHECK_STR(name_of(a, a->sites[i].provider),
			  name_of(b, b->sites[i].provider));
	}
	CHECK_EQ_INT(a->nclusters, b->nclusters);
	for (size_t i = 0; i < a->nclusters; i++) {
		CHECK_STR(name_of(a, a->clusters[i].name),
			  name_of(b, b->clusters[i].name));
		CHECK_EQ_INT(a->clusters[i].site, b->clusters[i].site);
	}
	CHECK_EQ_INT(a->nracks, b->nracks);
	for (size_t i = 0; i < a->nracks; i++) {
		CHECK_STR(name_of(a, a->racks[i].name), name_of(b, b->racks[i].name));
		CHECK_EQ_INT(a->racks[i].cluster, b->racks[i].cluster);
	}
	CHECK_EQ_INT(a->ndomains, b->ndomains);
	for (size_t i = 0; i < a->ndomains; i++) {
		CHECK_STR(name_of(a, a->domains[i].name),
			  name_of(b, b->domains[i].name));
		CHECK_EQ_INT(a->domains[i].rack, b->domains[i].rack);
		CHECK_EQ_INT(a->domains[i].ngpu, b->domains[i].ngpu);
	}
	CHECK_EQ_INT(a->nnodes, b->nnodes);
	for (size_t i = 0; i < a->nnodes; i++) {
		struct node x = a->nodes[i], y = b->nodes[i];
		CHECK_STR(pool_node_name(a, (uint32_t)i),
			  pool_node_name(b, (uint32_t)i));
		x.name = y.name = 0;
		if (memcmp(&x, &y, sizeof x) != 0)
			test_fail(__FILE__, __LINE__, "node %zu (%s) differs", i,
				  pool_node_name(a, (uint32_t)i));
	}
	CHECK_EQ_INT(a->total_gpus, b->total_gpus);
}

/* Writes p to a string (caller frees). */
static char *
write_str(const struct pool *p, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	struct err e;

	CHECK(f != NULL);
	if (poolfile_write(f, p, &e) != 0)
		test_fail(__FILE__, __LINE__, "write: %s", e.msg);
	fclose(f);
	*len = n;
	return buf;
}

/* Writes p, reads it back, checks equality, and checks that writing the
 * copy gives the same text.  Returns the number of lines written. */
static size_t
round_trip(const struct pool *p)
{
	struct pool q;
	struct err e;
	size_t n, n2, lines = 0;
	char *text = write_str(p, &n), *text2;

	pool_init(&q);
	if (poolfile_parse("rt.pool", text, n, &q, &e) != 0)
		test_fail(__FILE__, __LINE__, "read back: %s\n%.2000s", e.msg, text);
	check_same_pool(p, &q);
	text2 = write_str(&q, &n2);
	CHECK_EQ_INT(n, n2);
	CHECK(memcmp(text, text2, n) == 0);
	for (size_t i = 0; i < n; i++)
		lines += text[i] == '\n';
	free(text);
	free(text2);
	pool_free(&q);
	return lines;
}

TEST(poolfile_read_good)
{
	struct pool p;
	struct err e;
	long i;
	int m;

	pool_init(&p);
	if (poolfile_read(SMALL, &p, &e) != 0)
		test_fail(__FILE__, __LINE__, "%s", e.msg);
	CHECK_EQ_INT(p.model_names.n, 4);
	CHECK_EQ_INT(p.nsites, 3);
	CHECK_EQ_INT(p.nclusters, 4);
	CHECK_EQ_INT(p.nracks, 3 + 3 + 1 + 1);
	CHECK_EQ_INT(p.ndomains, 12 + 10 + 2 + 1);
	CHECK_EQ_INT(p.nnodes, 43);
	CHECK_EQ_INT(p.total_gpus, 12 * 8 + 10 * 8 + 16 + 72);

	/* Models: given figures, and the built-in ones for GB200. */
	m = pool_model_find(&p, "H200");
	CHECK_EQ_INT(m, 1);
	CHECK_EQ_INT(p.models[m].mem_gib, 141);
	CHECK_EQ_INT(p.models[m].price_won_hour, 5000);
	CHECK_EQ_INT(p.models[m].watts, 700);
	m = pool_model_find(&p, "GB200");
	CHECK_EQ_INT(m, 2);
	CHECK_EQ_INT(p.models[m].mem_gib, poolgen_known_model("GB200")->props.mem_gib);
	CHECK_EQ_INT(p.models[m].watts, 1200);

	CHECK_STR(name_of(&p, p.sites[1].name), "ansan");
	CHECK_STR(name_of(&p, p.sites[1].provider), "Kakao");
	CHECK_STR(name_of(&p, p.clusters[3].name), "naver-gb200");
	CHECK_EQ_INT(p.clusters[3].site, 2);

	/* Range lines: node 5 is nhn005 in domain nhn-d05, rack nhn-r1. */
	CHECK_STR(pool_node_name(&p, 5), "nhn005");
	CHECK_STR(name_of(&p, p.domains[p.nodes[5].domain].name), "nhn-d05");
	CHECK_STR(name_of(&p, p.racks[pool_node_rack(&p, 5)].name), "nhn-r1");
	CHECK_EQ_INT(p.nodes[5].ngpu, 8);
	CHECK_EQ_INT(p.nodes[5].cpu_milli, 224000);
	CHECK_EQ_INT(p.nodes[5].mem_mib, 2097152);
	CHECK_EQ_INT(p.nodes[5].gpu_free[7], 1000);

	/* The shorthand: 10 nodes, racks of 4, one domain each. */
	i = node_by_name(&p, "kakao09");
	CHECK_EQ_INT(i, 21);
	CHECK_STR(name_of(&p, p.domains[p.nodes[i].domain].name),
		  "kakao-b200-d0009");
	CHECK_STR(name_of(&p, p.racks[pool_node_rack(&p, (uint32_t)i)].name),
		  "kakao-b200-r002");
	CHECK_EQ_INT(pool_node_site(&p, (uint32_t)i), 1);

	i = node_by_name(&p, "naver-h1");
	CHECK_EQ_INT(p.nodes[i].state, NODE_DRAIN);
	i = node_by_name(&p, "naver-login");
	CHECK_EQ_INT(p.nodes[i].ngpu, 0);
	CHECK_EQ_INT(p.domains[p.nodes[i].domain].ngpu, 8);

	/* NVL72: one domain of 18 nodes x 4 GPUs. */
	i = node_by_name(&p, "gb18");
	CHECK_EQ_INT(i, 42);
	CHECK_EQ_INT(p.domains[p.nodes[i].domain].ngpu, 72);
	CHECK_EQ_INT(p.nodes[i].domain, p.nodes[25].domain);
	CHECK_EQ_INT(p.nodes[i].model, 2);
	pool_free(&p);
}

struct bad {
	const char *text;
	int code;
	const char *msg; /* exact message */
};

static const struct bad bad[] = {
	/* version */
	{"", ERR_INVALID, "t.pool: version: missing \"allot-pool 1\" line (empty file?)"},
	{"# only a comment\n", ERR_INVALID,
	 "t.pool:1: version: missing \"allot-pool 1\" line (empty file?)"},
	{"model B200\n", ERR_INVALID,
	 "t.pool:1: version: expected \"allot-pool 1\" first, got \"model\""},
	{"allot-pool 2\n", ERR_INVALID,
	 "t.pool:1: version: unsupported version \"2\" (this reader knows 1)"},
	{"allot-pool 1\nallot-pool 1\n", ERR_INVALID, "t.pool:2: version: given twice"},
	{"allot-pool 1\nmodel B200\n", ERR_INVALID,
	 "t.pool:2: end: missing \"end\" line (truncated file?)"},
	/* truncated, NUL, long line */
	{"allot-pool 1\nmodel B2", ERR_INVALID,
	 "t.pool:2: line: no newline at the end of the file (truncated?)"},
	{"allot-pool 1\nmodel B\0" "200\nend\n", ERR_INVALID,
	 "t.pool:2: line: NUL byte at column 8"},
	/* unknown lines and keys */
	{"allot-pool 1\nserver x\n", ERR_INVALID,
	 "t.pool:2: unknown line \"server\" (expected model, provider, site, "
	 "cluster, rack, domain, node, nodes or end)"},
	{"allot-pool 1\nmodel X1 mem=1 price=2 watts=3 colour=red\n", ERR_INVALID,
	 "t.pool:2: colour: unknown key for model (known: mem, price, watts)"},
	{"allot-pool 1\nmodel X1 mem=1 price=2 watts=3 watts=4\n", ERR_INVALID,
	 "t.pool:2: watts: given twice"},
	{"allot-pool 1\nmodel X1 mem=1 price watts=3\n", ERR_INVALID,
	 "t.pool:2: expected key=value, got \"price\""},
	/* models */
	{"allot-pool 1\nmodel X1 mem=1 price=2\n", ERR_INVALID,
	 "t.pool:2: watts: missing (X1 is not a built-in model)"},
	{"allot-pool 1\nmodel B200\nmodel B200\n", ERR_INVALID,
	 "t.pool:3: name: duplicate model \"B200\" (first defined on line 2)"},
	{"allot-pool 1\nmodel X1 mem=-1 price=2 watts=3\n", ERR_INVALID,
	 "t.pool:2: mem: expected an integer 0..1000000, got \"-1\""},
	/* names */
	{"allot-pool 1\nprovider a\"b\n", ERR_INVALID,
	 "t.pool:2: name: expected a name of 1..64 letters, digits or ._-:/@+, "
	 "got \"a\\x22b\""},
	{"allot-pool 1\nprovider p\nsite s[3-1] provider=p\n", ERR_INVALID,
	 "t.pool:3: name: range [3-1] is reversed"},
	{"allot-pool 1\nprovider p\nsite s[1-x] provider=p\n", ERR_INVALID,
	 "t.pool:3: name: expected a range like name[000-254], got \"s[1-x]\""},
	{"allot-pool 1\nprovider p[1-2]\n", ERR_INVALID,
	 "t.pool:2: name: a range of names is not allowed here, got \"p[1-2]\""},
	{"allot-pool 1\nprovider p\nsite s[0-1000000] provider=p\n", ERR_LIMIT,
	 "t.pool:3: name: range of 1000001 names (at most 1000000)"},
	/* hierarchy references */
	{"allot-pool 1\nsite s provider=NHN\n", ERR_INVALID,
	 "t.pool:2: provider: undefined provider \"NHN\""},
	{"allot-pool 1\nprovider p\nsite s provider=p\nsite s provider=p\n",
	 ERR_INVALID, "t.pool:4: name: duplicate site \"s\" (first defined on line 3)"},
	{"allot-pool 1\nprovider p\nsite s provider=p\ncluster c site=s\n"
	 "rack r[0-3] cluster=c\nrack r2 cluster=c\n", ERR_INVALID,
	 "t.pool:6: name: duplicate rack \"r2\" (first defined on line 5)"},
	{"allot-pool 1\nprovider p\nsite s provider=p\ncluster c\n", ERR_INVALID,
	 "t.pool:4: site: missing (required for cluster)"},
	{"allot-pool 1\nprovider p\nsite s provider=p\ncluster c site=s\n"
	 "rack r[0-1] cluster=c\ndomain d[0-4] rack=r[0-1]\n", ERR_INVALID,
	 "t.pool:6: per: 5 domains do not divide evenly over 2 racks; say how "
	 "many go in each with per="},
	{"allot-pool 1\nprovider p\nsite s provider=p\ncluster c site=s\n"
	 "rack r[0-1] cluster=c\ndomain d[0-4] rack=r[0-1] per=2\n", ERR_INVALID,
	 "t.pool:6: per: 5 domains at 2 per rack need 3 racks, 2 given"},
	{"allot-pool 1\nprovider p\nsite s provider=p\ncluster c site=s\n"
	 "rack r[0-1] cluster=c\ndomain d[0-3] rack=r[1-2] per=2\n", ERR_INVALID,
	 "t.pool:6: rack: undefined rack \"r2\""},
	/* nodes */
	{"allot-pool 1\nmodel B200\nprovider p\nsite s provider=p\ncluster c site=s\n"
	 "rack r cluster=c\ndomain d rack=r\n"
	 "node n domain=d model=B200 gpus=x cpu=1 mem=1\n", ERR_INVALID,
	 "t.pool:8: gpus: expected an integer 0..8, got \"x\""},
	{"allot-pool 1\nmodel B200\nprovider p\nsite s provider=p\ncluster c site=s\n"
	 "rack r cluster=c\ndomain d rack=r\n"
	 "node n domain=d model=B200 gpus=9 cpu=1 mem=1\n", ERR_INVALID,
	 "t.pool:8: gpus: expected an integer 0..8, got \"9\""},
	{"allot-pool 1\nmodel B200\nprovider p\nsite s provider=p\ncluster c site=s\n"
	 "rack r cluster=c\ndomain d rack=r\n"
	 "node n domain=d model=H100 gpus=8 cpu=1 mem=1\n", ERR_INVALID,
	 "t.pool:8: model: undefined GPU model \"H100\""},
	{"allot-pool 1\nmodel B200\nprovider p\nsite s provider=p\ncluster c site=s\n"
	 "rack r cluster=c\ndomain d rack=r\n"
	 "node n domain=d model=B200 gpus=8 mem=1\n", ERR_INVALID,
	 "t.pool:8: cpu: missing (required for a node)"},
	{"allot-pool 1\nmodel B200\nprovider p\nsite s provider=p\ncluster c site=s\n"
	 "rack r cluster=c\ndomain d rack=r\n"
	 "node n domain=d model=B200 gpus=8 cpu=1 mem=1 state=broken\n", ERR_INVALID,
	 "t.pool:8: state: expected up, drain, down or absent, got \"broken\""},
	{"allot-pool 1\nmodel B200\nprovider p\nsite s provider=p\ncluster c site=s\n"
	 "rack r cluster=c\ndomain d rack=r\n"
	 "node n domain=d model=B200 gpus=8 cpu=1 mem=1\n"
	 "node n[0-999999] domain=d model=B200 gpus=8 cpu=1 mem=1\n", ERR_LIMIT,
	 "t.pool:9: name: more than 1000000 nodes"},
	{"allot-pool 1\nmodel B200\nprovider p\nsite s provider=p\ncluster c site=s\n"
	 "nodes n[0-3] cluster=c model=B200 gpus=8 cpu=1 mem=1 domain-nodes=3 "
	 "rack-nodes=4\n", ERR_INVALID,
	 "t.pool:6: rack-nodes: 4 is not a multiple of domain-nodes=3 (a domain "
	 "lies in one rack)"},
	{"allot-pool 1\nmodel B200\nprovider p\nsite s provider=p\ncluster c site=s\n"
	 "nodes n[0-3] cluster=c model=B200 gpus=8 cpu=1 mem=1 domain-nodes=2\n"
	 "nodes m[0-3] cluster=c model=B200 gpus=8 cpu=1 mem=1\n"
	 "nodes n3 cluster=c model=B200 gpus=8 cpu=1 mem=1\n", ERR_INVALID,
	 "t.pool:8: name: duplicate node \"n3\" (first defined on line 6)"},
	/* end */
	{"allot-pool 1\nend nodes=3\n", ERR_INVALID,
	 "t.pool:2: nodes: 3 nodes promised, 0 defined (truncated or edited file?)"},
	{"allot-pool 1\nend\nmodel B200\n", ERR_INVALID,
	 "t.pool:3: \"model\" after \"end\""},
};

TEST(poolfile_bad_input)
{
	char longline[POOLFILE_MAX_LINE + 64];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct pool p;
		struct err e;
		size_t len = strlen(bad[i].text);
		int rc;

		/* The NUL case: count up to the last newline by hand. */
		if (strstr(bad[i].msg, "NUL byte") != NULL)
			len = strlen(bad[i].text) + 1 + strlen(bad[i].text +
							       strlen(bad[i].text) + 1);
		pool_init(&p);
		e.msg[0] = '\0';
		rc = poolfile_parse("t.pool", bad[i].text, len, &p, &e);
		if (rc != bad[i].code || strcmp(e.msg, bad[i].msg) != 0)
			test_fail(__FILE__, __LINE__, "case %zu: rc %d, message\n"
				  "  got      %s\n  expected %s", i, rc, e.msg,
				  bad[i].msg);
		/* Nothing half-applied. */
		CHECK_EQ_INT(p.nnodes, 0);
		CHECK_EQ_INT(p.names.n, 0);
		CHECK_EQ_INT(p.model_names.n, 0);
		pool_free(&p);
	}

	/* A line longer than the limit. */
	memset(longline, ' ', sizeof longline);
	memcpy(longline, "allot-pool 1\nmodel", 18);
	longline[sizeof longline - 1] = '\n';
	{
		struct pool p;
		struct err e;
		pool_init(&p);
		CHECK_EQ_INT(poolfile_parse("t.pool", longline, sizeof longline, &p,
					    &e), ERR_LIMIT);
		CHECK_STR(e.msg, "t.pool:2: line: longer than 4096 bytes");
		pool_free(&p);
	}
}

TEST(poolfile_truncated_file)
{
	struct pool p;
	struct err e;
	char *text;
	size_t n, cut;
	int failures = 0;

	pool_init(&p);
	CHECK_EQ_INT(poolfile_read(SMALL, &p, &e), 0);
	text = write_str(&p, &n);
	pool_free(&p);
	/* Cut the written file at every byte: each cut must fail, naming a
	 * line, and leave nothing behind. */
	for (cut = 0; cut < n; cut++) {
		pool_init(&p);
		if (poolfile_parse("t.pool", text, cut, &p, &e) != 0) {
			failures++;
			CHECK(strncmp(e.msg, "t.pool", 6) == 0);
			CHECK_EQ_INT(p.nnodes, 0);
		}
		pool_free(&p);
	}
	CHECK_EQ_INT(failures, (long)n);
	free(text);
}

TEST(poolfile_round_trip_small)
{
	struct pool p;
	struct err e;

	pool_init(&p);
	CHECK_EQ_INT(poolfile_read(SMALL, &p, &e), 0);
	CHECK(round_trip(&p) < 40);
	pool_free(&p);
}

TEST(poolfile_round_trip_full_scale)
{
	struct poolgen_spec s;
	struct pool p;
	struct err e;
	size_t lines;

	poolgen_defaults(&s);
	CHECK_EQ_INT(poolgen_parse("sites=3,nodes=32500,gpus=8,models=B200:0.6+"
				   "H200:0.4,domain=72,rack=4,cpu=224000,"
				   "mem=2097152", &s, &e), 0);
	pool_init(&p);
	CHECK_EQ_INT(poolgen_build(&s, &p, &e), 0);
	CHECK_EQ_INT(p.nnodes, 32500);
	lines = round_trip(&p);
	/* A few lines per cluster (4 clusters), not one per node. */
	if (lines > 60)
		test_fail(__FILE__, __LINE__, "%zu lines for 32,500 nodes", lines);
	pool_free(&p);

	/* HGX: every node its own domain, clusters of 255. */
	poolgen_defaults(&s);
	CHECK_EQ_INT(poolgen_parse("sites=3,nodes=32500,models=B200+H200+B300,"
				   "cluster=255", &s, &e), 0);
	pool_init(&p);
	CHECK_EQ_INT(poolgen_build(&s, &p, &e), 0);
	CHECK_EQ_INT(p.ndomains, 32500);
	lines = round_trip(&p);
	CHECK(lines < 5 * p.nclusters + 20);
	pool_free(&p);
}

/* A pool built by code with irregular names, gaps, shared parents and
 * mixed fields: the writer must fall back to short runs and still give
 * back the same pool. */
TEST(poolfile_round_trip_irregular)
{
	struct gpu_model g = {80, 700, 4200};
	struct pool p;
	struct rng r;
	char name[64];
	uint32_t site, cl, rack = 0, dom = 0;

	pool_init(&p);
	rng_seed(&r, 7);
	CHECK_EQ_INT(pool_model(&p, "H100", &g, NULL), 0);
	CHECK_EQ_INT(pool_model(&p, "A100", &g, NULL), 1);
	site = pool_add_site(&p, "s1", "prov-a");
	pool_add_site(&p, "s2", "prov-a");
	pool_add_site(&p, "x", "prov-9");
	cl = pool_add_cluster(&p, "c7", site);
	pool_add_cluster(&p, "c8", 2);
	for (int i = 0; i < 400; i++) {
		if (rng_below(&r, 5) == 0 || i == 0) {
			snprintf(name, sizeof name, "rk%u", (unsigned)rng_below(&r, 1000) * 1000 + (unsigned)i);
			rack = pool_add_rack(&p, name, cl + (uint32_t)rng_below(&r, 2));
		}
		if (rng_below(&r, 3) == 0 || i == 0) {
			snprintf(name, sizeof name, "dom-%03d.x", i);
			dom = pool_add_domain(&p, name, rack);
		}
		if (rng_below(&r, 4) == 0)
			snprintf(name, sizeof name, "odd%dz%d", i, (int)rng_below(&r, 9));
		else
			snprintf(name, sizeof name, "n%04d", i + (i > 200 ? 7 : 0));
		CHECK(pool_add_node(&p, name, dom, (int)rng_below(&r, 2),
				    (int)rng_below(&r, 9), 1000 * (uint32_t)rng_below(&r, 3),
				    4096, NULL) >= 0);
		p.nodes[p.nnodes - 1].state = (uint8_t)(rng_below(&r, 8) == 0 ?
							NODE_DOWN : NODE_UP);
	}
	/* An empty rack and domain, and a node-less cluster are kept too. */
	pool_add_domain(&p, "lonely", pool_add_rack(&p, "empty-rack", cl));
	round_trip(&p);
	pool_free(&p);

	/* Many sites of one provider (a counter once wrapped at 256 here). */
	pool_init(&p);
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof name, "%d1", i + 5);
		pool_add_site(&p, name, "p");
	}
	round_trip(&p);
	pool_free(&p);

	/* The empty pool. */
	pool_init(&p);
	round_trip(&p);
	pool_free(&p);
}

TEST(poolfile_write_refuses)
{
	struct pool p;
	struct err e;
	FILE *f = fopen("/dev/null", "w");

	CHECK(f != NULL);
	pool_init(&p);
	pool_add_node(&p, "has space", UINT32_MAX, 0, 0, 1, 1, NULL);
	CHECK_EQ_INT(poolfile_write(f, &p, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "\"has space\" cannot be written");
	pool_free(&p);

	pool_init(&p);
	pool_add_node(&p, "twin", UINT32_MAX, 0, 0, 1, 1, NULL);
	pool_add_node(&p, "twin", UINT32_MAX, 0, 0, 1, 1, NULL);
	CHECK_EQ_INT(poolfile_write(f, &p, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "two domains named \"twin\"");
	pool_free(&p);
	fclose(f);
}

TEST(pool_load_forms)
{
	struct pool p;
	struct err e;

	pool_init(&p);
	CHECK_EQ_INT(pool_load("gen:sites=2,nodes=10,models=H100", &p, &e), 0);
	CHECK_EQ_INT(p.nnodes, 10);
	CHECK_EQ_INT(p.total_gpus, 80);
	/* Not into a pool that already holds something. */
	CHECK_EQ_INT(pool_load(SMALL, &p, &e), ERR_STATE);
	pool_free(&p);

	pool_init(&p);
	CHECK_EQ_INT(pool_load(SMALL, &p, &e), 0);
	CHECK_EQ_INT(p.nnodes, 43);
	pool_free(&p);

	pool_init(&p);
	CHECK_EQ_INT(pool_load("tests/data/pool/no-such.pool", &p, &e), ERR_NOTFOUND);
	CHECK_CONTAINS(e.msg, "tests/data/pool/no-such.pool: ");
	CHECK_EQ_INT(pool_load("gen:nodes=x", &p, &e), ERR_INVALID);
	CHECK_STR(e.msg, "spec: nodes: expected an integer 1..1000000, got \"x\"");
	pool_free(&p);
}
