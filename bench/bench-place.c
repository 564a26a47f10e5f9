/*
 * bench-place.c — placement throughput of the six policies on a large
 * regular pool, and how it grows with the pool.
 *
 * The pool: N nodes of 8 GPUs (full size 32,500 nodes = 260,000 GPUs) in
 * 3 sites, clusters of 2,040 nodes, racks of 8 nodes, NVLink domains of
 * 4 nodes, built directly with pool_add_*; sites 0 and 1 hold B200 nodes, site 2 H200.
 * The job stream (seeded): 30 % GPU shares (100..900 milli), 25 % 1 GPU,
 * 10 % 2, 10 % 4, 15 % 8, 10 % gangs of 2..8 nodes x 8 GPUs; CPU and
 * memory in proportion to GPUs; 20 % of jobs pinned to one model.
 *
 * Per policy: fill the pool with the stream to 80 % of its GPUs, then
 * measure steady state: each step places the next job and, while more
 * than 80 % is allocated, releases a random running job.  Placements/s
 * counts placer_place calls (failures included) over the measured steps;
 * releases are not timed.  Also: node classes at the end and placer
 * bytes per node.  Run at 1/4, 1/2 and full size to show the growth.
 *
 *	build/bench/bench-place [STEPS]     (default 20000 measured steps)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/job.h"
#include "model/pool.h"
#include "sched/place.h"
#include "util/alloc.h"
#include "util/rng.h"

#define FULL_NODES 32500
#define FILL 0.80

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
build_pool(struct pool *p, int nnodes)
{
	struct gpu_model b200 = {192, 1000, 6000000}, h200 = {141, 700, 4500000};
	int mb, mh, per_site = (nnodes + 2) / 3, made = 0;

	pool_init(p);
	mb = pool_model(p, "B200", &b200, NULL);
	mh = pool_model(p, "H200", &h200, NULL);
	for (int s = 0; s < 3 && made < nnodes; s++) {
		char name[64];
		uint32_t site, cl = 0, rack = 0, dom = 0;

		snprintf(name, sizeof name, "site%d", s);
		site = pool_add_site(p, name, s == 2 ? "Naver" : "NHN");
		for (int i = 0; i < per_site && made < nnodes; i++, made++) {
			if (i % 2040 == 0) {
				snprintf(name, sizeof name, "s%d-c%d", s, i / 2040);
				cl = pool_add_cluster(p, name, site);
			}
			if (i % 8 == 0) {
				snprintf(name, sizeof name, "s%d-r%d", s, i / 8);
				rack = pool_add_rack(p, name, cl);
			}
			if (i % 4 == 0) {
				snprintf(name, sizeof name, "s%d-d%d", s, i / 4);
				dom = pool_add_domain(p, name, rack);
			}
			snprintf(name, sizeof name, "s%d-n%d", s, i);
			if (pool_add_node(p, name, dom, s == 2 ? mh : mb, 8, 224000,
					  2097152, NULL) < 0)
				abort();
		}
	}
}

static struct job
random_job(struct rng *r)
{
	struct job j;
	uint64_t k = rng_below(r, 100);
	int g;

	memset(&j, 0, sizeof j);
	j.nodes = 1;
	j.gpu_milli = MILLI;
	if (k < 30) {
		j.gpus_per_node = 1;
		j.gpu_milli = (uint16_t)(100 * (1 + rng_below(r, 9)));
	} else if (k < 55) {
		j.gpus_per_node = 1;
	} else if (k < 65) {
		j.gpus_per_node = 2;
	} else if (k < 75) {
		j.gpus_per_node = 4;
	} else if (k < 90) {
		j.gpus_per_node = 8;
	} else {
		j.gpus_per_node = 8;
		j.nodes = (uint16_t)(2 + rng_below(r, 7));
	}
	g = j.gpus_per_node;
	/* 28 cores and 256 GiB per whole GPU, a share in proportion. */
	j.cpu_milli = (uint32_t)(g * 28000 * j.gpu_milli / MILLI / 1000 * 1000);
	j.mem_mib = (uint32_t)(g * 262144 * j.gpu_milli / MILLI / 1024 * 1024);
	if (rng_below(r, 5) == 0)
		j.model_mask = 1u << rng_below(r, 2);
	return j;
}

struct result {
	double per_s;
	size_t classes, bytes;
	double util;
};

static struct result
run(int pol, int nnodes, int steps)
{
	struct pool p;
	struct placer *pl;
	struct rng r;
	struct job sample[4096];
	struct job *jobs;
	struct alloc *allocs;
	size_t *live, nlive = 0, cap;
	uint64_t total, used = 0;
	double t = 0;
	struct result res;

	build_pool(&p, nnodes);
	total = pool_gpu_milli_total(&p);
	rng_seed(&r, 2026);
	for (int i = 0; i < 4096; i++)
		sample[i] = random_job(&r);
	pl = placer_new(&p, (enum place_policy)pol, 42);
	placer_set_workload(pl, sample, 4096);
	cap = (size_t)nnodes * 8 + (size_t)steps + 16;
	jobs = xcalloc(cap, sizeof *jobs);
	allocs = xcalloc(cap, sizeof *allocs);
	live = xcalloc(cap, sizeof *live);
	/* Fill to FILL (not timed). */
	size_t next = 0;
	for (; used < (uint64_t)(FILL * (double)total) && next < cap; next++) {
		size_t i = next;

		jobs[i] = random_job(&r);
		if (placer_place(pl, &jobs[i], &allocs[i]) == 0) {
			used += job_gpu_milli(&jobs[i]);
			live[nlive++] = i;
		}
	}
	/* Steady state: place one, release down to FILL. */
	for (int s = 0; s < steps && next < cap; s++, next++) {
		double t0;
		int rc;

		jobs[next] = random_job(&r);
		t0 = now_s();
		rc = placer_place(pl, &jobs[next], &allocs[next]);
		t += now_s() - t0;
		if (rc == 0) {
			used += job_gpu_milli(&jobs[next]);
			live[nlive++] = next;
		}
		while (used > (uint64_t)(FILL * (double)total) && nlive > 0) {
			size_t k = (size_t)rng_below(&r, nlive), i = live[k];

			placer_release(pl, &jobs[i], &allocs[i]);
			alloc_free(&allocs[i]);
			used -= job_gpu_milli(&jobs[i]);
			live[k] = live[--nlive];
		}
	}
	res.per_s = steps / t;
	res.classes = placer_nclasses(pl);
	res.bytes = placer_bytes(pl);
	res.util = (double)used / (double)total;
	for (size_t k = 0; k < nlive; k++)
		alloc_free(&allocs[live[k]]);
	free(jobs);
	free(allocs);
	free(live);
	placer_free(pl);
	pool_free(&p);
	return res;
}

int
main(int argc, char **argv)
{
	static const int sizes[] = {FULL_NODES / 4, FULL_NODES / 2, FULL_NODES};
	struct result res[3][PLACE_NPOLICIES];
	int steps = argc > 1 ? atoi(argv[1]) : 20000;

	if (steps <= 0)
		steps = 20000;
	printf("placement throughput: %d steady-state placements per run, "
	       "pool held at %.0f %% of its GPUs\n\n", steps, FILL * 100);
	for (int z = 0; z < 3; z++)
		for (int p = 0; p < PLACE_NPOLICIES; p++)
			res[z][p] = run(p, sizes[z], steps);
	printf("%-14s", "placements/s");
	for (int z = 0; z < 3; z++)
		printf(" %9d GPUs", sizes[z] * 8);
	printf("   full/quarter  classes  B/node\n");
	for (int p = 0; p < PLACE_NPOLICIES; p++) {
		printf("%-14s", place_policy_name((enum place_policy)p));
		for (int z = 0; z < 3; z++)
			printf(" %14.0f", res[z][p].per_s);
		printf("   %11.2fx %8zu %7.1f\n",
		       res[0][p].per_s / res[2][p].per_s, res[2][p].classes,
		       (double)res[2][p].bytes / sizes[2]);
	}
	printf("\n(full/quarter: how many times slower a placement is on the "
	       "4x larger pool;\n 4.00x would be linear growth)\n");
	return 0;
}
