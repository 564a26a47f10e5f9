/*
 * test-sched.c — the scheduling pass: strict FIFO blocking against
 * first-fit, NEVER_FITS, the hints (resume, free milli), explain mode, and
 * that starts in one pass never share a GPU.
 */
#include "model/job.h"
#include "model/pool.h"
#include "sched/place.h"
#include "sched/sched.h"
#include "test.h"

/* n nodes of 8 B200 in one domain. */
static void
pool_of(struct pool *p, int n)
{
	struct gpu_model b200 = {192, 1000, 6000000};
	char name[16];

	pool_init(p);
	CHECK_EQ_INT(pool_model(p, "B200", &b200, NULL), 0);
	uint32_t s = pool_add_site(p, "s", "prov");
	uint32_t c = pool_add_cluster(p, "c", s);
	uint32_t r = pool_add_rack(p, "r", c);
	uint32_t d = pool_add_domain(p, "d", r);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof name, "n%d", i);
		CHECK_EQ_INT(pool_add_node(p, name, d, 0, 8, 64000, 524288, NULL),
			     i);
	}
}

static struct job
gang(uint32_t id, int nodes, int gpn)
{
	struct job j;

	memset(&j, 0, sizeof j);
	j.id = id;
	j.nodes = (uint16_t)nodes;
	j.gpus_per_node = (uint16_t)gpn;
	j.gpu_milli = MILLI;
	j.start = j.end = -1;
	j.duration = 10;
	return j;
}

static void
input(struct sched_input *in, const struct job *jobs, const uint32_t *q,
      size_t n)
{
	memset(in, 0, sizeof *in);
	in->jobs = jobs;
	in->queue = q;
	in->nqueue = n;
	in->free_milli = SCHED_UNKNOWN;
	in->cpu_only = SCHED_UNKNOWN;
}

/* Returns the decision for job id (fails if there is none). */
static const struct sched_decision *
find(const struct sched_result *r, uint32_t id)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].job == id)
			return &r->v[i];
	test_fail(__FILE__, __LINE__, "no decision for job %u", id);
}

static void
release_starts(struct placer *pl, const struct job *jobs,
	       struct sched_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].kind == SCHED_START)
			placer_release(pl, &jobs[r->v[i].job], &r->v[i].alloc);
}

TEST(sched_reason_names)
{
	CHECK_STR(sched_reason_name(SCHED_REASON_RESOURCES), "resources");
	CHECK_STR(sched_reason_name(SCHED_REASON_PRIORITY), "priority");
	CHECK_STR(sched_reason_name(SCHED_REASON_NEVER_FITS), "never_fits");
	CHECK_CONTAINS(sched_reason_text(SCHED_REASON_PRIORITY), "behind");
	CHECK_STR(sched_reason_name((enum sched_reason)99), "?");
	CHECK_STR(sched_kind_name(SCHED_START), "start");
	CHECK_EQ_INT(sched_order_parse("first-fit"), SCHED_FIRST_FIT);
	CHECK_EQ_INT(sched_order_parse("fifo"), SCHED_FIFO);
	CHECK_EQ_INT(sched_order_parse("lifo"), -1);
	CHECK_STR(sched_order_name(SCHED_FIRST_FIT), "first-fit");
}

/*
 * Two nodes of 8.  Queue: 8, 4, 8, 2, 32 (never fits), 1 GPUs.  Strict
 * FIFO starts 8 and 4, blocks at the second 8 (4 left free), and leaves 2
 * and 1 behind it although they would fit; the 32-GPU gang is NEVER_FITS.
 * First-fit starts 8, 4, then skips the 8 and starts 2 and 1.
 */
TEST(sched_fifo_blocks_first_fit_skips)
{
	struct job jobs[6] = {gang(0, 1, 8), gang(1, 1, 4), gang(2, 1, 8),
			      gang(3, 1, 2), gang(4, 4, 8), gang(5, 1, 1)};
	uint32_t q[6] = {0, 1, 2, 3, 4, 5};
	struct sched_opts o = {.order = SCHED_FIFO, .explain = 1};
	struct sched_input in;
	struct sched_result r;
	struct placer *pl;
	struct pool p;

	pool_of(&p, 2);
	pl = placer_new(&p, PLACE_BESTFIT, 1);
	sched_result_init(&r);
	input(&in, jobs, q, 6);

	CHECK_EQ_INT(sched_pass(&o, &in, pl, &r), 0);
	CHECK_EQ_INT(r.n, 6);
	CHECK_EQ_INT(r.nstart, 2);
	CHECK_EQ_INT(find(&r, 0)->kind, SCHED_START);
	CHECK_EQ_INT(find(&r, 1)->kind, SCHED_START);
	CHECK_EQ_INT(find(&r, 2)->reason, SCHED_REASON_RESOURCES);
	CHECK_EQ_INT(find(&r, 3)->reason, SCHED_REASON_PRIORITY);
	CHECK_EQ_INT(find(&r, 3)->blocker, 2);
	CHECK_EQ_INT(find(&r, 4)->reason, SCHED_REASON_NEVER_FITS);
	CHECK_EQ_INT(find(&r, 5)->reason, SCHED_REASON_PRIORITY);
	CHECK_EQ_INT(pool_gpu_milli_free(&p), 4000);
	/* Without explain: the starts and the blocked head only. */
	release_starts(pl, jobs, &r);
	CHECK_EQ_INT(pool_gpu_milli_free(&p), 16000);
	o.explain = 0;
	CHECK_EQ_INT(sched_pass(&o, &in, pl, &r), 0);
	CHECK_EQ_INT(r.n, 3);
	CHECK_EQ_INT(r.v[2].job, 2);
	CHECK_EQ_INT(r.v[2].reason, SCHED_REASON_RESOURCES);
	CHECK_EQ_INT(r.end, 2);
	CHECK_EQ_INT(r.scanned, 3);
	release_starts(pl, jobs, &r);

	o.order = SCHED_FIRST_FIT;
	o.explain = 1;
	CHECK_EQ_INT(sched_pass(&o, &in, pl, &r), 0);
	CHECK_EQ_INT(r.n, 6);
	CHECK_EQ_INT(r.nstart, 4);
	CHECK_EQ_INT(find(&r, 2)->reason, SCHED_REASON_RESOURCES);
	CHECK_EQ_INT(find(&r, 3)->kind, SCHED_START);
	CHECK_EQ_INT(find(&r, 4)->reason, SCHED_REASON_NEVER_FITS);
	CHECK_EQ_INT(find(&r, 5)->kind, SCHED_START);
	CHECK_EQ_INT(r.end, 6);
	CHECK_EQ_INT(pool_gpu_milli_free(&p), 1000);
	/* Decisions come out in queue order. */
	for (size_t i = 0; i < r.n; i++)
		CHECK_EQ_INT(r.v[i].index, i);
	release_starts(pl, jobs, &r);
	sched_result_free(&r);
	placer_free(pl);
	pool_free(&p);
}

/* A never-fitting head does not block strict FIFO. */
TEST(sched_never_fits_does_not_block)
{
	struct job jobs[3] = {gang(0, 3, 8), gang(1, 1, 8), gang(2, 1, 1)};
	uint32_t q[3] = {0, 1, 2};
	struct sched_opts o = {.order = SCHED_FIFO};
	struct sched_input in;
	struct sched_result r;
	struct placer *pl;
	struct pool p;

	pool_of(&p, 2);
	pl = placer_new(&p, PLACE_PACKING, 1);
	sched_result_init(&r);
	input(&in, jobs, q, 3);
	CHECK_EQ_INT(sched_pass(&o, &in, pl, &r), 0);
	CHECK_EQ_INT(r.n, 3);
	CHECK_EQ_INT(r.v[0].reason, SCHED_REASON_NEVER_FITS);
	CHECK_EQ_INT(r.nnever, 1);
	CHECK_EQ_INT(r.v[1].kind, SCHED_START);
	CHECK_EQ_INT(r.v[2].kind, SCHED_START);
	release_starts(pl, jobs, &r);
	/* A GPU model the pool does not have never fits either. */
	jobs[1].model_mask = 1u << 5;
	CHECK_EQ_INT(sched_pass(&o, &in, pl, &r), 0);
	CHECK_EQ_INT(r.v[1].reason, SCHED_REASON_NEVER_FITS);
	CHECK_EQ_INT(r.v[2].kind, SCHED_START);
	release_starts(pl, jobs, &r);
	sched_result_free(&r);
	placer_free(pl);
	pool_free(&p);
}

/* Starts in one pass never share a GPU: 16 one-GPU jobs fill two nodes
 * exactly, each GPU once; the 17th waits. */
TEST(sched_no_double_allocation)
{
	struct job jobs[17];
	uint32_t q[17];
	uint8_t used[2] = {0, 0};
	struct sched_opts o = {.order = SCHED_FIRST_FIT, .explain = 1};
	struct sched_input in;
	struct sched_result r;
	struct placer *pl;
	struct pool p;

	for (uint32_t i = 0; i < 17; i++) {
		jobs[i] = gang(i, 1, 1);
		q[i] = i;
	}
	pool_of(&p, 2);
	for (int pol = 0; pol < PLACE_NPOLICIES; pol++) {
		pl = placer_new(&p, (enum place_policy)pol, 7);
		placer_set_workload(pl, jobs, 17);
		sched_result_init(&r);
		input(&in, jobs, q, 17);
		used[0] = used[1] = 0;
		CHECK_EQ_INT(sched_pass(&o, &in, pl, &r), 0);
		CHECK_EQ_INT(r.nstart, 16);
		for (size_t i = 0; i < 16; i++) {
			const struct alloc *a = &r.v[i].alloc;
			CHECK_EQ_INT(a->nslots, 1);
			CHECK(a->slots[0].node < 2);
			CHECK_EQ_INT(used[a->slots[0].node] & a->slots[0].gpu_mask, 0);
			used[a->slots[0].node] |= a->slots[0].gpu_mask;
		}
		CHECK_EQ_INT(used[0], 0xff);
		CHECK_EQ_INT(used[1], 0xff);
		CHECK_EQ_INT(r.v[16].reason, SCHED_REASON_RESOURCES);
		CHECK_EQ_INT(pool_gpu_milli_free(&p), 0);
		release_starts(pl, jobs, &r);
		CHECK_EQ_INT(pool_gpu_milli_free(&p), 16000);
		sched_result_free(&r);
		placer_free(pl);
	}
	pool_free(&p);
}

/* The hints: resume skips the known-blocked prefix, free_milli stops
 * first-fit without asking the placer. */
TEST(sched_hints)
{
	struct job jobs[4] = {gang(0, 1, 8), gang(1, 1, 8), gang(2, 1, 4),
			      gang(3, 1, 1)};
	uint32_t q[4] = {0, 1, 2, 3};
	struct sched_opts o = {.order = SCHED_FIFO};
	struct sched_input in;
	struct sched_result r;
	struct placer *pl;
	struct pool p;

	pool_of(&p, 1);
	pl = placer_new(&p, PLACE_BESTFIT, 1);
	sched_result_init(&r);
	input(&in, jobs, q, 4);
	/* The caller vouches job 0 failed last time: strict FIFO stops at
	 * once, without a placer call. */
	in.resume = 1;
	CHECK_EQ_INT(sched_pass(&o, &in, pl, &r), 0);
	CHECK_EQ_INT(r.n, 1);
	CHECK_EQ_INT(r.v[0].reason, SCHED_REASON_RESOURCES);
	CHECK_EQ_INT(r.placed, 0);
	/* First-fit skips the prefix and tries the rest. */
	o.order = SCHED_FIRST_FIT;
	in.resume = 2;
	CHECK_EQ_INT(sched_pass(&o, &in, pl, &r), 0);
	CHECK_EQ_INT(r.nstart, 2);
	CHECK_EQ_INT(r.v[0].job, 2);
	CHECK_EQ_INT(r.v[1].job, 3);
	CHECK_EQ_INT(r.scanned, 2);
	release_starts(pl, jobs, &r);
	/* No free GPU milli and no CPU-only job: nothing is looked at. */
	in.resume = 0;
	in.free_milli = 0;
	in.cpu_only = 0;
	CHECK_EQ_INT(sched_pass(&o, &in, pl, &r), 0);
	CHECK_EQ_INT(r.n, 0);
	CHECK_EQ_INT(r.scanned, 0);
	/* The caller says 4,000 are free (the pool has 8,000): the 8-GPU
	 * jobs fail without a placer call, the 4-GPU one takes the rest of
	 * what was vouched for, and the pass stops before the 1-GPU job. */
	in.free_milli = 4000;
	CHECK_EQ_INT(sched_pass(&o, &in, pl, &r), 0);
	CHECK_EQ_INT(r.nstart, 1);
	CHECK_EQ_INT(r.v[0].job, 2);
	CHECK_EQ_INT(r.placed, 1);
	CHECK_EQ_INT(r.scanned, 3);
	release_starts(pl, jobs, &r);
	/* An unknown order is refused. */
	o.order = 9;
	CHECK_EQ_INT(sched_pass(&o, &in, pl, &r), ERR_INVALID);
	CHECK_EQ_INT(r.n, 0);
	CHECK_EQ_INT(pool_gpu_milli_free(&p), 8000);
	sched_result_free(&r);
	placer_free(pl);
	pool_free(&p);
}

/* A failed shape covers bigger ones: once 4 GPUs failed, 8 and 2x4 are
 * not offered to the placer; a smaller job still is. */
TEST(sched_failed_shapes_cover)
{
	struct job jobs[5] = {gang(0, 1, 6), gang(1, 1, 4), gang(2, 1, 8),
			      gang(3, 2, 4), gang(4, 1, 2)};
	uint32_t q[5] = {0, 1, 2, 3, 4};
	struct sched_opts o = {.order = SCHED_FIRST_FIT, .explain = 1};
	struct sched_input in;
	struct sched_result r;
	struct placer *pl;
	struct pool p;

	pool_of(&p, 2);
	pl = placer_new(&p, PLACE_BESTFIT, 1);
	sched_result_init(&r);
	/* Fill: 6 + 6 of 16 GPUs, 2 + 2 left on two nodes. */
	input(&in, jobs, q, 1);
	CHECK_EQ_INT(sched_pass(&o, &in, pl, &r), 0);
	struct alloc a1 = r.v[0].alloc;
	memset(&r.v[0].alloc, 0, sizeof a1);
	CHECK_EQ_INT(sched_pass(&o, &in, pl, &r), 0);
	struct alloc a2 = r.v[0].alloc;
	memset(&r.v[0].alloc, 0, sizeof a2);
	CHECK_EQ_INT(pool_gpu_milli_free(&p), 4000);
	input(&in, jobs, q + 1, 4);
	CHECK_EQ_INT(sched_pass(&o, &in, pl, &r), 0);
	CHECK_EQ_INT(r.n, 4);
	CHECK_EQ_INT(r.v[0].reason, SCHED_REASON_RESOURCES);
	CHECK_EQ_INT(r.v[1].reason, SCHED_REASON_RESOURCES);
	CHECK_EQ_INT(r.v[2].reason, SCHED_REASON_RESOURCES);
	CHECK_EQ_INT(r.v[3].kind, SCHED_START);
	/* Job 1 (4 GPUs) and job 4 (2 GPUs) were offered; 8 and 2x4 not. */
	CHECK_EQ_INT(r.placed, 2);
	release_starts(pl, jobs, &r);
	placer_release(pl, &jobs[0], &a1);
	placer_release(pl, &jobs[0], &a2);
	alloc_free(&a1);
	alloc_free(&a2);
	CHECK_EQ_INT(pool_gpu_milli_free(&p), 16000);
	sched_result_free(&r);
	placer_free(pl);
	pool_free(&p);
}
