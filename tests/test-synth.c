/*
 * test-synth.c — the synthetic workload: byte-identical for a seed, the
 * arrival rate and offered load it promises, valid shapes that all fit
 * the empty pool (checked node by node, independently of the generator's
 * own capacity classes), the tenant skew, durations and limits, options.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/poolgen.h"
#include "sim/synth.h"
#include "test.h"

/* A deliberately uneven pool: 8-GPU H100 servers at one site, GB200
 * 4-GPU nodes at another, small T4 boxes, CPU-only nodes, and a model
 * whose only node is down. */
static void
uneven_pool(struct pool *p)
{
	struct gpu_model g = {80, 700, 4200};
	uint32_t s0, s1, d;
	char name[32];

	pool_init(p);
	CHECK_EQ_INT(pool_model(p, "H100", &g, NULL), 0);
	CHECK_EQ_INT(pool_model(p, "GB200", &g, NULL), 1);
	CHECK_EQ_INT(pool_model(p, "T4", &g, NULL), 2);
	CHECK_EQ_INT(pool_model(p, "X9", &g, NULL), 3);
	s0 = pool_add_site(p, "a", "pa");
	s1 = pool_add_site(p, "b", "pb");
	d = pool_add_domain(p, "a-d", pool_add_rack(p, "a-r",
						     pool_add_cluster(p, "a-c", s0)));
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof name, "h%d", i);
		pool_add_node(p, name, d, 0, 8, 96000, 524288, NULL);
	}
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof name, "t%d", i);
		pool_add_node(p, name, d, 2, 2, 16000, 65536, NULL);
	}
	pool_add_node(p, "cpu0", d, 0, 0, 64000, 262144, NULL);
	pool_add_node(p, "x-down", d, 3, 8, 96000, 524288, NULL);
	p->nodes[p->nnodes - 1].state = NODE_DOWN;
	d = pool_add_domain(p, "b-d", pool_add_rack(p, "b-r",
						     pool_add_cluster(p, "b-c", s1)));
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "gb%d", i);
		pool_add_node(p, name, d, 1, 4, 144000, 884736, NULL);
	}
	pool_add_node(p, "cpu1", d, 0, 0, 8000, 16384, NULL);
}

/* Node by node: does j fit the empty pool within one site? */
static int
fits_brute(const struct pool *p, const struct job *j)
{
	for (size_t s = 0; s < p->nsites; s++) {
		size_t n = 0;
		for (size_t i = 0; i < p->nnodes; i++) {
			const struct node *x = &p->nodes[i];
			if (pool_node_site(p, (uint32_t)i) != s || x->state != NODE_UP ||
			    x->cpu_milli < j->cpu_milli || x->mem_mib < j->mem_mib)
				continue;
			if (j->gpus_per_node > 0 &&
			    (x->ngpu < j->gpus_per_node ||
			     !job_allows_model(j, x->model)))
				continue;
			n++;
		}
		if (n >= j->nodes)
			return 1;
	}
	return 0;
}

static void
gen(const struct pool *p, const char *spec, struct workload *w,
    struct synth_stats *st)
{
	struct synth_opts o;
	struct err e;

	synth_defaults(&o);
	if (synth_parse(spec, &o, &e) != 0)
		test_fail(__FILE__, __LINE__, "%s", e.msg);
	workload_init(w);
	if (synth_generate(p, &o, w, st, &e) != 0)
		test_fail(__FILE__, __LINE__, "%s", e.msg);
}

TEST(synth_deterministic)
{
	struct pool p;
	struct workload a, b, c;

	uneven_pool(&p);
	gen(&p, "seed=42,days=10,tenants=20", &a, NULL);
	gen(&p, "seed=42,days=10,tenants=20", &b, NULL);
	gen(&p, "seed=43,days=10,tenants=20", &c, NULL);
	CHECK(a.njobs > 100);
	CHECK_EQ_INT(a.njobs, b.njobs);
	CHECK(memcmp(a.jobs, b.jobs, a.njobs * sizeof *a.jobs) == 0);
	CHECK_EQ_INT(a.tenants.n, b.tenants.n);
	CHECK_STR(strtab_get(&a.tenants, 7), "tenant-007");
	CHECK(a.njobs != c.njobs ||
	      memcmp(a.jobs, c.jobs, a.njobs * sizeof *a.jobs) != 0);
	workload_free(&a);
	workload_free(&b);
	workload_free(&c);
	pool_free(&p);
}

TEST(synth_shapes_fit_and_validate)
{
	struct pool p;
	struct workload w;
	struct synth_stats st;
	size_t classes[CLASS_NCLASSES] = {0};

	uneven_pool(&p);
	gen(&p, "seed=5,days=30,tenants=40,load=0.9", &w, &st);
	CHECK(w.njobs > 1000);
	CHECK_EQ_INT(st.njobs, w.njobs);
	for (size_t i = 0; i < w.njobs; i++) {
		const struct job *j = &w.jobs[i];
		struct err e;
		if (job_validate(j, &e) != 0)
			test_fail(__FILE__, __LINE__, "job %zu: %s", i, e.msg);
		if (!fits_brute(&p, j))
			test_fail(__FILE__, __LINE__, "job %zu (%u x %u GPUs of "
				  "%u milli, mask %x, cpu %u, mem %u) never fits",
				  i, j->nodes, j->gpus_per_node, j->gpu_milli,
				  j->model_mask, j->cpu_milli, j->mem_mib);
		CHECK_EQ_INT(j->id, i);
		CHECK_EQ_INT(j->state, JOB_PENDING);
		CHECK(j->start == -1 && j->end == -1);
		CHECK(i == 0 || j->submit >= w.jobs[i - 1].submit);
		CHECK(j->submit >= 0 && j->submit < 30 * 86400);
		CHECK(j->tenant < 40);
		CHECK(j->class < CLASS_NCLASSES);
		CHECK(j->duration >= 60 && j->duration <= 7 * 86400);
		CHECK(j->time_limit >= j->duration && j->time_limit <= 14 * 86400);
		CHECK(job_gpu_milli(j) <= 512 * 1000);
		/* The down model is never asked for. */
		CHECK(!(j->model_mask & 0x8));
		/* Gangs take whole nodes of one model. */
		if (j->nodes > 1) {
			static const int per[] = {0, 8, 4, 0, 2};
			CHECK(j->model_mask == 0x1 || j->model_mask == 0x2 ||
			      j->model_mask == 0x4);
			CHECK_EQ_INT(j->gpus_per_node, per[j->model_mask]);
		}
		classes[j->class]++;
	}
	for (int s = 0; s < SYNTH_NSHAPES; s++)
		if (st.by_shape[s] == 0)
			test_fail(__FILE__, __LINE__, "no %s job",
				  synth_shape_name((enum synth_shape)s));
	for (int c = 0; c < CLASS_NCLASSES; c++) {
		CHECK(classes[c] > 0);
		CHECK_EQ_INT(classes[c], st.by_class[c]);
	}
	/* The GB200 site holds at most 20 x 4 = 80 GPUs and the H100 site 64:
	 * some 128..512-GPU gangs had to shrink. */
	CHECK(st.shrunk > 0);
	workload_free(&w);
	pool_free(&p);
}

TEST(synth_rate_and_load)
{
	struct pool p;
	struct poolgen_spec s;
	struct workload w;
	struct synth_stats st;
	struct err e;
	double T = 60 * 86400.0, n, expect;

	poolgen_defaults(&s);
	CHECK_EQ_INT(poolgen_parse("sites=2,nodes=512,models=B200:0.75+H200:0.25",
				   &s, &e), 0);
	pool_init(&p);
	CHECK_EQ_INT(poolgen_build(&s, &p, &e), 0);
	gen(&p, "seed=11,days=60,tenants=50,load=0.8", &w, &st);
	/* The rate is what the promised load needs... */
	CHECK_NEAR(st.rate * st.mean_gpu_s, 0.8 * 4096, 1e-6);
	/* ...the arrivals are Poisson with that rate (4 sd)... */
	n = (double)w.njobs;
	expect = st.rate * T;
	if (fabs(n - expect) > 4 * sqrt(expect))
		test_fail(__FILE__, __LINE__, "%.0f jobs, expected %.1f", n, expect);
	/* ...the mean gap is 1/rate... */
	CHECK_NEAR((double)w.jobs[w.njobs - 1].submit / (n - 1) * st.rate, 1.0, 0.1);
	/* ...and the offered load comes out near 0.8 (heavy tails: 25 %). */
	if (fabs(st.offered_load - 0.8) > 0.2)
		test_fail(__FILE__, __LINE__, "offered load %.3f", st.offered_load);

	/* Tenants: Zipf(1.1) over 50, so tenant-000 gets 1/H of the jobs. */
	{
		double h = 0;
		size_t first = 0, second = 0;
		for (int k = 1; k <= 50; k++)
			h += pow(k, -1.1);
		for (size_t i = 0; i < w.njobs; i++) {
			first += w.jobs[i].tenant == 0;
			second += w.jobs[i].tenant == 1;
		}
		CHECK_NEAR((double)first / n, 1 / h, 0.15 / h);
		CHECK(first > second);
	}
	/* Training durations: log-normal with a median of 8 hours. */
	{
		int64_t *d = malloc(w.njobs * sizeof *d);
		size_t k = 0;
		for (size_t i = 0; i < w.njobs; i++)
			if (w.jobs[i].class == CLASS_TRAINING)
				d[k++] = w.jobs[i].duration;
		CHECK(k > 200);
		for (size_t i = 1; i < k; i++) /* insertion sort is fine here */
			for (size_t j = i; j > 0 && d[j - 1] > d[j]; j--) {
				int64_t t = d[j];
				d[j] = d[j - 1];
				d[j - 1] = t;
			}
		CHECK_NEAR((double)d[k / 2], 8 * 3600.0, 0.2 * 8 * 3600.0);
		free(d);
	}
	workload_free(&w);
	pool_free(&p);
}

TEST(synth_options)
{
	struct synth_opts o;
	struct pool p, empty;
	struct workload w;
	struct err e;

	synth_defaults(&o);
	CHECK_EQ_INT(synth_parse("seed=9,tenants=3,hours=12,load=1.5,zipf=0,"
				 "gang=64,max-jobs=100000", &o, &e), 0);
	CHECK_EQ_INT(o.seed, 9);
	CHECK_EQ_INT(o.tenants, 3);
	CHECK_EQ_INT(o.duration_s, 12 * 3600);
	CHECK_NEAR(o.load, 1.5, 0);
	CHECK_EQ_INT(o.max_gang_gpus, 64);
	CHECK_EQ_INT(synth_parse("load=-1", &o, &e), ERR_INVALID);
	CHECK_STR(e.msg, "synth: load: expected a number 0..100, got \"-1\"");
	CHECK_EQ_INT(synth_parse("tenants=2.5", &o, &e), ERR_INVALID);
	CHECK_EQ_INT(synth_parse("speed=3", &o, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "unknown key \"speed\"");
	CHECK_EQ_INT(o.tenants, 3); /* unchanged by failed parses */

	/* Gangs capped at 64 GPUs. */
	uneven_pool(&p);
	workload_init(&w);
	CHECK_EQ_INT(synth_generate(&p, &o, &w, NULL, &e), 0);
	CHECK(w.njobs > 0);
	for (size_t i = 0; i < w.njobs; i++)
		CHECK(job_gpu_milli(&w.jobs[i]) <= 64 * 1000);
	workload_free(&w);

	/* Too many jobs expected: nothing generated. */
	o.max_jobs = 10;
	workload_init(&w);
	CHECK_EQ_INT(synth_generate(&p, &o, &w, NULL, &e), ERR_LIMIT);
	CHECK_CONTAINS(e.msg, "more than the limit of 10");
	CHECK_EQ_INT(w.njobs, 0);
	workload_free(&w);

	/* No GPUs, no workload. */
	pool_init(&empty);
	pool_add_node(&empty, "cpu", UINT32_MAX, 0, 0, 1000, 1024, NULL);
	workload_init(&w);
	CHECK_EQ_INT(synth_generate(&empty, &o, &w, NULL, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "no GPU");
	workload_free(&w);
	pool_free(&empty);
	pool_free(&p);
}
