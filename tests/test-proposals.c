/*
 * test-proposals.c — the proposals CSV (sim/proposals.h): exact fields
 * from good input, the exact place of every kind of bad input with
 * nothing kept, the writer's round trip; the synthetic 2026 call: its
 * marginals hold exactly, it is deterministic, and selecting with the
 * 528 servers (4,224 GPUs) of the 2026 call gives the figures recorded
 * in docs/OPENCALL.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compete/opencall.h"
#include "model/pool.h"
#include "sim/proposals.h"
#include "test.h"
#include "util/alloc.h"

#define HDR "id,tenant,org,category,region,model,servers,months,impact," \
	    "ecosystem,feasibility\n"

/* A pool with models H100 (0), H200 (1), B200 (2). */
static void
three_models(struct pool *p)
{
	pool_init(p);
	CHECK_EQ_INT(pool_model(p, "H100", NULL, NULL), 0);
	CHECK_EQ_INT(pool_model(p, "H200", NULL, NULL), 1);
	CHECK_EQ_INT(pool_model(p, "B200", NULL, NULL), 2);
}

static int
parse(const char *text, const struct pool *p, struct proposals *ps,
      struct err *e)
{
	return proposals_parse("p.csv", text, strlen(text), p, ps, e);
}

TEST(proposals_good)
{
	struct pool p;
	struct proposals ps;
	struct err e;
	const char *text = HDR
	    "7,kaist-nlp,kaist,academia,3,H200,32,12,81.5,77,90\n"
	    "\n"
	    "2,upstart,upstart-inc,sme,0,B200,1,6,60,55.5,70\r\n"
	    "9,kaist-vision,kaist,academia,0,B200,16,1,0,100,50\n";

	three_models(&p);
	proposals_init(&ps);
	CHECK_EQ_INT(parse(text, &p, &ps, &e), 0);
	CHECK_EQ_INT(ps.n, 3);
	CHECK_EQ_INT(ps.v[0].id, 7);
	CHECK_STR(strtab_get(&ps.tenants, ps.v[0].tenant), "kaist-nlp");
	CHECK_STR(strtab_get(&ps.orgs, ps.v[0].org), "kaist");
	CHECK_EQ_INT(ps.v[0].category, OC_ACADEMIA);
	CHECK_EQ_INT(ps.v[0].region, 3);
	CHECK_EQ_INT(ps.v[0].model, 1);
	CHECK_EQ_INT(ps.v[0].servers, 32);
	CHECK_EQ_INT(ps.v[0].months, 12);
	CHECK_NEAR(ps.v[0].scores[0], 81.5, 0);
	CHECK_NEAR(ps.v[0].scores[1], 77, 0);
	CHECK_NEAR(ps.v[0].scores[2], 90, 0);
	CHECK_EQ_INT(ps.v[1].id, 2);
	CHECK_EQ_INT(ps.v[1].category, OC_SME);
	CHECK_EQ_INT(ps.v[1].model, 2);
	CHECK_EQ_INT(ps.v[1].months, 6);
	CHECK_NEAR(ps.v[1].scores[1], 55.5, 0);
	CHECK_EQ_INT(ps.v[2].org, ps.v[0].org);  /* same organisation */
	CHECK_EQ_INT(ps.orgs.n, 2);
	CHECK_EQ_INT(ps.tenants.n, 3);
	/* Columns in another order. */
	proposals_free(&ps);
	proposals_init(&ps);
	CHECK_EQ_INT(parse("feasibility,ecosystem,impact,months,servers,model,"
			   "region,category,org,tenant,id\n"
			   "1,2,3,4,5,H100,6,large,o,t,99\n", &p, &ps, &e), 0);
	CHECK_EQ_INT(ps.n, 1);
	CHECK_EQ_INT(ps.v[0].id, 99);
	CHECK_EQ_INT(ps.v[0].category, OC_LARGE);
	CHECK_EQ_INT(ps.v[0].servers, 5);
	CHECK_NEAR(ps.v[0].scores[0], 3, 0);
	CHECK_NEAR(ps.v[0].scores[2], 1, 0);
	proposals_free(&ps);
	pool_free(&p);
}

/* Each bad text: the exact error, and ps as it was (one proposal). */
static void
bad(const char *text, const char *msg, int line)
{
	struct pool p;
	struct proposals ps;
	struct err e;
	int rc;

	three_models(&p);
	proposals_init(&ps);
	CHECK_EQ_INT(parse(HDR "500,t,o,academia,0,H100,1,1,1,1,1\n", &p, &ps,
			   &e), 0);
	rc = parse(text, &p, &ps, &e);
	if (rc == 0)
		test_fail(__FILE__, line, "accepted");
	if (strcmp(e.msg, msg) != 0)
		test_fail(__FILE__, line, "\"%s\" != \"%s\"", e.msg, msg);
	if (ps.n != 1 || ps.v[0].id != 500)
		test_fail(__FILE__, line, "kept %zu proposals", ps.n);
	proposals_free(&ps);
	pool_free(&p);
}

TEST(proposals_bad)
{
	bad("id,tenant,org,category,region,model,servers,months,impact,"
	    "ecosystem\n",
	    "p.csv:1: header: no column \"feasibility\" (the first line must "
	    "name the columns)", __LINE__);
	bad(HDR "1,t,o,academia,0,H100,1,1,1,1\n",
	    "p.csv:2: line: 10 columns, the header has 11", __LINE__);
	bad(HDR "1,t,o,academia,0,H100,1,1,1,1,1\n"
	    "2,t,o,academia,0,H100,1,1,nan,1,1\n",
	    "p.csv:3: impact: expected a number, got \"nan\"",
	    __LINE__);
	bad(HDR "1,t,o,academia,0,H100,1,1,1,100.5,1\n",
	    "p.csv:2: ecosystem: expected a number 0..100, got \"100.5\"", __LINE__);
	bad(HDR "1,t,o,academia,0,A100,1,1,1,1,1\n",
	    "p.csv:2: model: no GPU model \"A100\" in the pool", __LINE__);
	bad(HDR "1,t,o,university,0,H100,1,1,1,1,1\n",
	    "p.csv:2: category: expected academia, institute, sme or large, "
	    "got \"university\"", __LINE__);
	bad(HDR "1,t,o,sme,0,H100,1,1,1,1,1\n\n3,t,o,sme,0,H100,1,1,1,1,1\n"
	    "1,t,o,sme,0,H100,1,1,1,1,1\n",
	    "p.csv:5: id: 1 already used on line 2", __LINE__);
	bad(HDR "500,t,o,sme,0,H100,1,1,1,1,1\n",
	    "p.csv:2: id: 500 already used by an earlier proposal", __LINE__);
	bad(HDR "1,t,o,sme,0,H100,0,1,1,1,1\n",
	    "p.csv:2: servers: expected an integer 1..100000, got \"0\"", __LINE__);
	bad(HDR "1,t,o,sme,0,H100,1,0,1,1,1\n",
	    "p.csv:2: months: expected an integer 1..120, got \"0\"", __LINE__);
	bad(HDR "1,t,o,sme,256,H100,1,1,1,1,1\n",
	    "p.csv:2: region: expected an integer 0..255, got \"256\"", __LINE__);
	bad(HDR "-1,t,o,sme,0,H100,1,1,1,1,1\n",
	    "p.csv:2: id: expected an integer 0..4294967295, got \"-1\"",
	    __LINE__);
	bad(HDR "1,t t,o,sme,0,H100,1,1,1,1,1\n",
	    "p.csv:2: tenant: byte 2 of \"t t\" is not a letter, digit or "
	    "one of ._-:/@+", __LINE__);
}

/* A bad line after good ones: none of the file is kept. */
TEST(proposals_nothing_kept)
{
	struct pool p;
	struct proposals ps;
	struct err e;

	three_models(&p);
	proposals_init(&ps);
	CHECK(parse(HDR "1,t,o,sme,0,H100,1,1,1,1,1\n"
		    "2,u,o,sme,0,H100,1,1,1,1,1\n"
		    "3,t,o,sme,0,H100,1,1,1,1,x\n", &p, &ps, &e) == ERR_INVALID);
	CHECK_CONTAINS(e.msg, "p.csv:4: feasibility: ");
	CHECK_EQ_INT(ps.n, 0);
	/* Truncated: the last line short of columns. */
	CHECK(parse(HDR "1,t,o,sme,0,H100,1,1,1,1,1\n2,t,o,sme", &p, &ps,
		    &e) == ERR_INVALID);
	CHECK_STR(e.msg, "p.csv:3: line: 4 columns, the header has 11");
	CHECK_EQ_INT(ps.n, 0);
	/* An empty file holds no proposals. */
	CHECK_EQ_INT(parse("", &p, &ps, &e), 0);
	CHECK_EQ_INT(ps.n, 0);
	proposals_free(&ps);
	pool_free(&p);
}

TEST(proposals_read_file)
{
	struct pool p;
	struct proposals ps;
	struct err e;
	char path[512];
	FILE *f;

	three_models(&p);
	proposals_init(&ps);
	snprintf(path, sizeof path, "%s/p.csv", test_tmpdir());
	f = fopen(path, "w");
	CHECK(f != NULL);
	fputs(HDR "4,t,o,institute,1,B200,2,3,50,60,70\n", f);
	fclose(f);
	CHECK_EQ_INT(proposals_read(path, &p, &ps, &e), 0);
	CHECK_EQ_INT(ps.n, 1);
	CHECK_EQ_INT(ps.v[0].category, OC_INSTITUTE);
	f = fopen(path, "a");
	CHECK(f != NULL);
	fputs("5,t,o,sme,1,B200,2,3,50,60\n", f);
	fclose(f);
	proposals_free(&ps);
	proposals_init(&ps);
	CHECK(proposals_read(path, &p, &ps, &e) == ERR_INVALID);
	CHECK_CONTAINS(e.msg, "/p.csv:3: line: 10 columns");
	CHECK_EQ_INT(ps.n, 0);
	snprintf(path, sizeof path, "%s/none.csv", test_tmpdir());
	CHECK(proposals_read(path, &p, &ps, &e) == ERR_NOTFOUND);
	proposals_free(&ps);
	pool_free(&p);
}

TEST(proposals_synth_marginals)
{
	struct pool p;
	struct proposals ps;
	struct proposals_synth_opts o;
	struct err e;
	uint64_t servers = 0, by_model[3] = {0}, capital = 0;
	char *seen;

	three_models(&p);
	proposals_init(&ps);
	proposals_synth_2026(&o, &p);
	CHECK_EQ_INT(o.model[0], 1);
	CHECK_EQ_INT(o.model[1], 2);
	CHECK_EQ_INT(proposals_synth(&o, 1, &ps, &e), 0);
	CHECK_EQ_INT(ps.n, 514);
	seen = xcalloc(515, 1);
	for (size_t i = 0; i < ps.n; i++) {
		const struct oc_proposal *q = &ps.v[i];

		CHECK(q->id >= 1 && q->id <= 514 && !seen[q->id]);
		seen[q->id] = 1;
		CHECK_EQ_INT(q->id, i + 1);
		CHECK(q->model == 1 || q->model == 2);
		CHECK(q->servers >= 1);
		CHECK(q->servers <= (q->model == 1 ? 32u : 16u));
		CHECK(q->months >= 3 && q->months <= 12);
		for (int k = 0; k < 3; k++)
			CHECK(q->scores[k] >= 0 && q->scores[k] <= 100);
		CHECK(q->category < OC_NCATEGORIES);
		CHECK(q->region <= 14);
		servers += q->servers;
		by_model[q->model]++;
		capital += q->region == 0;
	}
	free(seen);
	CHECK_EQ_INT(servers, 1714);  /* 13,712 GPUs */
	CHECK_EQ_INT(by_model[1], 257);
	CHECK_EQ_INT(by_model[2], 257);
	CHECK_EQ_INT(capital, 308);   /* round(0.6 x 514) */
	CHECK_STR(strtab_get(&ps.tenants, ps.v[0].tenant), "p0001");
	proposals_free(&ps);
	pool_free(&p);
}

TEST(proposals_synth_deterministic)
{
	struct pool p;
	struct proposals a, b;
	struct proposals_synth_opts o;
	char *ta, *tb;
	size_t na, nb;

	three_models(&p);
	proposals_synth_2026(&o, &p);
	proposals_init(&a);
	proposals_init(&b);
	CHECK_EQ_INT(proposals_synth(&o, 7, &a, NULL), 0);
	CHECK_EQ_INT(proposals_synth(&o, 7, &b, NULL), 0);
	ta = proposals_format(&a, &p, &na);
	tb = proposals_format(&b, &p, &nb);
	CHECK_EQ_INT(na, nb);
	CHECK(memcmp(ta, tb, na) == 0);
	free(tb);
	proposals_free(&b);
	proposals_init(&b);
	CHECK_EQ_INT(proposals_synth(&o, 8, &b, NULL), 0);
	tb = proposals_format(&b, &p, &nb);
	CHECK(na != nb || memcmp(ta, tb, na) != 0);
	free(ta);
	free(tb);
	proposals_free(&a);
	proposals_free(&b);
	pool_free(&p);
}

/* Writing and reading back gives the same proposals and names. */
TEST(proposals_round_trip)
{
	struct pool p;
	struct proposals a, b;
	struct proposals_synth_opts o;
	struct err e;
	char *text;
	size_t n;

	three_models(&p);
	proposals_synth_2026(&o, &p);
	proposals_init(&a);
	proposals_init(&b);
	CHECK_EQ_INT(proposals_synth(&o, 3, &a, NULL), 0);
	text = proposals_format(&a, &p, &n);
	CHECK_EQ_INT(strlen(text), n);
	CHECK(strncmp(text, HDR, strlen(HDR)) == 0);
	CHECK_EQ_INT(proposals_parse("rt.csv", text, n, &p, &b, &e), 0);
	CHECK_EQ_INT(b.n, a.n);
	for (size_t i = 0; i < a.n; i++) {
		const struct oc_proposal *x = &a.v[i], *y = &b.v[i];

		CHECK_EQ_INT(x->id, y->id);
		CHECK_STR(strtab_get(&a.tenants, x->tenant),
			  strtab_get(&b.tenants, y->tenant));
		CHECK_STR(strtab_get(&a.orgs, x->org),
			  strtab_get(&b.orgs, y->org));
		CHECK_EQ_INT(x->model, y->model);
		CHECK_EQ_INT(x->servers, y->servers);
		CHECK_EQ_INT(x->months, y->months);
		CHECK_EQ_INT(x->category, y->category);
		CHECK_EQ_INT(x->region, y->region);
		for (int k = 0; k < 3; k++)
			CHECK(x->scores[k] == y->scores[k]);
	}
	free(text);
	proposals_free(&a);
	proposals_free(&b);
	pool_free(&p);
}

struct outcome {
	long awards, servers;
	long gpus[OC_NCATEGORIES];
};

static struct outcome
select_2026(const struct pool *p, uint64_t seed)
{
	struct proposals ps;
	struct proposals_synth_opts o;
	struct oc_rules r;
	struct oc_award *a;
	uint32_t cap[3];
	struct outcome out;
	struct err e;

	memset(&out, 0, sizeof out);
	proposals_init(&ps);
	proposals_synth_2026(&o, p);
	CHECK_EQ_INT(proposals_synth(&o, seed, &ps, &e), 0);
	opencall_rules_2026(&r, p);
	proposals_capacity(&ps, 528, 3, cap);
	CHECK_EQ_INT(cap[0] + cap[1] + cap[2], 528);
	a = xcalloc(ps.n, sizeof *a);
	out.servers = opencall_select(&r, ps.v, ps.n, cap, 3, a, &e);
	for (size_t i = 0; i < ps.n; i++) {
		if (a[i].servers == 0)
			continue;
		out.awards++;
		out.gpus[ps.v[i].category] += 8 * (long)a[i].servers;
	}
	free(a);
	proposals_free(&ps);
	return out;
}

/* Published: 159 of 514 awarded 4,224 GPUs: academia 2,624, industry
 * 1,288, institutes 312.  Ours (docs/OPENCALL.md). */
TEST(proposals_select_2026)
{
	struct pool p;
	struct outcome s;
	long awards = 0, acad = 0;

	three_models(&p);
	s = select_2026(&p, 1);
	CHECK_EQ_INT(s.servers, 528);
	CHECK_EQ_INT(s.awards, 173);
	CHECK_EQ_INT(s.gpus[OC_ACADEMIA], 2608);
	CHECK_EQ_INT(s.gpus[OC_INSTITUTE], 296);
	CHECK_EQ_INT(s.gpus[OC_SME] + s.gpus[OC_LARGE], 1320);
	/* Over seeds 1..20: 158.25 awards and 2,606.8 academia GPUs on
	 * average. */
	for (uint64_t seed = 1; seed <= 20; seed++) {
		s = select_2026(&p, seed);
		CHECK_EQ_INT(s.servers, 528);
		awards += s.awards;
		acad += s.gpus[OC_ACADEMIA];
	}
	CHECK_EQ_INT(awards, 3165);
	CHECK_EQ_INT(acad, 52136);
	pool_free(&p);
}

TEST(proposals_capacity_split)
{
	struct proposals ps;
	struct oc_proposal q[3];
	uint32_t cap[3];

	memset(q, 0, sizeof q);
	q[0].model = 0;
	q[0].servers = 10;
	q[1].model = 2;
	q[1].servers = 10;
	q[2].model = 2;
	q[2].servers = 10;
	proposals_init(&ps);
	ps.v = q;
	ps.n = 3;
	/* 10 of 30 and 20 of 30: 3.33 and 6.67 -> 3 + 1 (larger remainder
	 * to model 2) = 3 and 7. */
	proposals_capacity(&ps, 10, 3, cap);
	CHECK_EQ_INT(cap[0], 3);
	CHECK_EQ_INT(cap[1], 0);
	CHECK_EQ_INT(cap[2], 7);
	proposals_capacity(&ps, 0, 3, cap);
	CHECK_EQ_INT(cap[0] + cap[1] + cap[2], 0);
}

TEST(proposals_synth_bad)
{
	struct pool p;
	struct proposals ps;
	struct proposals_synth_opts o;
	struct err e;

	three_models(&p);
	proposals_init(&ps);
	proposals_synth_2026(&o, &p);
	o.total_servers = 100;
	CHECK(proposals_synth(&o, 1, &ps, &e) == ERR_INVALID);
	CHECK_STR(e.msg, "synth: total_servers: 100: expected nproposals.."
		  "nproposals x cap");
	CHECK_EQ_INT(ps.n, 0);
	proposals_synth_2026(&o, &p);
	o.mix[OC_SME] = 0.3;
	CHECK(proposals_synth(&o, 1, &ps, &e) == ERR_INVALID);
	CHECK_CONTAINS(e.msg, "synth: mix: sums to 1.05");
	proposals_synth_2026(&o, &p);
	o.model[1] = -1;
	CHECK(proposals_synth(&o, 1, &ps, &e) == ERR_INVALID);
	CHECK_CONTAINS(e.msg, "synth: share0");
	/* One model only is fine. */
	o.share0 = 1;
	o.total_servers = 1000;
	CHECK_EQ_INT(proposals_synth(&o, 1, &ps, &e), 0);
	CHECK_EQ_INT(ps.n, 514);
	/* Not into a non-empty list. */
	CHECK(proposals_synth(&o, 1, &ps, &e) == ERR_INVALID);
	CHECK_EQ_INT(ps.n, 514);
	proposals_free(&ps);
	pool_free(&p);
}
