/*
 * test-sim.c — the event heap's order and tie-breaking, and the simulator:
 * a hand-computed replay (strict FIFO and first-fit), zero-length and
 * never-fitting jobs, pool invariants at every event of random replays
 * under every policy, determinism, errors, and a full Philly replay.
 */
#include "model/job.h"
#include "model/pool.h"
#include "sched/place.h"
#include "sched/sched.h"
#include "sim/event.h"
#include "sim/metrics.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "test.h"
#include "util/alloc.h"
#include "util/rng.h"

/* ---- the event heap -------------------------------------------------- */

TEST(event_tie_breaking)
{
	struct event_heap h;
	struct event ev;
	static const struct {
		int64_t t;
		enum event_kind k;
	} in[] = {
		{5, EV_SUBMIT}, {5, EV_FINISH}, {3, EV_SUBMIT}, {5, EV_SUBMIT},
		{5, EV_SCHEDULE}, {5, EV_FINISH}, {5, EV_START}, {5, EV_PREEMPT},
	};
	/* time, then finish < preempt < submit < start < schedule, then
	 * push order. */
	static const uint32_t want[] = {2, 1, 5, 7, 0, 3, 6, 4};

	event_heap_init(&h);
	for (uint32_t i = 0; i < 8; i++)
		event_push(&h, in[i].t, in[i].k, i);
	CHECK_EQ_INT(h.n, 8);
	CHECK_EQ_INT(event_peek(&h)->job, 2);
	for (int i = 0; i < 8; i++) {
		CHECK_EQ_INT(event_pop(&h, &ev), 0);
		CHECK_EQ_INT(ev.job, want[i]);
		CHECK_EQ_INT(event_kind_of(&ev), in[want[i]].k);
	}
	CHECK_EQ_INT(event_pop(&h, &ev), -1);
	CHECK(event_peek(&h) == NULL);
	CHECK_STR(event_kind_name(EV_FINISH), "finish");
	CHECK_STR(event_kind_name(EV_SCHEDULE), "schedule");
	event_heap_free(&h);
	event_heap_free(NULL);
}

/* Random pushes and pops against the order definition: every pop is no
 * earlier than the previous one, and among equal (time, kind) the push
 * order holds. */
TEST(event_heap_random)
{
	struct event_heap h;
	struct event ev, last;
	struct rng r;
	uint32_t pushed = 0;
	size_t popped = 0;

	event_heap_init(&h);
	rng_seed(&r, 1);
	memset(&last, 0, sizeof last);
	last.time = INT64_MIN;
	for (int round = 0; round < 20000; round++) {
		if (rng_below(&r, 3) != 0 || h.n == 0) {
			/* Pushes never go back in time past the last pop,
			 * as in a simulation. */
			int64_t base = last.time == INT64_MIN ? 0 : last.time + 1;
			event_push(&h, base + (int64_t)rng_below(&r, 20),
				   (enum event_kind)rng_below(&r, EV_NKINDS),
				   pushed++);
			continue;
		}
		CHECK_EQ_INT(event_pop(&h, &ev), 0);
		popped++;
		if (last.time != INT64_MIN) {
			CHECK(!event_before(&ev, &last));
			if (ev.time == last.time &&
			    event_kind_of(&ev) == event_kind_of(&last))
				CHECK(ev.job > last.job);
		}
		last = ev;
	}
	while (event_pop(&h, &ev) == 0) {
		CHECK(!event_before(&ev, &last));
		last = ev;
		popped++;
	}
	CHECK_EQ_INT(popped, pushed);
	event_heap_free(&h);
}

/* ---- the simulator --------------------------------------------------- */

static void
one_node_pool(struct pool *p, int gpus)
{
	struct gpu_model m = {80, 700, 1};

	pool_init(p);
	CHECK_EQ_INT(pool_model(p, "H100", &m, NULL), 0);
	CHECK_EQ_INT(pool_add_node(p, "n0", UINT32_MAX, 0, gpus, 8000, 65536,
				   NULL), 0);
}

static void
add_job(struct workload *w, int64_t submit, int gpus, int64_t dur,
	const char *tenant)
{
	struct job j;

	memset(&j, 0, sizeof j);
	j.nodes = 1;
	j.gpus_per_node = (uint16_t)gpus;
	j.gpu_milli = MILLI;
	j.submit = submit;
	j.duration = dur;
	j.tenant = strtab_intern(&w->tenants, tenant, strlen(tenant));
	workload_add(w, &j);
}

/* The hand example of docs/SIM.md, in file order that is not submit
 * order: ids 1 and 3 both arrive at 0 and keep file order. */
static void
hand_workload(struct workload *w)
{
	workload_init(w);
	add_job(w, 3, 2, 6, "b");
	add_job(w, 0, 2, 10, "a");
	add_job(w, 2, 1, 4, "a");
	add_job(w, 0, 4, 5, "b");
}

static void
check_times(const struct workload *w, int id, int64_t start, int64_t end)
{
	CHECK_EQ_INT(w->jobs[id].start, start);
	CHECK_EQ_INT(w->jobs[id].end, end);
	CHECK_EQ_INT(w->jobs[id].state, JOB_COMPLETED);
}

TEST(sim_hand_fifo)
{
	struct pool p;
	struct workload w;
	struct sim_opts o;
	struct sim *s;
	const struct metrics *m;
	const struct sim_stats *st;
	struct err e;
	double xa = 24.0 / 37, xb = 32.0 / 96;

	one_node_pool(&p, 4);
	hand_workload(&w);
	sim_opts_init(&o);
	s = sim_new(&p, &w, &o);
	CHECK_EQ_INT(sim_run(s, &e), 0);
	check_times(&w, 1, 0, 10);
	check_times(&w, 3, 10, 15); /* blocks the others until 10 */
	check_times(&w, 2, 15, 19);
	check_times(&w, 0, 15, 21);
	st = sim_stats(s);
	CHECK_EQ_INT(st->events, 8);
	CHECK_EQ_INT(st->starts, 4);
	CHECK_EQ_INT(st->rejected, 0);
	m = sim_metrics(s);
	CHECK_EQ_INT(m->completed, 4);
	CHECK_EQ_INT(m->makespan, 21);
	CHECK_NEAR(m->alloc_pct, 100.0 * 56 / 84, 1e-9);
	CHECK_NEAR(m->frag_pct, 100.0 * 4000 / 28000, 1e-9);
	CHECK_EQ_INT(m->wait.p50, 10);
	CHECK_EQ_INT(m->wait.p90, 13);
	CHECK_EQ_INT(m->jct.p50, 15);
	CHECK_EQ_INT(m->jct.p99, 18);
	CHECK_NEAR(m->jain, (xa + xb) * (xa + xb) / (2 * (xa * xa + xb * xb)),
		   1e-12);
	CHECK_EQ_INT(pool_gpu_milli_free(&p), 4000);
	CHECK_EQ_INT(sim_run(s, &e), ERR_STATE);
	sim_free(s);
	workload_free(&w);
	pool_free(&p);
}

TEST(sim_hand_first_fit)
{
	struct pool p;
	struct workload w;
	struct sim_opts o;
	struct sim *s;
	const struct metrics *m;
	struct err e;

	one_node_pool(&p, 4);
	hand_workload(&w);
	sim_opts_init(&o);
	o.order = SCHED_FIRST_FIT;
	s = sim_new(&p, &w, &o);
	CHECK_EQ_INT(sim_run(s, &e), 0);
	check_times(&w, 1, 0, 10);
	check_times(&w, 2, 2, 6);   /* overtakes the blocked 4-GPU job */
	check_times(&w, 0, 6, 12);
	check_times(&w, 3, 12, 17); /* the big one waits for both */
	m = sim_metrics(s);
	/* Waits 0, 0, 3, 12; JCTs 4, 9, 10, 17. */
	CHECK_EQ_INT(m->wait.p50, 0);
	CHECK_EQ_INT(m->wait.p90, 12);
	CHECK_NEAR(m->wait.mean, 3.75, 1e-12);
	CHECK_EQ_INT(m->jct.p50, 9);
	CHECK_EQ_INT(m->makespan, 17);
	/* 2*10 + 1*4 + 2*6 + 4*5 = 56 GPU-s over 4 x 17. */
	CHECK_NEAR(m->alloc_pct, 100.0 * 56 / 68, 1e-9);
	sim_free(s);
	workload_free(&w);
	pool_free(&p);
}

/* A job larger than the pool is rejected at submit and blocks nothing;
 * zero-length jobs start and end at one instant, even in a chain. */
TEST(sim_zero_length_and_never_fits)
{
	struct pool p;
	struct workload w;
	struct sim *s;
	const struct metrics *m;
	struct err e;

	one_node_pool(&p, 4);
	workload_init(&w);
	add_job(&w, 0, 8, 5, "a");  /* never fits 4 GPUs */
	add_job(&w, 0, 4, 0, "a");  /* zero length */
	add_job(&w, 0, 4, 0, "b");  /* zero length, after the first */
	add_job(&w, 0, 4, 7, "b");
	add_job(&w, 1, 1, 1, "b");
	s = sim_new(&p, &w, NULL);
	CHECK_EQ_INT(sim_run(s, &e), 0);
	CHECK_EQ_INT(w.jobs[0].state, JOB_CANCELLED);
	CHECK_EQ_INT(w.jobs[0].start, -1);
	check_times(&w, 1, 0, 0);
	check_times(&w, 2, 0, 0);
	check_times(&w, 3, 0, 7);
	check_times(&w, 4, 7, 8);
	CHECK_EQ_INT(sim_stats(s)->rejected, 1);
	m = sim_metrics(s);
	CHECK_EQ_INT(m->rejected, 1);
	CHECK_EQ_INT(m->completed, 4);
	CHECK_EQ_INT(m->tenant[0].rejected, 1);
	sim_free(s);
	workload_free(&w);
	pool_free(&p);
}

TEST(sim_bad_job)
{
	struct pool p;
	struct workload w;
	struct sim *s;
	struct err e;

	one_node_pool(&p, 4);
	workload_init(&w);
	add_job(&w, 0, 1, 5, "a");
	add_job(&w, 0, 1, -5, "a");
	s = sim_new(&p, &w, NULL);
	CHECK_EQ_INT(sim_run(s, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "job 1: duration -5");
	sim_free(s);
	w.jobs[1].duration = 5;
	w.jobs[1].gpus_per_node = 9;
	s = sim_new(&p, &w, NULL);
	CHECK_EQ_INT(sim_run(s, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "job 1");
	CHECK_CONTAINS(e.msg, "gpus_per_node");
	sim_free(s);
	workload_free(&w);
	pool_free(&p);
}

/* ---- random replays with invariant checks at every event ------------- */

struct watch {
	int64_t last_t;
	size_t events;
	uint32_t *gpu_used;  /* per node * 8 + gpu: milli from running allocs */
	uint32_t *cpu_used;  /* per node */
};

/* Rebuilds the pool's allocated amounts from the running jobs' allocs and
 * compares them with the pool's free counters: a GPU given twice, or
 * released without being held, shows up at once. */
static void
check_invariants(void *ctx, const struct sim *s, const struct event *ev)
{
	struct watch *wt = ctx;
	const struct pool *p = sim_pool(s);
	const struct workload *w = sim_workload(s);

	CHECK(ev->time >= wt->last_t);
	wt->last_t = ev->time;
	wt->events++;
	memset(wt->gpu_used, 0, p->nnodes * 8 * sizeof *wt->gpu_used);
	memset(wt->cpu_used, 0, p->nnodes * sizeof *wt->cpu_used);
	for (uint32_t id = 0; id < w->njobs; id++) {
		const struct alloc *a = sim_job_alloc(s, id);
		const struct job *j = &w->jobs[id];
		if (a == NULL) {
			CHECK(j->state != JOB_RUNNING);
			continue;
		}
		CHECK_EQ_INT(a->nslots, j->nodes);
		for (size_t k = 0; k < a->nslots; k++) {
			uint32_t n = a->slots[k].node;
			CHECK(n < p->nnodes);
			CHECK_EQ_INT(__builtin_popcount(a->slots[k].gpu_mask),
				     j->gpus_per_node);
			wt->cpu_used[n] += j->cpu_milli;
			for (int g = 0; g < 8; g++)
				if (a->slots[k].gpu_mask >> g & 1)
					wt->gpu_used[n * 8 + g] += a->milli;
		}
	}
	for (size_t n = 0; n < p->nnodes; n++) {
		const struct node *nd = &p->nodes[n];
		CHECK_EQ_INT(nd->cpu_milli - nd->cpu_free, wt->cpu_used[n]);
		for (int g = 0; g < nd->ngpu; g++)
			CHECK_EQ_INT(MILLI - nd->gpu_free[g],
				     wt->gpu_used[n * 8 + g]);
	}
}

static void
random_pool(struct pool *p)
{
	struct gpu_model m = {80, 700, 1};
	char name[16];

	pool_init(p);
	CHECK_EQ_INT(pool_model(p, "A", &m, NULL), 0);
	CHECK_EQ_INT(pool_model(p, "B", &m, NULL), 1);
	uint32_t s = pool_add_site(p, "s", "prov");
	uint32_t c = pool_add_cluster(p, "c", s);
	uint32_t r = pool_add_rack(p, "r", c);
	for (int i = 0; i < 6; i++) {
		snprintf(name, sizeof name, "d%d", i);
		uint32_t d = pool_add_domain(p, name, r);
		snprintf(name, sizeof name, "n%d", i);
		CHECK_EQ_INT(pool_add_node(p, name, d, i < 4 ? 0 : 1,
					   i == 5 ? 4 : 8, 32000, 262144, NULL),
			     i);
	}
}

static void
random_workload(struct workload *w, uint64_t seed, size_t n)
{
	static const int gpus[] = {1, 1, 1, 2, 4, 8, 0, 1};
	struct rng r;
	char tenant[8];

	rng_seed(&r, seed);
	workload_init(w);
	for (size_t i = 0; i < n; i++) {
		struct job j;
		memset(&j, 0, sizeof j);
		j.nodes = 1;
		j.gpus_per_node = (uint16_t)gpus[rng_below(&r, 8)];
		j.gpu_milli = MILLI;
		if (j.gpus_per_node == 1 && rng_below(&r, 3) == 0)
			j.gpu_milli = (uint16_t)(100 * (1 + rng_below(&r, 9)));
		if (j.gpus_per_node == 8 && rng_below(&r, 3) == 0)
			j.nodes = (uint16_t)(2 + rng_below(&r, 3));
		if (j.gpus_per_node == 8 && rng_below(&r, 4) == 0)
			j.nodes = 6; /* never fits: five 8-GPU nodes */
		if (rng_below(&r, 6) == 0)
			j.model_mask = 1u << rng_below(&r, 2);
		j.cpu_milli = (uint32_t)(1000 * rng_below(&r, 8));
		j.mem_mib = (uint32_t)(1024 * rng_below(&r, 16));
		j.submit = (int64_t)(i / 3 * 7 + rng_below(&r, 5));
		j.duration = rng_below(&r, 10) == 0 ? 0
						    : (int64_t)rng_below(&r, 200);
		snprintf(tenant, sizeof tenant, "t%d", (int)rng_below(&r, 4));
		j.tenant = strtab_intern(&w->tenants, tenant, strlen(tenant));
		workload_add(w, &j);
	}
}

/* The pool has five 8-GPU nodes (four of model A, one of B) and a 4-GPU
 * node of model B. */
static int
never_fits(const struct job *j)
{
	return j->nodes == 6 || (j->model_mask == 2 && j->nodes >= 2);
}

TEST(sim_random_invariants)
{
	struct pool p;
	struct workload w;
	struct sim_opts o;
	struct watch wt;
	struct err e;

	random_pool(&p);
	wt.gpu_used = xcalloc(p.nnodes * 8, sizeof *wt.gpu_used);
	wt.cpu_used = xcalloc(p.nnodes, sizeof *wt.cpu_used);
	for (int pol = 0; pol < PLACE_NPOLICIES; pol++)
		for (int order = 0; order < SCHED_NORDERS; order++) {
			struct sim *s;
			size_t done = 0;
			random_workload(&w, (uint64_t)(pol * 2 + order + 1), 400);
			sim_opts_init(&o);
			o.policy = pol;
			o.order = order;
			o.seed = 99;
			o.hook = check_invariants;
			o.hook_ctx = &wt;
			wt.last_t = INT64_MIN;
			wt.events = 0;
			s = sim_new(&p, &w, &o);
			CHECK_EQ_INT(sim_run(s, &e), 0);
			/* Every job ended or was rejected; all is free again. */
			for (size_t i = 0; i < w.njobs; i++) {
				const struct job *j = &w.jobs[i];
				CHECK_EQ_INT(j->state == JOB_CANCELLED,
					     never_fits(j));
				if (j->state == JOB_CANCELLED) {
					CHECK_EQ_INT(j->start, -1);
					continue;
				}
				CHECK_EQ_INT(j->state, JOB_COMPLETED);
				CHECK(j->start >= j->submit);
				CHECK_EQ_INT(j->end, j->start + j->duration);
				done++;
			}
			CHECK_EQ_INT(done + sim_stats(s)->rejected, w.njobs);
			CHECK(sim_stats(s)->rejected > 0); /* 6-node gangs */
			CHECK_EQ_INT(wt.events, w.njobs + 2 * done);
			CHECK_EQ_INT(pool_gpu_milli_free(&p), pool_gpu_milli_total(&p));
			sim_free(s);
			workload_free(&w);
		}
	free(wt.gpu_used);
	free(wt.cpu_used);
	pool_free(&p);
}

/* Strict FIFO never lets a job start before one submitted earlier. */
TEST(sim_fifo_order_kept)
{
	struct pool p;
	struct workload w;
	struct sim *s;
	struct err e;
	int64_t last_start = -1, tmax = 0;

	random_pool(&p);
	random_workload(&w, 5, 600);
	s = sim_new(&p, &w, NULL);
	CHECK_EQ_INT(sim_run(s, &e), 0);
	/* Ids are not in submit order, so walk the jobs by (submit, id),
	 * the queue order. */
	for (size_t i = 0; i < w.njobs; i++)
		if (w.jobs[i].submit > tmax)
			tmax = w.jobs[i].submit;
	for (int64_t t = 0; t <= tmax; t++)
		for (size_t i = 0; i < w.njobs; i++) {
			const struct job *j = &w.jobs[i];
			if (j->submit != t || j->state != JOB_COMPLETED)
				continue;
			CHECK(j->start >= last_start);
			last_start = j->start;
		}
	CHECK(last_start > 0);
	sim_free(s);
	workload_free(&w);
	pool_free(&p);
}

static char *
run_to_csv_opts(struct pool *p, uint64_t seed, int policy, int order,
		int full_scan)
{
	struct workload w;
	struct sim_opts o;
	struct sim *s;
	struct err e;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	random_workload(&w, 11, 500);
	sim_opts_init(&o);
	o.seed = seed;
	o.policy = policy;
	o.order = order;
	o.full_scan = full_scan;
	s = sim_new(p, &w, &o);
	CHECK_EQ_INT(sim_run(s, &e), 0);
	f = open_memstream(&buf, &len);
	CHECK(f != NULL);
	CHECK_EQ_INT(metrics_write_jobs_csv(&w, f), 0);
	CHECK_EQ_INT(metrics_write_util_csv(sim_metrics(s), f), 0);
	CHECK_EQ_INT(metrics_write_tenants_csv(sim_metrics(s), &w, f), 0);
	fclose(f);
	sim_free(s);
	workload_free(&w);
	return buf;
}

static char *
run_to_csv(struct pool *p, uint64_t seed, int policy, int order)
{
	return run_to_csv_opts(p, seed, policy, order, 0);
}

/* First-fit offers the pass only the per-shape candidates; a pass over
 * the whole queue must decide exactly the same. */
TEST(sim_first_fit_candidates_exact)
{
	struct pool p;

	random_pool(&p);
	for (int pol = 0; pol < PLACE_NPOLICIES; pol++) {
		char *a = run_to_csv_opts(&p, 3, pol, SCHED_FIRST_FIT, 0);
		char *b = run_to_csv_opts(&p, 3, pol, SCHED_FIRST_FIT, 1);
		CHECK_STR(a, b);
		free(a);
		free(b);
	}
	pool_free(&p);
}

TEST(sim_deterministic)
{
	struct pool p;

	random_pool(&p);
	for (int pol = 0; pol < PLACE_NPOLICIES; pol++) {
		char *a = run_to_csv(&p, 7, pol, SCHED_FIRST_FIT);
		char *b = run_to_csv(&p, 7, pol, SCHED_FIRST_FIT);
		CHECK(strlen(a) > 1000);
		CHECK_STR(a, b);
		free(a);
		free(b);
	}
	pool_free(&p);
}

/* The whole Philly trace on the default pool: every job completes, the
 * pool is free afterwards, and strict FIFO scans little. */
TEST(sim_philly_replay)
{
	SKIP_UNLESS_DATA(path, "philly/philly.csv");
	struct pool p;
	struct workload w;
	struct sim *s;
	struct err e;
	const struct sim_stats *st;
	const struct metrics *m;

	pool_init(&p);
	workload_init(&w);
	CHECK_EQ_INT(sim_default_pool(&p, TRACE_PHILLY, &e), 0);
	CHECK_EQ_INT(p.total_gpus, 2496);
	CHECK_EQ_INT(trace_read(path, TRACE_PHILLY, NULL, &p, &w, &e), 0);
	/* 82,247 jobs and a blank last line. */
	CHECK_EQ_INT(w.njobs, 82247);
	s = sim_new(&p, &w, NULL);
	CHECK_EQ_INT(sim_run(s, &e), 0);
	st = sim_stats(s);
	CHECK_EQ_INT(st->rejected, 0);
	CHECK_EQ_INT(st->events, 2 * 82247);
	CHECK_EQ_INT(st->starts, 82247);
	m = sim_metrics(s);
	CHECK_EQ_INT(m->completed, 82247);
	CHECK(m->alloc_pct > 1 && m->alloc_pct < 100);
	CHECK(m->jain > 0 && m->jain <= 1);
	CHECK_EQ_INT(m->ntenants, w.tenants.n);
	CHECK(m->ntenants > 1);
	CHECK_EQ_INT(pool_gpu_milli_free(&p), pool_gpu_milli_total(&p));
	sim_free(s);
	workload_free(&w);
	pool_free(&p);
}

/*
 * Fair Tree over tenant names "program/team": x/a has used the only node
 * for 100 s; when it frees, y (an idle program) goes before x/b (an idle
 * team of the busy program), although x/b was submitted first.
 */
TEST(sim_priority_fair_tree_by_name)
{
	struct pool p;
	struct workload w;
	struct sim_opts o;
	struct sim *s;
	struct err e;
	const char *names[3] = {"x/a", "x/b", "y"};
	int64_t submit[3] = {0, 1, 2}, dur[3] = {100, 10, 10};

	pool_init(&p);
	CHECK_EQ_INT(pool_model(&p, "B200", NULL, NULL), 0);
	CHECK(pool_add_node(&p, "n0", UINT32_MAX, 0, 8, 64000, 1 << 20, NULL) >= 0);
	workload_init(&w);
	for (int i = 0; i < 3; i++) {
		struct job j = {.nodes = 1, .gpus_per_node = 8, .gpu_milli = 1000,
				.submit = submit[i], .duration = dur[i],
				.time_limit = dur[i]};
		j.tenant = strtab_intern(&w.tenants, names[i], strlen(names[i]));
		workload_add(&w, &j);
	}
	sim_opts_init(&o);
	o.order = SCHED_PRIORITY;
	o.weights.age = 0;
	s = sim_new(&p, &w, &o);
	CHECK_EQ_INT(sim_run(s, &e), 0);
	CHECK_EQ_INT(w.jobs[0].start, 0);
	CHECK_EQ_INT(w.jobs[2].start, 100); /* y first */
	CHECK_EQ_INT(w.jobs[1].start, 110);
	sim_free(s);
	workload_free(&w);
	pool_free(&p);
}
