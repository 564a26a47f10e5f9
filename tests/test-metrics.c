/*
 * test-metrics.c — metric definitions on hand-computed cases: nearest-rank
 * percentiles, Jain's index, allocation %, fragmentation, the utilisation
 * series (change points and windows) and the per-tenant figures.
 */
#include <math.h>

#include "model/job.h"
#include "model/pool.h"
#include "sim/metrics.h"
#include "test.h"

TEST(metrics_percentiles_nearest_rank)
{
	int64_t v[100];
	int64_t five[5] = {5, 1, 4, 2, 3};
	int64_t one[1] = {7};
	struct metrics_dist d;

	metrics_dist_of(&d, five, 5);
	CHECK_EQ_INT(d.n, 5);
	CHECK_EQ_INT(d.p50, 3);  /* ceil(2.5) = 3rd */
	CHECK_EQ_INT(d.p90, 5);  /* ceil(4.5) = 5th */
	CHECK_EQ_INT(d.p99, 5);
	CHECK_EQ_INT(d.max, 5);
	CHECK_NEAR(d.mean, 3.0, 1e-12);
	CHECK_EQ_INT(five[0], 1); /* sorted in place */
	for (int i = 0; i < 100; i++)
		v[i] = 100 - i;
	metrics_dist_of(&d, v, 100);
	CHECK_EQ_INT(d.p50, 50);
	CHECK_EQ_INT(d.p90, 90);
	CHECK_EQ_INT(d.p99, 99);
	CHECK_EQ_INT(d.max, 100);
	CHECK_NEAR(d.mean, 50.5, 1e-12);
	metrics_dist_of(&d, one, 1);
	CHECK_EQ_INT(d.p50, 7);
	CHECK_EQ_INT(d.p99, 7);
	/* Negative and far-apart values sort too (the radix covers 64 bits). */
	int64_t wide[5] = {7, -5, INT64_MIN + 1, 3, INT64_MAX - 2};
	metrics_dist_of(&d, wide, 5);
	CHECK(wide[0] == INT64_MIN + 1 && wide[1] == -5 && wide[2] == 3 &&
	      wide[3] == 7 && wide[4] == INT64_MAX - 2);
	CHECK_EQ_INT(d.p50, 3);
	metrics_dist_of(&d, v, 0);
	CHECK_EQ_INT(d.n, 0);
	CHECK_EQ_INT(d.p50, 0);
}

TEST(metrics_jain_index)
{
	double same[3] = {0.5, 0.5, 0.5};
	double one[3] = {1, 0, 0};
	double two[2] = {1, 3};

	CHECK_NEAR(metrics_jain(same, 3), 1.0, 1e-12);
	CHECK_NEAR(metrics_jain(one, 3), 1.0 / 3, 1e-12);
	CHECK_NEAR(metrics_jain(two, 2), 16.0 / 20, 1e-12);
	CHECK(isnan(metrics_jain(two, 0)));
	CHECK(isnan(metrics_jain(one + 1, 2)));
}

/* One node of 4 GPUs and the four jobs of the strict-FIFO example in
 * docs/SIM.md, replayed by hand:
 *   j0 t=0  2 GPUs 10 s  tenant a    runs  0..10
 *   j1 t=0  4 GPUs  5 s  tenant b    runs 10..15
 *   j2 t=2  1 GPU   4 s  tenant a    runs 15..19
 *   j3 t=3  2 GPUs  6 s  tenant b    runs 15..21 */
struct hand {
	struct pool p;
	struct workload w;
	struct alloc a[4];
	struct alloc_slot slot[4];
};

static void
hand_setup(struct hand *h)
{
	static const int gpus[4] = {2, 4, 1, 2}, dur[4] = {10, 5, 4, 6};
	static const int submit[4] = {0, 0, 2, 3};
	static const char *const tenant[4] = {"a", "b", "a", "b"};
	struct gpu_model m = {80, 700, 1};

	memset(h, 0, sizeof *h);
	pool_init(&h->p);
	CHECK_EQ_INT(pool_model(&h->p, "H100", &m, NULL), 0);
	CHECK_EQ_INT(pool_add_node(&h->p, "n0", UINT32_MAX, 0, 4, 8000, 65536,
				   NULL), 0);
	workload_init(&h->w);
	for (int i = 0; i < 4; i++) {
		struct job j;
		memset(&j, 0, sizeof j);
		j.nodes = 1;
		j.gpus_per_node = (uint16_t)gpus[i];
		j.gpu_milli = MILLI;
		j.submit = submit[i];
		j.duration = dur[i];
		j.start = j.end = -1;
		j.tenant = strtab_intern(&h->w.tenants, tenant[i], 1);
		workload_add(&h->w, &j);
	}
}

static void
hand_free(struct hand *h)
{
	workload_free(&h->w);
	pool_free(&h->p);
}

static void
hand_start(struct hand *h, struct metrics *m, int i, uint8_t mask, int64_t t)
{
	struct job *j = &h->w.jobs[i];

	CHECK_EQ_INT(pool_alloc(&h->p, 0, 0, 0, mask, MILLI), 0);
	h->slot[i] = (struct alloc_slot){0, mask};
	h->a[i] = (struct alloc){1, MILLI, &h->slot[i]};
	j->state = JOB_RUNNING;
	j->start = t;
	metrics_job(m, &h->p, j, &h->a[i], 1);
}

static void
hand_end(struct hand *h, struct metrics *m, int i, int64_t t)
{
	struct job *j = &h->w.jobs[i];

	pool_release(&h->p, 0, 0, 0, h->slot[i].gpu_mask, MILLI);
	j->state = JOB_COMPLETED;
	j->end = t;
	metrics_job(m, &h->p, j, &h->a[i], 0);
}

static void
hand_run(struct hand *h, struct metrics *m)
{
	metrics_advance(m, 0);
	hand_start(h, m, 0, 0x3, 0);
	metrics_advance(m, 2);
	metrics_advance(m, 3);
	metrics_advance(m, 10);
	hand_end(h, m, 0, 10);
	hand_start(h, m, 1, 0xf, 10);
	metrics_advance(m, 15);
	hand_end(h, m, 1, 15);
	hand_start(h, m, 2, 0x1, 15);
	hand_start(h, m, 3, 0x6, 15);
	metrics_advance(m, 19);
	hand_end(h, m, 2, 19);
	metrics_advance(m, 21);
	hand_end(h, m, 3, 21);
	metrics_finish(m, &h->w);
}

TEST(metrics_hand_example)
{
	struct hand h;
	struct metrics m;
	double xa = 24.0 / 37, xb = 32.0 / 96;

	hand_setup(&h);
	metrics_init(&m, &h.p, &h.w, 0);
	/* The most common shape is 2 whole GPUs (j0, j3). */
	CHECK_EQ_INT(m.shape_gpn, 2);
	CHECK_EQ_INT(m.shape_milli, 1000);
	hand_run(&h, &m);
	CHECK_EQ_INT(m.completed, 4);
	CHECK_EQ_INT(m.rejected, 0);
	CHECK_EQ_INT(m.makespan, 21);
	/* 56 GPU-seconds of 4 GPUs x 21 s. */
	CHECK_NEAR(m.alloc_pct, 100.0 * 56 / 84, 1e-9);
	/* Fragmented: 1 free GPU (too few for 2) during 15..19 = 4,000
	 * milli-s; free: 20,000 + 4,000 + 4,000. */
	CHECK_NEAR(m.frag_pct, 100.0 * 4000 / 28000, 1e-9);
	/* Waits 0, 10, 13, 12; JCTs 10, 15, 17, 18. */
	CHECK_EQ_INT(m.wait.p50, 10);
	CHECK_EQ_INT(m.wait.p90, 13);
	CHECK_EQ_INT(m.wait.p99, 13);
	CHECK_NEAR(m.wait.mean, 8.75, 1e-12);
	CHECK_EQ_INT(m.jct.p50, 15);
	CHECK_EQ_INT(m.jct.p90, 18);
	CHECK_NEAR(m.jct.mean, 15.0, 1e-12);
	/* Tenants: a received 2*10 + 1*4 of 2*10 + 1*17 GPU-s demanded;
	 * b 4*5 + 2*6 of 4*15 + 2*18. */
	CHECK_EQ_INT(m.ntenants, 2);
	CHECK_NEAR(m.tenant[0].gpu_s_used, 24, 1e-9);
	CHECK_NEAR(m.tenant[0].gpu_s_demanded, 37, 1e-9);
	CHECK_NEAR(m.tenant[1].service, xb, 1e-12);
	CHECK_EQ_INT(m.tenant[0].wait.p50, 0);
	CHECK_EQ_INT(m.tenant[0].wait.p99, 13);
	CHECK_EQ_INT(m.tenant[1].jct.p50, 15);
	CHECK_EQ_INT(m.tenant[1].jct.max, 18);
	CHECK_NEAR(m.jain, (xa + xb) * (xa + xb) / (2 * (xa * xa + xb * xb)),
		   1e-12);
	/* The series at every change: 50 % from 0, 100 from 10, 75 from 15,
	 * 50 from 19, 0 from 21. */
	CHECK_EQ_INT(m.nutil, 5);
	CHECK_EQ_INT(m.util[0].t, 0);
	CHECK_NEAR(m.util[0].alloc_pct, 50, 1e-12);
	CHECK_EQ_INT(m.util[1].t, 10);
	CHECK_NEAR(m.util[1].alloc_pct, 100, 1e-12);
	CHECK_EQ_INT(m.util[2].t, 15);
	CHECK_NEAR(m.util[2].alloc_pct, 75, 1e-12);
	CHECK_EQ_INT(m.util[3].t, 19);
	CHECK_NEAR(m.util[3].alloc_pct, 50, 1e-12);
	CHECK_EQ_INT(m.util[4].t, 21);
	CHECK_NEAR(m.util[4].alloc_pct, 0, 1e-12);
	metrics_free(&m);
	hand_free(&h);
}

TEST(metrics_sampled_series)
{
	struct hand h;
	struct metrics m;

	hand_setup(&h);
	metrics_init(&m, &h.p, &h.w, 5);
	hand_run(&h, &m);
	/* Windows of 5 s: 2, 2, 4, (3*4 + 2*1)/5 GPUs, then 2 over 1 s. */
	CHECK_EQ_INT(m.nutil, 5);
	CHECK_NEAR(m.util[0].alloc_pct, 50, 1e-12);
	CHECK_NEAR(m.util[1].alloc_pct, 50, 1e-12);
	CHECK_NEAR(m.util[2].alloc_pct, 100, 1e-12);
	CHECK_EQ_INT(m.util[3].t, 15);
	CHECK_NEAR(m.util[3].alloc_pct, 70, 1e-12);
	CHECK_EQ_INT(m.util[4].t, 20);
	CHECK_NEAR(m.util[4].alloc_pct, 50, 1e-12);
	CHECK_NEAR(m.alloc_pct, 100.0 * 56 / 84, 1e-9);
	metrics_free(&m);
	hand_free(&h);
}

/* A zero-length job leaves no trace in the series; rejected and
 * unfinished jobs are counted apart. */
TEST(metrics_zero_length_and_rejected)
{
	struct hand h;
	struct metrics m;

	hand_setup(&h);
	metrics_init(&m, &h.p, &h.w, 0);
	metrics_advance(&m, 0);
	hand_start(&h, &m, 0, 0x3, 0);
	hand_end(&h, &m, 0, 0);
	metrics_advance(&m, 4);
	hand_start(&h, &m, 2, 0x1, 4);
	metrics_advance(&m, 8);
	hand_end(&h, &m, 2, 8);
	h.w.jobs[1].state = JOB_CANCELLED; /* rejected */
	metrics_finish(&m, &h.w);          /* j3 never started */
	CHECK_EQ_INT(m.completed, 2);
	CHECK_EQ_INT(m.rejected, 1);
	CHECK_EQ_INT(m.unfinished, 1);
	CHECK_EQ_INT(m.tenant[1].rejected, 1);
	CHECK_EQ_INT(m.nutil, 3);
	CHECK_EQ_INT(m.util[0].t, 0);
	CHECK_NEAR(m.util[0].alloc_pct, 0, 1e-12);
	CHECK_EQ_INT(m.util[1].t, 4);
	CHECK_NEAR(m.util[1].alloc_pct, 25, 1e-12);
	CHECK_EQ_INT(m.util[2].t, 8);
	CHECK_NEAR(m.alloc_pct, 100.0 * 4 / 32, 1e-9);
	/* Only tenant a has completed GPU work with demand: j0 has none. */
	CHECK_EQ_INT(m.jain_tenants, 1);
	CHECK_NEAR(m.jain, 1.0, 1e-12);
	metrics_free(&m);
	hand_free(&h);
}

TEST(metrics_csv_output)
{
	struct hand h;
	struct metrics m;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	hand_setup(&h);
	metrics_init(&m, &h.p, &h.w, 0);
	hand_run(&h, &m);
	f = open_memstream(&buf, &len);
	CHECK(f != NULL);
	CHECK_EQ_INT(metrics_write_jobs_csv(&h.w, f), 0);
	fclose(f);
	CHECK_STR(buf, "id,tenant,submit,start,end,wait,jct,gpus\n"
		       "0,a,0,0,10,0,10,2\n"
		       "1,b,0,10,15,10,15,4\n"
		       "2,a,2,15,19,13,17,1\n"
		       "3,b,3,15,21,12,18,2\n");
	free(buf);
	f = open_memstream(&buf, &len);
	CHECK_EQ_INT(metrics_write_tenants_csv(&m, &h.w, f), 0);
	fclose(f);
	CHECK_CONTAINS(buf, "\na,2,2,0,0,13,13,10,17,17,24.000,37.000,0.648649\n");
	free(buf);
	f = open_memstream(&buf, &len);
	CHECK_EQ_INT(metrics_write_util_csv(&m, f), 0);
	fclose(f);
	CHECK_STR(buf, "t,alloc_pct\n0,50.000000\n10,100.000000\n15,75.000000\n"
		       "19,50.000000\n21,0.000000\n");
	free(buf);
	metrics_free(&m);
	hand_free(&h);
}
