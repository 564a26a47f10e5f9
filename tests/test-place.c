/*
 * test-place.c — placement: hand-computed scores of the six policies on
 * tiny nodes, the fragmentation measure, and property tests over random
 * pools and job streams (the class index against a brute-force scan,
 * resource invariants, gangs all-or-nothing, exact release,
 * determinism).
 */
#include <stdint.h>
#include <string.h>

#include "model/job.h"
#include "model/pool.h"
#include "sched/frag.h"
#include "sched/place.h"
#include "test.h"
#include "util/alloc.h"
#include "util/rng.h"

static struct job
mkjob(int ngpu, int milli, uint32_t cpu, uint32_t mem)
{
	struct job j;

	memset(&j, 0, sizeof j);
	j.nodes = 1;
	j.gpus_per_node = (uint16_t)ngpu;
	j.gpu_milli = (uint16_t)(ngpu > 0 ? milli : 0);
	j.cpu_milli = cpu;
	j.mem_mib = mem;
	return j;
}

/*
 * Two nodes of model "A": n0 with 8 idle GPUs and 96 cores; n1 with 2
 * GPUs and 104 cores, of which a resident task holds 8 cores and 600
 * milli of GPU 1, leaving gpu_free = {1000, 400}, cpu_free = 96000.
 */
static void
two_nodes(struct pool *p)
{
	pool_init(p);
	CHECK_EQ_INT(pool_model(p, "A", NULL, NULL), 0);
	CHECK_EQ_INT(pool_add_node(p, "n0", UINT32_MAX, 0, 8, 96000, 393216, NULL), 0);
	CHECK_EQ_INT(pool_add_node(p, "n1", UINT32_MAX, 0, 2, 104000, 524288, NULL), 1);
	CHECK_EQ_INT(pool_alloc(p, 1, 8000, 0, 0x2, 600), 0);
	/* The largest node sets the scores' max spec: 128 cores, 8 GPUs. */
	CHECK_EQ_INT(pool_add_node(p, "big", UINT32_MAX, 0, 8, 128000, 524288, NULL), 2);
}

static int
score_of(enum place_policy pol, struct pool *p, const struct job *j,
	 uint32_t node)
{
	struct placer *pl = placer_new(p, pol, 1);
	int s = placer_score(pl, j, node);

	placer_free(pl);
	return s;
}

/* Scores normalise by the pool's largest node, so nodes larger than
 * openb's still score (a 224-core node once scored below 0 and was
 * refused by BestFit). */
TEST(place_score_large_nodes)
{
	struct pool p;
	struct job one = mkjob(1, 1000, 4000, 1000);
	struct alloc a = {0};

	pool_init(&p);
	CHECK_EQ_INT(pool_model(&p, "B200", NULL, NULL), 0);
	CHECK_EQ_INT(pool_add_node(&p, "n0", UINT32_MAX, 0, 8, 224000, 2097152, NULL), 0);
	for (int pol = 0; pol < PLACE_NPOLICIES; pol++) {
		struct placer *pl = placer_new(&p, (enum place_policy)pol, 1);
		CHECK(placer_score(pl, &one, 0) >= 0);
		CHECK_EQ_INT(placer_place(pl, &one, &a), 0);
		placer_release(pl, &one, &a);
		alloc_free(&a);
		placer_free(pl);
	}
	pool_free(&p);
}

TEST(place_policy_names)
{
	CHECK_STR(place_policy_name(PLACE_FGD), "FGD");
	CHECK_STR(place_policy_name(PLACE_CLUSTERING), "GpuClustering");
	CHECK_EQ_INT(place_policy_parse("bestfit"), PLACE_BESTFIT);
	CHECK_EQ_INT(place_policy_parse("packing"), PLACE_PACKING);
	CHECK_EQ_INT(place_policy_parse("GpuPacking"), PLACE_PACKING);
	CHECK_EQ_INT(place_policy_parse("clustering"), PLACE_CLUSTERING);
	CHECK_EQ_INT(place_policy_parse("random"), PLACE_RANDOM);
	CHECK_EQ_INT(place_policy_parse("nope"), -1);
}

/* BestFit: (1 - Σ ½ (free - req) / maxSpec) * 100, truncated. */
TEST(place_score_bestfit)
{
	struct pool p;
	struct job share = mkjob(1, 500, 4000, 1000);

	two_nodes(&p);
	/* n0: ½·92000/128000 + ½·7500/8000 = 0.828125 -> 17.1875 -> 17 */
	CHECK_EQ_INT(score_of(PLACE_BESTFIT, &p, &share, 0), 17);
	/* n1: ½·92000/128000 + ½·900/8000 = 0.415625 -> 58.4375 -> 58 */
	CHECK_EQ_INT(score_of(PLACE_BESTFIT, &p, &share, 1), 58);
	pool_free(&p);
}

/* DotProd: (1 - (free·req / maxSpec²) / 2) * 100, truncated. */
TEST(place_score_dotprod)
{
	struct pool p;
	struct job share = mkjob(1, 500, 4000, 1000);

	two_nodes(&p);
	/* n0: 0.75·0.03125 + 1·0.0625 = 0.0859375 -> 1 - 0.04296875 -> 95 */
	CHECK_EQ_INT(score_of(PLACE_DOTPROD, &p, &share, 0), 95);
	/* n1: 0.75·0.03125 + 0.175·0.0625 = 0.034375 -> 98.28 -> 98 */
	CHECK_EQ_INT(score_of(PLACE_DOTPROD, &p, &share, 1), 98);
	pool_free(&p);
}

TEST(place_score_packing)
{
	struct pool p;
	struct job share = mkjob(1, 500, 4000, 1000);
	struct job small = mkjob(1, 300, 4000, 1000);
	struct job two = mkjob(2, 1000, 4000, 1000);
	struct job cpu = mkjob(0, 0, 4000, 1000);

	two_nodes(&p);
	/* Idle node: 100/3 - 8 = 25, floored at 8. */
	CHECK_EQ_INT(score_of(PLACE_PACKING, &p, &share, 0), 25);
	/* n1: 500 does not fit the 400 GPU, so an idle GPU of a used
	 * node: 100/2 - 1 = 49. */
	CHECK_EQ_INT(score_of(PLACE_PACKING, &p, &share, 1), 49);
	/* n1: 300 fits the 400 GPU: 100 - (400·100/1000)/10 = 96. */
	CHECK_EQ_INT(score_of(PLACE_PACKING, &p, &small, 1), 96);
	/* Two whole GPUs fit only n0. */
	CHECK_EQ_INT(score_of(PLACE_PACKING, &p, &two, 1), -1);
	CHECK_EQ_INT(score_of(PLACE_PACKING, &p, &two, 0), 25);
	CHECK_EQ_INT(score_of(PLACE_PACKING, &p, &cpu, 0), 0);
	pool_free(&p);
}

TEST(place_score_clustering)
{
	struct pool p;
	struct placer *pl;
	struct job share = mkjob(1, 500, 4000, 1000);
	struct job one = mkjob(1, 1000, 4000, 1000);
	struct alloc a = {0};

	pool_init(&p);
	CHECK_EQ_INT(pool_model(&p, "A", NULL, NULL), 0);
	CHECK_EQ_INT(pool_add_node(&p, "n0", UINT32_MAX, 0, 8, 96000, 393216, NULL), 0);
	pl = placer_new(&p, PLACE_CLUSTERING, 1);
	/* Idle node: 25·(8000 - 8000)/8000 + 25 = 25. */
	CHECK_EQ_INT(placer_score(pl, &share, 0), 25);
	CHECK_EQ_INT(placer_place(pl, &share, &a), 0);
	/* Only shares resident, 7500 free: 25·500/8000 = 1 (1.56) + 75. */
	CHECK_EQ_INT(placer_score(pl, &share, 0), 76);
	/* A whole GPU task finds other kinds only: 1 + 0. */
	CHECK_EQ_INT(placer_score(pl, &one, 0), 1);
	struct alloc b = {0};
	CHECK_EQ_INT(placer_place(pl, &one, &b), 0);
	/* 6500 free -> 25·1500/8000 = 4; mixed kinds including its own: +50. */
	CHECK_EQ_INT(placer_score(pl, &share, 0), 54);
	placer_release(pl, &share, &a);
	/* Shares gone: only 1-GPU tasks remain -> share finds others only. */
	CHECK_EQ_INT(placer_score(pl, &share, 0), 3);
	CHECK_EQ_INT(placer_score(pl, &one, 0), 3 + 75);
	placer_release(pl, &one, &b);
	CHECK_EQ_INT(placer_score(pl, &one, 0), 25);
	alloc_free(&a);
	alloc_free(&b);
	placer_free(pl);
	pool_free(&p);
}

/*
 * FGD with a two-shape target workload (one share of 500, one whole GPU,
 * 4 cores each, frequency ½ each).  n1 = {1000, 400}: both shapes fit,
 * the 400 GPU is lost to both: frag 400.  A share of 400 on GPU 1 leaves
 * {1000, 0}: frag 0, score int(sigmoid(0.4)·100) = 59; on GPU 0 it leaves
 * {600, 400}: whole lacks a GPU (½·1000) + share loses 400 (½·400) = 700,
 * sigmoid(-0.3) -> 42.  On n0, {600, 1000 x 7}: ½·600 = 300 -> 42.
 */
TEST(place_score_fgd)
{
	struct pool p;
	struct placer *pl;
	struct job wl[2] = {mkjob(1, 500, 4000, 10), mkjob(1, 1000, 4000, 10)};
	struct job s400 = mkjob(1, 400, 4000, 1000);
	struct alloc a = {0};

	two_nodes(&p);
	pl = placer_new(&p, PLACE_FGD, 7);
	placer_set_workload(pl, wl, 2);
	CHECK_EQ_INT(placer_score(pl, &s400, 1), 59);
	CHECK_EQ_INT(placer_score(pl, &s400, 0), 42);
	CHECK_EQ_INT(placer_place(pl, &s400, &a), 0);
	CHECK_EQ_INT(a.nslots, 1);
	CHECK_EQ_INT(a.slots[0].node, 1);
	CHECK_EQ_INT(a.slots[0].gpu_mask, 0x2);
	CHECK_EQ_INT(p.nodes[1].gpu_free[1], 0);
	alloc_free(&a);
	placer_free(pl);
	pool_free(&p);
}

TEST(place_frag_amount)
{
	struct job wl[5] = {mkjob(1, 500, 4000, 1), mkjob(1, 500, 4000, 1),
			    mkjob(1, 1000, 4000, 1), mkjob(0, 0, 2000, 1),
			    mkjob(2, 1000, 200000, 1)};
	struct frag_typical t = {0};
	struct frag_node n = {.cpu_free = 96000, .model = 0, .ngpu = 2,
			      .gpu_free = {1000, 400}};

	wl[2].model_mask = 1u << 3; /* only model 3: no access on model 0 */
	frag_typical_build(&t, wl, 5, 95);
	/* 95 % of 5 tasks = 4.75: the share (2), then ties by larger shape
	 * first: 2 GPUs (1), 1 GPU (1), CPU-only (1) -> all 4 shapes kept. */
	CHECK_EQ_INT(t.n, 4);
	CHECK_EQ_INT(t.v[0].milli, 500);
	CHECK_EQ_INT(t.v[1].ngpu, 2);
	CHECK_EQ_INT(t.v[2].cpu, 4000);
	CHECK_EQ_INT(t.v[3].milli, 0);
	CHECK_NEAR(t.v[0].freq, 0.4, 1e-12);
	/* share: 400 lost (0.4·400); 2 GPUs: lacks CPU and GPU (0.2·1400);
	 * 1 GPU model 3: no access (0.2·1400); CPU-only: all (0.2·1400). */
	CHECK_NEAR(frag_node_amount(&n, &t), 160 + 280 + 280 + 280, 1e-9);
	CHECK_EQ_INT(frag_score(400, 0), 59);
	CHECK_EQ_INT(frag_score(0, 0), 50);
	CHECK_EQ_INT(frag_score(0, 100000), 0);
	/* Cut at the threshold: 10 tasks, 9 alike -> one shape, freq 1. */
	struct job many[10];
	for (int i = 0; i < 10; i++)
		many[i] = mkjob(1, i < 9 ? 250 : 750, 1000, 1);
	frag_typical_build(&t, many, 10, 90);
	CHECK_EQ_INT(t.n, 1);
	CHECK_NEAR(t.v[0].freq, 1.0, 1e-12);
	frag_typical_free(&t);
}

/* ---- property tests -------------------------------------------------- */

struct snap {
	struct node *nodes;
	size_t n;
};

static void
snap_take(struct snap *s, const struct pool *p)
{
	s->n = p->nnodes;
	s->nodes = xmalloc(p->nnodes * sizeof *s->nodes);
	memcpy(s->nodes, p->nodes, p->nnodes * sizeof *s->nodes);
}

static int
snap_same(const struct snap *s, const struct pool *p)
{
	return s->n == p->nnodes &&
	       memcmp(s->nodes, p->nodes, s->n * sizeof *s->nodes) == 0;
}

static void
random_pool(struct pool *p, struct rng *r, int nnodes)
{
	static const int gpus[] = {1, 2, 4, 8};
	static const uint32_t cpus[] = {8000, 32000, 96000, 128000};
	static const uint32_t mems[] = {32768, 131072, 393216};

	pool_init(p);
	pool_model(p, "A", NULL, NULL);
	pool_model(p, "B", NULL, NULL);
	pool_model(p, "C", NULL, NULL);
	for (int i = 0; i < nnodes; i++) {
		char name[32];

		snprintf(name, sizeof name, "n%d", i);
		CHECK(pool_add_node(p, name, UINT32_MAX, (int)rng_below(r, 3),
				    gpus[rng_below(r, 4)], cpus[rng_below(r, 4)],
				    mems[rng_below(r, 3)], NULL) == i);
	}
}

static struct job
random_job(struct rng *r)
{
	static const uint32_t cpus[] = {0, 1000, 4000, 12000, 32000};
	static const int whole[] = {1, 1, 2, 4, 8};
	struct job j;
	uint64_t k = rng_below(r, 10);

	if (k < 4)
		j = mkjob(1, 50 * (int)(1 + rng_below(r, 19)), 0, 0);
	else if (k < 8)
		j = mkjob(whole[rng_below(r, 5)], 1000, 0, 0);
	else if (k < 9)
		j = mkjob(0, 0, 0, 0);
	else {
		j = mkjob(1 + (int)rng_below(r, 4), 1000, 0, 0);
		j.nodes = (uint16_t)(2 + rng_below(r, 2));
	}
	j.cpu_milli = cpus[rng_below(r, 5)];
	j.mem_mib = (uint32_t)(1024 * rng_below(r, 64));
	if (j.gpus_per_node > 0 && rng_below(r, 5) == 0)
		j.model_mask = (uint32_t)(1 + rng_below(r, 6)); /* nonempty subset */
	return j;
}

static void
check_node_invariants(const struct pool *p)
{
	for (size_t i = 0; i < p->nnodes; i++) {
		const struct node *n = &p->nodes[i];

		CHECK(n->cpu_free <= n->cpu_milli);
		CHECK(n->mem_free <= n->mem_mib);
		for (int g = 0; g < n->ngpu; g++)
			CHECK(n->gpu_free[g] <= MILLI);
	}
}

/* Checks one placement: the slots hold distinct nodes of allowed
 * models, each mask has the job's GPU count. */
static void
check_alloc(const struct pool *p, const struct job *j, const struct alloc *a)
{
	CHECK_EQ_INT(a->nslots, j->nodes);
	for (int s = 0; s < a->nslots; s++) {
		const struct node *n = &p->nodes[a->slots[s].node];

		CHECK_EQ_INT(__builtin_popcount(a->slots[s].gpu_mask),
			     j->gpus_per_node);
		if (j->gpus_per_node > 0)
			CHECK(job_allows_model(j, n->model));
		CHECK(n->state == NODE_UP);
		for (int t = 0; t < s; t++)
			CHECK(a->slots[t].node != a->slots[s].node);
	}
}

/*
 * One random case: a pool of up to 24 nodes, 60 job arrivals with
 * random releases and node drains in between.  Before each single-node
 * placement the best score over all nodes is found by brute force; the
 * placer must choose a node with that score, or fail only when no node
 * fits.  A failed gang leaves the pool as it was.  Releasing everything
 * restores the pool byte for byte.  Returns a digest of the choices.
 */
static uint64_t
run_case(uint64_t seed, enum place_policy pol)
{
	struct rng r;
	struct pool p;
	struct snap empty;
	struct placer *pl;
	struct job jobs[60];
	struct alloc allocs[60];
	int live[60] = {0};
	uint64_t digest = seed;

	rng_seed(&r, seed);
	random_pool(&p, &r, 4 + (int)rng_below(&r, 21));
	snap_take(&empty, &p);
	pl = placer_new(&p, pol, seed * 7 + 1);
	if (seed & 1)
		placer_set_ties(pl, PLACE_TIES_UNIFORM);
	for (int i = 0; i < 60; i++)
		jobs[i] = random_job(&r);
	placer_set_workload(pl, jobs, 60);
	memset(allocs, 0, sizeof allocs);
	for (int i = 0; i < 60; i++) {
		const struct job *j = &jobs[i];
		int best = -1, rc;
		struct snap before;

		for (size_t n = 0; n < p.nnodes; n++) {
			int s = placer_score(pl, j, (uint32_t)n);
			if (s > best)
				best = s;
		}
		snap_take(&before, &p);
		int *scores = xcalloc(p.nnodes, sizeof *scores);
		for (size_t n = 0; n < p.nnodes; n++)
			scores[n] = placer_score(pl, j, (uint32_t)n);
		rc = placer_place(pl, j, &allocs[i]);
		if (j->nodes == 1) {
			if (best < 0) {
				CHECK_EQ_INT(rc, ERR_NOSPACE);
			} else {
				CHECK_EQ_INT(rc, 0);
				CHECK_EQ_INT(scores[allocs[i].slots[0].node], best);
			}
		}
		if (rc == 0) {
			check_alloc(&p, j, &allocs[i]);
			live[i] = 1;
			for (int s = 0; s < allocs[i].nslots; s++)
				digest = digest * 1000003 + allocs[i].slots[s].node * 256 +
					 allocs[i].slots[s].gpu_mask;
		} else {
			CHECK_EQ_INT(rc, ERR_NOSPACE);
			CHECK(snap_same(&before, &p));
			digest = digest * 1000003 + 999;
		}
		free(scores);
		free(before.nodes);
		check_node_invariants(&p);
		/* Random releases, and now and then a node drains or returns. */
		if (rng_below(&r, 3) == 0) {
			int k = (int)rng_below(&r, (uint64_t)i + 1);
			if (live[k]) {
				placer_release(pl, &jobs[k], &allocs[k]);
				alloc_free(&allocs[k]);
				live[k] = 0;
			}
		}
		if (rng_below(&r, 8) == 0) {
			uint32_t n = (uint32_t)rng_below(&r, p.nnodes);
			p.nodes[n].state = p.nodes[n].state == NODE_UP ? NODE_DRAIN
								       : NODE_UP;
			placer_node_changed(pl, n);
		}
	}
	for (int i = 59; i >= 0; i--)
		if (live[i]) {
			placer_release(pl, &jobs[i], &allocs[i]);
			alloc_free(&allocs[i]);
		}
	for (size_t n = 0; n < p.nnodes; n++)
		if (p.nodes[n].state != empty.nodes[n].state) {
			p.nodes[n].state = empty.nodes[n].state;
			placer_node_changed(pl, (uint32_t)n);
		}
	CHECK(snap_same(&empty, &p));
	/* Back to the empty pool: as few classes as node shapes. */
	CHECK(placer_nclasses(pl) <= p.nnodes);
	CHECK(placer_bytes(pl) > 0);
	placer_free(pl);
	free(empty.nodes);
	pool_free(&p);
	return digest;
}

TEST(place_property_random_pools)
{
	for (uint64_t seed = 1; seed <= 50; seed++)
		for (int pol = 0; pol < PLACE_NPOLICIES; pol++)
			(void)run_case(seed * 131 + (uint64_t)pol, (enum place_policy)pol);
}

TEST(place_same_seed_same_placements)
{
	for (int pol = 0; pol < PLACE_NPOLICIES; pol++)
		for (uint64_t seed = 1; seed <= 5; seed++) {
			uint64_t a = run_case(seed, (enum place_policy)pol);
			uint64_t b = run_case(seed, (enum place_policy)pol);
			CHECK(a == b);
		}
}

/* Random picks uniformly among the feasible nodes: on 6 nodes of which 4
 * fit, 4000 picks land on each of the 4 about 1000 times. */
TEST(place_random_uniform)
{
	struct pool p;
	struct placer *pl;
	struct job j = mkjob(4, 1000, 1000, 1000);
	int hits[6] = {0};

	pool_init(&p);
	pool_model(&p, "A", NULL, NULL);
	for (int i = 0; i < 6; i++) {
		char name[16];
		snprintf(name, sizeof name, "n%d", i);
		pool_add_node(&p, name, UINT32_MAX, 0, i < 2 ? 2 : 8, 64000, 65536,
			      NULL);
	}
	/* Different states among the fitting nodes: several classes. */
	pool_alloc(&p, 3, 1000, 0, 0x1, 1000);
	pool_alloc(&p, 4, 2000, 0, 0x3, 500);
	pl = placer_new(&p, PLACE_RANDOM, 99);
	for (int k = 0; k < 4000; k++) {
		struct alloc a = {0};

		CHECK_EQ_INT(placer_place(pl, &j, &a), 0);
		hits[a.slots[0].node]++;
		placer_release(pl, &j, &a);
		alloc_free(&a);
	}
	CHECK_EQ_INT(hits[0] + hits[1], 0);
	for (int i = 2; i < 6; i++)
		CHECK(hits[i] > 850 && hits[i] < 1150);
	placer_free(pl);
	pool_free(&p);
}

TEST(place_gang_and_ever_fit)
{
	struct pool p;
	struct placer *pl;
	struct job g = mkjob(8, 1000, 1000, 1000);
	struct alloc a = {0}, b = {0};
	struct snap s;

	pool_init(&p);
	pool_model(&p, "A", NULL, NULL);
	pool_model(&p, "B", NULL, NULL);
	for (int i = 0; i < 4; i++) {
		char name[16];
		snprintf(name, sizeof name, "n%d", i);
		pool_add_node(&p, name, UINT32_MAX, i < 3 ? 0 : 1, 8, 64000, 65536,
			      NULL);
	}
	pl = placer_new(&p, PLACE_BESTFIT, 3);
	g.nodes = 3;
	g.model_mask = 1u << 0;
	CHECK(placer_could_ever_fit(pl, &g));
	CHECK_EQ_INT(placer_place(pl, &g, &a), 0);
	check_alloc(&p, &g, &a);
	/* A second gang cannot fit now; nothing changes. */
	snap_take(&s, &p);
	CHECK_EQ_INT(placer_place(pl, &g, &b), ERR_NOSPACE);
	CHECK(snap_same(&s, &p));
	free(s.nodes);
	CHECK(placer_could_ever_fit(pl, &g));
	g.nodes = 4;
	CHECK(!placer_could_ever_fit(pl, &g));
	g.model_mask = 0;
	CHECK(placer_could_ever_fit(pl, &g));
	/* A drained node no longer counts. */
	p.nodes[3].state = NODE_DRAIN;
	placer_node_changed(pl, 3);
	CHECK(!placer_could_ever_fit(pl, &g));
	/* Partial gang rolls back: 2 free nodes of model A? none; 1 of B. */
	g.nodes = 2;
	g.model_mask = 0;
	p.nodes[3].state = NODE_UP;
	placer_node_changed(pl, 3);
	snap_take(&s, &p);
	CHECK_EQ_INT(placer_place(pl, &g, &b), ERR_NOSPACE);
	CHECK(snap_same(&s, &p));
	free(s.nodes);
	g.nodes = 3;
	g.model_mask = 1u << 0;
	placer_release(pl, &g, &a);
	alloc_free(&a);
	CHECK_EQ_INT(pool_gpu_milli_free(&p), 32000);
	/* A node added later is indexed by placer_node_changed. */
	pool_add_node(&p, "late", UINT32_MAX, 1, 8, 64000, 65536, NULL);
	placer_node_changed(pl, 4);
	g.nodes = 2;
	g.model_mask = 1u << 1;
	CHECK_EQ_INT(placer_place(pl, &g, &a), 0);
	CHECK(a.slots[0].node >= 3 && a.slots[1].node >= 3);
	placer_release(pl, &g, &a);
	alloc_free(&a);
	placer_free(pl);
	pool_free(&p);
}

/* A regular pool collapses to a handful of classes. */
TEST(place_classes_regular_pool)
{
	struct pool p;
	struct placer *pl;
	struct job one = mkjob(8, 1000, 1000, 1000);
	struct alloc a[100];

	pool_init(&p);
	pool_model(&p, "A", NULL, NULL);
	for (int i = 0; i < 1000; i++) {
		char name[16];
		snprintf(name, sizeof name, "n%d", i);
		pool_add_node(&p, name, UINT32_MAX, 0, 8, 64000, 65536, NULL);
	}
	pl = placer_new(&p, PLACE_FGD, 1);
	placer_set_workload(pl, &one, 1);
	CHECK_EQ_INT(placer_nclasses(pl), 1);
	for (int i = 0; i < 100; i++)
		CHECK_EQ_INT(placer_place(pl, &one, &a[i]), 0);
	CHECK_EQ_INT(placer_nclasses(pl), 2);
	CHECK(placer_bytes(pl) < 1000 * 40);
	for (int i = 0; i < 100; i++) {
		placer_release(pl, &one, &a[i]);
		alloc_free(&a[i]);
	}
	CHECK_EQ_INT(placer_nclasses(pl), 1);
	placer_free(pl);
	pool_free(&p);
}

/* Ties: by default the lowest-ranked node of the best ones wins every
 * time (a first fit in a random order fixed by the seed); in uniform mode
 * each of the tied nodes wins about equally often. */
TEST(place_ties_rank_and_uniform)
{
	struct pool p;
	struct job j = mkjob(1, 1000, 1000, 1000);
	int hits[8];
	long first = -1;

	pool_init(&p);
	pool_model(&p, "A", NULL, NULL);
	for (int i = 0; i < 8; i++) {
		char name[16];
		snprintf(name, sizeof name, "n%d", i);
		pool_add_node(&p, name, UINT32_MAX, 0, 8, 64000, 65536, NULL);
	}
	for (int mode = 0; mode < 2; mode++) {
		struct placer *pl = placer_new(&p, PLACE_BESTFIT, 5);

		placer_set_ties(pl, mode ? PLACE_TIES_UNIFORM : PLACE_TIES_RANK);
		memset(hits, 0, sizeof hits);
		for (int k = 0; k < 1600; k++) {
			struct alloc a = {0};

			CHECK_EQ_INT(placer_place(pl, &j, &a), 0);
			hits[a.slots[0].node]++;
			placer_release(pl, &j, &a);
			alloc_free(&a);
		}
		if (mode == 0) {
			for (int i = 0; i < 8; i++)
				if (hits[i] > 0)
					first = i;
			CHECK(first >= 0);
			CHECK_EQ_INT(hits[first], 1600);
		} else {
			for (int i = 0; i < 8; i++)
				CHECK(hits[i] > 120 && hits[i] < 280);
		}
		placer_free(pl);
	}
	/* Rank order is a first fit: filling the winner moves on to the
	 * next node of the same order, and the order depends on the seed. */
	{
		struct placer *pl = placer_new(&p, PLACE_BESTFIT, 5);
		struct job eight = mkjob(8, 1000, 1000, 1000);
		struct alloc a = {0}, b = {0};

		CHECK_EQ_INT(placer_place(pl, &eight, &a), 0);
		CHECK_EQ_INT(a.slots[0].node, first);
		CHECK_EQ_INT(placer_place(pl, &eight, &b), 0);
		CHECK(b.slots[0].node != first);
		placer_release(pl, &eight, &b);
		placer_release(pl, &eight, &a);
		alloc_free(&a);
		alloc_free(&b);
		placer_free(pl);
	}
	{
		int differ = 0;

		for (uint64_t seed = 6; seed < 16; seed++) {
			struct placer *pl = placer_new(&p, PLACE_BESTFIT, seed);
			struct alloc a = {0};

			CHECK_EQ_INT(placer_place(pl, &j, &a), 0);
			differ += (long)a.slots[0].node != first;
			placer_release(pl, &j, &a);
			alloc_free(&a);
			placer_free(pl);
		}
		CHECK(differ > 0);
	}
	pool_free(&p);
}
