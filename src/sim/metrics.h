/*
 * metrics.h — what a simulation run measured.
 *
 * The simulator feeds an accumulator while it runs (metrics_advance at
 * every new instant, metrics_job at every start and finish); after the run
 * metrics_finish derives the figures from the accumulator and from the
 * jobs' submit/start/end times.  Definitions (also in docs/SIM.md):
 *
 *  alloc_pct    GPU allocation: 100 * integral of allocated GPU milli over
 *               [t_start, t_end] / integral of capacity milli over the
 *               same span (capacity * (t_end - t_start) when it does not
 *               change), t_start = the first submit, t_end = the last
 *               event.  Capacity is the GPUs of the nodes not ABSENT:
 *               DOWN and DRAIN nodes count (as idle or fragmented
 *               capacity), so failures show as lost allocation.
 *  down_pct     100 * integral of the GPU milli on DOWN nodes / integral
 *               of capacity: the share of capacity failures took.
 *  utilisation  allocated GPU milli as a % of capacity over time: with
 *               sample_s = 0 one point per change (compressed: a point
 *               only when the value changes; it holds until the next
 *               point); with sample_s > 0 the time-weighted mean over each
 *               window [t_start + k*sample_s, t_start + (k+1)*sample_s)
 *               (against the capacity of each moment when it changes).
 *  frag_pct     fragmentation against the workload's most common GPU shape
 *               s = (g GPUs of m milli on one node): a node's fragmented
 *               milli is all its free GPU milli if s cannot fit on it (fewer
 *               than g GPUs with >= m free, or the node is not UP), else the
 *               free milli of its GPUs with < m free (slivers s cannot use).
 *               frag_pct = 100 * integral of fragmented milli / integral of
 *               free milli over the run (0 when nothing was ever free).
 *               GPU only: CPU and memory do not enter.
 *  wait, jct    queueing delay start - submit and completion time
 *               end - submit, over completed jobs; percentiles by nearest
 *               rank on the exact sorted values: p = v[ceil(p/100 * n) - 1].
 *  jain         Jain's index (sum x)^2 / (n * sum x^2) over the tenants with
 *               completed GPU work, x = GPU-seconds received (GPUs * run
 *               time) / GPU-seconds demanded (GPUs * (end - submit)): the
 *               share of the time its jobs spent in the system that they
 *               were served.  Scale-free, so identical to "share received /
 *               share demanded"; 1 = every tenant waited proportionally
 *               alike, 1/n = one tenant got everything.
 *  makespan     last end - first submit (0 without completed jobs).
 *
 * Integrals are exact integer milli-seconds sums (uint64), so figures do
 * not depend on the order of floating-point additions.  The struct owns
 * its arrays; metrics_free releases them.
 */
#ifndef ALLOT_SIM_METRICS_H
#define ALLOT_SIM_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/job.h"
#include "model/pool.h"
#include "util/jsonw.h"

struct metrics_dist {
	size_t n;
	double mean;
	int64_t p50, p90, p99, max;
};

struct metrics_tenant {
	size_t jobs, completed, rejected;
	struct metrics_dist wait, jct;
	double gpu_s_used;     /* GPUs * run time of completed jobs */
	double gpu_s_demanded; /* GPUs * (end - submit) of completed jobs */
	double service;        /* used / demanded; 0 if nothing demanded */
};

struct metrics_point {
	int64_t t;
	double alloc_pct;
};

struct metrics {
	/* Set up by metrics_init. */
	uint64_t capacity_milli;
	int64_t sample_s;
	uint16_t shape_gpn, shape_milli; /* fragmentation reference shape */
	size_t nnodes;
	uint32_t *node_frag;     /* each node's fragmented milli now */
	int cap_varies;          /* capacity changed after the start */

	/* The accumulator. */
	int started;             /* metrics_advance was called */
	int64_t t_start, t_now;
	uint64_t alloc_milli;    /* allocated now */
	uint64_t frag_milli;     /* fragmented now */
	uint64_t int_alloc, int_free, int_frag; /* milli-seconds */
	uint64_t down_milli;     /* GPU milli on DOWN nodes now */
	uint64_t int_cap, int_down; /* milli-seconds */
	uint64_t win_acc;        /* sampling: integral within the window */
	uint64_t win_cap;        /* sampling: capacity integral, likewise */
	int64_t win_start;

	/* The series. */
	struct metrics_point *util;
	size_t nutil, cap_util;

	/* Results (metrics_finish). */
	int64_t t_end, makespan;
	size_t jobs, completed, rejected, unfinished;
	size_t withdrawn;       /* cancelled by their program (JOB_WITHDRAWN) */
	double alloc_pct, frag_pct, jain, down_pct;
	size_t jain_tenants;
	struct metrics_dist wait, jct;
	struct metrics_tenant *tenant; /* indexed by tenant id */
	size_t ntenants;
};

/* Prepares m for a run of w on p (whose nodes must all be free and stay
 * the same set); sample_s as above (0 = every change). */
void metrics_init(struct metrics *m, const struct pool *p,
		  const struct workload *w, int64_t sample_s);
void metrics_free(struct metrics *m);

/* Moves the clock to t (>= the last t): the current levels count for the
 * time in between.  The first call fixes t_start. */
void metrics_advance(struct metrics *m, int64_t t);
/* Records that j started (started = 1) or ended (0) on a, after the pool
 * was changed: updates the allocated level and the fragmentation of the
 * nodes in a. */
void metrics_job(struct metrics *m, const struct pool *p, const struct job *j,
		 const struct alloc *a, int started);
/* Records that node's state changed from old_state (enum node_state), for
 * capacity events: capacity (ABSENT or not), GPUs down, the node's
 * fragmentation.  Call after the pool changed, with the clock at now. */
void metrics_node(struct metrics *m, const struct pool *p, uint32_t node,
		  int old_state);
/* Derives the results from the accumulator and the jobs of w (state,
 * submit, start, end; rejected jobs are the CANCELLED ones that never
 * started).  Call once, after the last event. */
void metrics_finish(struct metrics *m, const struct workload *w);

/* Fills d from n values (sorted in place). */
void metrics_dist_of(struct metrics_dist *d, int64_t *v, size_t n);
/* Jain's index of x[0..n); NaN for n == 0 or all zero. */
double metrics_jain(const double *x, size_t n);

/* Writes the results as keys of the JSON object open in jw (no wall-clock
 * figures: the same run gives the same bytes). */
void metrics_write_json(const struct metrics *m, const struct workload *w,
			struct jsonw *jw);
/* CSV files; each returns 0 or ERR_IO if writing f failed. */
int metrics_write_util_csv(const struct metrics *m, FILE *f);
int metrics_write_jobs_csv(const struct workload *w, FILE *f);
int metrics_write_tenants_csv(const struct metrics *m,
			      const struct workload *w, FILE *f);

#endif
