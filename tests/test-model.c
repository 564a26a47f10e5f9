/*
 * test-model.c — the pool and job model: building a pool, resource
 * accounting, the job state machine and shape checks.
 */
#include "model/job.h"
#include "model/pool.h"
#include "test.h"

static void
small_pool(struct pool *p)
{
	struct gpu_model b200 = {192, 1000, 6000000};
	int m;

	pool_init(p);
	m = pool_model(p, "B200", &b200, NULL);
	CHECK_EQ_INT(m, 0);
	uint32_t s = pool_add_site(p, "seoul", "NHN");
	uint32_t c = pool_add_cluster(p, "c1", s);
	uint32_t r = pool_add_rack(p, "r1", c);
	uint32_t d = pool_add_domain(p, "d1", r);
	CHECK_EQ_INT(pool_add_node(p, "n0", d, m, 8, 64000, 262144, NULL), 0);
	CHECK_EQ_INT(pool_add_node(p, "n1", d, m, 8, 64000, 262144, NULL), 1);
}

TEST(pool_build)
{
	struct pool p;
	struct err e;

	small_pool(&p);
	CHECK_EQ_INT(p.total_gpus, 16);
	CHECK_EQ_INT(p.domains[0].ngpu, 16);
	CHECK_STR(pool_node_name(&p, 1), "n1");
	CHECK_EQ_INT(pool_node_site(&p, 1), 0);
	CHECK_EQ_INT(pool_model_find(&p, "B200"), 0);
	CHECK_EQ_INT(pool_model_find(&p, "H200"), -1);
	CHECK_EQ_INT(pool_add_node(&p, "bad", 0, 0, 9, 1, 1, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "9 GPUs");
	/* A node without a domain gets a default place. */
	CHECK_EQ_INT(pool_add_node(&p, "lone", UINT32_MAX, 0, 2, 1000, 1024, NULL), 2);
	CHECK_EQ_INT(pool_node_site(&p, 2), 1);
	CHECK_EQ_INT(pool_gpu_milli_total(&p), 18000);
	pool_free(&p);
	pool_free(NULL);
}

TEST(pool_alloc_accounting)
{
	struct pool p;

	small_pool(&p);
	CHECK_EQ_INT(pool_alloc(&p, 0, 1000, 1024, 0x03, 1000), 0);
	CHECK_EQ_INT(node_full_free(&p.nodes[0]), 6);
	CHECK_EQ_INT(pool_alloc(&p, 0, 1000, 1024, 0x04, 400), 0);
	CHECK_EQ_INT(pool_alloc(&p, 0, 1000, 1024, 0x04, 700), ERR_NOSPACE);
	CHECK_EQ_INT(p.nodes[0].gpu_free[2], 600);
	/* Failure changes nothing, even partway through the mask. */
	CHECK_EQ_INT(pool_alloc(&p, 0, 1000, 1024, 0x0c, 700), ERR_NOSPACE);
	CHECK_EQ_INT(p.nodes[0].gpu_free[3], 1000);
	CHECK_EQ_INT(pool_alloc(&p, 0, 999999, 0, 0, 0), ERR_NOSPACE);
	CHECK_EQ_INT(pool_alloc(&p, 0, 0, 0, 0x100 >> 0 & 0xff, 1000), 0);
	CHECK_EQ_INT(pool_gpu_milli_free(&p), 16000 - 2000 - 400);
	pool_release(&p, 0, 1000, 1024, 0x04, 400);
	pool_release(&p, 0, 1000, 1024, 0x03, 1000);
	CHECK_EQ_INT(pool_gpu_milli_free(&p), 16000);
	CHECK_EQ_INT(p.nodes[0].cpu_free, 64000);
	p.nodes[1].state = NODE_DRAIN;
	CHECK_EQ_INT(pool_alloc(&p, 1, 0, 0, 0x01, 1000), ERR_NOSPACE);
	pool_free(&p);
}

TEST(job_state_machine)
{
	struct job j = {.id = 5, .state = JOB_PENDING};
	struct err e;

	CHECK_EQ_INT(job_transition(&j, JOB_COMPLETED, &e), ERR_STATE);
	CHECK_CONTAINS(e.msg, "pending -> completed");
	CHECK_EQ_INT(job_transition(&j, JOB_RUNNING, &e), 0);
	CHECK_EQ_INT(job_transition(&j, JOB_PREEMPTED, &e), 0);
	CHECK_EQ_INT(job_transition(&j, JOB_PENDING, &e), 0);
	CHECK_EQ_INT(job_transition(&j, JOB_RUNNING, &e), 0);
	CHECK_EQ_INT(job_transition(&j, JOB_COMPLETED, &e), 0);
	CHECK_EQ_INT(job_transition(&j, JOB_RUNNING, &e), ERR_STATE);
	CHECK_EQ_INT(j.state, JOB_COMPLETED);
}

TEST(job_shape)
{
	struct job j = {.nodes = 2, .gpus_per_node = 8, .gpu_milli = 1000};
	struct err e;

	CHECK_EQ_INT(job_validate(&j, &e), 0);
	CHECK_EQ_INT(job_gpu_milli(&j), 16000);
	j.gpu_milli = 500;
	CHECK_EQ_INT(job_validate(&j, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "gpu_milli");
	j.nodes = 1;
	j.gpus_per_node = 1;
	CHECK_EQ_INT(job_validate(&j, &e), 0);
	j.nodes = 0;
	CHECK_EQ_INT(job_validate(&j, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "nodes");
	j.nodes = 1;
	j.gpus_per_node = 9;
	CHECK_EQ_INT(job_validate(&j, &e), ERR_INVALID);
	j.gpus_per_node = 1;
	j.model_mask = 0x2;
	CHECK(!job_allows_model(&j, 0));
	CHECK(job_allows_model(&j, 1));
	CHECK_EQ_INT(job_class_parse("inference"), CLASS_INFERENCE);
	CHECK_EQ_INT(job_class_parse("nope"), -1);
}
