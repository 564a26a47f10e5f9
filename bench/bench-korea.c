/*
 * bench-korea.c — the national pool under synth.h's workload (`allot run
 * korea-synthetic`), and the scheduler state's size.
 *
 * 1. The synthetic scenario as `allot run korea-synthetic` runs it (sim/korea.h:
 *    the national pool at scale 1, the default synthetic workload, order
 *    SCHED_PRIORITY, FGD): pool + workload generation, sim_run, metrics;
 *    best and median of REPS runs.  One run with 3 days of arrivals shows
 *    how the cost grows once the pool is full and jobs queue.
 * 2. Bytes of state: sizeof(struct node) and what the pool keeps per node
 *    (nodes, domains, racks, clusters, sites), the placer's index per node
 *    (placer_bytes, FGD), sizeof(struct job) and the simulator's arrays per
 *    job (sim_bytes), each also per GPU.
 *
 * Needs no data files.  Everything allocated is freed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/job.h"
#include "model/pool.h"
#include "sched/place.h"
#include "sched/sched.h"
#include "sim/korea.h"
#include "sim/sim.h"
#include "sim/synth.h"
#include "util/err.h"

#define REPS 3

struct one {
	double gen_s, sim_s, total_s;
	struct sim_stats st;
	struct sim_mem mem;
	size_t njobs, nnodes, pool_bytes;
	uint64_t gpus;
	double alloc_pct;
};

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

static void
run_once(int64_t duration_s, struct one *r)
{
	struct pool p;
	struct workload w;
	struct synth_opts so;
	struct sim_opts o;
	struct sim *s;
	struct err e;
	double t0, t1;

	pool_init(&p);
	workload_init(&w);
	korea_workload_defaults(&so);
	if (duration_s > 0)
		so.duration_s = duration_s;
	t0 = now_s();
	if (korea_pool(1.0, &p, &e) != 0 ||
	    synth_generate(&p, &so, &w, NULL, &e) != 0) {
		fprintf(stderr, "bench-korea: %s\n", e.msg);
		exit(1);
	}
	t1 = now_s();
	sim_opts_init(&o);
	o.order = SCHED_PRIORITY;
	o.policy = PLACE_FGD;
	o.seed = so.seed;
	s = sim_new(&p, &w, &o);
	if (sim_run(s, &e) != 0) {
		fprintf(stderr, "bench-korea: %s\n", e.msg);
		exit(1);
	}
	r->alloc_pct = sim_metrics(s)->alloc_pct;
	r->total_s = now_s() - t0;
	r->gen_s = t1 - t0;
	r->sim_s = r->total_s - r->gen_s;
	r->st = *sim_stats(s);
	sim_bytes(s, &r->mem);
	r->njobs = w.njobs;
	r->nnodes = p.nnodes;
	r->gpus = p.total_gpus;
	r->pool_bytes = p.nnodes * sizeof *p.nodes +
			p.ndomains * sizeof *p.domains +
			p.nracks * sizeof *p.racks +
			p.nclusters * sizeof *p.clusters +
			p.nsites * sizeof *p.sites;
	sim_free(s);
	workload_free(&w);
	pool_free(&p);
}

static void
row(const char *label, double days, const struct one *r, double best,
    double med)
{
	printf("%-18s %5.1f %7zu %8llu %8llu %7zu %9.2f %9.2f %8.2f %8.0f\n",
	       label, days, r->njobs, (unsigned long long)r->st.events,
	       (unsigned long long)r->st.passes, r->st.max_queue, best, med,
	       r->alloc_pct, (double)r->st.events / med);
}

int
main(void)
{
	struct one r[REPS], big;
	double tot[REPS];
	struct synth_opts so;

	korea_workload_defaults(&so);
	printf("korea-synthetic (allot run defaults: scale 1, %u tenants, load %.2f, "
	       "seed %llu, priority + FGD); wall s = generate + simulate + "
	       "metrics\n\n", so.tenants, so.load,
	       (unsigned long long)so.seed);
	printf("%-18s %5s %7s %8s %8s %7s %9s %9s %8s %8s\n", "run", "days",
	       "jobs", "events", "passes", "maxq", "best_s", "median_s",
	       "alloc%", "ev/s");
	for (int k = 0; k < REPS; k++) {
		run_once(0, &r[k]);
		tot[k] = r[k].total_s;
	}
	qsort(tot, REPS, sizeof tot[0], cmp_double);
	row("default (2 days)", (double)so.duration_s / 86400.0, &r[0], tot[0],
	    tot[REPS / 2]);
	run_once(3 * 86400, &big);
	row("3 days, 1 run", 3.0, &big, big.total_s, big.total_s);

	printf("\nscheduler state (korea pool, %zu nodes, %llu GPUs; "
	       "default run, %zu jobs):\n", r[0].nnodes,
	       (unsigned long long)r[0].gpus, r[0].njobs);
	printf("  sizeof(struct node)          %4zu B  = %.1f B per GPU (8-GPU "
	       "nodes)\n", sizeof(struct node), (double)sizeof(struct node) / 8);
	printf("  pool (nodes + hierarchy)     %6.1f B per node = %.1f B per GPU\n",
	       (double)r[0].pool_bytes / (double)r[0].nnodes,
	       (double)r[0].pool_bytes / (double)r[0].gpus);
	printf("  placer index (FGD)           %6.1f B per node = %.1f B per GPU\n",
	       (double)r[0].mem.placer / (double)r[0].nnodes,
	       (double)r[0].mem.placer / (double)r[0].gpus);
	printf("  sizeof(struct job)           %4zu B\n", sizeof(struct job));
	printf("  simulator per-job arrays     %6.1f B per job\n",
	       (double)r[0].mem.per_job / (double)r[0].njobs);
	printf("  queue + heap + decisions     %6.1f B per job (peak capacity)\n",
	       (double)(r[0].mem.queue + r[0].mem.heap + r[0].mem.decisions) /
		   (double)r[0].njobs);
	printf("  metrics                      %6.1f B per job\n",
	       (double)r[0].mem.metrics / (double)r[0].njobs);
	return 0;
}
