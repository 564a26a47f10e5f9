/*
 * bench-sim.c — simulator throughput: replays the Philly trace
 * (../shared/data/philly/philly.csv, or $ALLOT_DATA/philly/philly.csv)
 * and reports events per second of the simulation proper (sim_run: the
 * sort, the event loop and every scheduling pass; not reading the file,
 * not deriving the metrics afterwards), side by side for strict FIFO and
 * first-fit, on two pools:
 *
 *   default   the default Philly pool, 312 x 8 GPUs: about 15 % loaded,
 *             nothing queues;
 *   small     40 x 8 GPUs: overloaded, the queue reaches tens of
 *             thousands of jobs, which is what stresses the passes.
 *
 * Each configuration runs REPS times; the table gives the best and the
 * median wall time.  Memory: bytes of scheduler state per job, i.e.
 * sizeof(struct job) plus the simulator's per-job arrays, and the rest of
 * its state (queue, heap, decision list) divided by the job count.
 * Skips with a message (exit 0) when the data is absent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/job.h"
#include "model/pool.h"
#include "sched/place.h"
#include "sched/sched.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "util/err.h"

#define REPS 7

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* 40 nodes of 8 "P100" as one site, each node its own domain. */
static void
small_pool(struct pool *p)
{
	struct gpu_model m = {16, 250, 2000000};
	char name[32];
	uint32_t s, c, r = 0, d;

	pool_init(p);
	pool_model(p, "P100", &m, NULL);
	s = pool_add_site(p, "small", "default");
	c = pool_add_cluster(p, "small-c0", s);
	for (int i = 0; i < 40; i++) {
		if (i % 8 == 0) {
			snprintf(name, sizeof name, "small-r%d", i / 8);
			r = pool_add_rack(p, name, c);
		}
		snprintf(name, sizeof name, "small-d%d", i);
		d = pool_add_domain(p, name, r);
		snprintf(name, sizeof name, "small-n%d", i);
		pool_add_node(p, name, d, 0, 8, 64000, 524288, NULL);
	}
}

static void
bench(const char *label, struct pool *p, struct workload *w, int order,
      int policy)
{
	double wall[REPS];
	struct sim_stats st;
	struct sim_mem mem;
	size_t npending_max = 0;
	struct err e;

	for (int k = 0; k < REPS; k++) {
		struct sim_opts o;
		struct sim *s;
		double t0;

		sim_opts_init(&o);
		o.order = order;
		o.policy = policy;
		s = sim_new(p, w, &o);
		t0 = now_s();
		if (sim_run(s, &e) != 0) {
			fprintf(stderr, "bench-sim: %s\n", e.msg);
			exit(1);
		}
		wall[k] = now_s() - t0;
		st = *sim_stats(s);
		sim_bytes(s, &mem);
		npending_max = st.max_queue;
		sim_free(s);
	}
	qsort(wall, REPS, sizeof wall[0], cmp_double);
	printf("%-8s %-9s %-8s %8llu %8llu %7zu %8.1f %8.1f %7.2f %7.2f %6.0f %6.1f\n",
	       label, sched_order_name((enum sched_order)order),
	       place_policy_name((enum place_policy)policy),
	       (unsigned long long)st.events, (unsigned long long)st.passes,
	       npending_max, wall[0] * 1e3, wall[REPS / 2] * 1e3,
	       (double)st.events / wall[0] / 1e6,
	       (double)st.events / wall[REPS / 2] / 1e6,
	       (double)sizeof(struct job) + (double)mem.per_job / (double)w->njobs,
	       (double)(mem.queue + mem.heap + mem.decisions) / (double)w->njobs);
}

int
main(void)
{
	const char *base = getenv("ALLOT_DATA");
	char path[4096];
	struct workload w;
	struct pool def, small;
	struct err e;
	double t0;
	FILE *f;

	snprintf(path, sizeof path, "%s/philly/philly.csv",
		 base != NULL ? base : "../shared/data");
	if ((f = fopen(path, "r")) == NULL) {
		printf("bench-sim: skipped: %s not found (set ALLOT_DATA)\n", path);
		return 0;
	}
	fclose(f);
	pool_init(&def);
	workload_init(&w);
	if (sim_default_pool(&def, TRACE_PHILLY, &e) != 0) {
		fprintf(stderr, "bench-sim: %s\n", e.msg);
		return 1;
	}
	t0 = now_s();
	if (trace_read(path, TRACE_PHILLY, NULL, &def, &w, &e) != 0) {
		fprintf(stderr, "bench-sim: %s\n", e.msg);
		return 1;
	}
	printf("bench-sim: %s, %zu jobs, read in %.1f ms; best and median of %d "
	       "runs\n", path, w.njobs, (now_s() - t0) * 1e3, REPS);
	printf("%-8s %-9s %-8s %8s %8s %7s %8s %8s %7s %7s %6s %6s\n", "pool",
	       "order", "policy", "events", "passes", "maxq", "best_ms",
	       "med_ms", "best_M/s", "med_M/s", "B/job", "+B/job");
	small_pool(&small);
	for (int order = 0; order < SCHED_NORDERS; order++)
		bench("default", &def, &w, order, PLACE_BESTFIT);
	for (int order = 0; order < SCHED_NORDERS; order++)
		bench("small", &small, &w, order, PLACE_BESTFIT);
	for (int order = 0; order < SCHED_NORDERS; order++)
		bench("default", &def, &w, order, PLACE_FGD);
	printf("B/job: sizeof(struct job) %zu + the simulator's per-job arrays; "
	       "+B/job: queue, heap and decision list over all jobs (peak "
	       "capacity); the placer's index is per node, not per job.\n",
	       sizeof(struct job));
	workload_free(&w);
	pool_free(&def);
	pool_free(&small);
	return 0;
}
